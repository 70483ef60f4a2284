/**
 * `npm run campaign -- agent`: a power cut at every flash operation of a whole simulated FOTA —
 * update check, certificate selection, download into the slot, verify, stage, reboot, MCUboot's swap,
 * trial, confirm — with a small image. After each cut the board boots again (MCUboot first) and the
 * agent resumes from its persisted record. Every run must boot a valid image at every boot and end
 * with the release confirmed (or, with --revert, rolled back to 1.0.0 after a failed self-test).
 * Last line: `agent: <N> cut points, <K> converged, <F> failed`.
 *
 * Options: --payload-bytes N (default 8192), --seeds N (flash partial-effect seeds, default 1),
 * --stride K (every K-th cut point, default 1), --revert, --board nrf9160|nrf52833 (the image goes to
 * the companion over SMP; the cuts hit the nRF9160, which holds the agent's state), --json.
 */
import { runSim, type SimOptions } from '../../src/cli/sim-run.ts';
import { parseInteger } from '../../src/cli/args.ts';

export interface AgentSweepOptions {
  payloadBytes: number;
  seeds: number;
  stride: number;
  revert: boolean;
  /** Where the image goes: the nRF9160's own slot, or the companion nRF52833 over SMP. */
  target?: 'nrf9160' | 'nrf52833';
  onFailure?: (line: string) => void;
}

export interface AgentSweepResult {
  cutPoints: number;
  converged: number;
  failed: string[];
  operations: number;
}

/** Runs the sweep; a failure line names the seed, the cut index and what went wrong. */
export async function sweepAgentPowerCuts(o: AgentSweepOptions): Promise<AgentSweepResult> {
  const base: SimOptions = { link: 'none', payloadBytes: o.payloadBytes, ...(o.revert ? { failSelftest: true } : {}), ...(o.target ? { target: o.target } : {}) };
  const expected = o.revert ? { final: 'rolled-back', version: '1.0.0' } : { final: 'confirmed', version: '1.1.0' };
  const clean = await runSim(base);
  if (clean.summary.final !== expected.final) throw new Error(`agent campaign: the run without a cut ended ${clean.summary.final}`);
  const failed: string[] = [];
  let cutPoints = 0;
  for (let seed = 1; seed <= o.seeds; seed++) {
    for (let cut = 0; cut < clean.flashOperations; cut += o.stride) {
      cutPoints++;
      let why: string | undefined;
      try {
        const r = await runSim({ ...base, seed, powerCutAt: cut });
        if (r.powerCuts !== 1) why = `${r.powerCuts} power cuts happened`;
        else if (r.summary.final !== expected.final) why = `ended ${r.summary.final} (${r.summary.reason?.code ?? ''} ${r.summary.reason?.message ?? ''})`;
        else if (!r.summary.version?.startsWith(expected.version)) why = `runs ${r.summary.version}`;
      } catch (e) {
        why = `threw ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
      }
      if (why) {
        const line = `seed ${seed} cut ${cut}: ${why}`;
        failed.push(line);
        o.onFailure?.(line);
      }
    }
  }
  return { cutPoints, converged: cutPoints - failed.length, failed, operations: clean.flashOperations };
}

export async function run(args: string[]): Promise<number> {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const json = args.includes('--json');
  const r = await sweepAgentPowerCuts({
    payloadBytes: parseInteger('payload-bytes', value('payload-bytes') ?? '8192', 400 * 1024),
    seeds: Math.max(1, parseInteger('seeds', value('seeds') ?? '1', 1000)),
    stride: Math.max(1, parseInteger('stride', value('stride') ?? '1', 100_000)),
    revert: args.includes('--revert'),
    ...(value('board') === 'nrf52833' ? { target: 'nrf52833' as const } : {}),
    onFailure: (line) => console.log(`FAILED ${line}`),
  });
  if (json) console.log(JSON.stringify({ cutPoints: r.cutPoints, converged: r.converged, failed: r.failed.length, operationsPerFlow: r.operations }));
  console.log(`agent: ${r.cutPoints} cut points, ${r.converged} converged, ${r.failed.length} failed`);
  return r.failed.length === 0 ? 0 : 1;
}

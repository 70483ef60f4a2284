/**
 * `npm run campaign -- agent`: a power cut at every flash operation of a whole simulated FOTA —
 * update check, certificate selection, download into the slot, verify, stage, reboot, MCUboot's swap,
 * trial, confirm — with a small image. After each cut the board boots again (MCUboot first) and the
 * agent resumes from its persisted record. Every run must boot a valid image at every boot and end
 * with the release confirmed (or, with --revert, rolled back to 1.0.0 after a failed self-test).
 * Last line: `agent: <N> cut points, <K> converged, <F> failed`.
 *
 * With --chaos N it runs N seeded schedules instead, each a random recoverable server fault (dropped
 * connections, 5xx, stalls, Connection: close) together with a power cut at a random flash operation; every
 * schedule must still end confirmed. Last line then: `agent-chaos: <N> schedules, <K> converged, <F> failed`.
 *
 * Options: --payload-bytes N (default 8192), --seeds N (flash partial-effect seeds, default 1),
 * --stride K (every K-th cut point, default 1), --revert, --board nrf9160|nrf52833 (the image goes to
 * the companion over SMP; the cuts hit the nRF9160, which holds the agent's state), --engine xs|quickjs
 * (the device application runs in that embedded engine, src/engine/), --json.
 */
import { runSim, type SimOptions } from '../../src/boards/sim-run.ts';
import { ENGINE_NAMES, type EngineName } from '../../src/engine/host/engine.ts';
import { engineDeviceApp } from '../../src/engine/host/run-app.ts';
import { parseInteger } from '../../src/cli/args.ts';
import { xorshift32 } from '../../src/hal/prng.ts';
import type { ServerFaults } from '../../src/server/faults.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';

export interface AgentSweepOptions {
  payloadBytes: number;
  seeds: number;
  stride: number;
  revert: boolean;
  /** Where the image goes: the nRF9160's own slot, or the companion nRF52833 over SMP. */
  target?: 'nrf9160' | 'nrf52833';
  /** Run the device application in this embedded engine instead of V8. */
  engine?: EngineName;
  onFailure?: (line: string) => void;
}

function inEngine(engine: EngineName | undefined): Pick<SimOptions, 'deviceApp'> {
  return engine ? { deviceApp: engineDeviceApp({ engine }) } : {};
}

export interface AgentSweepResult {
  cutPoints: number;
  converged: number;
  failed: string[];
  operations: number;
}

/** Runs the sweep; a failure line names the seed, the cut index and what went wrong. */
export async function sweepAgentPowerCuts(o: AgentSweepOptions): Promise<AgentSweepResult> {
  const base: SimOptions = { world: localUpdateServer(), link: 'none', payloadBytes: o.payloadBytes, ...(o.revert ? { failSelftest: true } : {}), ...(o.target ? { target: o.target } : {}), ...inEngine(o.engine) };
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

/** One random recoverable server fault, from the schedule's generator. */
function randomFault(next: () => number): ServerFaults {
  switch (next() % 4) {
    case 0:
      return { dropAfterBytes: 200 + (next() % 1500), count: 1 + (next() % 3) };
    case 1:
      return { status: [500, 502, 503, 504][next() % 4]!, count: 1 + (next() % 3) };
    case 2:
      return { stallAfterBytes: next() % 1500, stallMs: 50 + (next() % 300), count: 1 + (next() % 2) };
    default:
      return { connectionClose: true };
  }
}

export interface ChaosResult {
  schedules: number;
  converged: number;
  failed: string[];
}

/** Seeded schedules of a server fault plus a power cut; each must end confirmed with 1.1.0 running. */
export async function chaosAgent(o: { schedules: number; seed: number; payloadBytes: number; engine?: EngineName; onFailure?: (line: string) => void }): Promise<ChaosResult> {
  const base: SimOptions = { world: localUpdateServer(), link: 'none', payloadBytes: o.payloadBytes, ...inEngine(o.engine) };
  const clean = await runSim(base);
  const failed: string[] = [];
  for (let i = 0; i < o.schedules; i++) {
    const next = xorshift32(o.seed + i * 7919);
    const faults = randomFault(next);
    const cut = next() % clean.flashOperations;
    let why: string | undefined;
    try {
      const r = await runSim({ ...base, world: localUpdateServer(faults), powerCutAt: cut, seed: 1 + (next() % 1000) });
      if (r.summary.final !== 'confirmed') why = `ended ${r.summary.final} (${r.summary.reason?.code ?? ''} ${r.summary.reason?.message ?? ''})`;
      else if (!r.summary.version?.startsWith('1.1.0')) why = `runs ${r.summary.version}`;
    } catch (e) {
      why = `threw ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
    }
    if (why) {
      const line = `schedule ${i} (faults ${JSON.stringify(faults)}, cut ${cut}): ${why}`;
      failed.push(line);
      o.onFailure?.(line);
    }
  }
  return { schedules: o.schedules, converged: o.schedules - failed.length, failed };
}

export async function run(args: string[]): Promise<number> {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const json = args.includes('--json');
  const engineName = value('engine');
  if (engineName !== undefined && !ENGINE_NAMES.includes(engineName as EngineName)) {
    console.error(`agent campaign: --engine must be one of ${ENGINE_NAMES.join(', ')}, not '${engineName}'`);
    return 2;
  }
  const engine = engineName as EngineName | undefined;
  const chaos = value('chaos');
  if (chaos !== undefined) {
    const r = await chaosAgent({
      schedules: Math.max(1, parseInteger('chaos', chaos, 100_000)),
      seed: parseInteger('seed', value('seed') ?? '1'),
      payloadBytes: parseInteger('payload-bytes', value('payload-bytes') ?? '8192', 400 * 1024),
      ...(engine ? { engine } : {}),
      onFailure: (line) => console.log(`FAILED ${line}`),
    });
    console.log(`agent-chaos: ${r.schedules} schedules, ${r.converged} converged, ${r.failed.length} failed`);
    return r.failed.length === 0 ? 0 : 1;
  }
  const r = await sweepAgentPowerCuts({
    payloadBytes: parseInteger('payload-bytes', value('payload-bytes') ?? '8192', 400 * 1024),
    seeds: Math.max(1, parseInteger('seeds', value('seeds') ?? '1', 1000)),
    stride: Math.max(1, parseInteger('stride', value('stride') ?? '1', 100_000)),
    revert: args.includes('--revert'),
    ...(value('board') === 'nrf52833' ? { target: 'nrf52833' as const } : {}),
    ...(engine ? { engine } : {}),
    onFailure: (line) => console.log(`FAILED ${line}`),
  });
  if (json) console.log(JSON.stringify({ cutPoints: r.cutPoints, converged: r.converged, failed: r.failed.length, operationsPerFlow: r.operations }));
  console.log(`agent: ${r.cutPoints} cut points, ${r.converged} converged, ${r.failed.length} failed`);
  return r.failed.length === 0 ? 0 : 1;
}

/**
 * The `fotakit` command: `fotakit <group> [command] [options]`. Each group lives in
 * src/cli/commands/<group>.ts, exports `run(argv)` resolving to the exit status, and is loaded only
 * when asked for (a dynamic import per group: `image verify` never loads X.509, serialport or the
 * server; the build splits the bundle so each group's code is its own chunk). `fotakit image` starts
 * from its own CommonJS bundle instead (src/cli/image-main.ts, chosen by bin/fotakit.cjs).
 * Exit statuses: one table, src/cli/exit-codes.ts (0 ok, 1 negative verdict or failed operation,
 * 2 usage or input error, 3 internal error).
 */
import { UsageError } from '../hal/errors.ts';
import { closestFlag } from './flags.ts';
import { EXIT_OK, EXIT_USAGE, reportError } from './args.ts';
import { quietOnEpipe, runGroup, type CommandGroup } from './run-group.ts';

/** Each group: what it does, and how to load it. */
const GROUPS: Record<string, { what: string; load: () => Promise<CommandGroup> }> = {
  image: { what: 'MCUboot images: sign, verify, info, keygen, getpub (imgtool-compatible)', load: () => import('./commands/image.ts') },
  sim: { what: 'a full FOTA on a simulated board against the local update server (the main job)', load: () => import('./commands/sim.ts') },
  serve: { what: 'the local update server: release API + CDN with a test PKI and fault injection', load: () => import('./commands/serve.ts') },
  download: { what: 'the range downloader over the simulated modem, against any HTTPS server', load: () => import('./commands/download.ts') },
  smp: { what: 'MCUmgr SMP client: image list/upload/test/confirm/erase, reset, echo', load: () => import('./commands/smp.ts') },
  emulate: { what: 'board emulator on pseudo-terminals (SLM AT modem, SMP MCUboot board)', load: () => import('./commands/emulate.ts') },
  hil: { what: 'hardware in the loop: the agent over a real modem and a real MCUboot board', load: () => import('./commands/hil.ts') },
  vectors: { what: 'test vectors for C firmware (JSON + C headers)', load: () => import('./commands/vectors.ts') },
  report: { what: 'draw a saved run log (--json output of sim or hil) as an HTML report', load: () => import('./commands/report.ts') },
};

function usage(): string {
  const lines = ['usage: fotakit <group> [command] [options]   (--help on any of them)', '', 'groups:'];
  for (const [g, d] of Object.entries(GROUPS)) lines.push(`  ${g.padEnd(10)} ${d.what}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  const json = argv.includes('--json');
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    if (group) {
      console.log(usage());
      return EXIT_OK;
    }
    console.error(usage());
    return EXIT_USAGE;
  }
  if (group === '--json') return reportError(new UsageError('fotakit: a group is required (fotakit --help lists them)'), true);
  const entry = GROUPS[group];
  if (!entry) {
    const near = group.startsWith('-') ? undefined : closestFlag(group, Object.keys(GROUPS));
    const e = new UsageError(`fotakit: unknown group '${group}'${near ? ` (did you mean '${near}'?)` : ''}; groups: ${Object.keys(GROUPS).join(', ')}`, {
      group,
      ...(near ? { suggestion: near } : {}),
    });
    return reportError(e, json);
  }
  return runGroup(entry.load, rest, json);
}

quietOnEpipe(process.stdout);
quietOnEpipe(process.stderr);
process.exitCode = await main(process.argv.slice(2));

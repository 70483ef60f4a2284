/**
 * The `fotakit` command: `fotakit <group> [command] [options]`. Each group lives in
 * src/cli/commands/<group>.ts and exports `run(argv)`, resolving to the exit code
 * (0 success, 1 a negative verdict such as an invalid image, 2 usage or input error).
 */
import { EXIT_USAGE, reportError } from './args.ts';

const GROUPS: Record<string, string> = {
  image: 'MCUboot images: sign, verify, info, keygen, getpub (imgtool-compatible)',
  sim: 'a full FOTA on a simulated board against the local update server (the main job)',
  serve: 'the local update server: release API + CDN with a test PKI and fault injection',
  download: 'the range downloader over the simulated modem, against any HTTPS server',
  smp: 'MCUmgr SMP client: image list/upload/test/confirm/erase, reset, echo',
  emulate: 'board emulator on pseudo-terminals (SLM AT modem, SMP MCUboot board)',
  hil: 'hardware in the loop: the agent over a real modem and a real MCUboot board',
  vectors: 'test vectors for C firmware (JSON + C headers)',
  report: 'draw a saved run log (--json output of sim or hil) as an HTML report',
};

function usage(): string {
  const lines = ['usage: fotakit <group> [command] [options]   (--help on any of them)', '', 'groups:'];
  for (const [g, d] of Object.entries(GROUPS)) lines.push(`  ${g.padEnd(10)} ${d}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    console.log(usage());
    return group ? 0 : EXIT_USAGE;
  }
  if (!(group in GROUPS)) {
    console.error(`fotakit: unknown group '${group}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  let mod: { run: (argv: string[]) => Promise<number> };
  try {
    mod = (await import(`./commands/${group}.ts`)) as typeof mod;
  } catch (e) {
    console.error(`fotakit: '${group}' is not available in this build (${(e as Error).message})`);
    return EXIT_USAGE;
  }
  try {
    return await mod.run(rest);
  } catch (e) {
    return reportError(e, rest.includes('--json'));
  }
}

process.exitCode = await main(process.argv.slice(2));

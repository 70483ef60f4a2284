/** Test helper (not a test file): runs `fotakit download` in this process and captures its lines. */
import { run } from '../../src/cli/commands/download.ts';

/** The command's exit code and every line it printed (stdout and stderr, in order). */
export async function downloadCli(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    return { code: await run(argv), out };
  } finally {
    console.log = log;
    console.error = err;
  }
}

/**
 * Runs one command group under the CLI's contract, for both entries (src/cli/main.ts, the ES module
 * build of every group, and src/cli/image-main.ts, the CommonJS start of `fotakit image`): an error is
 * typed and reported in text or `--json` with its exit status (src/cli/exit-codes.ts), and a reader
 * that stops reading is not an error.
 */
import { EXIT_OK, reportError } from './args.ts';

/** A command group: src/cli/commands/<group>.ts. */
export interface CommandGroup {
  run: (argv: string[]) => Promise<number>;
}

/**
 * A reader that stops reading (`fotakit sim | head -3`) is not an error: end quietly on EPIPE rather
 * than crash on an unhandled 'error' event.
 */
export function quietOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    process.exit(reportError(e, false));
  });
}

/** Loads a group and runs it with the arguments after its name; resolves to the exit status. */
export async function runGroup(load: () => Promise<CommandGroup>, argv: string[], json: boolean): Promise<number> {
  try {
    const group = await load();
    return await group.run(argv);
  } catch (e) {
    return reportError(e, json);
  }
}

/** Test helper (not a test file): runs the `image` command in this process and captures what it prints. */
import { run } from '../../../src/cli/commands/image.ts';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** `fotakit image ...argv` in-process: its exit code, stdout (console.log and raw writes) and stderr. */
export async function imageCli(...argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const log = console.log;
  const error = console.error;
  const write = process.stdout.write.bind(process.stdout);
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
  }
}

/**
 * Linked pseudo-terminal pairs from Debian's `socat` (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`):
 * what one end writes the other reads, as between a host and a board on a USB serial line. The board
 * emulator holds one end and prints the other for the tool under test. Node only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PortError } from '../port.ts';

/** Time socat gets to create both pseudo-terminals. */
export const PTY_START_TIMEOUT_MS = 5_000;

export interface PtyPair {
  /** The two device paths (`/dev/pts/N`), or the symlinks when asked for. */
  readonly paths: [string, string];
  /** Resolves when socat exits (on close(), or on its own: then both ends are gone). */
  readonly exited: Promise<void>;
  /** Stops socat (by its own pid); both ends go away. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Symlink names for the two ends (e.g. `/tmp/fotakit-nrf9160`), replacing existing links. */
  links?: [string | undefined, string | undefined];
  socatPath?: string;
}

function address(link: string | undefined): string {
  if (link !== undefined && /[,:!]/.test(link)) throw new PortError('PTY_FAILED', `pty.create: link path '${link}' has a character socat reserves`);
  return `pty,raw,echo=0${link !== undefined ? `,link=${link}` : ''}`;
}

export function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const links = options.links ?? [undefined, undefined];
  const socat = options.socatPath ?? 'socat';
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(socat, ['-d', '-d', address(links[0]), address(links[1])], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      reject(e instanceof PortError ? e : new PortError('PTY_FAILED', `pty.create: cannot start ${socat}: ${(e as Error).message}`));
      return;
    }
    const found: string[] = [];
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => fail(`socat did not report two ptys within ${PTY_START_TIMEOUT_MS} ms`), PTY_START_TIMEOUT_MS);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    function fail(why: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      reject(new PortError('PTY_FAILED', `pty.create: ${why}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`, { socat }));
    }
    child.once('error', (e) => fail(`cannot run ${socat} (${(e as NodeJS.ErrnoException).code ?? e.message}); install it: apt-get install socat`));
    child.once('exit', (code) => fail(`socat exited with ${code}`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr += text;
      for (const m of text.matchAll(/PTY is (\S+)/g)) found.push(m[1]!);
      // Wait for the transfer loop: by then both ends exist and their symlinks are made.
      if (found.length >= 2 && /starting data transfer loop/.test(stderr) && !settled) {
        settled = true;
        clearTimeout(timer);
        const paths: [string, string] = [links[0] ?? found[0]!, links[1] ?? found[1]!];
        resolve({
          paths,
          exited,
          async close() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              await exited;
            }
          },
        });
      }
    });
  });
}

/**
 * The README's hardware-in-the-loop walk-through runs as written: the block between the
 * `<!-- readme-hil: begin -->` and `<!-- readme-hil: end -->` markers is read from README.md and run line
 * by line in an empty folder, `npx fotakit` being the bin it resolves to (bin/fotakit.cjs, built by
 * `npm run build`), `serve` and `emulate` kept running in the background as the README says (real
 * pseudo-terminals through socat), every other line run to its end and required to exit 0.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));
const NPX_FOTAKIT = 'npx fotakit ';
/** Commands that run until Ctrl-C: started in the background, ready at their first line of output. */
const LONG_RUNNING = new Set(['serve', 'emulate']);

/** The walk-through's command lines, comments and blank lines dropped. */
export function readmeHilCommands(readme: string): string[] {
  const begin = readme.indexOf('<!-- readme-hil: begin -->');
  const end = readme.indexOf('<!-- readme-hil: end -->');
  if (begin < 0 || end < begin) throw new Error('README.md has no readme-hil block');
  const block = readme.slice(begin, end);
  const fence = /```sh\n([\s\S]*?)```/.exec(block);
  if (!fence) throw new Error('the readme-hil block holds no ```sh fence');
  return fence[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

interface Background {
  line: string;
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
}

function background(args: string[], cwd: string, line: string): Promise<Background> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return lines.next().then(({ done }) => {
    if (done) throw new Error(`'${line}' ended before it was ready: ${err}`);
    return { line, child, exit, stderr: () => err };
  });
}

test('the README names the walk-through in the order a user needs it', () => {
  const lines = readmeHilCommands(readFileSync(README, 'utf8'));
  const firstWord = (l: string) => (l.startsWith(NPX_FOTAKIT) ? l.slice(NPX_FOTAKIT.length).split(/\s+/).slice(0, 2).join(' ') : l.split(/\s+/)[0]);
  const order = lines.map(firstWord);
  assert.ok(order.indexOf('image keygen') < order.indexOf('image sign'));
  assert.ok(order.indexOf('image sign') < order.findIndex((w) => w.startsWith('serve')));
  assert.ok(order.findIndex((w) => w.startsWith('hil')) > order.findIndex((w) => w.startsWith('emulate')));
  for (const l of lines.filter((x) => x.startsWith(NPX_FOTAKIT) && x.includes(' hil '))) assert.match(l, /--server https:\/\/api\.fotakit\.test:8443/);
});

test('the README hardware-in-the-loop commands run as written against fotakit emulate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-readme-hil-'));
  const running: Background[] = [];
  const outputs: Record<string, string> = {};
  try {
    for (const line of readmeHilCommands(readFileSync(README, 'utf8'))) {
      if (!line.startsWith(NPX_FOTAKIT)) {
        const r = spawnSync('sh', ['-c', line], { cwd: dir, encoding: 'utf8' });
        assert.is(r.status, 0, `${line}: ${r.stderr}`);
        continue;
      }
      const args = line.slice(NPX_FOTAKIT.length).split(/\s+/);
      if (LONG_RUNNING.has(args[0]!)) {
        running.push(await background(args, dir, line));
        continue;
      }
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
      assert.is(r.status, 0, `${line}\n${r.stdout.slice(-3000)}\n${r.stderr}`);
      outputs[args.slice(0, 2).join(' ')] = r.stdout;
    }
    const hil = Object.entries(outputs).find(([k]) => k.startsWith('hil'))?.[1] ?? '';
    assert.match(hil, /final state\s+confirmed/);
    assert.match(hil, /running\s+2\.0\.0\+0\s+\(was 1\.0\.0\+0\)/);
    const list = Object.entries(outputs).find(([k]) => k.startsWith('smp'))?.[1] ?? '';
    assert.match(list, /version: 2\.0\.0/);
  } finally {
    for (const b of running) if (b.child.exitCode === null) b.child.kill('SIGTERM');
    for (const b of running) await b.exit;
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

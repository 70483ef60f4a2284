/**
 * Runs every uvu test file under test/ (files named *.test.ts) in one uvu process, streams its output,
 * and ends with the plain summary line CI reads: `tests: N passed, M failed, K skipped`.
 * Arguments narrow the run: `npm test -- smp` runs only files whose path contains "smp".
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const filter = process.argv.slice(2).join('|');
const pattern = filter ? `(${filter}).*\\.test\\.ts$` : '\\.test\\.ts$';
mkdirSync('test-artifacts', { recursive: true });

const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern, '--no-color'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  // uvu's own --color (on by default) sets FORCE_COLOR, and with NO_COLOR beside it every child node process
  // warns on stderr, which the CLI tests read.
  env: { ...withoutForceColor(process.env), NO_COLOR: '1' },
});
let out = '';
child.stdout.on('data', (chunk: Buffer) => {
  out += chunk.toString('utf8');
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  // uvu counts skipped tests outside its total.
  const failed = total - passed;
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code !== 0 || failed > 0 || total === 0 ? 1 : 0);
});

/** The environment without FORCE_COLOR (NO_COLOR alone turns colours off). */
function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...rest } = env;
  return rest;
}

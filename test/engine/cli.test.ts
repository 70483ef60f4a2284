/** `fotakit sim --engine` options: refused with a usage error when they do not name an engine or a crypto mode. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/cli/commands/sim.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));
const PREBUILT = fileURLToPath(new URL('../../dist/device-bundle.js', import.meta.url));

async function usageMessage(argv: string[]): Promise<string | undefined> {
  try {
    await run(argv);
  } catch (e) {
    if (e instanceof FotaError && e.code === 'USAGE') return e.message;
    throw e;
  }
  return undefined;
}

test('refuses an engine it does not have', async () => {
  assert.match((await usageMessage(['--engine', 'duktape'])) ?? '', "--engine must be one of xs, quickjs, v8, not 'duktape'");
});

test('refuses a crypto mode other than host or engine, and --engine-crypto alone', async () => {
  assert.match((await usageMessage(['--engine', 'xs', '--engine-crypto', 'tpm'])) ?? '', '--engine-crypto must be host or engine');
  assert.match((await usageMessage(['--engine-crypto', 'engine'])) ?? '', '--engine-crypto needs --engine');
});

test('the built CLI (dist/, as installed) runs the device application from its prebuilt bundle: confirmed in QuickJS', () => {
  // npm test builds first; the built CLI must need neither esbuild nor src/ for an engine run.
  assert.ok(existsSync(PREBUILT), 'npm run build writes dist/device-bundle.js');
  const r = spawnSync(process.execPath, [BIN, 'sim', '--engine', 'quickjs', '--link', 'none', '--payload-bytes', '16384', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { kind: string; final: string; version: string };
  assert.is(summary.kind, 'summary');
  assert.is(summary.final, 'confirmed');
  assert.is(summary.version, '1.1.0+0');
});

test.run();

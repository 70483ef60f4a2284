/** `fotakit sim --engine` options: refused with a usage error when they do not name an engine or a crypto mode. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/cli/commands/sim.ts';
import { FotaError } from '../../src/hal/errors.ts';

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

test.run();

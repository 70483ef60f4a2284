import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInteger, untilStopped } from '../../src/cli/args.ts';
import type { FotaError } from '../../src/hal/errors.ts';

test('untilStopped ends on its duration, or when what it serves is lost, and leaves no signal handler', async () => {
  const before = process.listenerCount('SIGINT');
  assert.is(await untilStopped(0.01), 'duration');
  assert.is(await untilStopped(10, Promise.resolve()), 'lost');
  assert.is(process.listenerCount('SIGINT'), before);
});

test('parseInteger takes decimal and 0x hex, and refuses anything else with a usage error', () => {
  assert.is(parseInteger('slot-size', '0x70000'), 0x70000);
  assert.is(parseInteger('slot-size', '512'), 512);
  for (const bad of ['-1', '1.5', '0x', 'ten', '99999999999999999999']) {
    try {
      parseInteger('slot-size', bad);
      assert.unreachable(bad);
    } catch (e) {
      assert.is((e as FotaError).code, 'USAGE', bad);
    }
  }
});

test.run();

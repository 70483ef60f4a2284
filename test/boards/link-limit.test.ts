import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linkLimitSeconds } from '../../src/boards/sim-run.ts';

test('the link limit counts the uplink too: the slower direction sets it (LTE-M: 300 kbit/s down, 100 kbit/s up)', () => {
  // 30 000 B down = 0.8 s; 15 000 B up = 1.2 s; one connection = 3 round trips of 200 ms.
  assert.is(linkLimitSeconds('lte-m', { rawBytesDown: 30_000, rawBytesUp: 15_000, connects: 1 }), 1.2 + 0.6);
  assert.is(linkLimitSeconds('lte-m', { rawBytesDown: 30_000, rawBytesUp: 1_000, connects: 1 })!.toFixed(3), (0.8 + 0.6).toFixed(3));
  assert.is(linkLimitSeconds('none', { rawBytesDown: 30_000, rawBytesUp: 15_000, connects: 1 }), undefined);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulberry32, seededBytes, unitInterval, xorshift32 } from '../../src/hal/prng.ts';

test('xorshift32 gives the published sequence for seed 1', () => {
  const next = xorshift32(1);
  assert.equal([next(), next(), next()], [270369, 67634689, 2647435461]);
});

test('seed 0 behaves as seed 1 (xorshift has no zero state)', () => {
  assert.equal(seededBytes(8, 0), seededBytes(8, 1));
});

test('seededBytes are the low bytes of the states, the same for a seed', () => {
  assert.equal(Array.from(seededBytes(3, 1)), [270369 & 0xff, 67634689 & 0xff, 2647435461 & 0xff]);
  assert.not.equal(seededBytes(16, 2), seededBytes(16, 3));
});

test('mulberry32 is deterministic and unitInterval stays in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const u = unitInterval(mulberry32(7));
  for (let i = 0; i < 1000; i++) {
    assert.is(a(), b());
    const v = u();
    assert.ok(v >= 0 && v < 1);
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetError } from '../../../src/hal/errors.ts';
import { FixedRangePolicy, NcsShrinkPolicy } from '../../../src/transport/download/baseline-policies.ts';

const emsgsize = new NetError('EMSGSIZE', 'recv: record too large');
const refusal = { rangeBytes: 0, predictedHeadBytes: 0, inFlight: 1, error: emsgsize };

test('fixed ranges clamp to the end and give up on the first refused record', () => {
  const p = new FixedRangePolicy(1024);
  assert.equal([p.plan(0, 5000).first, p.plan(0, 5000).last], [0, 1023]);
  assert.equal([p.plan(4096, 5000).first, p.plan(4096, 5000).last], [4096, 4999]);
  assert.is(p.pipelineDepth, 1);
  assert.throws(() => p.recordRefused(refusal), (e: unknown) => e === emsgsize);
});

test('NCS shrinks 2048 by 128 down to 256, then by 8, and gives up at 8', () => {
  const p = new NcsShrinkPolicy();
  const sizes = [p.rangeBytes];
  try {
    for (;;) {
      p.recordRefused(refusal);
      sizes.push(p.rangeBytes);
    }
  } catch (e) {
    assert.is(e, emsgsize);
  }
  assert.equal(sizes.slice(0, 3), [2048, 1920, 1792]);
  assert.ok(sizes.includes(256) && sizes.includes(248));
  assert.is(sizes.at(-1), 16);
  assert.is(sizes.length, 1 + 14 + 30);
});

test.run();

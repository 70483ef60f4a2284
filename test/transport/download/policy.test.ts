import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetError } from '../../../src/hal/errors.ts';
import { AdaptiveRangePolicy, DOWNLOAD_PIPELINE_DEPTH_DEFAULT } from '../../../src/transport/download/policy.ts';
import { DownloadError } from '../../../src/transport/download/errors.ts';

const emsgsize = new NetError('EMSGSIZE', 'recv: record too large');

test('plans conservatively, then from the largest head observed', () => {
  const p = new AdaptiveRangePolicy();
  assert.is(p.pipelineDepth, DOWNLOAD_PIPELINE_DEPTH_DEFAULT);
  assert.is(p.plan(0, undefined).length, 1234);
  p.observe({ headBytes: 200, first: 0, last: 1233 });
  p.observe({ headBytes: 150, first: 1234, last: 3000 });
  const plan = p.plan(10_000, 100_000);
  assert.is(plan.predictedHeadBytes + plan.length, 2258);
  assert.is(plan.predictedHeadBytes, 200 - 1 - 4 - 4 + 5 + 5 + 4);
});

test('a single overshooting record shrinks the budget by the overshoot plus the margin', () => {
  const p = new AdaptiveRangePolicy();
  assert.is(p.recordRefused({ rangeBytes: 1234, predictedHeadBytes: 1024, recordBytes: 2403, inFlight: 1, error: emsgsize }), 'shrink');
  const plan = p.plan(0, undefined);
  assert.is(plan.plaintextBudgetBytes, 2258 - 100 - 16);
});

test('a budget cut made before any head was seen is dropped once the real head is known', () => {
  const p = new AdaptiveRangePolicy();
  p.recordRefused({ rangeBytes: 1234, predictedHeadBytes: 1024, recordBytes: 2560, inFlight: 1, error: emsgsize });
  assert.is(p.plan(0, undefined).plaintextBudgetBytes, 2258 - 257 - 16);
  p.observe({ headBytes: 1281, first: 0, last: 960 });
  assert.is(p.plan(961, 100_000).plaintextBudgetBytes, 2258, 'the observed head predicts exactly: full budget again');
});

test('a record with room for several responses while pipelining means: go sequential', () => {
  const p = new AdaptiveRangePolicy();
  assert.is(p.recordRefused({ rangeBytes: 2000, predictedHeadBytes: 258, recordBytes: 4600, inFlight: 4, error: emsgsize }), 'sequential');
  assert.is(p.plan(0, undefined).plaintextBudgetBytes, 2258, 'ranges unchanged');
});

test('without the record size it halves, down to DOWNLOAD_RECORD_LIMIT_TOO_SMALL', () => {
  const p = new AdaptiveRangePolicy();
  p.observe({ headBytes: 200, first: 0, last: 1233 });
  let n = 0;
  try {
    for (;;) {
      const plan = p.plan(0, 100_000);
      p.recordRefused({ rangeBytes: plan.length, predictedHeadBytes: plan.predictedHeadBytes, inFlight: 1, error: emsgsize });
      n++;
    }
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.is((e as DownloadError).code, 'DOWNLOAD_RECORD_LIMIT_TOO_SMALL');
  }
  // Budget 2258 → 1129 → 564 → 282 → 141, which no longer holds the ~200-byte head.
  assert.is(n, 4);
});

test('rejects a pipeline depth outside 1..32', () => {
  for (const d of [0, 33, 1.5]) {
    try {
      new AdaptiveRangePolicy({ pipelineDepth: d });
      assert.unreachable();
    } catch (e) {
      assert.is((e as DownloadError).code, 'DOWNLOAD_BAD_OPTIONS');
    }
  }
});

test.run();

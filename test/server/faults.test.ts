import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../src/hal/errors.ts';
import { parseFaults, validateFaults } from '../../src/server/faults.ts';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'USAGE');
    return (e as FotaError).message;
  }
  throw new Error('expected a USAGE error');
}

test('parses the CLI form: numbers, flags, wrong-content-range with and without a value', () => {
  assert.equal(parseFaults('drop-after=4096, ignore-range,status=503,target=both,count=2'), {
    dropAfterBytes: 4096,
    ignoreRange: true,
    status: 503,
    target: 'both',
    count: 2,
  });
  assert.equal(parseFaults('wrong-content-range'), { wrongContentRange: 'shifted' });
  assert.equal(parseFaults('wrong-content-range=missing,record-bytes=1024,coalesce=20'), {
    wrongContentRange: 'missing',
    recordPlaintextBytes: 1024,
    coalesceMs: 20,
  });
  assert.equal(parseFaults('redirect=307'), { redirect: 307 });
  assert.equal(parseFaults(''), {});
});

test('refuses unknown names, missing numbers and out-of-range values, naming the fault', () => {
  assert.match(usage(() => parseFaults('explode')), /^--faults: unknown fault 'explode'/);
  assert.match(usage(() => parseFaults('drop-after')), /^--faults: drop-after needs a whole number/);
  assert.match(usage(() => parseFaults('record-bytes=20000')), /recordPlaintextBytes must be 512\.\.16384/);
  assert.match(usage(() => parseFaults('status=200')), /status must be 400\.\.599/);
  assert.match(usage(() => parseFaults('target=cache')), /target must be cdn, api or both/);
  assert.match(usage(() => validateFaults({ stallMs: 1.5 })), /^server\.setFaults: stallMs must be a non-negative integer/);
});

test.run();

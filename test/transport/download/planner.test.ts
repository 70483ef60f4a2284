import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../../src/hal/net.ts';
import { DownloadError } from '../../../src/transport/download/errors.ts';
import {
  DOWNLOAD_RECORD_MARGIN_BYTES,
  DOWNLOAD_RECORD_OVERHEAD_BYTES,
  TLS12_AES_GCM_RECORD_OVERHEAD_BYTES,
  TLS13_AEAD_RECORD_OVERHEAD_BYTES,
  decimalDigits,
  headBase,
  planRange,
  predictHead,
} from '../../../src/transport/download/planner.ts';

const LIMIT = MODEM_TLS_MAX_RECORD_BYTES;

/** Golden plans (the C vectors use the same function): input → [first, last, predicted head]. */
const VECTORS: Array<[Parameters<typeof planRange>[0], [number, number, number]]> = [
  [{ offset: 0, recordLimitBytes: LIMIT }, [0, 1233, 1024]],
  [{ offset: 0, size: 500, recordLimitBytes: LIMIT }, [0, 499, 1024]],
  // Observed a 160-byte head for bytes 0-1217: base 160 - 1 - 4 - 4 = 151; budget 2303 - 29 - 16 = 2258 = head + body.
  [{ offset: 1218, size: 262144, recordLimitBytes: LIMIT, observed: { headBytes: 160, first: 0, last: 1217 } }, [1218, 3312, 163]],
  [{ offset: 99990, size: 262144, recordLimitBytes: LIMIT, observed: { headBytes: 160, first: 0, last: 1217 } }, [99990, 102081, 166]],
  [{ offset: 100000, size: 262144, recordLimitBytes: LIMIT, observed: { headBytes: 160, first: 0, last: 1217 } }, [100000, 102090, 167]],
  [{ offset: 262000, size: 262144, recordLimitBytes: LIMIT, observed: { headBytes: 160, first: 0, last: 1217 } }, [262000, 262143, 166]],
  [{ offset: 0, recordLimitBytes: LIMIT, plaintextCapBytes: 2000 }, [0, 975, 1024]],
  [{ offset: 0, recordLimitBytes: LIMIT, maxRangeBytes: 512 }, [0, 511, 1024]],
];

test('golden plans', () => {
  for (const [input, [first, last, head]] of VECTORS) {
    const p = planRange(input);
    assert.equal([p.first, p.last, p.predictedHeadBytes], [first, last, head], JSON.stringify(input));
    assert.is(p.length, last - first + 1);
  }
});

test('record overheads are derived from the TLS record layouts', () => {
  assert.is(TLS12_AES_GCM_RECORD_OVERHEAD_BYTES, 29);
  assert.is(TLS13_AEAD_RECORD_OVERHEAD_BYTES, 22);
  assert.is(DOWNLOAD_RECORD_OVERHEAD_BYTES, 29);
});

test('head prediction follows the digits of the range numbers exactly', () => {
  assert.equal([decimalDigits(0), decimalDigits(9), decimalDigits(10), decimalDigits(99999), decimalDigits(100000)], [1, 1, 2, 5, 6]);
  const base = headBase({ headBytes: 200, first: 0, last: 999 });
  assert.is(base, 200 - 1 - 3 - 4);
  assert.is(predictHead(base, 0, 1000), 200);
  assert.is(predictHead(base, 123456, 2000), base + 6 + 6 + 4);
});

test('every plan fits one record: head + body + overhead + margin never over the limit (sweep)', () => {
  const observed = { headBytes: 250, first: 0, last: 1217 };
  const base = headBase(observed);
  for (let offset = 0; offset < 3_000_000; offset += 7919) {
    const p = planRange({ offset, size: 3_000_000, recordLimitBytes: LIMIT, observed });
    const head = predictHead(base, p.first, p.length);
    assert.ok(head + p.length + DOWNLOAD_RECORD_OVERHEAD_BYTES <= LIMIT - DOWNLOAD_RECORD_MARGIN_BYTES, `offset ${offset}`);
    assert.ok(head + p.length + DOWNLOAD_RECORD_OVERHEAD_BYTES >= LIMIT - DOWNLOAD_RECORD_MARGIN_BYTES - 3, `tight at ${offset}`);
  }
});

test('a limit that leaves no useful body is DOWNLOAD_RECORD_LIMIT_TOO_SMALL; bad offsets DOWNLOAD_BAD_OPTIONS', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.instance(e, DownloadError);
      return (e as DownloadError).code;
    }
    return 'none';
  };
  assert.is(code(() => planRange({ offset: 0, recordLimitBytes: 1100 })), 'DOWNLOAD_RECORD_LIMIT_TOO_SMALL');
  assert.is(code(() => planRange({ offset: 0, recordLimitBytes: LIMIT, observed: { headBytes: 2200, first: 0, last: 9 } })), 'DOWNLOAD_RECORD_LIMIT_TOO_SMALL');
  assert.is(code(() => planRange({ offset: -1, recordLimitBytes: LIMIT })), 'DOWNLOAD_BAD_OPTIONS');
  assert.is(code(() => planRange({ offset: 10, size: 10, recordLimitBytes: LIMIT })), 'DOWNLOAD_BAD_OPTIONS');
});

test.run();

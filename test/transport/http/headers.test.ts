import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpHeaders, ifRangeValidator, parseContentLength, parseContentRange } from '../../../src/transport/http/headers.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, HttpError);
    return (e as HttpError).code;
  }
  throw new Error('did not throw');
}

test('looks header fields up case-insensitively and joins repeats', () => {
  const h = new HttpHeaders([['ETag', '"v1"'], ['Cache-Control', 'a'], ['cache-control', 'b'], ['Connection', 'Keep-Alive, Close']]);
  assert.is(h.get('etag'), '"v1"');
  assert.is(h.get('CACHE-CONTROL'), 'a, b');
  assert.is(h.get('missing'), undefined);
  assert.is(h.hasToken('connection', 'close'), true);
  assert.is(h.hasToken('connection', 'upgrade'), false);
});

test('parses byte ranges, unknown sizes and unsatisfied ranges', () => {
  assert.equal(parseContentRange('bytes 0-1023/262144'), { unsatisfied: false, first: 0, last: 1023, size: 262144 });
  assert.equal(parseContentRange('BYTES 10-10/*'), { unsatisfied: false, first: 10, last: 10, size: undefined });
  assert.equal(parseContentRange('bytes */4096'), { unsatisfied: true, size: 4096 });
});

test('rejects malformed Content-Range with HTTP_BAD_CONTENT_RANGE', () => {
  for (const bad of ['bytes 5-4/10', 'bytes 0-10/10', 'bytes */*', 'items 0-1/2', 'bytes 0-/10', 'bytes -1-2/10', 'bytes 0-1/99999999999999999']) {
    assert.is(code(() => parseContentRange(bad)), 'HTTP_BAD_CONTENT_RANGE', bad);
  }
});

test('Content-Length accepts identical repeats and rejects conflicts and junk', () => {
  assert.is(parseContentLength(['42']), 42);
  assert.is(parseContentLength(['42, 42', '42']), 42);
  assert.is(parseContentLength([]), undefined);
  assert.is(code(() => parseContentLength(['42', '43'])), 'HTTP_BAD_CONTENT_LENGTH');
  assert.is(code(() => parseContentLength(['-1'])), 'HTTP_BAD_CONTENT_LENGTH');
  assert.is(code(() => parseContentLength(['1e3'])), 'HTTP_BAD_CONTENT_LENGTH');
});

test('If-Range uses a strong ETag, else Last-Modified, never a weak ETag', () => {
  assert.is(ifRangeValidator('"abc"', 'Mon, 01 Jan 2024 00:00:00 GMT'), '"abc"');
  assert.is(ifRangeValidator('W/"abc"', 'Mon, 01 Jan 2024 00:00:00 GMT'), 'Mon, 01 Jan 2024 00:00:00 GMT');
  assert.is(ifRangeValidator('W/"abc"', undefined), undefined);
});

test.run();

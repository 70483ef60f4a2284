import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../src/hal/bytes.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';
import { ResponseParser, type ResponseHead } from '../../../src/transport/http/response-parser.ts';
import { checkPartialMatches, isForeignRecord, parsePartial } from '../../../src/transport/download/range-response.ts';

function head(fields: string): ResponseHead {
  const events = new ResponseParser().push(utf8Encode(`HTTP/1.1 206 Partial Content\r\n${fields}\r\n`)).events;
  return (events[0] as { head: ResponseHead }).head;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.instance(e, HttpError);
    return (e as HttpError).code;
  }
  return 'none';
}

test('reads Content-Range and the validators of a 206', () => {
  const h = head('Content-Range: bytes 100-199/5000\r\nETag: "e"\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 100\r\n');
  assert.equal(parsePartial(h, 100), {
    first: 100,
    last: 199,
    size: 5000,
    etag: '"e"',
    lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
    contentRange: 'bytes 100-199/5000',
  });
});

test('a 206 without a usable Content-Range is HTTP_BAD_CONTENT_RANGE', () => {
  assert.is(code(() => parsePartial(head('Content-Length: 1\r\n'), 0)), 'HTTP_BAD_CONTENT_RANGE');
  assert.is(code(() => parsePartial(head('Content-Range: bytes 0-0/*\r\nContent-Length: 1\r\n'), 0)), 'HTTP_BAD_CONTENT_RANGE');
  assert.is(code(() => parsePartial(head('Content-Range: bytes */10\r\nContent-Length: 1\r\n'), 0)), 'HTTP_BAD_CONTENT_RANGE');
});

test('the answer must be exactly the range asked, clamped to the end of the file', () => {
  const h = head('Content-Range: bytes 100-199/5000\r\nContent-Length: 100\r\n');
  assert.is(checkPartialMatches(parsePartial(h, 100), h, 100, 199), 100);
  assert.is(code(() => checkPartialMatches(parsePartial(h, 100), h, 100, 299)), 'HTTP_BAD_CONTENT_RANGE');
  assert.is(code(() => checkPartialMatches(parsePartial(h, 100), h, 99, 199)), 'HTTP_BAD_CONTENT_RANGE');
  const end = head('Content-Range: bytes 4900-4999/5000\r\nContent-Length: 100\r\n');
  assert.is(checkPartialMatches(parsePartial(end, 4900), end, 4900, 6000), 100);
  const badLen = head('Content-Range: bytes 100-199/5000\r\nContent-Length: 99\r\n');
  assert.is(code(() => checkPartialMatches(parsePartial(badLen, 100), badLen, 100, 199)), 'HTTP_BAD_CONTENT_LENGTH');
});

test('tells a whole-file record from an overshooting or coalesced answer', () => {
  // One request of 2258 planned bytes: a 2418-byte record overshot; a 16 KiB record is something else.
  assert.is(isForeignRecord({ recordBytes: 2418, plannedBytes: 2258, inFlightPlannedBytes: 2258, inFlight: 1 }), false);
  assert.is(isForeignRecord({ recordBytes: 16413, plannedBytes: 2258, inFlightPlannedBytes: 2258, inFlight: 1 }), true);
  // Six in flight: a record holding several of them is ours (coalesced); one bigger than all of them is not.
  assert.is(isForeignRecord({ recordBytes: 9000, plannedBytes: 2258, inFlightPlannedBytes: 6 * 2258, inFlight: 6 }), false);
  assert.is(isForeignRecord({ recordBytes: 16413, plannedBytes: 2258, inFlightPlannedBytes: 6 * 2258, inFlight: 6 }), true);
  // The same size again after shrinking: the record does not depend on our range.
  assert.is(isForeignRecord({ recordBytes: 3000, plannedBytes: 2000, inFlightPlannedBytes: 2000, inFlight: 1, previousRecordBytes: 3000 }), true);
});

test.run();

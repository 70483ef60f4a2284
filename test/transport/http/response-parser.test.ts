import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concatBytes, utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';
import { HTTP_HEADER_MAX_BYTES, HTTP_LINE_MAX_BYTES, ResponseParser, type ParseEvent, type ResponseHead } from '../../../src/transport/http/response-parser.ts';

interface Parsed { head?: ResponseHead; body: string; ended: boolean; consumed: number }

/** Feeds `text` in pieces of `step` bytes (1 = byte by byte) and collects the events. */
function parse(text: string, step = 1_000_000, method = 'GET'): Parsed {
  const input = utf8Encode(text);
  const p = new ResponseParser({ method });
  const out: Parsed = { body: '', ended: false, consumed: 0 };
  const take = (events: ParseEvent[]) => {
    for (const e of events) {
      if (e.type === 'head') out.head = e.head;
      else if (e.type === 'data') out.body += utf8Decode(e.bytes);
      else out.ended = true;
    }
  };
  for (let i = 0; i < input.length && !p.done; i += step) {
    const r = p.push(input.subarray(i, Math.min(i + step, input.length)));
    out.consumed += r.consumed;
    take(r.events);
  }
  return out;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, HttpError);
    return (e as HttpError).code;
  }
  throw new Error('did not throw');
}

const PARTIAL =
  'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\nETag: "e1"\r\ncontent-length: 5\r\n\r\nhello';

test('parses a Content-Length response the same fed whole or byte by byte', () => {
  for (const step of [1, 7, 1000]) {
    const r = parse(PARTIAL + 'NEXT', step);
    assert.is(r.head!.status, 206);
    assert.is(r.head!.reason, 'Partial Content');
    assert.is(r.head!.headers.get('Content-Range'), 'bytes 0-4/10');
    assert.is(r.head!.headBytes, PARTIAL.length - 5);
    assert.is(r.head!.keepAlive, true);
    assert.is(r.body, 'hello');
    assert.is(r.ended, true);
    assert.is(r.consumed, PARTIAL.length, 'stops at the end of the message');
  }
});

test('decodes chunked bodies with extensions and trailers', () => {
  const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n';
  for (const step of [1, 3, 1000]) {
    const r = parse(text + 'extra', step);
    assert.is(r.body, 'hello world');
    assert.is(r.ended, true);
    assert.is(r.consumed, text.length);
  }
});

test('reads to the end of the connection when there is no length, and marks it not reusable', () => {
  const p = new ResponseParser();
  const r = p.push(utf8Encode('HTTP/1.0 200 OK\r\n\r\nabc'));
  assert.is(r.events[0]!.type, 'head');
  assert.is((r.events[0] as { head: ResponseHead }).head.keepAlive, false);
  assert.equal(p.end(), [{ type: 'end' }]);
});

test('HEAD, 204 and 304 responses have no body; 1xx interim responses are skipped', () => {
  assert.is(parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 1000, 'HEAD').ended, true);
  assert.is(parse('HTTP/1.1 204 No Content\r\n\r\n').ended, true);
  const r = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n');
  assert.is(r.head!.status, 304);
  assert.is(r.ended, true);
});

test('Connection: close and HTTP/1.0 without keep-alive end the connection', () => {
  assert.is(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').head!.keepAlive, false);
  assert.is(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').head!.keepAlive, false);
  assert.is(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').head!.keepAlive, true);
});

const BAD: Array<[string, string]> = [
  ['HTTP/2 200 OK\r\n\r\n', 'HTTP_BAD_STATUS_LINE'],
  ['HTTP/1.1 20 OK\r\n\r\n', 'HTTP_BAD_STATUS_LINE'],
  ['ICY 200 OK\r\n\r\n', 'HTTP_BAD_STATUS_LINE'],
  ['HTTP/1.1 200 OK\n\n', 'HTTP_BAD_STATUS_LINE'],
  ['HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n', 'HTTP_BAD_HEADER'],
  ['HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n', 'HTTP_BAD_HEADER'],
  ['HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', 'HTTP_BAD_CONTENT_LENGTH'],
  ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'HTTP_BAD_CONTENT_LENGTH'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'HTTP_UNSUPPORTED_TRANSFER_ENCODING'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HTTP_BAD_CHUNK'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 'HTTP_BAD_CHUNK'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n', 'HTTP_BAD_CHUNK'],
  ['HTTP/1.1 200 OK\r\nX: ' + 'a'.repeat(HTTP_LINE_MAX_BYTES) + '\r\n\r\n', 'HTTP_LINE_TOO_LONG'],
  ['HTTP/1.1 200 OK\r\n' + 'X: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(HTTP_HEADER_MAX_BYTES / 32) + '\r\n', 'HTTP_HEADER_TOO_LARGE'],
  ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 'HTTP_STATUS'],
];

test('every malformed response is a typed HttpError with its code, whole or byte by byte', () => {
  for (const [text, want] of BAD) {
    assert.is(code(() => parse(text)), want, JSON.stringify(text.slice(0, 60)));
    assert.is(code(() => parse(text, 1)), want, JSON.stringify(text.slice(0, 60)));
  }
});

test('a connection closed mid-head or mid-body is HTTP_TRUNCATED with the missing byte count', () => {
  const p = new ResponseParser();
  p.push(utf8Encode('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  try {
    p.end();
    assert.unreachable();
  } catch (e) {
    assert.is((e as HttpError).code, 'HTTP_TRUNCATED');
    assert.is((e as HttpError).context.missingBytes, 7);
  }
  const q = new ResponseParser();
  q.push(utf8Encode('HTTP/1.1 200'));
  assert.is(code(() => q.end()), 'HTTP_TRUNCATED');
});

test('binary body bytes pass through untouched', () => {
  const body = Uint8Array.from({ length: 256 }, (_, i) => i);
  const p = new ResponseParser();
  const r = p.push(concatBytes(utf8Encode('HTTP/1.1 200 OK\r\nContent-Length: 256\r\n\r\n'), body));
  const data = r.events.filter((e) => e.type === 'data').map((e) => (e as { bytes: Uint8Array }).bytes);
  assert.equal(Array.from(concatBytes(...data)), Array.from(body));
});

test('fuzz: mutated responses parse or fail with an HttpError, never anything else (seeded)', () => {
  const seeds = [
    PARTIAL,
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    'HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */10\r\nContent-Length: 0\r\n\r\n',
  ].map(utf8Encode);
  let x = 0x1234567;
  const rnd = (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  const SPECIAL = [13, 10, 58, 32, 48, 57, 102, 0, 255, 59];
  for (let i = 0; i < 3000; i++) {
    const b = seeds[rnd(seeds.length)]!.slice();
    for (let k = 1 + rnd(4); k > 0; k--) b[rnd(b.length)] = rnd(2) ? SPECIAL[rnd(SPECIAL.length)]! : rnd(256);
    const cut = b.subarray(0, rnd(4) === 0 ? rnd(b.length) : b.length);
    const p = new ResponseParser();
    try {
      for (let o = 0; o < cut.length && !p.done; ) {
        const step = 1 + rnd(9);
        const r = p.push(cut.subarray(o, o + step));
        o += r.consumed;
        if (r.consumed === 0) break;
      }
      p.end();
    } catch (e) {
      assert.instance(e, HttpError, `input ${JSON.stringify(String.fromCharCode(...cut))}`);
    }
  }
});

test.run();

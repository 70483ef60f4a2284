import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Decode } from '../../../src/hal/bytes.ts';
import { encodeRequest } from '../../../src/transport/http/request.ts';
import { parseUrl } from '../../../src/transport/http/url.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';

test('writes the request line, Host and the fields in order', () => {
  const bytes = encodeRequest({ method: 'GET', url: parseUrl('https://cdn.example.com:8443/f.bin?a=1'), headers: [['Range', 'bytes=0-1023']] });
  assert.is(utf8Decode(bytes), 'GET /f.bin?a=1 HTTP/1.1\r\nHost: cdn.example.com:8443\r\nRange: bytes=0-1023\r\n\r\n');
});

test('adds Content-Length for a body and appends the body', () => {
  const bytes = encodeRequest({ method: 'POST', url: parseUrl('http://h/x'), body: new Uint8Array([1, 2]) });
  assert.equal(Array.from(bytes.subarray(bytes.length - 2)), [1, 2]);
  assert.ok(utf8Decode(bytes.subarray(0, bytes.length - 2)).endsWith('Content-Length: 2\r\n\r\n'));
});

test('refuses header values that would break the framing', () => {
  for (const [n, v] of [['X', 'a\r\nEvil: 1'], ['Bad Name', 'v'], ['X', 'nul\u0000']] as Array<[string, string]>) {
    try {
      encodeRequest({ method: 'GET', url: parseUrl('http://h/'), headers: [[n, v]] });
      assert.unreachable();
    } catch (e) {
      assert.instance(e, HttpError);
      assert.is((e as HttpError).code, 'HTTP_BAD_REQUEST');
    }
  }
});

test.run();

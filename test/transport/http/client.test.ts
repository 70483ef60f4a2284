import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Decode } from '../../../src/hal/bytes.ts';
import { HttpClient, httpGet } from '../../../src/transport/http/client.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';
import { MemorySocket, realClock, splitRequests } from './memory-socket.ts';

type Handler = (request: string, host: string, port: number) => string | undefined;

/** A scripted server per host: answers each whole request with the handler's text (undefined: close). */
function scripted(handler: Handler) {
  const connects: string[] = [];
  const connect = async (host: string, port: number) => {
    connects.push(`${host}:${port}`);
    let pending = '';
    return new MemorySocket({
      onSend: (bytes, sock) => {
        pending += utf8Decode(bytes);
        const reqs = splitRequests(pending);
        pending = '';
        for (const r of reqs) {
          const answer = handler(r, host, port);
          if (answer === undefined) sock.end();
          else sock.deliver(answer);
        }
      },
    });
  };
  return { connect, connects };
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('httpGet returns status, headers and body, sending Host and User-Agent', async () => {
  let seen = '';
  const s = scripted((r) => {
    seen = r;
    return ok('https://cdn.test/f.bin', 'Content-Type: text/plain\r\n');
  });
  const res = await httpGet('https://api.test/api/v0/releases/latest/url', { connect: s.connect, clock: realClock, userAgent: 'MemfaultSDK/1.5.0' });
  assert.is(res.status, 200);
  assert.is(utf8Decode(res.body), 'https://cdn.test/f.bin');
  assert.is(res.headers.get('content-type'), 'text/plain');
  assert.is(seen, 'GET /api/v0/releases/latest/url HTTP/1.1\r\nHost: api.test\r\nUser-Agent: MemfaultSDK/1.5.0\r\n\r\n');
});

test('reuses the keep-alive connection for the next request to the same origin', async () => {
  const s = scripted(() => ok('x'));
  const client = new HttpClient({ connect: s.connect, clock: realClock });
  await client.request('https://api.test/a');
  await client.request('https://api.test/b');
  assert.equal(s.connects, ['api.test:443']);
  await client.close();
});

test('follows a redirect to another host through a new connect (per-host certificate choice)', async () => {
  const s = scripted((r, host) =>
    host === 'api.test' ? 'HTTP/1.1 302 Found\r\nLocation: https://cdn.test:8443/f.bin\r\nContent-Length: 0\r\n\r\n' : ok(`got ${r.split(' ')[1]}`),
  );
  const res = await httpGet('https://api.test/latest', { connect: s.connect, clock: realClock });
  assert.is(utf8Decode(res.body), 'got /f.bin');
  assert.is(res.url, 'https://cdn.test:8443/f.bin');
  assert.is(res.redirects, 1);
  assert.equal(s.connects, ['api.test:443', 'cdn.test:8443']);
});

test('follows 301, 303, 307 and 308 alike', async () => {
  for (const status of [301, 303, 307, 308]) {
    const s = scripted((r) => (r.startsWith('GET /a ') ? `HTTP/1.1 ${status} X\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n` : ok('b')));
    const res = await httpGet('http://h/a', { connect: s.connect, clock: realClock });
    assert.is(utf8Decode(res.body), 'b', String(status));
  }
});

test('a redirect loop ends with HTTP_TOO_MANY_REDIRECTS; a redirect without Location with HTTP_BAD_REDIRECT', async () => {
  const loop = scripted(() => 'HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n');
  try {
    await httpGet('http://h/', { connect: loop.connect, clock: realClock });
    assert.unreachable();
  } catch (e) {
    assert.is((e as HttpError).code, 'HTTP_TOO_MANY_REDIRECTS');
    assert.is((e as HttpError).context.limit, 5);
  }
  const bare = scripted(() => 'HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n');
  try {
    await httpGet('http://h/', { connect: bare.connect, clock: realClock });
    assert.unreachable();
  } catch (e) {
    assert.is((e as HttpError).code, 'HTTP_BAD_REDIRECT');
  }
});

test('okStatuses turns any other status into HTTP_STATUS with the status in details', async () => {
  const s = scripted(() => 'HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n');
  try {
    await httpGet('http://h/x', { connect: s.connect, clock: realClock, okStatuses: [200, 204] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, HttpError);
    assert.is((e as HttpError).code, 'HTTP_STATUS');
    assert.is((e as HttpError).context.status, 503);
  }
});

test('a body over the limit is HTTP_BODY_TOO_LARGE', async () => {
  const s = scripted(() => ok('x'.repeat(100)));
  try {
    await httpGet('http://h/x', { connect: s.connect, clock: realClock, maxBodyBytes: 10 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as HttpError).code, 'HTTP_BODY_TOO_LARGE');
  }
});

test('a stale keep-alive connection is replaced once, transparently', async () => {
  let n = 0;
  const s = scripted(() => (++n === 2 ? undefined : ok(`r${n}`)));
  const client = new HttpClient({ connect: s.connect, clock: realClock });
  assert.is(utf8Decode((await client.request('http://h/1')).body), 'r1');
  assert.is(utf8Decode((await client.request('http://h/2')).body), 'r3');
  assert.is(s.connects.length, 2);
  await client.close();
});

test.run();

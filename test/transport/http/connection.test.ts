import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Decode } from '../../../src/hal/bytes.ts';
import { NetError } from '../../../src/hal/errors.ts';
import { HttpConnection } from '../../../src/transport/http/connection.ts';
import { parseUrl } from '../../../src/transport/http/url.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { MemorySocket, realClock } from './memory-socket.ts';

const url = parseUrl('https://cdn.test/f.bin');

async function body(conn: HttpConnection): Promise<string> {
  let s = '';
  await conn.readBody((b) => {
    s += utf8Decode(b);
  });
  return s;
}

test('reads pipelined responses in order, even when they arrive in one record', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  await conn.send({ method: 'GET', url, headers: [['Range', 'bytes=0-2']] });
  await conn.send({ method: 'GET', url, headers: [['Range', 'bytes=3-5']] });
  assert.is(conn.inFlight, 2);
  sock.deliver('HTTP/1.1 206 P\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 206 P\r\nContent-Length: 3\r\n\r\ndef');
  assert.is((await conn.readHead()).status, 206);
  assert.is(await body(conn), 'abc');
  await conn.readHead();
  assert.is(await body(conn), 'def');
  assert.is(conn.inFlight, 0);
  assert.is(conn.reusable, true);
  assert.is(sock.sentText, 'GET /f.bin HTTP/1.1\r\nHost: cdn.test\r\nRange: bytes=0-2\r\n\r\nGET /f.bin HTTP/1.1\r\nHost: cdn.test\r\nRange: bytes=3-5\r\n\r\n');
});

test('Connection: close makes the connection not reusable after its response', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  await conn.send({ method: 'GET', url });
  sock.deliver('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
  await conn.readHead();
  assert.is(await body(conn), 'x');
  assert.is(conn.reusable, false);
});

test('a socket error mid-body surfaces as the NetError and closes the socket', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  await conn.send({ method: 'GET', url });
  sock.deliver('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  await conn.readHead();
  setTimeout(() => sock.fail(new NetError('ECONNRESET', 'recv: reset')), 5);
  let got = '';
  try {
    await conn.readBody((b) => {
      got += utf8Decode(b);
    });
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'ECONNRESET');
  }
  assert.is(got, 'abc', 'bytes before the failure were handed up');
  assert.is(sock.closed, true);
  assert.is(conn.reusable, false);
});

test('a peer that closes mid-body gives HTTP_TRUNCATED', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  await conn.send({ method: 'GET', url });
  sock.deliver('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  sock.end();
  await conn.readHead();
  try {
    await body(conn);
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'HTTP_TRUNCATED');
  }
});

test('a silent server times out with ETIMEDOUT through the idle timeout', async () => {
  const clock = new VirtualClock();
  const sock = new MemorySocket({ clock });
  const conn = new HttpConnection(sock, { clock, idleTimeoutMs: 20 });
  await conn.send({ method: 'GET', url });
  const t0 = clock.now();
  try {
    await conn.readHead();
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'ETIMEDOUT');
  }
  // The 20 ms idle timeout, not the socket's 30 s default nor a response deadline.
  assert.is(clock.now() - t0, 20);
});

test('a trickling server hits the per-response deadline measured on the Clock: HTTP_RESPONSE_TIMEOUT', async () => {
  const sock = new MemorySocket();
  let now = 0;
  const clock = { now: () => now, sleep: async () => undefined };
  const conn = new HttpConnection(sock, { clock, responseTimeoutMs: 100 });
  await conn.send({ method: 'GET', url });
  sock.deliver('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
  await conn.readHead();
  now = 150;
  sock.deliver('a');
  try {
    await body(conn);
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'HTTP_RESPONSE_TIMEOUT');
    assert.is((e as NetError).context.phase, 'response');
  }
});

test('no first byte before the per-response first-byte deadline: HTTP_RESPONSE_TIMEOUT (first-byte)', async () => {
  const sock = new MemorySocket();
  let now = 0;
  const clock = { now: () => now, sleep: async () => undefined };
  const conn = new HttpConnection(sock, { clock });
  await conn.send({ method: 'GET', url });
  const head = conn.readHead({ firstByteTimeoutMs: 50 });
  now = 60;
  try {
    await head;
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'HTTP_RESPONSE_TIMEOUT');
    assert.is((e as NetError).context.phase, 'first-byte');
  }
  assert.is(conn.reusable, false);
});


test('a failed send stops writing but keeps the answers already buffered readable; the failure comes after them', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  await conn.send({ method: 'GET', url, headers: [['Range', 'bytes=0-2']] });
  sock.deliver('HTTP/1.1 206 P\r\nContent-Length: 3\r\n\r\nabc');
  sock.fail(new NetError('EMSGSIZE', 'recv: record over the limit', { recordBytes: 16413 }));
  try {
    await conn.send({ method: 'GET', url, headers: [['Range', 'bytes=3-5']] });
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'EMSGSIZE');
  }
  assert.is(conn.reusable, false);
  assert.is(conn.inFlight, 1, 'the failed request is not outstanding');
  assert.is(conn.requests, 1);
  assert.is((await conn.readHead()).status, 206);
  assert.is(await body(conn), 'abc');
  assert.is(sock.closed, false);
});

test('a failed send with nothing outstanding closes the socket', async () => {
  const sock = new MemorySocket();
  const conn = new HttpConnection(sock, { clock: realClock });
  sock.fail(new NetError('ECONNRESET', 'reset'));
  try {
    await conn.send({ method: 'GET', url });
    assert.unreachable();
  } catch (e) {
    assert.is((e as NetError).code, 'ECONNRESET');
  }
  assert.is(sock.closed, true);
});

test.run();

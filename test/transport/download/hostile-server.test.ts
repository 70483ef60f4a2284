/**
 * The downloader through the simulated modem (real TLS, the record gate) against plain Node servers on
 * 127.0.0.1 that misbehave on purpose: a redirect out of TLS, a redirect to another file without
 * validators, one byte at a time, a close right after the handshake, a per-connection request limit.
 * Deadlines are configured small here; nothing asserts on elapsed time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectionOf } from '../../support/rejection.ts';
import { bytesEqual } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { sharedTestPki, type TestPki } from '../../../src/server/pki.ts';
import { download, type DownloadOptions } from '../../../src/transport/download/downloader.ts';
import { MemorySink } from '../../../src/transport/download/sink.ts';
import { loopbackHosts, rangeAnswer, startHostileServer, type HostileServer } from '../hostile-server.ts';
import { testFile } from './memory-cdn.ts';

const TAG_G2 = 1001;
const TAG_BALTIMORE = 1003;
const FILE = testFile(24_000, 11);
const OTHER = testFile(24_000, 12);
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

let pki: TestPki;
let modem: SimModem;
const servers: HostileServer[] = [];

async function server(...args: Parameters<typeof startHostileServer>): Promise<HostileServer> {
  const s = await startHostileServer(...args);
  servers.push(s);
  return s;
}

function opts(url: string, sink: MemorySink, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  const connect = (host: string, port: number, scheme: 'http' | 'https') =>
    modem.connect({ host, port, ...(scheme === 'https' ? { tls: { secTags: [TAG_G2, TAG_BALTIMORE], peerVerify: 'required' as const, hostname: host } } : {}) });
  return { url, sink, clock, connect, retryBackoffMs: 1, idleTimeoutMs: 5000, ...extra };
}

test.before(async () => {
  pki = await sharedTestPki();
  modem = createSimModem({ hosts: loopbackHosts(pki.cdn, pki.mirror) });
  await modem.credentials.write(TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(TAG_BALTIMORE, CREDENTIAL_TYPE.rootCa, pki.roots.baltimoreCyberTrust.pem);
});

test.after.each(async () => {
  await modem.closeAll();
  for (const s of servers.splice(0)) await s.close();
});

test('a 302 from https to http is refused: HTTP_REDIRECT_INSECURE, nothing fetched in plaintext', async () => {
  const plain = await server((req, c) => c.write(rangeAnswer(req, FILE)));
  const tlsServer = await server((_req, c) => c.write(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${plain.port}/f.bin\r\nContent-Length: 0\r\n\r\n`), {
    identities: [pki.cdn],
  });
  const sink = new MemorySink();
  const e = await rejectionOf(download(opts(`https://cdn.fotakit.test:${tlsServer.port}/f.bin`, sink)));
  assert.is(e.code, 'HTTP_REDIRECT_INSECURE');
  assert.is(plain.requests.length, 0);
  assert.is(sink.bytes().length, 0);
});

test('after three good ranges a 302 to a server without validators: starts over from 0, never a spliced file', async () => {
  const mirror = await server((req, c) => c.write(rangeAnswer(req, OTHER)), { identities: [pki.mirror] });
  const cdn = await server(
    (req, c) => {
      if (req.index <= 3) c.write(rangeAnswer(req, FILE, { etag: '"one"' }));
      else c.write(`HTTP/1.1 302 Found\r\nLocation: https://mirror.fotakit.test:${mirror.port}/f.bin\r\nContent-Length: 0\r\n\r\n`);
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 1 }));
  assert.ok(bytesEqual(sink.bytes(), OTHER), 'the whole file of the server that answered last');
  assert.is(r.restarts, 1);
  assert.ok(sink.resets >= 1);
});

test('the validator disappears on a reconnect to the same URL: starts over from 0', async () => {
  let conns = 0;
  const cdn = await server(
    (req, c) => {
      if (req.connection === 1) {
        c.write(rangeAnswer(req, FILE, { etag: '"one"' }));
        if (req.onConnection === 2) c.destroy();
      } else {
        conns = req.connection;
        c.write(rangeAnswer(req, OTHER));
      }
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 1 }));
  assert.ok(conns >= 2);
  assert.ok(bytesEqual(sink.bytes(), OTHER));
  assert.is(r.restarts, 1);
});

test('one byte at a time: HTTP_RESPONSE_TIMEOUT per response, then DOWNLOAD_STALLED', async () => {
  const timers = new Set<ReturnType<typeof setInterval>>();
  const cdn = await server(
    (req, c) => {
      const bytes = rangeAnswer(req, FILE, { etag: '"one"' });
      let i = 0;
      const t = setInterval(() => {
        if (c.socket.destroyed || i >= bytes.length) {
          clearInterval(t);
          timers.delete(t);
          return;
        }
        c.write(bytes.subarray(i, ++i));
      }, 5);
      timers.add(t);
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const e = await rejectionOf(
    download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { responseTimeoutMs: 60, stallLimitMs: 200, pipelineDepth: 1, maxRetries: 1000 })),
  );
  for (const t of timers) clearInterval(t);
  assert.is(e.code, 'DOWNLOAD_STALLED');
  assert.is(e.context.lastCode, 'HTTP_RESPONSE_TIMEOUT');
});

test('no first byte: HTTP_RESPONSE_TIMEOUT (first-byte) retried, then DOWNLOAD_GAVE_UP', async () => {
  const cdn = await server(() => undefined, { identities: [pki.cdn] });
  const sink = new MemorySink();
  const e = await rejectionOf(download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { firstByteTimeoutMs: 40, maxRetries: 2 })));
  assert.is(e.code, 'DOWNLOAD_GAVE_UP');
  assert.is(e.context.lastCode, 'HTTP_RESPONSE_TIMEOUT');
  assert.is(((e as { cause?: FotaError }).cause as FotaError).context.phase, 'first-byte');
});

test('a server that closes right after the TLS handshake: every attempt sees the close, none waits for a timeout', async () => {
  const cdn = await server(() => undefined, {
    identities: [pki.cdn],
    onConnect: (s) => {
      s.end();
      return true;
    },
  });
  const sink = new MemorySink();
  // The idle timeout is long: an attempt that lost the close would show ETIMEDOUT as the last error.
  const e = await rejectionOf(download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { idleTimeoutMs: 20_000, maxRetries: 2 })));
  assert.is(e.code, 'DOWNLOAD_GAVE_UP');
  assert.is(e.context.lastCode, 'HTTP_TRUNCATED');
  assert.is(cdn.connections, 3);
});

test('keepalive_requests 3 with Connection: close on the third answer: learned, no request sent for nothing after the first connection', async () => {
  const LIMIT = 3;
  const cdn = await server(
    (req, c) => {
      if (req.onConnection > LIMIT) return;
      const last = req.onConnection === LIMIT;
      c.write(rangeAnswer(req, FILE, { etag: '"one"', extra: last ? ['Connection: close'] : [] }));
      if (last) c.end();
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 6 }));
  assert.ok(bytesEqual(sink.bytes(), FILE));
  const unanswered = cdn.requests.filter((q) => q.onConnection > LIMIT).length;
  assert.ok(unanswered <= 6 - LIMIT, `unanswered ${unanswered}`);
  assert.is(r.pipeline.requestsPerConnection, LIMIT);
  assert.is(r.retries, 0);
});

test('a server that silently closes after 2 answers: the limit is learned on the second such connection', async () => {
  const LIMIT = 2;
  const cdn = await server(
    (req, c) => {
      if (req.onConnection > LIMIT) return;
      c.write(rangeAnswer(req, FILE, { etag: '"one"' }));
      if (req.onConnection === LIMIT) c.end();
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 6, maxRetries: 20 }));
  assert.ok(bytesEqual(sink.bytes(), FILE));
  assert.is(r.pipeline.requestsPerConnection, LIMIT);
  const perConnection = new Map<number, number>();
  for (const q of cdn.requests) perConnection.set(q.connection, (perConnection.get(q.connection) ?? 0) + 1);
  const last = Math.max(...perConnection.keys());
  assert.ok(perConnection.get(last)! <= LIMIT);
});

test('a redirect to the same ETag with another total size: starts over from 0, byte-exact', async () => {
  const LONGER = testFile(30_000, 13);
  const mirror = await server((req, c) => c.write(rangeAnswer(req, LONGER, { etag: '"one"' })), { identities: [pki.mirror] });
  const cdn = await server(
    (req, c) => {
      if (req.index <= 2) c.write(rangeAnswer(req, FILE, { etag: '"one"' }));
      else c.write(`HTTP/1.1 307 Temporary Redirect\r\nLocation: https://mirror.fotakit.test:${mirror.port}/f.bin\r\nContent-Length: 0\r\n\r\n`);
    },
    { identities: [pki.cdn] },
  );
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 1 }));
  assert.ok(bytesEqual(sink.bytes(), LONGER));
  assert.is(r.restarts, 1);
});

test('pipelining turned off by failures comes back after good ranges, and the result says so', async () => {
  const BIG = testFile(120_000, 14);
  const cdn = await server(
    (req, c) => {
      // The first two connections die mid-answer with requests in flight; later ones are healthy.
      if (req.connection <= 2 && req.onConnection === 2) {
        const a = rangeAnswer(req, BIG, { etag: '"one"' });
        c.write(a.subarray(0, 200));
        c.destroy();
        return;
      }
      c.write(rangeAnswer(req, BIG, { etag: '"one"' }));
    },
    { identities: [pki.cdn] },
  );
  const notes: string[] = [];
  const log = { log: (_l: string, m: string) => void notes.push(m) };
  const sink = new MemorySink();
  const r = await download(opts(`https://cdn.fotakit.test:${cdn.port}/f.bin`, sink, { pipelineDepth: 4, log }));
  assert.ok(bytesEqual(sink.bytes(), BIG));
  assert.ok(notes.includes('download: pipelining off'), notes.join(', '));
  assert.ok(notes.includes('download: pipelining back on'));
  assert.is(r.pipeline.recoveries, 1);
  assert.is(r.pipeline.offReason, undefined);
  assert.is(r.pipelineDepth, 4);
});

test.run();

/**
 * The downloader through the simulated modem (real TLS 1.2, the 2303-byte record gate) against the
 * local update server on loopback, one fault at a time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE, MODEM_TLS_MAX_RECORD_BYTES } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { startUpdateServer, type UpdateServer } from '../../../src/server/update-server.ts';
import { download, type DownloadOptions } from '../../../src/transport/download/downloader.ts';
import { MemorySink } from '../../../src/transport/download/sink.ts';
import type { ServerFaults } from '../../../src/server/faults.ts';
import { MemorySettings, testFile } from './memory-cdn.ts';

const TAGS = [1001, 1002];
const IMAGE = testFile(48_000, 7);
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

let server: UpdateServer;
let modem: SimModem;

function opts(sink: MemorySink, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  const connect = (host: string, port: number) => modem.connect({ host, port, tls: { secTags: TAGS, peerVerify: 'required', hostname: host } });
  return { url: server.imageUrl, sink, clock, connect, retryBackoffMs: 10, idleTimeoutMs: 2000, ...extra };
}

async function fresh(faults: ServerFaults = {}): Promise<void> {
  server.setRelease(IMAGE, '3.0.0');
  server.setFaults(faults);
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError);
    return { code: (e as FotaError).code, details: (e as FotaError).context as Record<string, unknown> };
  }
  throw new Error('did not fail');
}

test.before(async () => {
  server = await startUpdateServer({ image: IMAGE, version: '3.0.0' });
  modem = createSimModem({ hosts: server.hosts });
  await modem.credentials.write(TAGS[0]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(TAGS[1]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.amazonRootCa1.pem);
});

test.after(async () => {
  await modem.closeAll();
  await server.close();
});

test('byte-exact through the record gate from a server writing 16 KiB records, no EMSGSIZE', async () => {
  await fresh();
  const sink = new MemorySink();
  const r = await download(opts(sink));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.emsgsize, 0);
  assert.ok(r.maxRecordBytes <= MODEM_TLS_MAX_RECORD_BYTES, String(r.maxRecordBytes));
  assert.is(r.connections, 1);
  assert.is(server.requests.filter((q) => q.status === 206).length, r.requests);
});

test('the NCS-style baseline meets EMSGSIZE on the same server (why the planner exists)', async () => {
  await fresh();
  const { NcsShrinkPolicy } = await import('../../../src/transport/download/baseline-policies.ts');
  const sink = new MemorySink();
  const r = await download(opts(sink, { policy: new NcsShrinkPolicy() }));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.ok(r.emsgsize >= 1);
});

test('pipelined answers coalesced into big records: falls back to one request at a time, byte-exact', async () => {
  await fresh({ coalesceMs: 5 });
  const sink = new MemorySink();
  const r = await download(opts(sink));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.pipelineDepth, 1);
  assert.ok(r.emsgsize >= 1);
});

test('connection drops mid-body: reconnects and continues from the last accepted byte', async () => {
  await fresh({ dropAfterBytes: 700, count: 3 });
  const sink = new MemorySink();
  const r = await download(opts(sink));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.retries, 3);
  assert.is(sink.resets, 0);
});

test('5xx answers are retried', async () => {
  await fresh({ status: 503, count: 2 });
  const sink = new MemorySink();
  const r = await download(opts(sink, { pipelineDepth: 1 }));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.retries, 2);
});

test('a stalled body times out and is asked again', async () => {
  await fresh({ stallAfterBytes: 500, count: 1 });
  const sink = new MemorySink();
  const r = await download(opts(sink, { idleTimeoutMs: 300 }));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.retries, 1);
});

test('Connection: close after every answer: byte-exact, one request at a time', async () => {
  await fresh({ connectionClose: true });
  const sink = new MemorySink();
  const r = await download(opts(sink));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.pipelineDepth, 1);
  assert.is(r.retries, 0);
});

test('a server ignoring Range: RANGE_NOT_SUPPORTED, nothing written', async () => {
  await fresh({ ignoreRange: true });
  const sink = new MemorySink();
  const e = await codeOf(download(opts(sink)));
  assert.is(e.code, 'RANGE_NOT_SUPPORTED');
  assert.is(sink.length, 0);
});

test('a shifted or missing Content-Range: HTTP_BAD_CONTENT_RANGE, nothing written', async () => {
  for (const wrong of ['shifted', 'missing'] as const) {
    await fresh({ wrongContentRange: wrong });
    const sink = new MemorySink();
    assert.is((await codeOf(download(opts(sink)))).code, 'HTTP_BAD_CONTENT_RANGE', wrong);
    assert.is(sink.length, 0);
  }
});

test('the file changes mid-download: the sink is reset and the new file fetched byte-exact', async () => {
  await fresh({ changeAfterBytes: 20_000 });
  const sink = new MemorySink();
  const r = await download(opts(sink));
  const now = server.current();
  assert.not.ok(bytesEqual(now.image, IMAGE));
  assert.ok(bytesEqual(sink.bytes(), now.image));
  assert.is(r.restarts, 1);
  assert.is(sink.resets, 1);
  assert.is(r.etag, now.etag);
});

/** A sink that loses power after `limit` bytes (the bytes before it stay, as on flash). */
class CutSink extends MemorySink {
  constructor(public limit: number) {
    super();
  }
  override async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset + bytes.length > this.limit) throw new FotaError('POWER_CUT', 'sink.write: power cut');
    await super.write(offset, bytes);
  }
}

test('resume after a reboot sends If-Range from the persisted offset; at the end, 416 means done', async () => {
  await fresh();
  const settings = new MemorySettings();
  const sink = new CutSink(30_000);
  assert.is((await codeOf(download(opts(sink, { settings })))).code, 'POWER_CUT');
  const at = sink.length;
  sink.limit = Infinity;
  const r = await download(opts(sink, { settings }));
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
  assert.is(r.resumedFrom, at);
  assert.is(r.bytesFetched, IMAGE.length - at);
  // (Requests the first run had in flight when power failed may still reach the log: find ours by range.)
  const first = server.requests.find((q) => q.range?.startsWith(`bytes=${at}-`));
  assert.ok(first, 'a request starting at the persisted offset');
  assert.is(first!.ifRange, server.current().etag);
  const again = await download(opts(sink, { settings }));
  assert.is(again.requests, 1);
  assert.is(server.requests.at(-1)!.status, 416);
  assert.ok(bytesEqual(sink.bytes(), IMAGE));
});

test('a release published between runs: the oversized 200 to If-Range is recognised, the new file fetched', async () => {
  await fresh();
  const settings = new MemorySettings();
  const sink = new CutSink(10_000);
  await codeOf(download(opts(sink, { settings })));
  sink.limit = Infinity;
  const next = testFile(50_000, 99);
  server.setRelease(next, '3.0.0');
  const r = await download(opts(sink, { settings }));
  assert.ok(bytesEqual(sink.bytes(), next));
  assert.is(r.restarts, 1);
  assert.ok(server.requests.some((q) => q.status === 200 && q.ifRange !== undefined), 'the server did answer 200 to If-Range');
});

test.run();

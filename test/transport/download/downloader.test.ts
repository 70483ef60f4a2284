import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual } from '../../../src/hal/bytes.ts';
import { FotaError, PowerCutError } from '../../../src/hal/errors.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../../src/hal/net.ts';
import { FixedRangePolicy, NcsShrinkPolicy } from '../../../src/transport/download/baseline-policies.ts';
import { download, type DownloadOptions } from '../../../src/transport/download/downloader.ts';
import { DOWNLOAD_FIRST_HEAD_BUDGET_BYTES, DOWNLOAD_RECORD_MARGIN_BYTES, DOWNLOAD_RECORD_OVERHEAD_BYTES } from '../../../src/transport/download/planner.ts';
import { loadDownloadState } from '../../../src/transport/download/resume.ts';
import { MemorySink, type DownloadSink } from '../../../src/transport/download/sink.ts';
import { MemoryCdn, MemorySettings, fastClock, testFile } from './memory-cdn.ts';

const URL = 'https://cdn.test/f.bin';
const SIZE = 40_000;

function opts(cdn: MemoryCdn, sink: DownloadSink, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { url: URL, sink, clock: fastClock, connect: cdn.connect, ...extra };
}

function ranges(cdn: MemoryCdn): string[] {
  return cdn.log.map((r) => /Range: bytes=(\d+-\d+)/.exec(r)?.[1] ?? '-');
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError);
    return (e as FotaError).code;
  }
  throw new Error('did not fail');
}

test('downloads byte-exact with every response inside one record under the modem limit', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file);
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.size, SIZE);
  assert.is(r.emsgsize, 0);
  assert.is(r.retries, 0);
  assert.ok(r.maxRecordBytes <= MODEM_TLS_MAX_RECORD_BYTES, `max record ${r.maxRecordBytes}`);
  assert.ok(r.maxRecordBytes >= MODEM_TLS_MAX_RECORD_BYTES - DOWNLOAD_RECORD_MARGIN_BYTES - 8, `records filled: ${r.maxRecordBytes}`);
  assert.is(r.connections, 1, 'one keep-alive connection');
  assert.is(r.requests, cdn.responses);
});

test('the first ranges are the conservative ones; later ones fill the record from the observed head', async () => {
  const cdn = new MemoryCdn(testFile(SIZE));
  await download(opts(cdn, new MemorySink()));
  const first = MODEM_TLS_MAX_RECORD_BYTES - DOWNLOAD_RECORD_OVERHEAD_BYTES - DOWNLOAD_RECORD_MARGIN_BYTES - DOWNLOAD_FIRST_HEAD_BUDGET_BYTES;
  const lengths = ranges(cdn).map((r) => r.split('-').map(Number)).map(([a, b]) => b! - a! + 1);
  assert.is(ranges(cdn)[0], `0-${first - 1}`);
  // The requests sent before the first head arrived are conservative too; every later one fills the record.
  assert.equal(lengths.slice(0, 6), Array(6).fill(first));
  assert.ok(lengths.slice(6, -1).every((n) => n > 2100), `later ranges ${lengths.slice(6, 10)}`);
});

test('keeps several requests in flight on one connection (pipelining)', async () => {
  const cdn = new MemoryCdn(testFile(SIZE));
  let maxInFlight = 0;
  await download(opts(cdn, new MemorySink(), { pipelineDepth: 4, onProgress: (p) => (maxInFlight = Math.max(maxInFlight, p.inFlight)) }));
  assert.is(maxInFlight, 3, 'three more behind the one just answered');
});

test('a larger head (padded) is learned: smaller ranges, still no refused record', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file, { padHeadBytes: 400 });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.emsgsize, 0);
  assert.ok(r.maxRecordBytes <= MODEM_TLS_MAX_RECORD_BYTES);
});

test('a head larger than the first budget trips EMSGSIZE once, then shrinks by what was measured', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file, { padHeadBytes: 1200 });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.emsgsize, 1);
  assert.is(sink.resets, 0, 'nothing thrown away');
});

test('a modem that does not say the refused record size: halving still finds a range that fits', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file, { padHeadBytes: 1200, silentRecordSize: true });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink, { pipelineDepth: 1 }));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.emsgsize, 1);
  assert.ok(r.maxRecordBytes <= MODEM_TLS_MAX_RECORD_BYTES);
});

test('a server that coalesces pipelined answers into one record makes it go one request at a time', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file, { coalesce: true });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.ok(r.emsgsize >= 1);
  assert.is(r.pipelineDepth, 1);
});

test('a drop mid-body resumes from the last byte the sink accepted: nothing lost, nothing twice', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file, { dropAtResponse: [3, 9] });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink, { pipelineDepth: 1 }));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.retries, 2);
  // MemorySink rejects any write not at its accepted offset, so contiguity is proven by success; and:
  const afterDrop = ranges(cdn)[3]!;
  const cut = cdn.log[2]!;
  assert.ok(cut.includes('Range: bytes='), 'the cut request was a range');
  assert.is(Number(afterDrop.split('-')[0]), sink.writes.filter(([o]) => o < Number(afterDrop.split('-')[0])).reduce((n, [, l]) => n + l, 0));
});

test('Connection: close on every response: reconnects each time and stops pipelining', async () => {
  const file = testFile(12_000);
  const cdn = new MemoryCdn(file, { closeEveryResponse: true });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.pipelineDepth, 1);
  assert.is(r.retries, 0, 'a clean close is not a failure');
});

test('a 503 is retried', async () => {
  const file = testFile(8000);
  const cdn = new MemoryCdn(file, { status503At: [2] });
  const sink = new MemorySink();
  const r = await download(opts(cdn, sink));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.retries, 1);
});

test('a server that ignores Range fails with RANGE_NOT_SUPPORTED before reading the body', async () => {
  const cdn = new MemoryCdn(testFile(SIZE), { ignoreRange: true }, '/f.bin', 1_000_000);
  const sink = new MemorySink();
  assert.is(await codeOf(download(opts(cdn, sink))), 'RANGE_NOT_SUPPORTED');
  assert.is(sink.length, 0);
  assert.is(cdn.connections, 1, 'not retried');
});

test('behind the record gate, the whole-file answer of a server ignoring Range is RANGE_NOT_SUPPORTED too', async () => {
  const cdn = new MemoryCdn(testFile(SIZE), { ignoreRange: true });
  const sink = new MemorySink();
  try {
    await download(opts(cdn, sink));
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'RANGE_NOT_SUPPORTED');
    assert.ok(((e as FotaError).context.recordBytes as number) > SIZE, 'the whole file in one record');
  }
  assert.is(sink.length, 0);
});

test('a Content-Range that disagrees with the request, or none, is HTTP_BAD_CONTENT_RANGE', async () => {
  for (const faults of [{ wrongContentRange: true }, { omitContentRange: true }]) {
    const cdn = new MemoryCdn(testFile(SIZE), faults);
    const sink = new MemorySink();
    assert.is(await codeOf(download(opts(cdn, sink))), 'HTTP_BAD_CONTENT_RANGE');
    assert.is(sink.length, 0);
  }
});

test('retries without progress end in DOWNLOAD_GAVE_UP naming the last failure', async () => {
  const cdn = new MemoryCdn(testFile(SIZE), { status503At: Array.from({ length: 50 }, (_, i) => i + 1) });
  try {
    await download(opts(cdn, new MemorySink(), { maxRetries: 3 }));
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'DOWNLOAD_GAVE_UP');
    assert.is((e as FotaError).context.lastCode, 'HTTP_STATUS');
    assert.is(cdn.connections, 4, 'the first attempt and 3 retries');
  }
});

test('a 404 is HTTP_STATUS with the status, not retried', async () => {
  const cdn = new MemoryCdn(testFile(100));
  try {
    await download({ ...opts(cdn, new MemorySink()), url: 'https://cdn.test/missing.bin' });
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'HTTP_STATUS');
    assert.is((e as FotaError).context.status, 404);
    assert.is(cdn.connections, 1, 'not retried');
  }
});

test('follows a redirect to another host through a new connect (its own certificate choice)', async () => {
  const file = testFile(9000);
  const cdn = new MemoryCdn(file);
  cdn.redirects.set('/latest.bin', 'https://cdn2.test:8443/f.bin');
  const sink = new MemorySink();
  const hosts: string[] = [];
  const connect = (host: string, port: number) => {
    hosts.push(`${host}:${port}`);
    return cdn.connect(host, port);
  };
  const r = await download({ ...opts(cdn, sink), connect, url: 'https://api.test/latest.bin' });
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.finalUrl, 'https://cdn2.test:8443/f.bin');
  assert.equal(hosts, ['api.test:443', 'cdn2.test:8443']);
});

test('a sink failing with an untyped error ends the download with DOWNLOAD_SINK_FAILED', async () => {
  const cdn = new MemoryCdn(testFile(9000));
  const sink = new MemorySink();
  sink.write = async () => {
    throw new Error('disk on fire');
  };
  assert.is(await codeOf(download(opts(cdn, sink))), 'DOWNLOAD_SINK_FAILED');
});

/** A sink that loses power after `limit` bytes (the board reboots; the bytes before stay). */
class CutSink extends MemorySink {
  constructor(public limit: number) {
    super();
  }
  override async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset + bytes.length > this.limit) throw new PowerCutError(0, 'sink.write');
    await super.write(offset, bytes);
  }
}

test('resumes across a reboot from the sink persisted count, sending If-Range', async () => {
  const file = testFile(SIZE);
  const cdn = new MemoryCdn(file);
  const settings = new MemorySettings();
  const sink = new CutSink(17_000);
  assert.is(await codeOf(download(opts(cdn, sink, { settings }))), 'POWER_CUT');
  const saved = await loadDownloadState(settings);
  assert.is(saved!.size, SIZE);
  assert.is(saved!.etag, '"v1"');
  sink.limit = Infinity;
  const before = sink.length;
  cdn.log.length = 0;
  const r = await download(opts(cdn, sink, { settings }));
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.is(r.resumedFrom, before);
  assert.is(r.bytesFetched, SIZE - before);
  assert.ok(cdn.log[0]!.includes(`Range: bytes=${before}-`));
  const [a, b] = ranges(cdn)[0]!.split('-').map(Number);
  assert.ok(b! - a! + 1 > 2100, `the remembered head gives full ranges at once: ${ranges(cdn)[0]}`);
  assert.ok(cdn.log[0]!.includes('If-Range: "v1"'));
  assert.is(sink.resets, 0);
});

test('resuming at offset == size asks past the end once: 416 means done, not a loop', async () => {
  const file = testFile(5000);
  const cdn = new MemoryCdn(file);
  const settings = new MemorySettings();
  const sink = new MemorySink();
  await download(opts(cdn, sink, { settings }));
  cdn.log.length = 0;
  const r = await download(opts(cdn, sink, { settings }));
  assert.is(r.bytesFetched, 0);
  assert.is(r.requests, 1);
  assert.equal(ranges(cdn), ['5000-5000']);
  assert.ok(bytesEqual(sink.bytes(), file));
});

test('a file changed between runs answers 200 to If-Range: the sink is reset and the new file fetched', async () => {
  const cdn = new MemoryCdn(testFile(SIZE, 1));
  const settings = new MemorySettings();
  const sink = new CutSink(9_000);
  await codeOf(download(opts(cdn, sink, { settings })));
  sink.limit = Infinity;
  const next = testFile(SIZE + 77, 2);
  cdn.change(next);
  const r = await download(opts(cdn, sink, { settings }));
  assert.ok(bytesEqual(sink.bytes(), next));
  assert.is(sink.resets, 1);
  assert.is(r.restarts, 1);
  assert.is(r.etag, '"v2"');
});

test('a file replaced mid-download with answers pipelined: the whole-file 200 breaks the socket, the answers before it still count', async () => {
  // The refused record fails the socket's sends at once while good answers are still buffered: they are
  // read, the refusal is met in order (at the 200, an answer to If-Range), and the new file is fetched.
  const cdn = new MemoryCdn(testFile(SIZE, 1), { answerOnSend: true });
  const sink = new MemorySink();
  const next = testFile(SIZE, 2);
  let changed = false;
  const r = await download(opts(cdn, sink, {
    onProgress: (p) => {
      // After the first answer: the next requests still in flight were sent before any head, so they
      // carry no If-Range and are answered by the old file's 206s.
      if (!changed) {
        changed = true;
        cdn.change(next);
      }
    },
  }));
  assert.ok(bytesEqual(sink.bytes(), next));
  assert.is(r.restarts, 1);
  assert.is(r.etag, '"v2"');
});

test('a file that keeps changing ends in DOWNLOAD_FILE_UNSTABLE', async () => {
  const cdn = new MemoryCdn(testFile(SIZE));
  const sink = new MemorySink();
  let v = 10;
  const p = download(opts(cdn, sink, { pipelineDepth: 1, onProgress: () => cdn.change(testFile(SIZE, v++)) }));
  assert.is(await codeOf(p), 'DOWNLOAD_FILE_UNSTABLE');
});

test('a different download id resets the sink instead of resuming', async () => {
  const cdn = new MemoryCdn(testFile(3000));
  const settings = new MemorySettings();
  const sink = new MemorySink();
  await download(opts(cdn, sink, { settings, resumeId: 'release-1' }));
  const r = await download(opts(cdn, sink, { settings, resumeId: 'release-2' }));
  assert.is(r.resumedFrom, 0);
  assert.is(sink.resets, 1);
  assert.is(sink.length, 3000);
});

test('an empty file is done after the first 416', async () => {
  const cdn = new MemoryCdn(new Uint8Array(0));
  const r = await download(opts(cdn, new MemorySink()));
  assert.is(r.size, 0);
  assert.is(r.connections, 1);
  assert.is(cdn.log[0]!.includes('Range: bytes=0-'), true);
});

test('baseline fixed 1024: every range 1024 bytes, one at a time', async () => {
  const file = testFile(5000);
  const cdn = new MemoryCdn(file);
  const sink = new MemorySink();
  await download(opts(cdn, sink, { policy: new FixedRangePolicy(1024) }));
  assert.equal(ranges(cdn), ['0-1023', '1024-2047', '2048-3071', '3072-4095', '4096-4999']);
  assert.ok(bytesEqual(sink.bytes(), file));
});

test('baseline NCS: 2048-byte ranges shrinking by 128 per EMSGSIZE', async () => {
  const file = testFile(9000);
  const cdn = new MemoryCdn(file, { padHeadBytes: 300 });
  const sink = new MemorySink();
  const policy = new NcsShrinkPolicy();
  const r = await download(opts(cdn, sink, { policy }));
  assert.ok(bytesEqual(sink.bytes(), file));
  // Head ≈ 410 bytes: 2048 + 410 + 29 and 1920 + 410 + 29 are over 2303, 1792 + 410 + 29 fits.
  assert.is(r.emsgsize, 2);
  assert.is(policy.rangeBytes, 2048 - 2 * 128);
});

test.run();

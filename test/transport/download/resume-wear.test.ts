/**
 * The downloader's share of the wear policy (docs/agent.md "What survives a reset"): a sink that keeps its
 * own persisted count (a flash slot) owns the resume offset, so the downloader's record is written only
 * when the file's identity changes and at the end; a sink that cannot tell gets the offset every 16 KiB.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual } from '../../../src/hal/bytes.ts';
import { DOWNLOAD_PERSIST_INTERVAL_BYTES, download } from '../../../src/transport/download/downloader.ts';
import { DOWNLOAD_STATE_KEY_DEFAULT, loadDownloadState } from '../../../src/transport/download/resume.ts';
import { MemorySink, type DownloadSink } from '../../../src/transport/download/sink.ts';
import { MemoryCdn, MemorySettings, fastClock, testFile } from './memory-cdn.ts';

const URL = 'https://cdn.test/f.bin';
const SIZE = 200_000;

class CountingSettings extends MemorySettings {
  writes = 0;
  override async set(key: string, value: Uint8Array): Promise<void> {
    if (key === DOWNLOAD_STATE_KEY_DEFAULT) this.writes++;
    await super.set(key, value);
  }
}

/** A MemorySink that cannot say what it kept (no persistedBytes). */
function forgetfulSink(inner: MemorySink): DownloadSink {
  return { write: (o, b) => inner.write(o, b), reset: () => inner.reset() };
}

test('a sink without its own count: the offset is saved every DOWNLOAD_PERSIST_INTERVAL_BYTES', async () => {
  const file = testFile(SIZE);
  const settings = new CountingSettings();
  const sink = new MemorySink();
  await download({ url: URL, sink: forgetfulSink(sink), clock: fastClock, connect: new MemoryCdn(file).connect, settings });
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.ok(settings.writes >= Math.floor(SIZE / DOWNLOAD_PERSIST_INTERVAL_BYTES), `${settings.writes} writes`);
  assert.is((await loadDownloadState(settings))?.offset, SIZE);
});

test('a sink that keeps its own count: the record is written on a new identity and at the end only', async () => {
  const file = testFile(SIZE);
  const settings = new CountingSettings();
  const sink = new MemorySink();
  await download({ url: URL, sink, clock: fastClock, connect: new MemoryCdn(file).connect, settings });
  assert.ok(bytesEqual(sink.bytes(), file));
  assert.ok(settings.writes <= 4, `${settings.writes} writes for ${SIZE} bytes`);
  const st = await loadDownloadState(settings);
  assert.equal([st?.size, st?.offset], [SIZE, SIZE]);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemorySink } from '../../../src/transport/download/sink.ts';
import { DownloadError } from '../../../src/transport/download/errors.ts';

test('accepts bytes strictly in order, grows, and resets', async () => {
  const s = new MemorySink();
  await s.write(0, new Uint8Array(70_000).fill(1));
  await s.write(70_000, Uint8Array.of(2, 3));
  assert.is(await s.persistedBytes(), 70_002);
  assert.equal(Array.from(s.bytes().subarray(69_999)), [1, 2, 3]);
  await s.reset();
  assert.is(s.length, 0);
  assert.is(s.resets, 1);
});

test('a write at the wrong offset is DOWNLOAD_SINK_OFFSET (no gap, no repeat)', async () => {
  const s = new MemorySink();
  await s.write(0, Uint8Array.of(1, 2));
  for (const off of [1, 3]) {
    try {
      await s.write(off, Uint8Array.of(9));
      assert.unreachable();
    } catch (e) {
      assert.instance(e, DownloadError);
      assert.is((e as DownloadError).code, 'DOWNLOAD_SINK_OFFSET');
    }
  }
  assert.equal(Array.from(s.bytes()), [1, 2]);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../../src/hal/errors.ts';
import { SLOT_READ_BACK_CHUNK_BYTES, VerifyingSlotSink, readBackInto, type SinkFile } from '../../../src/fota/dfu/verifying-sink.ts';
import { FakeSlot, FakeVerifier, fakeImage } from '../agent/fakes.ts';

const v100 = fakeImage([1, 0, 0], 100);
const v110 = fakeImage([1, 1, 0], 9000);

/** A verifier that remembers every byte it saw. */
class SeeingVerifier extends FakeVerifier {
  seen = 0;
  override update(chunk: Uint8Array): void {
    this.seen += chunk.length;
    super.update(chunk);
  }
}

function setup(o: { slot?: FakeSlot; resumeFile?: Partial<SinkFile>; capacity?: number } = {}) {
  const slot = o.slot ?? new FakeSlot(v100);
  const files: SinkFile[] = [];
  const verifiers: SeeingVerifier[] = [];
  const headers: string[] = [];
  const sink = new VerifyingSlotSink({
    slot,
    createVerifier: () => {
      const v = new SeeingVerifier();
      verifiers.push(v);
      return v;
    },
    imageKey: 'https://cdn.test/app.bin',
    capacityBytes: o.capacity ?? 1 << 20,
    ...(o.resumeFile ? { resumeFile: o.resumeFile } : {}),
    onFile: async (f) => void files.push(f),
    checkHeader: (v) => void headers.push(v.header()!.version),
  });
  return { slot, sink, files, verifiers, headers };
}

async function feed(sink: VerifyingSlotSink, img: Uint8Array, from: number, chunk = 1000): Promise<void> {
  for (let off = from; off < img.length; off += chunk) await sink.write(off, img.subarray(off, Math.min(off + chunk, img.length)));
}

async function rejects(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FotaError, `expected a FotaError, got ${String(e)}`);
    return e as FotaError;
  }
  return assert.unreachable('expected a rejection') as never;
}

test('every byte goes through the verifier and into the slot once, in order; nothing is read back', async () => {
  const { slot, sink, files, headers } = setup();
  let reads = 0;
  const read = slot.read.bind(slot);
  slot.read = async (o, n) => (reads++, read(o, n));
  assert.is(await sink.persistedBytes(), 0);
  await sink.open({ size: v110.length, etag: '"e1"' });
  assert.equal(files, [{ size: v110.length, validator: '"e1"' }]);
  assert.is(slot.secondaryId, 'https://cdn.test/app.bin#"e1"');
  await feed(sink, v110, 0);
  const { verifier, resumedAt } = await sink.finish();
  assert.ok(slot.holds(v110));
  assert.is((verifier as SeeingVerifier).seen, v110.length);
  assert.equal(await verifier.finish(), { valid: true, version: '1.1.0', hashHex: 'ab' });
  assert.is(resumedAt, 0);
  assert.is(reads, 0);
  assert.equal(headers, ['1.1.0'], 'the header checks ran once, when 32 bytes were in');
});

test('resume: the bytes the slot kept are read back once into a fresh verifier, then writing continues', async () => {
  const slot = new FakeSlot(v100);
  await slot.begin(v110.length, 'https://cdn.test/app.bin#"e1"');
  await slot.write(0, v110.subarray(0, 5000));
  const { sink, files, verifiers } = setup({ slot, resumeFile: { size: v110.length, validator: '"e1"' } });
  assert.is(await sink.persistedBytes(), 5000);
  assert.equal(files, [], 'the file is the one the record names: nothing to record');
  await sink.open({ size: v110.length, etag: '"e1"' });
  await feed(sink, v110, 5000);
  const { verifier, resumedAt } = await sink.finish();
  assert.is(resumedAt, 5000);
  assert.ok(slot.holds(v110));
  assert.is(verifier, verifiers.at(-1));
  assert.is((verifier as SeeingVerifier).seen, v110.length);
});

test('a slot that cannot be read back gets the prefix again for the verifier only', async () => {
  const slot = new FakeSlot(v100, 1 << 20, false);
  await slot.begin(v110.length, 'https://cdn.test/app.bin#"e1"');
  await slot.write(0, v110.subarray(0, 4000));
  const writesBefore = slot.writes;
  const { sink } = setup({ slot, resumeFile: { size: v110.length, validator: '"e1"' } });
  assert.is(await sink.persistedBytes(), 0, 'the downloader starts at 0');
  await sink.open({ size: v110.length, etag: '"e1"' });
  await feed(sink, v110, 0);
  const { verifier, resumedAt } = await sink.finish();
  assert.ok(slot.holds(v110));
  assert.is((verifier as SeeingVerifier).seen, v110.length);
  assert.is(resumedAt, 0);
  assert.is(slot.writes - writesBefore, 6, 'only bytes from 4000 on were written: 4000..9033 in 6 chunks');
});

test('a changed file (new validator) drops the slot bytes and records the new file', async () => {
  const slot = new FakeSlot(v100);
  await slot.begin(v110.length, 'https://cdn.test/app.bin#"e1"');
  await slot.write(0, v110.subarray(0, 3000));
  const { sink, files } = setup({ slot, resumeFile: { size: v110.length, validator: '"e1"' } });
  await sink.open({ size: v110.length, etag: '"e2"' });
  assert.equal(files, [{ size: v110.length, validator: '"e2"' }]);
  assert.is(slot.secondary.length, 0);
  await feed(sink, v110, 0);
  await sink.finish();
  assert.ok(slot.holds(v110));
});

test('reset discards the slot and forgets the validator, so the next open records the file again', async () => {
  const { slot, sink, files } = setup();
  await sink.open({ size: v110.length, etag: '"e1"' });
  await feed(sink, v110.subarray(0, 2000), 0);
  await sink.reset();
  assert.is(slot.secondary.length, 0);
  await sink.open({ size: v110.length, etag: '"e1"' });
  assert.is(files.length, 2);
  await feed(sink, v110, 0);
  await sink.finish();
  assert.ok(slot.holds(v110));
});

test('refusals: too big before anything is recorded, bytes before open, a gap, a short download', async () => {
  const big = setup({ capacity: 100 });
  assert.is((await rejects(big.sink.open({ size: 101 }))).code, 'DFU_IMAGE_TOO_BIG');
  assert.equal(big.files, []);
  const { sink } = setup();
  assert.is((await rejects(sink.write(0, v110.subarray(0, 10)))).code, 'DFU_NOT_STARTED');
  await sink.open({ size: v110.length });
  assert.is((await rejects(sink.write(10, v110.subarray(10, 20)))).code, 'DFU_BAD_OFFSET');
  await sink.write(0, v110.subarray(0, 100));
  assert.is((await rejects(sink.finish())).code, 'DFU_INCOMPLETE');
});

test('an image that is not MCUboot is refused on its first 32 bytes, before the slot sees any', async () => {
  const { slot, sink } = setup();
  const notMcuboot = new Uint8Array(64).fill(0x11);
  await sink.open({ size: notMcuboot.length });
  assert.is((await rejects(sink.write(0, notMcuboot))).code, 'IMAGE_TYPE_UNSUPPORTED');
  assert.is(slot.writes, 0);
});

test('readBackInto feeds a verifier the staged bytes in chunks; a slot without read is refused', async () => {
  const slot = new FakeSlot(v100);
  await slot.begin(v110.length, 'id');
  await slot.write(0, v110);
  const v = new SeeingVerifier();
  await readBackInto(slot, v, v110.length);
  assert.is(v.seen, v110.length);
  assert.ok(SLOT_READ_BACK_CHUNK_BYTES < v110.length);
  const remote = new FakeSlot(v100, 1 << 20, false);
  assert.is((await rejects(readBackInto(remote, new SeeingVerifier(), 10))).code, 'DFU_NO_READ_BACK');
});

test.run();

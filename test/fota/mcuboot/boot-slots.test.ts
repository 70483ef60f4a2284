import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BOOT_COPY_CHUNK_BYTES, copySector, eraseTrailerSectors, makeBootSlots, sectorsFor } from '../../../src/fota/mcuboot/boot-slots.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { MemArea, memSlots } from './mem-flash.ts';

test('geometry: sectors, trailer sectors from the status area down', () => {
  const { primary, secondary } = memSlots(64 * 1024, { eraseBlockBytes: 4096, writeAlignBytes: 4 });
  const s = makeBootSlots(primary, secondary);
  // 128 * 3 * 4 + 32 + 16 = 1584 bytes of trailer: one 4 KiB sector.
  assert.equal([s.sectorCount, s.firstTrailerSector, s.layout.trailerBytes], [16, 15, 1584]);
  assert.is(sectorsFor(s, 1), 1);
  assert.is(sectorsFor(s, 4097), 2);
});

test('a trailer spanning two sectors with max-align 32 and 1 KiB sectors', () => {
  const { primary, secondary } = memSlots(32 * 1024, { eraseBlockBytes: 1024, writeAlignBytes: 4 });
  const s = makeBootSlots(primary, secondary, { maxAlign: 32 });
  // 1536 + 128 + 32 = 1696 bytes -> sectors 30 and 31.
  assert.is(s.firstTrailerSector, 30);
});

test('refuses slots too small for any image after the trailer', () => {
  const { primary, secondary } = memSlots(2048, { eraseBlockBytes: 1024 });
  try {
    makeBootSlots(primary, secondary, { maxImgSectors: 4 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'BOOT_BAD_GEOMETRY');
  }
});

test('copySector copies a sector and skips erased chunks (fewer writes)', async () => {
  const { primary, secondary, rail } = memSlots(16 * 1024, { eraseBlockBytes: 4096 });
  const data = new Uint8Array(BOOT_COPY_CHUNK_BYTES).fill(0x5a);
  await primary.write(4096 + BOOT_COPY_CHUNK_BYTES, data);
  const before = rail.ops;
  await copySector(primary, 1, secondary, 2, 4096);
  assert.is(rail.ops - before, 1);
  assert.equal(secondary.bytes.subarray(8192, 12288), primary.bytes.subarray(4096, 8192));
});

test('eraseTrailerSectors erases from the first trailer sector to the end, in one operation', async () => {
  const { primary, secondary, rail } = memSlots(16 * 1024, { eraseBlockBytes: 4096 });
  await primary.write(0, new Uint8Array(4).fill(1));
  await primary.write(16 * 1024 - 4, new Uint8Array(4).fill(1));
  const s = makeBootSlots(primary, secondary);
  const before = rail.ops;
  await eraseTrailerSectors(primary, s);
  assert.is(rail.ops - before, 1);
  assert.is(primary.bytes[0], 1);
  assert.is(primary.bytes[16 * 1024 - 1], 0xff);
});

test('areas of another erased value are refused', () => {
  try {
    makeBootSlots(new MemArea({ size: 16384 }), new MemArea({ size: 16384, erasedValue: 0 }));
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'BOOT_BAD_GEOMETRY');
  }
});

test.run();

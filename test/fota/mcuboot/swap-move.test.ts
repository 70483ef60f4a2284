import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepInstall } from './boot-sweep.ts';

for (const erased of [0xff, 0x00]) {
  test(`swap-move: a power cut at any operation of a test install resumes to the new image (erased 0x${erased.toString(16)})`, async () => {
    const ops = await sweepInstall('swap-move', erased);
    assert.ok(ops > 10, `${ops} operations`);
  });
}

test('swap-move: a power cut at any operation of a permanent install ends on the new image for good', async () => {
  await sweepInstall('swap-move', 0xff, true);
});

test('swap-move: max image = slot minus trailer sectors minus the one free sector; status entries where MCUboot puts them', async () => {
  const { makeBootSlots } = await import('../../../src/fota/mcuboot/boot-slots.ts');
  const { swapMove, readSwapMoveProgress } = await import('../../../src/fota/mcuboot/swap-move.ts');
  const { memSlots } = await import('./mem-flash.ts');
  const { primary, secondary } = memSlots(16 * 1024, { eraseBlockBytes: 1024, writeAlignBytes: 4 });
  const slots = makeBootSlots(primary, secondary, { maxImgSectors: 16 });
  // trailer: 16*3*4 + 4*8 + 16 = 240 bytes -> last sector only
  assert.is(slots.firstTrailerSector, 15);
  assert.is(swapMove.maxImageBytes(slots), 14 * 1024);
  const statusOff = slots.layout.statusOff;
  primary.bytes[statusOff] = 1; // move entry 0
  primary.bytes[statusOff + 4] = 1; // move entry 1
  assert.equal(await readSwapMoveProgress(slots, 3), { movesDone: 2, swapsDone: 0 });
  primary.bytes[statusOff + 8] = 1; // move entry 2
  primary.bytes[statusOff + 16 * 4] = 1; // swap entry 0 starts at BOOT_MAX_IMG_SECTORS
  assert.equal(await readSwapMoveProgress(slots, 3), { movesDone: 3, swapsDone: 1 });
});

test.run();

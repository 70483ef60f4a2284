import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBootSlots } from '../../../src/fota/mcuboot/boot-slots.ts';
import { commitSwap, countWritten, isSwapInProgress, markRevertPending, readStatusEntries, writeStatusEntry } from '../../../src/fota/mcuboot/swap-status.ts';
import { swapTypeFromStates } from '../../../src/fota/mcuboot/swap-table.ts';
import {
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
} from '../../../src/fota/mcuboot/trailer.ts';
import { PowerCutError } from '../../../src/hal/errors.ts';
import { memSlots } from './mem-flash.ts';

function setup() {
  const m = memSlots(16 * 1024, { eraseBlockBytes: 1024, writeAlignBytes: 4 });
  return { ...m, slots: makeBootSlots(m.primary, m.secondary, { maxImgSectors: 16 }) };
}

test('commitSwap writes swap_info, image_ok, swap_size, then the magic: the swap is in progress', async () => {
  const { slots, primary } = setup();
  await commitSwap(slots, BOOT_SWAP_TYPE_PERM, true, 5000);
  const p = await readTrailerState(primary);
  assert.equal(p, { magic: BOOT_MAGIC_GOOD, imageOk: BOOT_FLAG_SET, copyDone: BOOT_FLAG_UNSET, swapType: BOOT_SWAP_TYPE_PERM, imageNum: 0, swapSize: 5000 });
  assert.ok(isSwapInProgress(p));
});

test('commitSwap cut before its last write leaves no swap in progress (magic not good)', async () => {
  const { slots, primary, rail } = setup();
  rail.cutAt = 3; // erase, swap_info, swap_size, then the magic write (operation 3) is cut
  try {
    await commitSwap(slots, BOOT_SWAP_TYPE_TEST, false, 5000);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PowerCutError);
  }
  rail.powerOn();
  const p = await readTrailerState(primary);
  assert.is.not(p.magic, BOOT_MAGIC_GOOD);
  assert.not.ok(isSwapInProgress(p));
});

test('an imgtool --confirm image (magic good, no swap_info) is not a swap in progress', async () => {
  const { primary } = setup();
  const p = { ...(await readTrailerState(primary)), magic: BOOT_MAGIC_GOOD, imageOk: BOOT_FLAG_SET };
  assert.not.ok(isSwapInProgress(p));
});

test('status entries count in order; a gap stops the count', async () => {
  const { slots } = setup();
  await writeStatusEntry(slots, 0);
  await writeStatusEntry(slots, 1);
  await writeStatusEntry(slots, 3);
  const written = await readStatusEntries(slots);
  assert.is(countWritten(written, 0, 10), 2);
  assert.is(countWritten(written, 3, 10), 1);
  assert.is(countWritten(written, 0, 1), 1);
});

test('markRevertPending makes the swap table say PERM for the old image', async () => {
  const { slots, primary, secondary } = setup();
  await markRevertPending(slots, 4096);
  const s = await readTrailerState(secondary);
  assert.equal([s.magic, s.imageOk, s.swapSize], [BOOT_MAGIC_GOOD, BOOT_FLAG_SET, 4096]);
  const p = await readTrailerState(primary);
  assert.is(p.magic, BOOT_MAGIC_UNSET);
  assert.is(swapTypeFromStates(p, s), BOOT_SWAP_TYPE_PERM);
});

test.run();

/**
 * Swap bookkeeping shared by the swap strategies (swap-using-move, swap-using-scratch), in the primary
 * slot's trailer as MCUboot keeps it (swap_status_init, boot_write_status, boot_read_status):
 * - start: erase the primary's trailer sectors, write swap_info, image_ok (when the request was
 *   permanent), swap_size, and the magic last: a good magic with copy_done unset and a swap type in
 *   swap_info means "a swap is in progress" from then on;
 * - one status entry (one flash write unit, first byte 0x01) per finished step, in order;
 * - copy_done when the swap is complete.
 * Revert first marks the secondary "permanent pending" (image_ok + magic), so a reset before the
 * primary's trailer is rewritten still brings the old image back (the swap table then says PERM).
 */
import type { FlashArea } from '../../hal/flash.ts';
import { type BootSlots, eraseTrailerSectors } from './boot-slots.ts';
import {
  BOOT_FLAG_SET_VALUE,
  writeEncKey,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  paddedField,
  type TrailerState,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  writeSwapSize,
} from './trailer.ts';

/** Offset of status entry `index` (0-based, in the order steps finish) in the primary slot. */
export function statusEntryOff(slots: BootSlots, index: number): number {
  return slots.layout.statusOff + index * slots.layout.statusEntryBytes;
}

/** boot_write_status: marks one step finished. */
export async function writeStatusEntry(slots: BootSlots, index: number): Promise<void> {
  const area: FlashArea = slots.primary;
  await area.write(statusEntryOff(slots, index), paddedField(Uint8Array.of(BOOT_FLAG_SET_VALUE), area.writeAlignBytes, area.erasedValue));
}

/**
 * Reads the status area once; `written(i)` tells whether entry i left the erased state (a cut write
 * leaves a prefix, and the first byte is the flag, so a torn entry counts as written only when the
 * step before it had finished).
 */
export async function readStatusEntries(slots: BootSlots): Promise<(index: number) => boolean> {
  const { layout, primary } = slots;
  const status = await primary.read(layout.statusOff, layout.statusBytes);
  return (index) => status[index * layout.statusEntryBytes] !== primary.erasedValue;
}

/** Count of consecutive written entries from `first`, at most `count`. */
export function countWritten(written: (index: number) => boolean, first: number, count: number): number {
  let n = 0;
  while (n < count && written(first + n)) n++;
  return n;
}

export function isSwapInProgress(p: TrailerState): boolean {
  return (
    p.magic === BOOT_MAGIC_GOOD &&
    p.copyDone === BOOT_FLAG_UNSET &&
    p.swapSize !== null &&
    (p.swapType === BOOT_SWAP_TYPE_TEST || p.swapType === BOOT_SWAP_TYPE_PERM || p.swapType === BOOT_SWAP_TYPE_REVERT)
  );
}

/** swap_status_init on a freshly erased primary trailer; the magic, written last, commits the swap. */
export async function commitSwap(slots: BootSlots, swapType: number, imageOk: boolean, swapSize: number): Promise<void> {
  const { primary, layout } = slots;
  await eraseTrailerSectors(primary, slots);
  await writeSwapInfo(primary, layout, swapType, slots.imageIndex);
  if (imageOk) await writeImageOk(primary, layout);
  await writeSwapSize(primary, layout, swapSize);
  // MCUBOOT_ENC_IMAGES: both image keys, before the magic makes the swap official (swap_status_init).
  if (slots.enc) {
    for (const slot of [0, 1] as const) {
      const c = slots.enc.slot[slot];
      if (c) await writeEncKey(primary, layout, slot, c.key);
    }
  }
  await writeMagic(primary, layout);
}

/** Before a revert: the secondary (old image) becomes "permanent pending". */
export async function markRevertPending(slots: BootSlots, swapSize: number): Promise<void> {
  const { secondary, layout } = slots;
  await eraseTrailerSectors(secondary, slots);
  await writeImageOk(secondary, layout);
  await writeSwapSize(secondary, layout, swapSize);
  await writeMagic(secondary, layout);
}


/**
 * Swap using move (MCUboot swap_move.c, docs/design.md "Swap without using scratch"). The primary slot
 * has one sector more than the largest image. First every image sector of the primary moves up by one
 * (from the top down), which frees sector 0; then for each sector i the new image's sector i goes from
 * the secondary to primary[i], and the old sector i (now at primary[i+1]) goes to secondary[i].
 *
 * Progress lives in the primary's trailer: swap_info (type + image), swap_size and the magic are written
 * first (the magic last: it commits the swap); then one status entry per finished step, n move entries
 * then 2n swap entries; copy_done when all is done. A reset at any flash operation resumes from the last
 * written entry: every step reads only sectors no earlier step has overwritten, so redoing it is safe.
 *
 * Revert: the secondary trailer is first marked "permanent pending" (image_ok + magic), so a reset before
 * the primary's trailer is rewritten still leads to the old image; then the same swap runs, recorded as
 * REVERT with image_ok set in the primary.
 */
import type { FlashArea } from '../../hal/flash.ts';
import {
  type BootSlots,
  type BootStrategy,
  copySector,
  eraseSector,
  eraseTrailerSectors,
  sectorsFor,
} from './boot-slots.ts';
import {
  BOOT_FLAG_SET,
  BOOT_FLAG_SET_VALUE,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  paddedField,
  type TrailerState,
  writeCopyDone,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  writeSwapSize,
} from './trailer.ts';

/** How far an interrupted swap got: finished move steps, then finished swap steps (2 per sector). */
export interface SwapMoveProgress {
  movesDone: number;
  swapsDone: number;
}

const SWAP_STATES_PER_SECTOR = 2;

function moveEntryOff(slots: BootSlots, k: number): number {
  return slots.layout.statusOff + k * slots.layout.statusEntryBytes;
}

function swapEntryOff(slots: BootSlots, step: number): number {
  return slots.layout.statusOff + (slots.layout.maxImgSectors + step) * slots.layout.statusEntryBytes;
}

async function writeStatusEntry(area: FlashArea, off: number): Promise<void> {
  await area.write(off, paddedField(Uint8Array.of(BOOT_FLAG_SET_VALUE), area.writeAlignBytes, area.erasedValue));
}

/** Reads the status entries (an entry counts once its first byte left the erased state). */
export async function readSwapMoveProgress(slots: BootSlots, sectors: number): Promise<SwapMoveProgress> {
  const { layout, primary } = slots;
  const status = await primary.read(layout.statusOff, layout.statusBytes);
  const written = (off: number): boolean => status[off - layout.statusOff] !== primary.erasedValue;
  let movesDone = 0;
  while (movesDone < sectors && written(moveEntryOff(slots, movesDone))) movesDone++;
  let swapsDone = 0;
  if (movesDone === sectors) {
    while (swapsDone < sectors * SWAP_STATES_PER_SECTOR && written(swapEntryOff(slots, swapsDone))) swapsDone++;
  }
  return { movesDone, swapsDone };
}

function isSwapInProgress(p: TrailerState): boolean {
  return (
    p.magic === BOOT_MAGIC_GOOD &&
    p.copyDone === BOOT_FLAG_UNSET &&
    p.swapSize !== null &&
    (p.swapType === BOOT_SWAP_TYPE_TEST || p.swapType === BOOT_SWAP_TYPE_PERM || p.swapType === BOOT_SWAP_TYPE_REVERT)
  );
}

function maxSectors(slots: BootSlots): number {
  return Math.min(slots.firstTrailerSector - 1, slots.layout.maxImgSectors);
}

/** Runs the swap from `progress` to the end and sets copy_done. */
async function continueSwap(slots: BootSlots, swapSize: number, progress: SwapMoveProgress): Promise<void> {
  const { primary, secondary, sectorBytes } = slots;
  const n = Math.min(sectorsFor(slots, swapSize), maxSectors(slots));
  if (progress.movesDone === 0 && progress.swapsDone === 0) {
    // The secondary must stop saying "pending" before its sectors change.
    await eraseTrailerSectors(secondary, slots);
  }
  for (let k = progress.movesDone; k < n; k++) {
    const from = n - 1 - k;
    await eraseSector(primary, from + 1, sectorBytes);
    await copySector(primary, from, primary, from + 1, sectorBytes);
    await writeStatusEntry(primary, moveEntryOff(slots, k));
  }
  for (let step = progress.swapsDone; step < n * SWAP_STATES_PER_SECTOR; step++) {
    const i = Math.floor(step / SWAP_STATES_PER_SECTOR);
    if (step % SWAP_STATES_PER_SECTOR === 0) {
      await eraseSector(primary, i, sectorBytes);
      await copySector(secondary, i, primary, i, sectorBytes);
    } else {
      await eraseSector(secondary, i, sectorBytes);
      await copySector(primary, i + 1, secondary, i, sectorBytes);
    }
    await writeStatusEntry(primary, swapEntryOff(slots, step));
  }
  await writeCopyDone(primary, slots.layout);
}

/** swap_status_init on a freshly erased primary trailer, magic last; then the whole swap. */
async function startSwap(slots: BootSlots, swapType: number, imageOk: boolean, imageBytes: number): Promise<void> {
  const { primary, layout } = slots;
  await eraseTrailerSectors(primary, slots);
  await writeSwapInfo(primary, layout, swapType, slots.imageIndex);
  if (imageOk) await writeImageOk(primary, layout);
  await writeSwapSize(primary, layout, imageBytes);
  await writeMagic(primary, layout);
  await continueSwap(slots, imageBytes, { movesDone: 0, swapsDone: 0 });
}

export const swapMove: BootStrategy = {
  name: 'swap-move',
  canRevert: true,

  maxImageBytes(slots: BootSlots): number {
    return maxSectors(slots) * slots.sectorBytes;
  },

  async resume(slots: BootSlots, primary: TrailerState): Promise<number | undefined> {
    if (!isSwapInProgress(primary)) return undefined;
    const swapSize = primary.swapSize!;
    const progress = await readSwapMoveProgress(slots, Math.min(sectorsFor(slots, swapSize), maxSectors(slots)));
    await continueSwap(slots, swapSize, progress);
    return primary.swapType;
  },

  async upgrade(slots: BootSlots, swapType: number, secondary: TrailerState, imageBytes: number): Promise<void> {
    await startSwap(slots, swapType, secondary.imageOk === BOOT_FLAG_SET, imageBytes);
  },

  async revert(slots: BootSlots, primary: TrailerState, imageBytes: number): Promise<void> {
    const { secondary, layout } = slots;
    const size = Math.max(primary.swapSize ?? 0, imageBytes);
    // Mark the old image permanent-pending first: a reset from here on still brings it back.
    await eraseTrailerSectors(secondary, slots);
    await writeImageOk(secondary, layout);
    await writeSwapSize(secondary, layout, size);
    await writeMagic(secondary, layout);
    await startSwap(slots, BOOT_SWAP_TYPE_REVERT, true, size);
  },
};

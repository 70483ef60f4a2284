/**
 * Swap using move (MCUboot swap_move.c, docs/design.md "Swap without using scratch"). The primary slot
 * has one sector more than the largest image. First every image sector of the primary moves up by one
 * (from the top down), which frees sector 0; then for each sector i the new image's sector i goes from
 * the secondary to primary[i], and the old sector i (now at primary[i+1]) goes to secondary[i].
 *
 * Progress lives in the primary's trailer (swap-status.ts): n move entries first, then 2n swap entries
 * starting at entry BOOT_MAX_IMG_SECTORS, as MCUboot lays them out. A reset at any flash operation
 * resumes from the last written entry: every step reads only sectors no earlier step has overwritten,
 * so redoing it is safe. The trailer sectors never take part in the swap.
 */
import type { FlashArea } from '../../hal/flash.ts';
import { type BootSlots, type BootStrategy, copySector, eraseSector, eraseTrailerSectors, sectorsFor } from './boot-slots.ts';
import { commitSwap, countWritten, isSwapInProgress, markRevertPending, readStatusEntries, writeStatusEntry } from './swap-status.ts';
import { BOOT_FLAG_SET, BOOT_SWAP_TYPE_REVERT, type TrailerState, writeCopyDone } from './trailer.ts';

/** How far an interrupted swap got: finished move steps, then finished swap steps (2 per sector). */
export interface SwapMoveProgress {
  movesDone: number;
  swapsDone: number;
}

const SWAP_STATES_PER_SECTOR = 2;

function maxSectors(slots: BootSlots): number {
  return Math.min(slots.firstTrailerSector - 1, slots.layout.maxImgSectors);
}

function sectorsToSwap(slots: BootSlots, swapSize: number): number {
  return Math.min(sectorsFor(slots, swapSize), maxSectors(slots));
}

/** Reads the status entries of a swap of `sectors` sectors. */
export async function readSwapMoveProgress(slots: BootSlots, sectors: number): Promise<SwapMoveProgress> {
  const written = await readStatusEntries(slots);
  const movesDone = countWritten(written, 0, sectors);
  const swapsDone = movesDone === sectors ? countWritten(written, slots.layout.maxImgSectors, sectors * SWAP_STATES_PER_SECTOR) : 0;
  return { movesDone, swapsDone };
}

/**
 * Where each image's header lies while a swap of `swapSize` is under way (as MCUboot's swap_move.c
 * reads headers on resume): [image that was in the primary, image that was in the secondary], each as
 * (area, sector). The old image's sector 0 sits in primary[0] until it moves up to primary[1], then
 * goes to secondary[0]; the new image's stays in secondary[0] until the first swap step copies it.
 */
export async function swapMoveHeaderPlaces(slots: BootSlots, swapSize: number): Promise<[[FlashArea, number], [FlashArea, number]]> {
  const n = sectorsToSwap(slots, swapSize);
  const { movesDone, swapsDone } = await readSwapMoveProgress(slots, n);
  const old: [FlashArea, number] = movesDone < n ? [slots.primary, 0] : swapsDone < SWAP_STATES_PER_SECTOR ? [slots.primary, 1] : [slots.secondary, 0];
  const neu: [FlashArea, number] = swapsDone < 1 ? [slots.secondary, 0] : [slots.primary, 0];
  return [old, neu];
}

/** Runs the swap from `progress` to the end and sets copy_done. */
async function continueSwap(slots: BootSlots, swapSize: number, progress: SwapMoveProgress): Promise<void> {
  const { primary, secondary, sectorBytes } = slots;
  const n = sectorsToSwap(slots, swapSize);
  if (progress.movesDone === 0 && progress.swapsDone === 0) {
    // The secondary must stop saying "pending" before its sectors change.
    await eraseTrailerSectors(secondary, slots);
  }
  for (let k = progress.movesDone; k < n; k++) {
    const from = n - 1 - k;
    await eraseSector(primary, from + 1, sectorBytes);
    await copySector(primary, from, primary, from + 1, sectorBytes, slots);
    await writeStatusEntry(slots, k);
  }
  for (let step = progress.swapsDone; step < n * SWAP_STATES_PER_SECTOR; step++) {
    const i = Math.floor(step / SWAP_STATES_PER_SECTOR);
    if (step % SWAP_STATES_PER_SECTOR === 0) {
      await eraseSector(primary, i, sectorBytes);
      await copySector(secondary, i, primary, i, sectorBytes, slots);
    } else {
      await eraseSector(secondary, i, sectorBytes);
      await copySector(primary, i + 1, secondary, i, sectorBytes, slots);
    }
    await writeStatusEntry(slots, slots.layout.maxImgSectors + step);
  }
  await writeCopyDone(primary, slots.layout);
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
    await continueSwap(slots, swapSize, await readSwapMoveProgress(slots, sectorsToSwap(slots, swapSize)));
    return primary.swapType;
  },

  async upgrade(slots: BootSlots, swapType: number, secondary: TrailerState, imageBytes: number): Promise<void> {
    await commitSwap(slots, swapType, secondary.imageOk === BOOT_FLAG_SET, imageBytes);
    await continueSwap(slots, imageBytes, { movesDone: 0, swapsDone: 0 });
  },

  async revert(slots: BootSlots, primary: TrailerState, imageBytes: number): Promise<void> {
    const size = Math.max(primary.swapSize ?? 0, imageBytes);
    await markRevertPending(slots, size);
    await commitSwap(slots, BOOT_SWAP_TYPE_REVERT, true, size);
    await continueSwap(slots, size, { movesDone: 0, swapsDone: 0 });
  },
};

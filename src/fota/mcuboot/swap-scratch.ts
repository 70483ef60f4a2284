/**
 * Swap using scratch (MCUboot swap_scratch.c, docs/design.md "Image swapping"). The image sectors are
 * swapped one scratch-sized area at a time, from the top area down, in three steps each:
 *   0. scratch ← secondary[area]   1. secondary[area] ← primary[area]   2. primary[area] ← scratch
 * with a status entry after each step in the primary's trailer (swap-status.ts). Each step's source
 * is intact until the step after it has been recorded, so a reset at any flash operation redoes at
 * most the interrupted step. Model simplification: the trailer sectors stay out of the swap (images
 * end below them), so the status never has to move to the scratch's trailer as in MCUboot.
 * Encrypted images: the scratch holds the new image decrypted (it left the secondary through the
 * decrypting copy), and the old image is encrypted on its way into the secondary (boot-slots.ts).
 */
import { type BootSlots, type BootStrategy, BootError, copySector, eraseSector, eraseTrailerSectors, sectorsFor } from './boot-slots.ts';
import { commitSwap, countWritten, isSwapInProgress, markRevertPending, readStatusEntries, writeStatusEntry } from './swap-status.ts';
import { BOOT_FLAG_SET, BOOT_STATUS_STATE_COUNT, BOOT_SWAP_TYPE_REVERT, type TrailerState, writeCopyDone } from './trailer.ts';
import type { FlashArea } from '../../hal/flash.ts';

function scratchOf(slots: BootSlots): FlashArea {
  const s = slots.scratch;
  if (!s) throw new BootError('BOOT_NO_SCRATCH', 'swapScratch: this board has no scratch partition');
  return s;
}

/** Sectors per area: what the scratch partition holds. */
function areaSectors(slots: BootSlots): number {
  return Math.floor(scratchOf(slots).size / slots.sectorBytes);
}

function maxSectors(slots: BootSlots): number {
  return Math.min(slots.firstTrailerSector, slots.layout.maxImgSectors);
}

function sectorsToSwap(slots: BootSlots, swapSize: number): number {
  return Math.min(sectorsFor(slots, swapSize), maxSectors(slots));
}

/** Steps recorded so far for a swap of `swapSize`. */
async function stepsDoneOf(slots: BootSlots, swapSize: number): Promise<{ stepsDone: number; areas: number }> {
  const areas = Math.ceil(sectorsToSwap(slots, swapSize) / areaSectors(slots));
  const written = await readStatusEntries(slots);
  return { stepsDone: countWritten(written, 0, areas * BOOT_STATUS_STATE_COUNT), areas };
}

/**
 * Where each image's header lies while a swap of `swapSize` is under way: [image that was in the
 * primary, image that was in the secondary], as (area, sector). Sector 0 belongs to the last area
 * swapped: the old header stays in primary[0] until step 1 of that area has copied it to
 * secondary[0]; the new one leaves secondary[0] for the scratch at step 0 and reaches primary[0] at step 2.
 */
export async function swapScratchHeaderPlaces(slots: BootSlots, swapSize: number): Promise<[[FlashArea, number], [FlashArea, number]]> {
  const scratch = scratchOf(slots);
  const { stepsDone, areas } = await stepsDoneOf(slots, swapSize);
  const first = (areas - 1) * BOOT_STATUS_STATE_COUNT;
  const old: [FlashArea, number] = stepsDone < first + 2 ? [slots.primary, 0] : [slots.secondary, 0];
  const neu: [FlashArea, number] = stepsDone < first + 1 ? [slots.secondary, 0] : stepsDone < first + 3 ? [scratch, 0] : [slots.primary, 0];
  return [old, neu];
}

async function continueSwap(slots: BootSlots, swapSize: number, stepsDone: number): Promise<void> {
  const { primary, secondary, sectorBytes } = slots;
  const scratch = scratchOf(slots);
  const n = sectorsToSwap(slots, swapSize);
  const per = areaSectors(slots);
  const areas = Math.ceil(n / per);
  if (stepsDone === 0) await eraseTrailerSectors(secondary, slots);
  for (let step = stepsDone; step < areas * BOOT_STATUS_STATE_COUNT; step++) {
    const a = areas - 1 - Math.floor(step / BOOT_STATUS_STATE_COUNT);
    const first = a * per;
    const count = Math.min(per, n - first);
    const state = step % BOOT_STATUS_STATE_COUNT;
    for (let j = 0; j < count; j++) {
      if (state === 0) {
        await eraseSector(scratch, j, sectorBytes);
        await copySector(secondary, first + j, scratch, j, sectorBytes, slots);
      } else if (state === 1) {
        await eraseSector(secondary, first + j, sectorBytes);
        await copySector(primary, first + j, secondary, first + j, sectorBytes, slots);
      } else {
        await eraseSector(primary, first + j, sectorBytes);
        await copySector(scratch, j, primary, first + j, sectorBytes, slots);
      }
    }
    await writeStatusEntry(slots, step);
  }
  await writeCopyDone(primary, slots.layout);
}

export const swapScratch: BootStrategy = {
  name: 'swap-scratch',
  canRevert: true,

  maxImageBytes(slots: BootSlots): number {
    scratchOf(slots);
    return maxSectors(slots) * slots.sectorBytes;
  },

  async resume(slots: BootSlots, primary: TrailerState): Promise<number | undefined> {
    if (!isSwapInProgress(primary)) return undefined;
    const swapSize = primary.swapSize!;
    await continueSwap(slots, swapSize, (await stepsDoneOf(slots, swapSize)).stepsDone);
    return primary.swapType;
  },

  async upgrade(slots: BootSlots, swapType: number, secondary: TrailerState, imageBytes: number): Promise<void> {
    await commitSwap(slots, swapType, secondary.imageOk === BOOT_FLAG_SET, imageBytes);
    await continueSwap(slots, imageBytes, 0);
  },

  async revert(slots: BootSlots, primary: TrailerState, imageBytes: number): Promise<void> {
    const size = Math.max(primary.swapSize ?? 0, imageBytes);
    await markRevertPending(slots, size);
    await commitSwap(slots, BOOT_SWAP_TYPE_REVERT, true, size);
    await continueSwap(slots, size, 0);
  },
};

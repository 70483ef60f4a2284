/**
 * Overwrite-only upgrade (MCUboot MCUBOOT_OVERWRITE_ONLY): the secondary image is copied over the
 * primary, no swap, no revert (a test request is installed for good). The secondary's trailer is
 * erased only after the copy is complete, so a reset during the copy finds the request still pending
 * and copies again from the start; nothing needs to be recorded in between.
 */
import {
  type BootSlots,
  type BootStrategy,
  BootError,
  copySector,
  eraseSector,
  eraseTrailerSectors,
  sectorsFor,
} from './boot-slots.ts';
import type { TrailerState } from './trailer.ts';

export const overwriteOnly: BootStrategy = {
  name: 'overwrite-only',
  canRevert: false,

  maxImageBytes(slots: BootSlots): number {
    return slots.firstTrailerSector * slots.sectorBytes;
  },

  async resume(): Promise<number | undefined> {
    return undefined;
  },

  async upgrade(slots: BootSlots, _swapType: number, _secondary: TrailerState, imageBytes: number): Promise<void> {
    const { primary, secondary, sectorBytes } = slots;
    const n = Math.min(sectorsFor(slots, imageBytes), slots.firstTrailerSector);
    for (let i = 0; i < n; i++) await eraseSector(primary, i, sectorBytes);
    await eraseTrailerSectors(primary, slots);
    for (let i = 0; i < n; i++) await copySector(secondary, i, primary, i, sectorBytes, slots);
    await eraseTrailerSectors(secondary, slots);
  },

  async revert(): Promise<void> {
    throw new BootError('BOOT_NO_REVERT', 'overwriteOnly.revert: an overwrite-only bootloader cannot revert');
  },
};

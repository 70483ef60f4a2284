/**
 * MCUboot's swap-type decision as a table (boot_swap_tables[] in bootutil_public.c): the first row
 * whose every field matches the slots' trailer states gives the swap type; no match is NONE.
 * Spec: docs/reference/mcuboot.md "Swap type decision".
 */
import { FlashError } from '../../hal/errors.ts';
import type { FlashArea } from '../../hal/flash.ts';
import {
  BOOT_FLAG_ANY,
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_ANY,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_NOTGOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PANIC,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
  type ReadTrailerOptions,
  type TrailerState,
} from './trailer.ts';

export interface SwapTableRow {
  magicPrimarySlot: number;
  magicSecondarySlot: number;
  imageOkPrimarySlot: number;
  imageOkSecondarySlot: number;
  copyDonePrimarySlot: number;
  /** Only in swap-using-offset builds. */
  swapUsingOffsetOnly?: boolean;
  /** Secondary copy_done (only the swap-using-offset row looks at it). */
  copyDoneSecondarySlot?: number;
  swapType: number;
}

export const BOOT_SWAP_TABLES: readonly SwapTableRow[] = [
  {
    // swap-using-offset: a secondary whose copy_done is set holds the reverted-from image.
    swapUsingOffsetOnly: true,
    magicPrimarySlot: BOOT_MAGIC_ANY,
    magicSecondarySlot: BOOT_MAGIC_GOOD,
    imageOkPrimarySlot: BOOT_FLAG_ANY,
    imageOkSecondarySlot: BOOT_FLAG_UNSET,
    copyDonePrimarySlot: BOOT_FLAG_ANY,
    copyDoneSecondarySlot: BOOT_FLAG_SET,
    swapType: BOOT_SWAP_TYPE_REVERT,
  },
  {
    magicPrimarySlot: BOOT_MAGIC_ANY,
    magicSecondarySlot: BOOT_MAGIC_GOOD,
    imageOkPrimarySlot: BOOT_FLAG_ANY,
    imageOkSecondarySlot: BOOT_FLAG_UNSET,
    copyDonePrimarySlot: BOOT_FLAG_ANY,
    swapType: BOOT_SWAP_TYPE_TEST,
  },
  {
    magicPrimarySlot: BOOT_MAGIC_ANY,
    magicSecondarySlot: BOOT_MAGIC_GOOD,
    imageOkPrimarySlot: BOOT_FLAG_ANY,
    imageOkSecondarySlot: BOOT_FLAG_SET,
    copyDonePrimarySlot: BOOT_FLAG_ANY,
    swapType: BOOT_SWAP_TYPE_PERM,
  },
  {
    magicPrimarySlot: BOOT_MAGIC_GOOD,
    magicSecondarySlot: BOOT_MAGIC_ANY,
    imageOkPrimarySlot: BOOT_FLAG_UNSET,
    imageOkSecondarySlot: BOOT_FLAG_ANY,
    copyDonePrimarySlot: BOOT_FLAG_SET,
    swapType: BOOT_SWAP_TYPE_REVERT,
  },
];

/** boot_magic_compatible_check: table value vs state (ANY and NOTGOOD are wildcards). */
export function magicMatches(tableValue: number, state: number): boolean {
  if (tableValue === BOOT_MAGIC_ANY) return true;
  if (tableValue === BOOT_MAGIC_NOTGOOD) return state !== BOOT_MAGIC_GOOD;
  return tableValue === state;
}

export function flagMatches(tableValue: number, state: number): boolean {
  return tableValue === BOOT_FLAG_ANY || tableValue === state;
}

export interface SwapTypeOptions {
  /** Build with MCUBOOT_SWAP_USING_OFFSET (enables its extra REVERT row). */
  swapUsingOffset?: boolean;
}

/** The row that decides, or undefined (NONE). */
export function matchSwapTable(primary: TrailerState, secondary: TrailerState, options: SwapTypeOptions = {}): SwapTableRow | undefined {
  return BOOT_SWAP_TABLES.find(
    (row) =>
      (!row.swapUsingOffsetOnly || options.swapUsingOffset === true) &&
      magicMatches(row.magicPrimarySlot, primary.magic) &&
      magicMatches(row.magicSecondarySlot, secondary.magic) &&
      flagMatches(row.imageOkPrimarySlot, primary.imageOk) &&
      flagMatches(row.imageOkSecondarySlot, secondary.imageOk) &&
      flagMatches(row.copyDonePrimarySlot, primary.copyDone) &&
      (row.copyDoneSecondarySlot === undefined || flagMatches(row.copyDoneSecondarySlot, secondary.copyDone)),
  );
}

/** Swap type for two trailer states (first matching row, else BOOT_SWAP_TYPE_NONE). */
export function swapTypeFromStates(primary: TrailerState, secondary: TrailerState, options: SwapTypeOptions = {}): number {
  return matchSwapTable(primary, secondary, options)?.swapType ?? BOOT_SWAP_TYPE_NONE;
}

/** A trailer that reads as an empty slot (what MCUboot assumes for an unreadable secondary). */
export const EMPTY_TRAILER_STATE: Readonly<TrailerState> = {
  magic: BOOT_MAGIC_UNSET,
  imageOk: BOOT_FLAG_UNSET,
  copyDone: BOOT_FLAG_UNSET,
  swapType: BOOT_SWAP_TYPE_NONE,
  imageNum: 0,
  swapSize: null,
};

/**
 * boot_swap_type_multi over flash: a read error (FlashError) on the primary gives PANIC, an
 * unreadable secondary is treated as empty. A power cut is not a read error: it propagates.
 */
export async function swapType(primary: FlashArea, secondary: FlashArea, options: ReadTrailerOptions & SwapTypeOptions = {}): Promise<number> {
  const states = await readSlotStates(primary, secondary, options);
  return 'panic' in states ? BOOT_SWAP_TYPE_PANIC : swapTypeFromStates(states.primary, states.secondary, options);
}

/**
 * Both trailers as MCUboot reads them before deciding: a read error on the primary is a panic (its
 * FlashError code returned), an unreadable secondary counts as empty.
 */
export async function readSlotStates(
  primary: FlashArea,
  secondary: FlashArea,
  options: ReadTrailerOptions = {},
): Promise<{ primary: TrailerState; secondary: TrailerState } | { panic: string }> {
  let p: TrailerState;
  try {
    p = await readTrailerState(primary, options);
  } catch (e) {
    if (e instanceof FlashError) return { panic: e.code };
    throw e;
  }
  let s: TrailerState;
  try {
    s = await readTrailerState(secondary, options);
  } catch (e) {
    if (!(e instanceof FlashError)) throw e;
    s = { ...EMPTY_TRAILER_STATE };
  }
  return { primary: p, secondary: s };
}


/**
 * What the application asks of MCUboot: boot_set_pending (mark the secondary image for a test or
 * permanent swap) and boot_set_confirmed (keep the running test image). Spec:
 * docs/reference/mcuboot.md "boot_set_pending_multi" / "boot_set_confirmed_multi"
 * (bootutil_public.c boot_set_next). Returns MCUboot's rc: 0, BOOT_EBADIMAGE, BOOT_EBADVECT.
 */
import { FotaError } from '../../hal/errors.ts';
import type { FlashArea } from '../../hal/flash.ts';
import {
  areaTrailerLayout,
  BOOT_EBADIMAGE,
  BOOT_EBADVECT,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_INFO_IMAGE_MAX,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
  type TrailerOptions,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
} from './trailer.ts';

/** Largest image index a swap_info nibble can carry. */
export const BOOT_IMAGE_INDEX_MAX = BOOT_SWAP_INFO_IMAGE_MAX;

function checkIndex(op: string, imageIndex: number): void {
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex > BOOT_IMAGE_INDEX_MAX) {
    throw new FotaError('BOOT_BAD_ARGUMENT', `${op}: image index ${imageIndex} is not 0..${BOOT_IMAGE_INDEX_MAX}`, { imageIndex });
  }
}

/**
 * boot_set_pending_multi(imageIndex, permanent) on the secondary slot. Magic UNSET: writes the magic,
 * then image_ok when permanent, then swap_info (TEST or PERM); rc 0. Magic GOOD: already pending,
 * nothing written, rc 0. Magic BAD: nothing written, rc BOOT_EBADIMAGE.
 */
export async function bootSetPending(secondary: FlashArea, imageIndex: number, permanent: boolean, options: TrailerOptions = {}): Promise<number> {
  checkIndex('bootRequests.setPending', imageIndex);
  const layout = areaTrailerLayout(secondary, options);
  const state = await readTrailerState(secondary, options);
  if (state.magic === BOOT_MAGIC_GOOD) return 0;
  if (state.magic !== BOOT_MAGIC_UNSET) return BOOT_EBADIMAGE;
  await writeMagic(secondary, layout);
  if (permanent) await writeImageOk(secondary, layout);
  await writeSwapInfo(secondary, layout, permanent ? BOOT_SWAP_TYPE_PERM : BOOT_SWAP_TYPE_TEST, imageIndex);
  return 0;
}

/**
 * boot_set_confirmed_multi(imageIndex) on the primary slot. Magic GOOD and image_ok UNSET: writes
 * image_ok (copy_done deliberately not checked); any other image_ok: nothing. Magic UNSET: nothing,
 * rc 0. Magic BAD: rc BOOT_EBADVECT.
 */
export async function bootSetConfirmed(primary: FlashArea, imageIndex = 0, options: TrailerOptions = {}): Promise<number> {
  checkIndex('bootRequests.setConfirmed', imageIndex);
  const layout = areaTrailerLayout(primary, options);
  const state = await readTrailerState(primary, options);
  if (state.magic === BOOT_MAGIC_UNSET) return 0;
  if (state.magic !== BOOT_MAGIC_GOOD) return BOOT_EBADVECT;
  if (state.imageOk === BOOT_FLAG_UNSET) await writeImageOk(primary, layout);
  return 0;
}

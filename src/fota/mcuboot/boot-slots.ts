/**
 * Internal helpers of the bootloader model: the two slots of one image with their sector geometry and
 * trailer layout, the strategy interface that swap-move / overwrite-only implement (MCUboot's
 * swap_move.c / swap_scratch.c / overwrite-only as sibling files behind one interface), and sector
 * copies. Spec: MCUboot docs/design.md "Image swapping", docs/reference/mcuboot.md.
 */
import { FotaError } from '../../hal/errors.ts';
import type { FlashArea } from '../../hal/flash.ts';
import { areaTrailerLayout, type TrailerLayout, type TrailerOptions, type TrailerState } from './trailer.ts';
import { cryptChunk, type BootSlotsEncryption } from './boot-encryption.ts';

/** Bytes moved per flash write when copying a sector (MCUboot copies through a small RAM buffer). */
export const BOOT_COPY_CHUNK_BYTES = 1024;

/** Errors of the bootloader model's configuration (not of images: those are verdicts). */
export class BootError extends FotaError {}

/** One image's primary and secondary slot, as a swap sees them. */
export interface BootSlots {
  readonly primary: FlashArea;
  readonly secondary: FlashArea;
  /** The scratch partition (swap-using-scratch only). */
  readonly scratch?: FlashArea;
  /** Trailer layout of both slots (same size and write unit). */
  readonly layout: TrailerLayout;
  readonly trailerOptions: TrailerOptions;
  readonly imageIndex: number;
  readonly sectorBytes: number;
  readonly sectorCount: number;
  /** First sector holding any trailer byte; image data stays below it. */
  readonly firstTrailerSector: number;
  /** MCUBOOT_ENC_IMAGES: the ciphers of the swap in progress (set by the bootloader before each swap). */
  enc?: BootSlotsEncryption;
}

export function makeBootSlots(
  primary: FlashArea,
  secondary: FlashArea,
  options: TrailerOptions & { imageIndex?: number; scratch?: FlashArea } = {},
): BootSlots {
  const op = 'bootloader.slots';
  if (
    primary.size !== secondary.size ||
    primary.eraseBlockBytes !== secondary.eraseBlockBytes ||
    primary.writeAlignBytes !== secondary.writeAlignBytes ||
    primary.erasedValue !== secondary.erasedValue
  ) {
    throw new BootError('BOOT_BAD_GEOMETRY', `${op}: ${primary.label} and ${secondary.label} differ in size or flash geometry`, {
      primary: primary.label,
      secondary: secondary.label,
    });
  }
  const sectorBytes = primary.eraseBlockBytes;
  if (primary.size % sectorBytes !== 0) {
    throw new BootError('BOOT_BAD_GEOMETRY', `${op}: slot size ${primary.size} is not a whole number of ${sectorBytes}-byte sectors`, { size: primary.size });
  }
  const trailerOptions: TrailerOptions = {
    ...(options.maxAlign !== undefined ? { maxAlign: options.maxAlign } : {}),
    ...(options.maxImgSectors !== undefined ? { maxImgSectors: options.maxImgSectors } : {}),
    ...(options.encKeyBytes ? { encKeyBytes: options.encKeyBytes } : {}),
    writeAlignBytes: options.writeAlignBytes ?? primary.writeAlignBytes,
  };
  const layout = areaTrailerLayout(primary, trailerOptions);
  const sectorCount = primary.size / sectorBytes;
  const firstTrailerSector = Math.floor(layout.statusOff / sectorBytes);
  if (firstTrailerSector < 2) {
    throw new BootError('BOOT_BAD_GEOMETRY', `${op}: the ${layout.trailerBytes}-byte trailer leaves no room for an image`, { size: primary.size });
  }
  const scratch = options.scratch;
  if (
    scratch &&
    (scratch.eraseBlockBytes !== sectorBytes ||
      scratch.size % sectorBytes !== 0 ||
      scratch.size < sectorBytes ||
      scratch.writeAlignBytes !== primary.writeAlignBytes ||
      scratch.erasedValue !== primary.erasedValue)
  ) {
    throw new BootError('BOOT_BAD_GEOMETRY', `${op}: scratch ${scratch.label} does not hold whole slot sectors of the same flash`, { scratch: scratch.label });
  }
  return {
    primary,
    secondary,
    ...(scratch ? { scratch } : {}),
    layout,
    trailerOptions,
    imageIndex: options.imageIndex ?? 0,
    sectorBytes,
    sectorCount,
    firstTrailerSector,
  };
}

/**
 * A way of getting the secondary image into the primary slot. `upgrade` and `revert` start from a
 * state the swap table decided; `resume` finishes what a reset interrupted (every step is recorded
 * on flash before the next one starts, so a power cut at any operation resumes correctly).
 */
export interface BootStrategy {
  readonly name: string;
  /** Whether a test image can be swapped back (overwrite-only cannot). */
  readonly canRevert: boolean;
  /** Largest image (header to end of TLVs) the slots take with this strategy, in bytes. */
  maxImageBytes(slots: BootSlots): number;
  /** Finishes an interrupted swap and returns its swap type; undefined when none is in progress. */
  resume(slots: BootSlots, primary: TrailerState, secondary: TrailerState): Promise<number | undefined>;
  /** Installs the (validated) secondary image; `imageBytes` covers both images. */
  upgrade(slots: BootSlots, swapType: number, secondary: TrailerState, imageBytes: number): Promise<void>;
  /** Brings the previous image back (swap type REVERT). */
  revert(slots: BootSlots, primary: TrailerState, imageBytes: number): Promise<void>;
}

export function sectorsFor(slots: BootSlots, bytes: number): number {
  return Math.max(1, Math.ceil(bytes / slots.sectorBytes));
}

function allErased(bytes: Uint8Array, erased: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== erased) return false;
  return true;
}

/**
 * Copies one sector's bytes (the destination sector already erased); erased chunks are skipped. With
 * `slots.enc` (boot_copy_region with MCUBOOT_ENC_IMAGES): bytes leaving the secondary are decrypted
 * with the secondary image's key, bytes entering it are encrypted with the primary image's key, each
 * only inside that image's body (the image offset is the sector's place in the secondary slot).
 */
export async function copySector(src: FlashArea, srcSector: number, dst: FlashArea, dstSector: number, sectorBytes: number, slots?: BootSlots): Promise<void> {
  const enc = slots?.enc;
  const cipher = !enc ? undefined : src === slots!.secondary ? enc.slot[1] : dst === slots!.secondary ? enc.slot[0] : undefined;
  const imageSector = src === slots?.secondary ? srcSector : dstSector;
  for (let o = 0; o < sectorBytes; o += BOOT_COPY_CHUNK_BYTES) {
    const n = Math.min(BOOT_COPY_CHUNK_BYTES, sectorBytes - o);
    let chunk = await src.read(srcSector * sectorBytes + o, n);
    if (cipher) chunk = cryptChunk(enc!.crypto, cipher, imageSector * sectorBytes + o, chunk);
    if (allErased(chunk, dst.erasedValue)) continue;
    await dst.write(dstSector * sectorBytes + o, chunk);
  }
}

export async function eraseSector(area: FlashArea, sector: number, sectorBytes: number): Promise<void> {
  await area.erase(sector * sectorBytes, sectorBytes);
}

/** swap_erase_trailer_sectors: erases every sector that holds trailer bytes. */
export async function eraseTrailerSectors(area: FlashArea, slots: BootSlots): Promise<void> {
  const off = slots.firstTrailerSector * slots.sectorBytes;
  await area.erase(off, area.size - off);
}

/**
 * MCUboot image trailer: where the boot flags live at the end of a slot, and how to read them.
 * Spec: docs/reference/mcuboot.md "Image trailer" and "Reading trailer state"
 * (MCUboot bootutil_public.c boot_read_swap_state, bootutil_misc.h boot_trailer_sz).
 *
 * Slot of size S, A = BOOT_MAX_ALIGN (8, 16 or 32), from the end of the slot downwards:
 *   magic block  [S - align_up(16, A), S)   erased padding, then the 16-byte magic at S - 16
 *   image_ok     one A-byte field below the magic block
 *   copy_done    image_ok - A
 *   swap_info    copy_done - A   (low nibble swap type, high nibble image number)
 *   swap_size    swap_info - A   (u32 little-endian)
 *   enc keys     (MCUBOOT_ENC_IMAGES only) key[slot] at swap_size - (slot + 1) * align_up(key, A)
 *   swap status  below: BOOT_MAX_IMG_SECTORS * BOOT_STATUS_STATE_COUNT entries of
 *                one flash write unit each
 */
import { bytesEqual, readU32LE, writeU16LE, writeU32LE } from '../../hal/bytes.ts';
import { FotaError } from '../../hal/errors.ts';
import { alignUp, type FlashArea } from '../../hal/flash.ts';

/** Size of the magic itself, in bytes. */
export const BOOT_MAGIC_SZ = 16;
/** BOOT_MAX_ALIGN values MCUboot supports. */
export const BOOT_MAX_ALIGN_VALUES: readonly number[] = [8, 16, 32];
/** BOOT_MAX_ALIGN when nothing else is configured (and imgtool's default --max-align). */
export const BOOT_MAX_ALIGN_DEFAULT = 8;
/** CONFIG_BOOT_MAX_IMG_SECTORS default: how many sectors the swap status area has room for. */
export const BOOT_MAX_IMG_SECTORS_DEFAULT = 128;
/** Status entries per sector for swap-using-scratch and swap-using-move. */
export const BOOT_STATUS_STATE_COUNT = 3;
/** Largest flash write unit the trailer layout accepts, in bytes (it must not exceed BOOT_MAX_ALIGN). */
export const BOOT_FLASH_WRITE_ALIGN_MAX_BYTES = 32;

/** Magic for BOOT_MAX_ALIGN == 8 (the historic 16 bytes). */
export const BOOT_IMG_MAGIC_ALIGN8: Uint8Array = Uint8Array.of(
  0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
);
/** Magic for BOOT_MAX_ALIGN > 8: u16le(BOOT_MAX_ALIGN) followed by these 14 bytes. */
export const BOOT_IMG_MAGIC_TAIL: Uint8Array = Uint8Array.of(
  0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a,
);

// boot_swap_state.magic values.
export const BOOT_MAGIC_GOOD = 1;
export const BOOT_MAGIC_BAD = 2;
export const BOOT_MAGIC_UNSET = 3;
/** Table wildcard: matches any magic. */
export const BOOT_MAGIC_ANY = 4;
/** Table wildcard: matches BAD or UNSET. */
export const BOOT_MAGIC_NOTGOOD = 5;

// boot_swap_state.image_ok / copy_done values.
export const BOOT_FLAG_SET = 1;
export const BOOT_FLAG_BAD = 2;
export const BOOT_FLAG_UNSET = 3;
/** Table wildcard: matches any flag state. */
export const BOOT_FLAG_ANY = 4;

/** swap_size is a u32. */
export const BOOT_SWAP_SIZE_BYTES = 4;

/** The byte MCUboot writes into image_ok / copy_done to set them. */
export const BOOT_FLAG_SET_VALUE = 0x01;

// Swap types (bootutil_public.h).
export const BOOT_SWAP_TYPE_NONE = 1;
export const BOOT_SWAP_TYPE_TEST = 2;
export const BOOT_SWAP_TYPE_PERM = 3;
export const BOOT_SWAP_TYPE_REVERT = 4;
export const BOOT_SWAP_TYPE_FAIL = 5;
export const BOOT_SWAP_TYPE_PANIC = 0xff;

/** swap_info: swap type in the low nibble, image number in the high nibble. */
export const BOOT_SWAP_INFO_TYPE_MASK = 0x0f;
export const BOOT_SWAP_INFO_IMAGE_SHIFT = 4;
/** Largest image number swap_info can carry. */
export const BOOT_SWAP_INFO_IMAGE_MAX = 0x0f;

/** Largest swap type a swap_info nibble may carry; above it the field reads as NONE. */
export const BOOT_SWAP_TYPE_MAX_STORED = BOOT_SWAP_TYPE_REVERT;

// bootutil return codes used by boot_set_pending / boot_set_confirmed.
export const BOOT_EFLASH = 1;
export const BOOT_EBADIMAGE = 3;
export const BOOT_EBADVECT = 4;

export function swapTypeName(type: number): string {
  switch (type) {
    case BOOT_SWAP_TYPE_NONE: return 'none';
    case BOOT_SWAP_TYPE_TEST: return 'test';
    case BOOT_SWAP_TYPE_PERM: return 'perm';
    case BOOT_SWAP_TYPE_REVERT: return 'revert';
    case BOOT_SWAP_TYPE_FAIL: return 'fail';
    case BOOT_SWAP_TYPE_PANIC: return 'panic';
    default: return `unknown(${type})`;
  }
}

export function magicStateName(state: number): string {
  return state === BOOT_MAGIC_GOOD ? 'good' : state === BOOT_MAGIC_UNSET ? 'unset' : 'bad';
}

export function flagStateName(state: number): string {
  return state === BOOT_FLAG_SET ? 'set' : state === BOOT_FLAG_UNSET ? 'unset' : 'bad';
}

export interface TrailerOptions {
  /** BOOT_MAX_ALIGN: 8 (default), 16 or 32. */
  maxAlign?: number;
  /** Flash write unit the swap status entries and flag writes use; default 1 (imgtool's --align). */
  writeAlignBytes?: number;
  /** BOOT_MAX_IMG_SECTORS; default 128. */
  maxImgSectors?: number;
  /** MCUBOOT_ENC_IMAGES: bytes of one image key (16 or 32) kept per slot in the trailer; 0/absent: none. */
  encKeyBytes?: number;
}

/** Image key slots an encrypted trailer keeps (primary and secondary). */
export const BOOT_ENC_KEY_SLOTS = 2;

/** Offsets (relative to the slot start) and sizes of every trailer field. */
export interface TrailerLayout {
  readonly slotSize: number;
  readonly maxAlign: number;
  readonly writeAlignBytes: number;
  readonly maxImgSectors: number;
  /** Start of the 16 magic bytes (S - 16). */
  readonly magicOff: number;
  /** Start of the A-aligned block written in one go: erased padding then the magic. */
  readonly magicBlockOff: number;
  readonly magicBlockBytes: number;
  readonly imageOkOff: number;
  readonly copyDoneOff: number;
  readonly swapInfoOff: number;
  readonly swapSizeOff: number;
  /** Size of each flag / swap_info / swap_size field (A). */
  readonly fieldBytes: number;
  /** Start of the swap status area (also the start of the whole trailer). */
  readonly statusOff: number;
  readonly statusBytes: number;
  /** One status entry: one flash write unit. */
  readonly statusEntryBytes: number;
  /** boot_trailer_sz: status area + [2 key fields] + 4 fields + magic block. */
  readonly trailerBytes: number;
  /** Size of one key field (align_up(key, A)); 0 without encryption. */
  readonly encKeyFieldBytes: number;
  /** Key field offsets for slot 0 (primary) and 1 (secondary); empty without encryption. */
  readonly encKeyOffs: readonly number[];
}

function checkAlign(op: string, name: string, value: number, allowed: (v: number) => boolean): void {
  if (!Number.isInteger(value) || !allowed(value)) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `${op}: ${name} ${value} is not supported`, { [name]: value });
  }
}

function isPowerOfTwo(v: number): boolean {
  return v > 0 && (v & (v - 1)) === 0;
}

/** The 16-byte boot magic MCUboot compiled with BOOT_MAX_ALIGN = maxAlign expects. */
export function bootMagic(maxAlign: number = BOOT_MAX_ALIGN_DEFAULT): Uint8Array {
  checkAlign('trailer.bootMagic', 'maxAlign', maxAlign, (v) => BOOT_MAX_ALIGN_VALUES.includes(v));
  if (maxAlign === 8) return BOOT_IMG_MAGIC_ALIGN8.slice();
  const out = new Uint8Array(BOOT_MAGIC_SZ);
  writeU16LE(out, 0, maxAlign);
  out.set(BOOT_IMG_MAGIC_TAIL, 2);
  return out;
}

/**
 * The BOOT_MAX_ALIGN a slot's magic was written for, as imgtool's dumpinfo derives it: the historic
 * magic means 8; the other form carries u16le(A) before its 14-byte tail. Undefined when the last 16
 * bytes are neither (erased, damaged, or an A that MCUboot does not support).
 */
export function maxAlignFromMagic(slot: Uint8Array): number | undefined {
  if (slot.length < BOOT_MAGIC_SZ) return undefined;
  const magic = slot.subarray(slot.length - BOOT_MAGIC_SZ);
  if (bytesEqual(magic, BOOT_IMG_MAGIC_ALIGN8)) return BOOT_MAX_ALIGN_DEFAULT;
  if (!bytesEqual(magic.subarray(2), BOOT_IMG_MAGIC_TAIL)) return undefined;
  const align = magic[0]! | (magic[1]! << 8);
  return BOOT_MAX_ALIGN_VALUES.includes(align) && align !== BOOT_MAX_ALIGN_DEFAULT ? align : undefined;
}

/** Where each trailer field of a slot of `slotSize` bytes lives. */
export function trailerLayout(slotSize: number, maxAlignOrOptions: number | TrailerOptions = {}): TrailerLayout {
  const op = 'trailer.trailerLayout';
  const o: TrailerOptions = typeof maxAlignOrOptions === 'number' ? { maxAlign: maxAlignOrOptions } : maxAlignOrOptions;
  const maxAlign = o.maxAlign ?? BOOT_MAX_ALIGN_DEFAULT;
  const writeAlignBytes = o.writeAlignBytes ?? 1;
  const maxImgSectors = o.maxImgSectors ?? BOOT_MAX_IMG_SECTORS_DEFAULT;
  checkAlign(op, 'maxAlign', maxAlign, (v) => BOOT_MAX_ALIGN_VALUES.includes(v));
  checkAlign(op, 'writeAlignBytes', writeAlignBytes, (v) => isPowerOfTwo(v) && v <= maxAlign);
  checkAlign(op, 'maxImgSectors', maxImgSectors, (v) => v > 0);
  const magicBlockBytes = alignUp(BOOT_MAGIC_SZ, maxAlign);
  const statusEntryBytes = writeAlignBytes;
  const statusBytes = maxImgSectors * BOOT_STATUS_STATE_COUNT * statusEntryBytes;
  const encKeyBytes = o.encKeyBytes ?? 0;
  checkAlign(op, 'encKeyBytes', encKeyBytes, (v) => v === 0 || v === 16 || v === 32);
  const encKeyFieldBytes = encKeyBytes === 0 ? 0 : alignUp(encKeyBytes, maxAlign);
  const trailerBytes = statusBytes + BOOT_ENC_KEY_SLOTS * encKeyFieldBytes + 4 * maxAlign + magicBlockBytes;
  if (!Number.isInteger(slotSize) || slotSize < trailerBytes || slotSize % maxAlign !== 0) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `${op}: slot size ${slotSize} cannot hold a ${trailerBytes}-byte trailer aligned to ${maxAlign}`, {
      slotSize,
      trailerBytes,
    });
  }
  const magicBlockOff = slotSize - magicBlockBytes;
  const imageOkOff = magicBlockOff - maxAlign;
  const copyDoneOff = imageOkOff - maxAlign;
  const swapInfoOff = copyDoneOff - maxAlign;
  const swapSizeOff = swapInfoOff - maxAlign;
  return {
    slotSize,
    maxAlign,
    writeAlignBytes,
    maxImgSectors,
    magicOff: slotSize - BOOT_MAGIC_SZ,
    magicBlockOff,
    magicBlockBytes,
    imageOkOff,
    copyDoneOff,
    swapInfoOff,
    swapSizeOff,
    fieldBytes: maxAlign,
    statusOff: swapSizeOff - BOOT_ENC_KEY_SLOTS * encKeyFieldBytes - statusBytes,
    statusBytes,
    statusEntryBytes,
    trailerBytes,
    encKeyFieldBytes,
    encKeyOffs: encKeyFieldBytes === 0 ? [] : [swapSizeOff - encKeyFieldBytes, swapSizeOff - 2 * encKeyFieldBytes],
  };
}

/** What boot_read_swap_state reports for one slot, plus the raw swap_size. */
export interface TrailerState {
  /** BOOT_MAGIC_GOOD / BAD / UNSET. */
  magic: number;
  /** BOOT_FLAG_SET / BAD / UNSET. */
  imageOk: number;
  copyDone: number;
  /** Swap type from swap_info's low nibble; NONE when erased or out of range. */
  swapType: number;
  /** Image number from swap_info's high nibble; 0 when erased or out of range. */
  imageNum: number;
  /** swap_size, or null while its bytes are erased. */
  swapSize: number | null;
}

export interface ReadTrailerOptions extends TrailerOptions {
  /** Value of an erased byte; a FlashArea's own erasedValue by default, 0xff for bytes. */
  erasedValue?: number;
}

function allErased(bytes: Uint8Array, erased: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== erased) return false;
  return true;
}

/** Flag byte → BOOT_FLAG_*: erased UNSET, 0x01 SET, anything else BAD. */
export function decodeFlag(byte: number, erasedValue: number): number {
  if (byte === erasedValue) return BOOT_FLAG_UNSET;
  return byte === BOOT_FLAG_SET_VALUE ? BOOT_FLAG_SET : BOOT_FLAG_BAD;
}

/** Magic bytes → BOOT_MAGIC_*: all erased UNSET, the compiled magic GOOD, anything else BAD. */
export function decodeMagic(magic: Uint8Array, maxAlign: number, erasedValue: number): number {
  if (allErased(magic, erasedValue)) return BOOT_MAGIC_UNSET;
  return bytesEqual(magic, bootMagic(maxAlign)) ? BOOT_MAGIC_GOOD : BOOT_MAGIC_BAD;
}

/**
 * Decodes the trailer fields from the slot's last `layout.trailerBytes - layout.statusBytes` bytes
 * (`tail` starts at layout.swapSizeOff and runs to the end of the slot).
 */
function decodeTail(tail: Uint8Array, layout: TrailerLayout, erasedValue: number): TrailerState {
  const at = (off: number): number => off - layout.swapSizeOff;
  const magic = decodeMagic(tail.subarray(at(layout.magicOff), at(layout.magicOff) + BOOT_MAGIC_SZ), layout.maxAlign, erasedValue);
  const info = tail[at(layout.swapInfoOff)]!;
  let swapType = BOOT_SWAP_TYPE_NONE;
  let imageNum = 0;
  const type = info & BOOT_SWAP_INFO_TYPE_MASK;
  if (info !== erasedValue && type >= BOOT_SWAP_TYPE_NONE && type <= BOOT_SWAP_TYPE_MAX_STORED) {
    swapType = type;
    imageNum = info >> BOOT_SWAP_INFO_IMAGE_SHIFT;
  }
  const sizeBytes = tail.subarray(at(layout.swapSizeOff), at(layout.swapSizeOff) + BOOT_SWAP_SIZE_BYTES);
  return {
    magic,
    imageOk: decodeFlag(tail[at(layout.imageOkOff)]!, erasedValue),
    copyDone: decodeFlag(tail[at(layout.copyDoneOff)]!, erasedValue),
    swapType,
    imageNum,
    swapSize: allErased(sizeBytes, erasedValue) ? null : readU32LE(sizeBytes, 0),
  };
}

/**
 * Reads a slot's trailer state from the slot's bytes (the whole slot, e.g. an `imgtool --pad` image)
 * or straight from a FlashArea (the slot itself). Never throws for odd contents: bad fields read BAD.
 */
export function trailerStateFromBytes(slot: Uint8Array, options: ReadTrailerOptions = {}): TrailerState {
  const layout = trailerLayout(slot.length, options);
  return decodeTail(slot.subarray(layout.swapSizeOff), layout, checkErased('trailer.trailerStateFromBytes', options.erasedValue ?? 0xff));
}

export async function readTrailerState(source: Uint8Array | FlashArea, options: ReadTrailerOptions = {}): Promise<TrailerState> {
  if (source instanceof Uint8Array) return trailerStateFromBytes(source, options);
  const layout = trailerLayout(source.size, options);
  const erased = checkErased('trailer.readTrailerState', options.erasedValue ?? source.erasedValue);
  const tail = await source.read(layout.swapSizeOff, source.size - layout.swapSizeOff);
  return decodeTail(tail, layout, erased);
}

function checkErased(op: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `${op}: erased value ${value} is not a byte`, { erasedValue: value });
  }
  return value;
}

// ---- writes (all aligned to the area's write unit, padded with the erased value) ----

/** Bytes of a field write: `value` then erased padding up to align_up(len, writeAlign). */
export function paddedField(value: Uint8Array, writeAlignBytes: number, erasedValue: number): Uint8Array {
  const out = new Uint8Array(alignUp(value.length, writeAlignBytes)).fill(erasedValue);
  out.set(value);
  return out;
}

/** Layout for a FlashArea (its size and write unit). */
export function areaTrailerLayout(area: FlashArea, options: TrailerOptions = {}): TrailerLayout {
  return trailerLayout(area.size, { ...options, writeAlignBytes: options.writeAlignBytes ?? area.writeAlignBytes });
}

/** boot_write_magic: the whole magic block (erased padding + magic) in one aligned write. */
export async function writeMagic(area: FlashArea, layout: TrailerLayout): Promise<void> {
  const block = new Uint8Array(layout.magicBlockBytes).fill(area.erasedValue);
  block.set(bootMagic(layout.maxAlign), layout.magicBlockBytes - BOOT_MAGIC_SZ);
  await area.write(layout.magicBlockOff, block);
}

/** Writes one flag byte (0x01) at `off`, padded to the flash write unit. */
export async function writeFlag(area: FlashArea, off: number): Promise<void> {
  await area.write(off, paddedField(Uint8Array.of(BOOT_FLAG_SET_VALUE), area.writeAlignBytes, area.erasedValue));
}

export async function writeImageOk(area: FlashArea, layout: TrailerLayout): Promise<void> {
  await writeFlag(area, layout.imageOkOff);
}

export async function writeCopyDone(area: FlashArea, layout: TrailerLayout): Promise<void> {
  await writeFlag(area, layout.copyDoneOff);
}

/** boot_write_swap_info: (imageNum << 4) | swapType. */
export async function writeSwapInfo(area: FlashArea, layout: TrailerLayout, swapType: number, imageNum: number): Promise<void> {
  if (!Number.isInteger(imageNum) || imageNum < 0 || imageNum > BOOT_SWAP_INFO_IMAGE_MAX) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `trailer.writeSwapInfo: image number ${imageNum} does not fit a nibble`, { imageNum });
  }
  await area.write(layout.swapInfoOff, paddedField(Uint8Array.of((imageNum << BOOT_SWAP_INFO_IMAGE_SHIFT) | (swapType & BOOT_SWAP_INFO_TYPE_MASK)), area.writeAlignBytes, area.erasedValue));
}

export async function writeSwapSize(area: FlashArea, layout: TrailerLayout, swapSize: number): Promise<void> {
  if (!Number.isInteger(swapSize) || swapSize < 0 || swapSize > 0xffffffff) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `trailer.writeSwapSize: ${swapSize} is not a u32`, { swapSize });
  }
  const v = new Uint8Array(BOOT_SWAP_SIZE_BYTES);
  writeU32LE(v, 0, swapSize);
  await area.write(layout.swapSizeOff, paddedField(v, area.writeAlignBytes, area.erasedValue));
}

/** boot_write_enc_key: the image key of `slot` (0 primary, 1 secondary), padded to its field. */
export async function writeEncKey(area: FlashArea, layout: TrailerLayout, slot: number, key: Uint8Array): Promise<void> {
  const off = layout.encKeyOffs[slot];
  if (off === undefined || key.length > layout.encKeyFieldBytes) {
    throw new FotaError('TRAILER_BAD_ARGUMENT', `trailer.writeEncKey: no ${key.length}-byte key field for slot ${slot}`, { slot });
  }
  await area.write(off, paddedField(key, area.writeAlignBytes, area.erasedValue));
}

/** boot_read_enc_key: the key of `slot`, or undefined while its field is erased. */
export async function readEncKey(area: FlashArea, layout: TrailerLayout, slot: number, keyBytes: number): Promise<Uint8Array | undefined> {
  const off = layout.encKeyOffs[slot];
  if (off === undefined) return undefined;
  const b = await area.read(off, keyBytes);
  return allErased(b, area.erasedValue) ? undefined : Uint8Array.from(b);
}

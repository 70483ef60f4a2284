/**
 * Image type detection from the first bytes of a download, as NCS's dfu_target does.
 * Spec: docs/reference/nrf91-fota.md ("Image type from the first 32 bytes").
 */
import { readU16LE, readU32LE } from '../../hal/bytes.ts';
import { FotaError } from '../../hal/errors.ts';

/** u32le at offset 0 of an MCUboot image. */
export const IMAGE_TYPE_MCUBOOT_MAGIC = 0x96f3b83d;
/** u32le at offset 4 of a modem delta update ("meDu"). */
export const IMAGE_TYPE_MODEM_DELTA_MAGIC = 0x7544656d;
/** u16le at offset 0 of a full modem update. */
export const IMAGE_TYPE_MODEM_FULL_MAGIC = 0x84d2;
/** Bytes needed to tell the types apart. */
export const IMAGE_TYPE_DETECT_BYTES = 32;

export type ImageType = 'mcuboot' | 'modem-delta' | 'modem-full' | 'unknown';

/** Detects the image type; `undefined` while fewer than IMAGE_TYPE_DETECT_BYTES bytes are known. */
export function detectImageType(head: Uint8Array): ImageType | undefined {
  if (head.length < IMAGE_TYPE_DETECT_BYTES) return undefined;
  if (readU32LE(head, 0) === IMAGE_TYPE_MCUBOOT_MAGIC) return 'mcuboot';
  if (readU32LE(head, 4) === IMAGE_TYPE_MODEM_DELTA_MAGIC) return 'modem-delta';
  if (readU16LE(head, 0) === IMAGE_TYPE_MODEM_FULL_MAGIC) return 'modem-full';
  return 'unknown';
}

/** Throws IMAGE_TYPE_UNSUPPORTED unless the detected type is one of `supported`. */
export function requireImageType(head: Uint8Array, supported: readonly ImageType[]): ImageType {
  const type = detectImageType(head);
  if (type === undefined) {
    throw new FotaError('IMAGE_TRUNCATED', `dfu.detectImageType: need ${IMAGE_TYPE_DETECT_BYTES} bytes, got ${head.length}`);
  }
  if (!supported.includes(type)) {
    throw new FotaError('IMAGE_TYPE_UNSUPPORTED', `dfu.detectImageType: ${type} images are not supported by this target (supported: ${supported.join(', ')})`, { type });
  }
  return type;
}

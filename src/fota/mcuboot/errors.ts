/**
 * MCUboot image errors. Every failure of the image parser, verifier and signer is an ImageError
 * with one of the stable codes below (tests, the CLI and the C vectors name them).
 */
import { FotaError } from '../../hal/errors.ts';

export const IMAGE_ERROR_CODES = {
  /** Header magic is not 0x96f3b83d. */
  IMAGE_BAD_MAGIC: 'IMAGE_BAD_MAGIC',
  /** Header fields are inconsistent (hdr_size < 32, protect_tlv_size 1..3, sizes past the limit). */
  IMAGE_BAD_HEADER: 'IMAGE_BAD_HEADER',
  /** The bytes end before the header, the body or a TLV area the header announces. */
  IMAGE_TRUNCATED: 'IMAGE_TRUNCATED',
  /** A TLV area info header has the wrong magic (0x6907 / 0x6908). */
  IMAGE_BAD_TLV_MAGIC: 'IMAGE_BAD_TLV_MAGIC',
  /** A TLV (or the area total) runs past the area or is shorter than its info header. */
  IMAGE_TLV_OVERRUN: 'IMAGE_TLV_OVERRUN',
  /** A TLV type that is not allowed in the unprotected area. */
  IMAGE_TLV_NOT_ALLOWED: 'IMAGE_TLV_NOT_ALLOWED',
  /** More than IMAGE_MAX_TLV_COUNT entries in one area. */
  IMAGE_TOO_MANY_TLVS: 'IMAGE_TOO_MANY_TLVS',
  /** A TLV value has the wrong length for its type (SEC_CNT 4, DEPENDENCY 12, hash = digest size...). */
  IMAGE_BAD_TLV_LENGTH: 'IMAGE_BAD_TLV_LENGTH',
  /** ih_protect_tlv_size does not match the protected area's it_tlv_tot. */
  IMAGE_PROTECTED_SIZE_MISMATCH: 'IMAGE_PROTECTED_SIZE_MISMATCH',
  /** No hash TLV in the unprotected area. */
  IMAGE_NO_HASH: 'IMAGE_NO_HASH',
  /** The hash TLV does not match header + body + protected TLVs. */
  IMAGE_BAD_HASH: 'IMAGE_BAD_HASH',
  /** No signature TLV while a signature is required. */
  IMAGE_NO_SIGNATURE: 'IMAGE_NO_SIGNATURE',
  /** The image is signed, but by no trusted key. */
  IMAGE_UNKNOWN_KEY: 'IMAGE_UNKNOWN_KEY',
  /** A signature by a trusted key does not verify. */
  IMAGE_BAD_SIGNATURE: 'IMAGE_BAD_SIGNATURE',
  /** A public key (trusted key, PUBKEY TLV, key file) that cannot be parsed or is of an unsupported type. */
  IMAGE_BAD_KEY: 'IMAGE_BAD_KEY',
  /** A version string that is not maj[.min[.rev[+build]]] within the field widths. */
  IMAGE_BAD_VERSION: 'IMAGE_BAD_VERSION',
  /** Signing options that cannot work together (pure without ed25519, sha384 with ed25519...). */
  IMAGE_BAD_OPTIONS: 'IMAGE_BAD_OPTIONS',
  /** The signed image (plus trailer) does not fit the slot. */
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  /** An ed25519 pure image seen by a stream verifier that cannot re-read the signed region. */
  IMAGE_PURE_NEEDS_REREAD: 'IMAGE_PURE_NEEDS_REREAD',
  /** Stream verifier used out of order (update after finish, finish before the end of the image). */
  IMAGE_STREAM_STATE: 'IMAGE_STREAM_STATE',
  // New codes go last: the C vectors number them in this order.
  /** An Intel HEX file that cannot be read (malformed record, bad checksum, no data). */
  IMAGE_BAD_HEX: 'IMAGE_BAD_HEX',
  /** An encrypted image whose key TLV cannot be opened with the given key (wrong key, MAC mismatch, bad length). */
  IMAGE_BAD_ENC_KEY: 'IMAGE_BAD_ENC_KEY',
} as const;

export type ImageErrorCode = keyof typeof IMAGE_ERROR_CODES;

/** MCUboot boot-side errors: slots, trailers, swap strategies. */
export const BOOT_ERROR_CODES = {
  /** Slots of a geometry the strategy cannot use (sizes, sector counts, scratch too small). */
  BOOT_BAD_GEOMETRY: 'BOOT_BAD_GEOMETRY',
  /** A revert asked of overwrite-only, which cannot revert. */
  BOOT_NO_REVERT: 'BOOT_NO_REVERT',
  /** swap-scratch without a scratch area. */
  BOOT_NO_SCRATCH: 'BOOT_NO_SCRATCH',
  /** MCUboot found no valid image to boot (the board would stay in the bootloader). */
  BOOT_NO_VALID_IMAGE: 'BOOT_NO_VALID_IMAGE',
  /** MCUboot could not read its slots or trailers and stopped (boot_panic). */
  BOOT_PANIC: 'BOOT_PANIC',
  /** A boot request with an argument out of range (image index). */
  BOOT_BAD_ARGUMENT: 'BOOT_BAD_ARGUMENT',
  /** A trailer read or written with options that cannot work (erased value, alignment). */
  TRAILER_BAD_ARGUMENT: 'TRAILER_BAD_ARGUMENT',
} as const;

export type BootErrorCode = keyof typeof BOOT_ERROR_CODES;


export class ImageError extends FotaError {
  declare readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

declare module '../../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof IMAGE_ERROR_CODES, true>,
    Record<keyof typeof BOOT_ERROR_CODES, true> {}
}

export function isImageErrorCode(code: string): code is ImageErrorCode {
  return Object.prototype.hasOwnProperty.call(IMAGE_ERROR_CODES, code);
}

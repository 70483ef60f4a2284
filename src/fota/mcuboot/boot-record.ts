/**
 * The BOOT_RECORD protected TLV (`imgtool sign --boot-record SW_TYPE`): a CBOR map of the PSA
 * attestation software-component claims, in imgtool's key order, with the measurement value left as
 * zeros for the bootloader to fill in (it must stay the last item). Hand-encoded: five small items, a
 * deterministic byte layout, no CBOR library needed. Spec: imgtool boot_record.py, PSA Attestation
 * API 1.0 (software component claims), RFC 8949 (CBOR major types 0, 2, 3, 5).
 */
import { concatBytes, utf8Encode } from '../../hal/bytes.ts';
import { HASH_BYTES, type HashAlgorithm } from '../../hal/crypto.ts';
import { ImageError } from './errors.ts';
import type { ImageVersion } from './version.ts';

/** PSA software component claim keys. */
export const SW_COMPONENT_TYPE = 1;
export const SW_COMPONENT_MEASUREMENT_VALUE = 2;
export const SW_COMPONENT_VERSION = 4;
export const SW_COMPONENT_SIGNER_ID = 5;
export const SW_COMPONENT_MEASUREMENT_DESCRIPTION = 6;
/** imgtool's limit on the sw_type string, in characters. */
export const BOOT_RECORD_SW_TYPE_MAX_CHARS = 12;

const CBOR_MAJOR_BYTES = 2;
const CBOR_MAJOR_TEXT = 3;
const CBOR_MAJOR_MAP = 5;
/** Lengths below this fit the initial byte; up to 0xff take one more byte (additional info 24). */
const CBOR_INLINE_MAX = 23;
const CBOR_ONE_BYTE_LENGTH = 24;
const CBOR_ONE_BYTE_MAX = 0xff;

function cborHead(major: number, length: number): Uint8Array {
  if (length <= CBOR_INLINE_MAX) return Uint8Array.of((major << 5) | length);
  if (length <= CBOR_ONE_BYTE_MAX) return Uint8Array.of((major << 5) | CBOR_ONE_BYTE_LENGTH, length);
  throw new ImageError('IMAGE_BAD_OPTIONS', `boot-record: item of ${length} bytes is too long`);
}

const text = (s: string): Uint8Array => {
  const b = utf8Encode(s);
  return concatBytes(cborHead(CBOR_MAJOR_TEXT, b.length), b);
};
const bytes = (b: Uint8Array): Uint8Array => concatBytes(cborHead(CBOR_MAJOR_BYTES, b.length), b);
const uint = (n: number): Uint8Array => Uint8Array.of(n); // claim keys are all below 24

/** imgtool's hash TLV names, used as the measurement description. */
const MEASUREMENT_DESCRIPTIONS: Readonly<Record<HashAlgorithm, string>> = { sha256: 'SHA256', sha384: 'SHA384', sha512: 'SHA512' };

/**
 * Encodes the boot record. `signerId` is the KEYHASH of the signing key (imgtool writes 32 zero bytes
 * for an unsigned image).
 */
export function encodeBootRecord(swType: string, version: ImageVersion, hashAlgorithm: HashAlgorithm, signerId: Uint8Array): Uint8Array {
  if (swType.length === 0 || swType.length > BOOT_RECORD_SW_TYPE_MAX_CHARS) {
    throw new ImageError('IMAGE_BAD_OPTIONS', `boot-record: sw_type '${swType}' must be 1..${BOOT_RECORD_SW_TYPE_MAX_CHARS} characters`);
  }
  return concatBytes(
    cborHead(CBOR_MAJOR_MAP, 5),
    uint(SW_COMPONENT_TYPE), text(swType),
    uint(SW_COMPONENT_VERSION), text(`${version.major}.${version.minor}.${version.revision}`),
    uint(SW_COMPONENT_SIGNER_ID), bytes(signerId),
    uint(SW_COMPONENT_MEASUREMENT_DESCRIPTION), text(MEASUREMENT_DESCRIPTIONS[hashAlgorithm]),
    uint(SW_COMPONENT_MEASUREMENT_VALUE), bytes(new Uint8Array(HASH_BYTES[hashAlgorithm])),
  );
}

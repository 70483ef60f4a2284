/**
 * Structural parse of a whole MCUboot image in memory: header, optional protected TLV area
 * (cross-checked with ih_protect_tlv_size), unprotected TLV area, and what follows (slot padding and
 * trailer in an `imgtool --pad` image). No crypto here: verify.ts checks hash and signatures.
 * Spec: mcuboot.md "Header", "TLV areas".
 */
import { readU16LE } from '../../hal/bytes.ts';
import { IMAGE_TLV_INFO_SIZE, IMAGE_TLV_PROT_INFO_MAGIC } from './constants.ts';
import { ImageError } from './errors.ts';
import { hashedRegionLength, parseHeader, tlvAreaOffset, type ImageHeader } from './header.ts';
import { decodeProtected, type ProtectedInfo } from './protected.ts';
import { parseTlvArea, parseTlvInfo, type TlvArea } from './tlv.ts';

export interface ParsedImage {
  header: ImageHeader;
  protectedArea?: TlvArea;
  unprotectedArea: TlvArea;
  /** SEC_CNT and DEPENDENCY from the protected area. */
  protectedInfo: ProtectedInfo;
  /** Header to end of the unprotected TLV area. */
  imageSize: number;
  /** Bytes after the image (padding and trailer of a padded image). */
  trailingBytes: number;
}

function truncated(op: string, what: string, need: number, have: number): ImageError {
  return new ImageError('IMAGE_TRUNCATED', `${op}: ${what} needs ${need} bytes, the image has ${have}`, { offset: have });
}

/** Parses every structure of an image; ImageError with the first problem found, in image order. */
export function parseImage(bytes: Uint8Array): ParsedImage {
  const op = 'image.parse';
  const header = parseHeader(bytes);
  const tlvStart = tlvAreaOffset(header);
  const unprotStart = hashedRegionLength(header);
  if (bytes.length < tlvStart) throw truncated(op, 'the body', tlvStart, bytes.length);
  let protectedArea: TlvArea | undefined;
  if (header.protectTlvSize > 0) {
    if (bytes.length < tlvStart + IMAGE_TLV_INFO_SIZE) throw truncated(op, 'the protected TLV info', tlvStart + IMAGE_TLV_INFO_SIZE, bytes.length);
    const info = parseTlvInfo(bytes.subarray(tlvStart), 'protected', tlvStart);
    if (info.tlvTot !== header.protectTlvSize) {
      throw new ImageError('IMAGE_PROTECTED_SIZE_MISMATCH', `${op}: protected area is ${info.tlvTot} bytes, header says ${header.protectTlvSize}`, {
        offset: tlvStart,
      });
    }
    if (bytes.length < unprotStart) throw truncated(op, 'the protected TLV area', unprotStart, bytes.length);
    protectedArea = parseTlvArea(bytes.subarray(tlvStart, unprotStart), 'protected', tlvStart);
  }
  if (bytes.length < unprotStart + IMAGE_TLV_INFO_SIZE) throw truncated(op, 'the TLV info', unprotStart + IMAGE_TLV_INFO_SIZE, bytes.length);
  if (header.protectTlvSize === 0 && readU16LE(bytes, unprotStart) === IMAGE_TLV_PROT_INFO_MAGIC) {
    throw new ImageError('IMAGE_PROTECTED_SIZE_MISMATCH', `${op}: a protected TLV area at ${tlvStart} that the header does not announce`, {
      offset: tlvStart,
    });
  }
  const info = parseTlvInfo(bytes.subarray(unprotStart), 'unprotected', unprotStart);
  const end = unprotStart + info.tlvTot;
  if (bytes.length < end) throw truncated(op, 'the TLV area', end, bytes.length);
  const unprotectedArea = parseTlvArea(bytes.subarray(unprotStart, end), 'unprotected', unprotStart);
  const parsed: ParsedImage = {
    header,
    unprotectedArea,
    protectedInfo: decodeProtected(protectedArea?.entries ?? []),
    imageSize: end,
    trailingBytes: bytes.length - end,
  };
  if (protectedArea) parsed.protectedArea = protectedArea;
  return parsed;
}

/**
 * MCUboot image header (struct image_header, 32 bytes, little-endian). Spec: mcuboot.md "Header".
 * Parsing checks the magic and the size fields' consistency; reading the body is the caller's.
 */
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../../hal/bytes.ts';
import {
  IH_FLAGS_OFFSET,
  IH_HDR_SIZE_OFFSET,
  IH_IMG_SIZE_OFFSET,
  IH_LOAD_ADDR_OFFSET,
  IH_MAGIC_OFFSET,
  IH_PAD1_OFFSET,
  IH_PROTECT_TLV_SIZE_OFFSET,
  IH_VER_BUILD_OFFSET,
  IH_VER_MAJOR_OFFSET,
  IH_VER_MINOR_OFFSET,
  IH_VER_REVISION_OFFSET,
  IMAGE_FLAG_NAMES,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_TLV_INFO_SIZE,
} from './constants.ts';
import { ImageError } from './errors.ts';
import { checkVersion, type ImageVersion } from './version.ts';

export interface ImageHeader {
  magic: number;
  loadAddr: number;
  /** ih_hdr_size: header plus padding before the body. */
  hdrSize: number;
  /** ih_protect_tlv_size: the whole protected TLV area including its info header, 0 if none. */
  protectTlvSize: number;
  /** ih_img_size: the body only. */
  imgSize: number;
  flags: number;
  version: ImageVersion;
  pad1: number;
}

/**
 * Parses the first 32 bytes. IMAGE_TRUNCATED when fewer, IMAGE_BAD_MAGIC, IMAGE_BAD_HEADER when
 * hdr_size < 32 or protect_tlv_size is 1..3 (shorter than its own info header).
 */
export function parseHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new ImageError('IMAGE_TRUNCATED', `header.parse: ${bytes.length} bytes, the header needs ${IMAGE_HEADER_SIZE}`, {
      offset: bytes.length,
    });
  }
  const magic = readU32LE(bytes, IH_MAGIC_OFFSET);
  if (magic !== IMAGE_MAGIC) {
    throw new ImageError('IMAGE_BAD_MAGIC', `header.parse: magic 0x${magic.toString(16).padStart(8, '0')} is not 0x96f3b83d`, {
      offset: IH_MAGIC_OFFSET,
    });
  }
  const header: ImageHeader = {
    magic,
    loadAddr: readU32LE(bytes, IH_LOAD_ADDR_OFFSET),
    hdrSize: readU16LE(bytes, IH_HDR_SIZE_OFFSET),
    protectTlvSize: readU16LE(bytes, IH_PROTECT_TLV_SIZE_OFFSET),
    imgSize: readU32LE(bytes, IH_IMG_SIZE_OFFSET),
    flags: readU32LE(bytes, IH_FLAGS_OFFSET),
    version: {
      major: bytes[IH_VER_MAJOR_OFFSET]!,
      minor: bytes[IH_VER_MINOR_OFFSET]!,
      revision: readU16LE(bytes, IH_VER_REVISION_OFFSET),
      build: readU32LE(bytes, IH_VER_BUILD_OFFSET),
    },
    pad1: readU32LE(bytes, IH_PAD1_OFFSET),
  };
  if (header.hdrSize < IMAGE_HEADER_SIZE) {
    throw new ImageError('IMAGE_BAD_HEADER', `header.parse: hdr_size ${header.hdrSize} is smaller than the ${IMAGE_HEADER_SIZE}-byte header`, {
      offset: IH_HDR_SIZE_OFFSET,
    });
  }
  if (header.protectTlvSize !== 0 && header.protectTlvSize < IMAGE_TLV_INFO_SIZE) {
    throw new ImageError('IMAGE_BAD_HEADER', `header.parse: protect_tlv_size ${header.protectTlvSize} is shorter than a TLV info header`, {
      offset: IH_PROTECT_TLV_SIZE_OFFSET,
    });
  }
  return header;
}

/** Offset of the first TLV area (protected if any, else unprotected). */
export function tlvAreaOffset(h: ImageHeader): number {
  return h.hdrSize + h.imgSize;
}

/** Length of the hashed (and signed) region: header + body + protected TLV area. */
export function hashedRegionLength(h: ImageHeader): number {
  return h.hdrSize + h.imgSize + h.protectTlvSize;
}

/** The 32 header bytes. */
export function encodeHeader(h: Omit<ImageHeader, 'magic' | 'pad1'> & { pad1?: number }): Uint8Array {
  checkVersion(h.version, 'header.encode');
  const out = new Uint8Array(IMAGE_HEADER_SIZE);
  writeU32LE(out, IH_MAGIC_OFFSET, IMAGE_MAGIC);
  writeU32LE(out, IH_LOAD_ADDR_OFFSET, h.loadAddr);
  writeU16LE(out, IH_HDR_SIZE_OFFSET, h.hdrSize);
  writeU16LE(out, IH_PROTECT_TLV_SIZE_OFFSET, h.protectTlvSize);
  writeU32LE(out, IH_IMG_SIZE_OFFSET, h.imgSize);
  writeU32LE(out, IH_FLAGS_OFFSET, h.flags);
  out[IH_VER_MAJOR_OFFSET] = h.version.major;
  out[IH_VER_MINOR_OFFSET] = h.version.minor;
  writeU16LE(out, IH_VER_REVISION_OFFSET, h.version.revision);
  writeU32LE(out, IH_VER_BUILD_OFFSET, h.version.build);
  writeU32LE(out, IH_PAD1_OFFSET, h.pad1 ?? 0);
  return out;
}

/** Names of the set flags, unknown bits as hex. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of IMAGE_FLAG_NAMES) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names;
}

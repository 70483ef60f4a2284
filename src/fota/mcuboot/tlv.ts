/**
 * MCUboot TLV areas: the info header (u16 magic, u16 it_tlv_tot including itself) followed by
 * entries (u16 type, u16 len, value; no alignment). The optional protected area (magic 0x6908) comes
 * first and is hashed; the unprotected area (0x6907) follows and may hold only allow-listed types.
 * Spec: mcuboot.md "TLV areas"; bootutil tlv.c.
 */
import { readU16LE, writeU16LE } from '../../hal/bytes.ts';
import {
  IMAGE_MAX_TLV_AREA_BYTES,
  IMAGE_MAX_TLV_COUNT,
  IMAGE_TLV_ENTRY_HEADER_SIZE,
  IMAGE_TLV_INFO_MAGIC,
  IMAGE_TLV_INFO_SIZE,
  IMAGE_TLV_NAMES,
  IMAGE_TLV_PROT_INFO_MAGIC,
  IMAGE_UNPROTECTED_TLV_ALLOW_LIST,
} from './constants.ts';
import { ImageError } from './errors.ts';

export type TlvAreaKind = 'protected' | 'unprotected';

export interface Tlv {
  type: number;
  /** Offset of the entry's 4-byte header, from the start of the image. */
  offset: number;
  value: Uint8Array;
}

export interface TlvArea {
  kind: TlvAreaKind;
  magic: number;
  /** it_tlv_tot: the area's length including the 4-byte info header. */
  tlvTot: number;
  /** Offset of the info header from the start of the image. */
  offset: number;
  entries: Tlv[];
}

export interface TlvInfo {
  magic: number;
  tlvTot: number;
}

export function expectedMagic(kind: TlvAreaKind): number {
  return kind === 'protected' ? IMAGE_TLV_PROT_INFO_MAGIC : IMAGE_TLV_INFO_MAGIC;
}

export function tlvTypeName(type: number): string {
  return IMAGE_TLV_NAMES[type] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/**
 * Reads an area's info header (first 4 bytes of `bytes`), checking the magic for `kind` and that
 * it_tlv_tot covers at least the info header. `offset` is where the area sits in the image (for errors).
 */
export function parseTlvInfo(bytes: Uint8Array, kind: TlvAreaKind, offset: number): TlvInfo {
  if (bytes.length < IMAGE_TLV_INFO_SIZE) {
    throw new ImageError('IMAGE_TRUNCATED', `tlv.info: the ${kind} TLV area at ${offset} is cut short`, { offset });
  }
  const magic = readU16LE(bytes, 0);
  const tlvTot = readU16LE(bytes, 2);
  if (magic !== expectedMagic(kind)) {
    throw new ImageError('IMAGE_BAD_TLV_MAGIC', `tlv.info: ${kind} TLV area magic 0x${magic.toString(16)} at ${offset} is not 0x${expectedMagic(kind).toString(16)}`, {
      offset,
    });
  }
  if (tlvTot < IMAGE_TLV_INFO_SIZE) {
    throw new ImageError('IMAGE_TLV_OVERRUN', `tlv.info: ${kind} TLV area total ${tlvTot} is shorter than its info header`, { offset });
  }
  return { magic, tlvTot };
}

/**
 * Parses one whole area: `bytes` starts at the info header and holds at least it_tlv_tot bytes.
 * Every entry must end inside the area, the area must be filled exactly, at most
 * IMAGE_MAX_TLV_COUNT entries, and in the unprotected area only allow-listed types.
 */
export function parseTlvArea(bytes: Uint8Array, kind: TlvAreaKind, offset: number): TlvArea {
  const { magic, tlvTot } = parseTlvInfo(bytes, kind, offset);
  if (bytes.length < tlvTot) {
    throw new ImageError('IMAGE_TRUNCATED', `tlv.parse: the ${kind} TLV area at ${offset} needs ${tlvTot} bytes, ${bytes.length} present`, {
      offset: offset + bytes.length,
    });
  }
  const entries: Tlv[] = [];
  let o = IMAGE_TLV_INFO_SIZE;
  while (o < tlvTot) {
    if (entries.length >= IMAGE_MAX_TLV_COUNT) {
      throw new ImageError('IMAGE_TOO_MANY_TLVS', `tlv.parse: more than ${IMAGE_MAX_TLV_COUNT} TLVs in the ${kind} area`, { offset: offset + o });
    }
    if (o + IMAGE_TLV_ENTRY_HEADER_SIZE > tlvTot) {
      throw new ImageError('IMAGE_TLV_OVERRUN', `tlv.parse: TLV header at ${offset + o} runs past the ${kind} area`, { offset: offset + o });
    }
    const type = readU16LE(bytes, o);
    const len = readU16LE(bytes, o + 2);
    const end = o + IMAGE_TLV_ENTRY_HEADER_SIZE + len;
    if (end > tlvTot) {
      throw new ImageError('IMAGE_TLV_OVERRUN', `tlv.parse: ${tlvTypeName(type)} value at ${offset + o} runs past the ${kind} area`, {
        offset: offset + o,
        type,
      });
    }
    if (kind === 'unprotected' && !IMAGE_UNPROTECTED_TLV_ALLOW_LIST.has(type)) {
      throw new ImageError('IMAGE_TLV_NOT_ALLOWED', `tlv.parse: ${tlvTypeName(type)} at ${offset + o} is not allowed in the unprotected area`, {
        offset: offset + o,
        type,
      });
    }
    entries.push({ type, offset: offset + o, value: bytes.subarray(o + IMAGE_TLV_ENTRY_HEADER_SIZE, end) });
    o = end;
  }
  return { kind, magic, tlvTot, offset, entries };
}

/** Encodes an area (info header + entries in the given order). */
export function encodeTlvArea(kind: TlvAreaKind, entries: ReadonlyArray<{ type: number; value: Uint8Array }>): Uint8Array {
  let total = IMAGE_TLV_INFO_SIZE;
  for (const e of entries) total += IMAGE_TLV_ENTRY_HEADER_SIZE + e.value.length;
  if (total > IMAGE_MAX_TLV_AREA_BYTES) {
    throw new ImageError('IMAGE_TLV_OVERRUN', `tlv.encode: the ${kind} area would be ${total} bytes, more than ${IMAGE_MAX_TLV_AREA_BYTES}`);
  }
  if (entries.length > IMAGE_MAX_TLV_COUNT) {
    throw new ImageError('IMAGE_TOO_MANY_TLVS', `tlv.encode: ${entries.length} TLVs, more than ${IMAGE_MAX_TLV_COUNT}`);
  }
  const out = new Uint8Array(total);
  writeU16LE(out, 0, expectedMagic(kind));
  writeU16LE(out, 2, total);
  let o = IMAGE_TLV_INFO_SIZE;
  for (const e of entries) {
    writeU16LE(out, o, e.type);
    writeU16LE(out, o + 2, e.value.length);
    out.set(e.value, o + IMAGE_TLV_ENTRY_HEADER_SIZE);
    o += IMAGE_TLV_ENTRY_HEADER_SIZE + e.value.length;
  }
  return out;
}

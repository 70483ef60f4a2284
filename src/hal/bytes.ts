/**
 * Byte helpers shared by the portable core: hex, UTF-8, concatenation, comparison and fixed-width
 * integers. Written here rather than taken from a library because the core targets plain ES2020
 * (no TextEncoder, no Buffer) and these are a few lines each.
 */
import { FotaError } from './errors.ts';

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return s;
}

/** Parses hex (even length, no prefix, either case); BYTES_BAD_HEX otherwise. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new FotaError('BYTES_BAD_HEX', `bytes.fromHex: not an even-length hex string`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** UTF-8 encoding of a string (surrogate pairs joined, lone surrogates as U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding; BYTES_BAD_UTF8 on malformed input. */
export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let need: number;
    let cp: number;
    let min: number;
    if (b < 0x80) { s += String.fromCharCode(b); i++; continue; }
    else if ((b & 0xe0) === 0xc0) { need = 1; cp = b & 0x1f; min = 0x80; }
    else if ((b & 0xf0) === 0xe0) { need = 2; cp = b & 0x0f; min = 0x800; }
    else if ((b & 0xf8) === 0xf0) { need = 3; cp = b & 0x07; min = 0x10000; }
    else throw new FotaError('BYTES_BAD_UTF8', `bytes.utf8Decode: bad lead byte at ${i}`, { offset: i });
    if (i + need >= bytes.length) {
      throw new FotaError('BYTES_BAD_UTF8', `bytes.utf8Decode: sequence cut short at ${i}`, { offset: i });
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) throw new FotaError('BYTES_BAD_UTF8', `bytes.utf8Decode: bad continuation at ${i + k}`, { offset: i + k });
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new FotaError('BYTES_BAD_UTF8', `bytes.utf8Decode: invalid code point at ${i}`, { offset: i });
    }
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}

export function readU16LE(b: Uint8Array, o: number): number { return b[o]! | (b[o + 1]! << 8); }
export function readU32LE(b: Uint8Array, o: number): number { return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000; }
export function readU16BE(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }
export function readU32BE(b: Uint8Array, o: number): number { return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!); }
export function writeU16LE(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; }
export function writeU32LE(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff; }
export function writeU16BE(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 8) & 0xff; b[o + 1] = v & 0xff; }
export function writeU32BE(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff; }

const FNV_OFFSET_BASIS_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;

/** FNV-1a, 32 bits: a short, stable digest for identifying things (not for security). */
export function fnv1a32(bytes: Uint8Array): number {
  let h = FNV_OFFSET_BASIS_32;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME_32) >>> 0;
  return h;
}

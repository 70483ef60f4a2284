/**
 * Intel HEX in and out for MCUboot images, as imgtool reads and writes them: a `.hex` input is the
 * bytes from its lowest address to its highest (gaps filled with 0xff, as Python's IntelHex
 * `tobinarray()` does) and that lowest address; a `.hex` output is sparse (image bytes, then only the
 * trailer fields imgtool writes). Parsing and writing are nrf-intel-hex's (Nordic's maintained
 * library); this file adds the checks and the typed errors. Spec: Intel HEX-86 (record types 00, 01,
 * 02, 04, 05), imgtool image.py load()/save().
 */
import MemoryMap from 'nrf-intel-hex';
import { ImageError } from './errors.ts';

/** What an unprogrammed gap in a HEX file reads as (IntelHex's default padding). */
export const INTEL_HEX_GAP_FILL = 0xff;
/** Data bytes per record line, as Python's IntelHex writes them. */
export const INTEL_HEX_LINE_BYTES = 16;
/** Addresses one record reaches without an extended linear address record. */
const INTEL_HEX_SEGMENT_BYTES = 0x10000;
/** Extended linear address record for the first 64 KiB. */
const INTEL_HEX_ELA_ZERO_RECORD = ':020000040000FA';
/** Largest address span accepted when flattening a HEX file (a HEX file addresses 4 GiB; a slot is far smaller). */
export const INTEL_HEX_MAX_SPAN_BYTES = 64 * 1024 * 1024;

export interface HexImage {
  /** Lowest address in the file. */
  baseAddr: number;
  /** Bytes from baseAddr to the highest address, gaps filled with INTEL_HEX_GAP_FILL. */
  bytes: Uint8Array;
}

/** True when the text looks like Intel HEX (first non-blank character is ':'). */
export function looksLikeIntelHex(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x3a; // ':'
  }
  return false;
}

/** Parses Intel HEX text into contiguous bytes; IMAGE_BAD_HEX when it cannot be read or holds no data. */
export function readIntelHex(text: string): HexImage {
  let map: MemoryMap;
  try {
    map = MemoryMap.fromHex(text);
  } catch (e) {
    throw new ImageError('IMAGE_BAD_HEX', `hex.read: not readable Intel HEX (${(e as Error).message})`);
  }
  const blocks = [...map.entries()].filter(([, b]) => b.length > 0).sort((a, b) => a[0] - b[0]);
  if (blocks.length === 0) throw new ImageError('IMAGE_BAD_HEX', 'hex.read: the file holds no data records');
  const baseAddr = blocks[0]![0];
  const last = blocks[blocks.length - 1]!;
  const span = last[0] + last[1].length - baseAddr;
  if (span > INTEL_HEX_MAX_SPAN_BYTES) {
    throw new ImageError('IMAGE_BAD_HEX', `hex.read: data spans ${span} bytes (limit ${INTEL_HEX_MAX_SPAN_BYTES})`, { span });
  }
  const bytes = new Uint8Array(span).fill(INTEL_HEX_GAP_FILL);
  for (const [addr, b] of blocks) bytes.set(b, addr - baseAddr);
  return { baseAddr, bytes };
}

/** Writes blocks (address, bytes) as Intel HEX text, 16 data bytes a line, newline-terminated. */
export function writeIntelHex(blocks: ReadonlyArray<readonly [number, Uint8Array]>): string {
  for (const [addr, b] of blocks) {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + b.length > 0x1_0000_0000) {
      throw new ImageError('IMAGE_BAD_OPTIONS', `hex.write: block at ${addr} (${b.length} bytes) is outside the 32-bit address space`);
    }
  }
  // Adjacent blocks become one (as Python's IntelHex holds bytes, not writes): records then run on
  // across a block boundary, e.g. image_ok's field straight into the magic.
  const map = new MemoryMap(blocks.map(([a, b]) => [a, b] as [number, Uint8Array])).join();
  let text = map.asHexString(INTEL_HEX_LINE_BYTES);
  // Like Python's IntelHex (imgtool), no extended-address record at all when every byte lies below 64 KiB.
  const top = Math.max(...blocks.map(([a, b]) => a + b.length));
  if (top <= INTEL_HEX_SEGMENT_BYTES && text.startsWith(INTEL_HEX_ELA_ZERO_RECORD)) text = text.slice(INTEL_HEX_ELA_ZERO_RECORD.length).replace(/^\r?\n/, '');
  return text + '\n';
}

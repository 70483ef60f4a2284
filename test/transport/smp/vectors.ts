/** Loads the shared SMP vectors (../shared/vectors/smp relative to the repo root). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export interface SmpVector {
  name: string;
  hex?: string;
  response_hex?: string;
  serial_ascii?: string;
  raw_ascii?: string;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const file = join(repoRoot, '..', 'shared', 'vectors', 'smp', 'smp-vectors.json');
const json = JSON.parse(readFileSync(file, 'utf8')) as {
  crc16_xmodem_check: { input_ascii: string; crc: string };
  vectors: SmpVector[];
};
export const crcCheck = json.crc16_xmodem_check;
export const smpVectors = json.vectors;

/** A string whose chars are bytes 0..255 (how the JSON gives serial frames) as bytes. */
export function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

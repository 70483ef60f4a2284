/** Loads the SMP vectors vendored in test/fixtures/smp. */
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../fixtures/index.ts';

export interface SmpVector {
  name: string;
  hex?: string;
  response_hex?: string;
  serial_ascii?: string;
  raw_ascii?: string;
}

const file = fixturePath('smp/smp-vectors.json');
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

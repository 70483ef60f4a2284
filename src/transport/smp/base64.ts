/**
 * Standard base64 (RFC 4648 §4, `=` padding) for the SMP serial frames. Written here because the
 * portable core has no btoa/atob (ES2020) and no Node buffers. Strict decoding: length a multiple of 4,
 * padding only at the end, no other characters.
 */
import { SmpError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d; // '='
const REVERSE = (() => {
  const r = new Int16Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) r[ALPHABET.charCodeAt(i)] = i;
  return r;
})();

/** Base64 text of `bytes`, as ASCII bytes (frames are bytes on the wire). */
export function base64EncodeBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(base64Length(bytes.length));
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    out[o++] = ALPHABET.charCodeAt((n >> 6) & 63);
    out[o++] = ALPHABET.charCodeAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    out[o++] = rest === 2 ? ALPHABET.charCodeAt((n >> 6) & 63) : PAD;
    out[o++] = PAD;
  }
  return out;
}

/** Characters of the base64 form of `n` bytes. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Decodes base64 given as ASCII bytes; SMP_BAD_FRAME on any bad length, character or padding. */
export function base64DecodeBytes(text: Uint8Array): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new SmpError('SMP_BAD_FRAME', `base64.decode: ${text.length} characters is not a multiple of 4`, { length: text.length });
  }
  let pad = 0;
  if (text.length > 0 && text[text.length - 1] === PAD) pad = text[text.length - 2] === PAD ? 2 : 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text[i + k]!;
      let v = REVERSE[c]!;
      if (v < 0) {
        if (c === PAD && last && k >= 4 - pad) v = 0;
        else throw new SmpError('SMP_BAD_FRAME', `base64.decode: bad character 0x${c.toString(16)} at ${i + k}`, { offset: i + k });
      }
      n = (n << 6) | v;
    }
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

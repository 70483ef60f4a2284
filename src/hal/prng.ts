/**
 * Small seeded pseudo-random generators for everything in fotakit that must be reproducible: simulated
 * payloads, power-cut partial effects, fault schedules, fuzz inputs. Not for anything secret (the
 * crypto HAL's randomBytes is). Written here because they are a few lines and must give the same
 * numbers on every runtime.
 */

/** xorshift32 (Marsaglia): the next 32-bit state per call, as an unsigned integer. Seed 0 means 1. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** mulberry32: a 32-bit generator with good spread from any seed, unsigned integers. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Numbers in [0, 1) from a 32-bit generator. */
export function unitInterval(next: () => number): () => number {
  return () => next() / 0x100000000;
}

/** `length` bytes, the low byte of each xorshift32 state: the same bytes for a seed everywhere. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const next = xorshift32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = next() & 0xff;
  return out;
}

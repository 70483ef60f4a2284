/**
 * Internal helper of the crypto HALs: RSASSA-PSS verification on a digest, as MCUboot does it
 * (SHA-256, MGF1-SHA256, 32-byte salt). The RSA public operation is BigInt modpow here; the Node HAL
 * passes its own native one. Spec: RFC 8017 8.1.2 (RSASSA-PSS-VERIFY), 9.1.2 (EMSA-PSS-VERIFY), B.2.1 (MGF1).
 */
import { bytesEqual, concatBytes } from '../bytes.ts';

/** MCUboot's PSS salt length (bootutil image_rsa.c: the hash length). */
export const RSA_PSS_SALT_BYTES = 32;
const PSS_TRAILER = 0xbc;
const PSS_PREFIX_ZERO_BYTES = 8;

export type DigestFn = (data: Uint8Array) => Uint8Array;

function bytesToBigInt(b: Uint8Array): bigint {
  let v = BigInt(0);
  for (let i = 0; i < b.length; i++) v = (v << BigInt(8)) | BigInt(b[i]!);
  return v;
}

function bigIntToBytes(v: bigint, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & BigInt(0xff));
    v >>= BigInt(8);
  }
  return v === BigInt(0) ? out : undefined;
}

/**
 * RSAVP1: s^e mod n as a `k`-byte string (k = modulus length in bytes); undefined when s >= n
 * (the signature is then invalid).
 */
export function rsaPublicOp(modulus: Uint8Array, exponent: Uint8Array, signature: Uint8Array): Uint8Array | undefined {
  const n = bytesToBigInt(modulus);
  const s = bytesToBigInt(signature);
  if (s >= n) return undefined;
  let e = bytesToBigInt(exponent);
  let base = s;
  let result = BigInt(1);
  while (e > BigInt(0)) {
    if (e & BigInt(1)) result = (result * base) % n;
    base = (base * base) % n;
    e >>= BigInt(1);
  }
  return bigIntToBytes(result, modulus.length);
}

export function mgf1(digest: DigestFn, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let filled = 0;
  for (let counter = 0; filled < length; counter++) {
    const c = Uint8Array.of((counter >>> 24) & 0xff, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff);
    const block = digest(concatBytes(seed, c));
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
    filled += block.length;
  }
  return out;
}

/**
 * EMSA-PSS-VERIFY of `mHash` against `m` (the `k`-byte RSAVP1 output) for a modulus of `modBits`
 * bits. Returns false on any inconsistency.
 */
export function emsaPssVerify(digest: DigestFn, mHash: Uint8Array, m: Uint8Array, modBits: number, saltBytes = RSA_PSS_SALT_BYTES): boolean {
  const hLen = mHash.length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // With emBits a multiple of 8 the k-byte integer has one more (zero) leading byte than EM.
  let em = m;
  if (m.length === emLen + 1) {
    if (m[0] !== 0) return false;
    em = m.subarray(1);
  } else if (m.length !== emLen) return false;
  if (emLen < hLen + saltBytes + 2) return false;
  if (em[emLen - 1] !== PSS_TRAILER) return false;
  const dbLen = emLen - hLen - 1;
  const maskedDb = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  const topBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - topBits)) & 0xff;
  if ((maskedDb[0]! & topMask) !== 0) return false;
  const db = mgf1(digest, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = db[i]! ^ maskedDb[i]!;
  db[0] = db[0]! & ~topMask & 0xff;
  const psLen = emLen - hLen - saltBytes - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(dbLen - saltBytes);
  const hPrime = digest(concatBytes(new Uint8Array(PSS_PREFIX_ZERO_BYTES), mHash, salt));
  return bytesEqual(h, hPrime);
}

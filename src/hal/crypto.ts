/**
 * Crypto HAL: hashing and signature verification as MCUboot needs them. Two implementations:
 * `src/hal/node/crypto.ts` (node:crypto, fast, native SHA) and `src/hal/portable/crypto.ts`
 * (audited pure JS: @noble/hashes, @noble/curves) for the browser and other runtimes.
 * Keys are the DER bytes MCUboot embeds: SubjectPublicKeyInfo for ed25519 and ECDSA, PKCS#1
 * RSAPublicKey for RSA.
 */

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export const HASH_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

export interface Hasher {
  update(bytes: Uint8Array): void;
  /** Finishes and returns the digest; the hasher is unusable afterwards. */
  digest(): Uint8Array;
}

export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-pss';

export interface Crypto {
  createHash(algorithm: HashAlgorithm): Hasher;
  /**
   * Verifies `signature` by `publicKeyDer` over `message`, as MCUboot does for each TLV type:
   * - ed25519: `message` is what was signed (the digest, or the whole region in pure mode);
   * - ecdsa-p256/p384: `message` is the digest (prehashed), `signature` ASN.1 DER (r, s);
   * - rsa-pss: `message` is the SHA-256 digest; PSS with MGF1-SHA256 and a 32-byte salt.
   * Returns false for a wrong signature; throws only for a malformed key.
   */
  verify(algorithm: SignatureAlgorithm, publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  randomBytes(length: number): Uint8Array;
}

/** One-shot hash helper. */
export function hash(crypto: Crypto, algorithm: HashAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const h = crypto.createHash(algorithm);
  for (const p of parts) h.update(p);
  return h.digest();
}

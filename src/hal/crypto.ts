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

/** Key agreement curves MCUboot's ECIES key TLVs use. */
export type EcdhCurve = 'x25519' | 'p256';

/**
 * What encrypted MCUboot images need (mcuboot.md "Encrypted images"; MCUboot docs/encrypted_images.md):
 * AES-CTR for the body, ECDH + HKDF + HMAC for the ECIES key TLVs, RSA-OAEP (SHA-256) and AES key
 * wrap (RFC 3394) for the others. Keys are raw bytes: 32-byte scalars, X25519 public keys of 32 bytes,
 * P-256 public keys as 65-byte uncompressed points, RSA public keys as PKCS#1 DER.
 */
export interface EncryptionCrypto {
  /** AES-128/256 in CTR mode with a 16-byte initial counter block (encrypt = decrypt). */
  aesCtr(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 3394 key wrap. */
  aesKeyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array;
  /** RFC 3394 key unwrap; undefined when the integrity check fails. */
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 5869 HKDF (no salt = a zero-filled salt of the hash length). */
  hkdf(algorithm: HashAlgorithm, ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array;
  /** A new key pair: private scalar and public key in the raw form above. */
  generateKeyPair(curve: EcdhCurve): { privateKey: Uint8Array; publicKey: Uint8Array };
  /** The public key of a private scalar. */
  publicKeyOf(curve: EcdhCurve, privateKey: Uint8Array): Uint8Array;
  /** The ECDH shared secret (X25519 output, or the P-256 x coordinate); throws for an invalid public key. */
  ecdh(curve: EcdhCurve, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** RSAES-OAEP with SHA-256 and MGF1-SHA-256, empty label. */
  rsaOaepEncrypt(publicKeyPkcs1: Uint8Array, message: Uint8Array): Uint8Array;
  randomBytes(length: number): Uint8Array;
}

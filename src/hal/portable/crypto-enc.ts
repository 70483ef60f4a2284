/**
 * Portable EncryptionCrypto (src/hal/crypto.ts) on audited pure JavaScript: @noble/ciphers for AES-CTR
 * and AES key wrap, @noble/hashes for HMAC and HKDF, @noble/curves for X25519 and P-256 ECDH, and
 * RSAES-OAEP (SHA-256) encoded here on the BigInt RSA public operation of crypto-rsa.ts.
 * Spec: RFC 3394 (key wrap), RFC 5869 (HKDF), RFC 7748 (X25519), RFC 8017 7.1.1 (RSAES-OAEP-ENCRYPT).
 */
import { aeskw, ctr } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { concatBytes } from '../bytes.ts';
import type { EcdhCurve, EncryptionCrypto, HashAlgorithm } from '../crypto.ts';
import { FotaError } from '../errors.ts';
import { parsePublicKeyDer } from './crypto-der.ts';
import { mgf1, rsaPublicOp } from './crypto-rsa.ts';

const HASHES = { sha256, sha384, sha512 } as const;
/** AES block (and CTR counter block) size. */
export const AES_BLOCK_BYTES = 16;
/** Key sizes of AES-128 and AES-256. */
const AES_KEY_BYTES: ReadonlyArray<number> = [16, 32];
/** OAEP: lHash of the empty label, 0x01 separator, SHA-256 size. */
const OAEP_HASH_BYTES = 32;
/** A P-256 scalar and an X25519 scalar are both 32 bytes. */
export const ECDH_PRIVATE_KEY_BYTES = 32;

function cryptoError(op: string, message: string): FotaError {
  return new FotaError('CRYPTO_BAD_INPUT', `${op}: ${message}`);
}

function checkAesKey(op: string, key: Uint8Array): void {
  if (!AES_KEY_BYTES.includes(key.length)) throw cryptoError(op, `an AES key is 16 or 32 bytes, not ${key.length}`);
}

function generateKeyPair(curve: EcdhCurve): { privateKey: Uint8Array; publicKey: Uint8Array } {
  if (curve === 'x25519') {
    const privateKey = x25519.utils.randomSecretKey();
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
  }
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

function publicKeyOf(curve: EcdhCurve, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== ECDH_PRIVATE_KEY_BYTES) throw cryptoError('publicKeyOf', `a ${curve} private key is 32 bytes, not ${privateKey.length}`);
  return curve === 'x25519' ? x25519.getPublicKey(privateKey) : p256.getPublicKey(privateKey, false);
}

function ecdh(curve: EcdhCurve, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    if (curve === 'x25519') return x25519.getSharedSecret(privateKey, publicKey);
    // noble returns the shared point compressed (0x02/0x03 || x); ECDH's secret is x.
    return p256.getSharedSecret(privateKey, publicKey, true).subarray(1);
  } catch (e) {
    throw cryptoError('ecdh', `${curve} key agreement failed (${(e as Error).message})`);
  }
}

/** RFC 8017 7.1.1 with SHA-256, MGF1-SHA-256 and an empty label. */
function rsaOaepEncrypt(publicKeyPkcs1: Uint8Array, message: Uint8Array): Uint8Array {
  const key = parsePublicKeyDer(publicKeyPkcs1);
  if (key.type !== 'rsa') throw cryptoError('rsaOaepEncrypt', 'not an RSA public key');
  const k = key.modulus.length;
  const maxMessage = k - 2 * OAEP_HASH_BYTES - 2;
  if (message.length > maxMessage) throw cryptoError('rsaOaepEncrypt', `message of ${message.length} bytes exceeds ${maxMessage}`);
  const lHash = sha256(new Uint8Array(0));
  const db = new Uint8Array(k - OAEP_HASH_BYTES - 1);
  db.set(lHash, 0);
  db[db.length - message.length - 1] = 0x01;
  db.set(message, db.length - message.length);
  const seed = nobleRandomBytes(OAEP_HASH_BYTES);
  const maskedDb = xor(db, mgf1(sha256, seed, db.length));
  const maskedSeed = xor(seed, mgf1(sha256, maskedDb, OAEP_HASH_BYTES));
  const em = concatBytes(Uint8Array.of(0), maskedSeed, maskedDb);
  const c = rsaPublicOp(key.modulus, key.exponent, em);
  if (!c) throw cryptoError('rsaOaepEncrypt', 'encoded message is not below the modulus');
  return c;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export const portableEncryption: EncryptionCrypto = {
  aesCtr(key, counter, data) {
    checkAesKey('aesCtr', key);
    if (counter.length !== AES_BLOCK_BYTES) throw cryptoError('aesCtr', `the counter block is 16 bytes, not ${counter.length}`);
    return ctr(key, counter).encrypt(data);
  },
  aesKeyWrap(kek, key) {
    checkAesKey('aesKeyWrap', kek);
    return aeskw(kek).encrypt(key);
  },
  aesKeyUnwrap(kek, wrapped) {
    checkAesKey('aesKeyUnwrap', kek);
    try {
      return aeskw(kek).decrypt(wrapped);
    } catch {
      return undefined;
    }
  },
  hmac(algorithm: HashAlgorithm, key, data) {
    return hmac(HASHES[algorithm], key, data);
  },
  hkdf(algorithm: HashAlgorithm, ikm, salt, info, length) {
    return hkdf(HASHES[algorithm], ikm, salt, info, length);
  },
  generateKeyPair,
  publicKeyOf,
  ecdh,
  rsaOaepEncrypt,
  randomBytes(length) {
    return nobleRandomBytes(length);
  },
};

/**
 * Deterministic image signers for the C test vectors: the same keys and the same signatures on every
 * run and machine. ed25519 and ECDSA keys come from fixed seeds (ed25519 signatures are deterministic
 * by design; ECDSA uses RFC 6979 nonces through @noble/curves); RSA keys are fixed PEMs
 * (rsa-test-keys.ts) and RSA-PSS uses a fixed salt (EMSA-PSS, RFC 8017 9.1.1) over node:crypto's raw
 * RSA operation. TEST KEYS ONLY.
 */
import { constants, createHash, createPrivateKey, createPublicKey, privateEncrypt, sign as nodeSign, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { concatBytes, fromHex, utf8Encode } from '../hal/bytes.ts';
import type { HashAlgorithm } from '../hal/crypto.ts';
import { FotaError } from '../hal/errors.ts';
import { imageKeyFromDer, type ImageKeyType } from '../fota/mcuboot/keys.ts';
import type { Signer } from '../fota/mcuboot/sign.ts';
import { RSA_PSS_SALT_BYTES } from '../hal/portable/crypto-rsa.ts';
import { VECTOR_RSA2048_PKCS8_PEM, VECTOR_RSA3072_PKCS8_PEM } from './rsa-test-keys.ts';

/** PKCS#8 DER of an ed25519 private key, up to the 32-byte seed (RFC 8410 section 7). */
const ED25519_PKCS8_PREFIX_HEX = '302e020100300506032b657004220420';
/** SubjectPublicKeyInfo DER up to the uncompressed EC point (id-ecPublicKey + named curve). */
const P256_SPKI_PREFIX_HEX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';
const P384_SPKI_PREFIX_HEX = '3076301006072a8648ce3d020106052b81040022036200';
/** The seed text each seeded key is derived from (SHA-256 / SHA-384 of it). */
export const VECTOR_KEY_SEED_PREFIX = 'fotakit-vectors-key-v1:';
/** The seed text of the RSA-PSS salt. */
const RSA_PSS_SALT_SEED = 'fotakit-vectors-rsa-pss-salt-v1';

function sha(alg: 'sha256' | 'sha384' | 'sha512', ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function seedBytes(label: string, bytes: number): Uint8Array {
  const s = utf8Encode(VECTOR_KEY_SEED_PREFIX + label);
  return (bytes <= 32 ? sha('sha256', s) : sha('sha384', s)).subarray(0, bytes);
}

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function ed25519Signer(label: string): Signer {
  const key = createPrivateKey({ key: Buffer.from(concatBytes(fromHex(ED25519_PKCS8_PREFIX_HEX), seedBytes(label, 32))), format: 'der', type: 'pkcs8' });
  const spki = bytesOf(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  return { keyType: 'ed25519', publicKeyDer: imageKeyFromDer(spki).der, sign: (data) => bytesOf(nodeSign(null, data, key)) };
}

function ecdsaSigner(type: 'ecdsa-p256' | 'ecdsa-p384', label: string): Signer {
  const curve = type === 'ecdsa-p256' ? p256 : p384;
  const secret = seedBytes(label, type === 'ecdsa-p256' ? 32 : 48);
  const point = curve.getPublicKey(secret, false);
  const spki = concatBytes(fromHex(type === 'ecdsa-p256' ? P256_SPKI_PREFIX_HEX : P384_SPKI_PREFIX_HEX), point);
  return {
    keyType: type,
    publicKeyDer: imageKeyFromDer(spki).der,
    // MCUboot hashes the signed region with the image's hash (SHA-256 for P-256, SHA-384 for P-384).
    sign: (data: Uint8Array, hash: HashAlgorithm) => {
      const digest = sha(hash, data);
      return Uint8Array.from(curve.sign(digest, secret, { prehash: false, format: 'der' }));
    },
  };
}

/** EMSA-PSS-ENCODE with MGF1 over `hash` and a fixed salt (RFC 8017 9.1.1). */
function emsaPssEncode(mHash: Uint8Array, emBits: number, salt: Uint8Array, hash: 'sha256'): Uint8Array {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new FotaError('VECTORS_BAD_KEY', 'vectors.rsaPss: key too small for the salt');
  const h = sha(hash, new Uint8Array(8), mHash, salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = new Uint8Array(db.length);
  for (let counter = 0, o = 0; o < mask.length; counter++) {
    const c = new Uint8Array(4);
    c[0] = counter >>> 24; c[1] = (counter >>> 16) & 0xff; c[2] = (counter >>> 8) & 0xff; c[3] = counter & 0xff;
    const block = sha(hash, h, c);
    const n = Math.min(block.length, mask.length - o);
    mask.set(block.subarray(0, n), o);
    o += n;
  }
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

function rsaSigner(type: 'rsa-2048' | 'rsa-3072'): Signer {
  const key: KeyObject = createPrivateKey(type === 'rsa-2048' ? VECTOR_RSA2048_PKCS8_PEM : VECTOR_RSA3072_PKCS8_PEM);
  const spki = bytesOf(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const modBits = type === 'rsa-2048' ? 2048 : 3072;
  const salt = sha('sha256', utf8Encode(RSA_PSS_SALT_SEED)).subarray(0, RSA_PSS_SALT_BYTES);
  return {
    keyType: type,
    publicKeyDer: imageKeyFromDer(spki).der,
    sign: (data: Uint8Array) => {
      const em = emsaPssEncode(sha('sha256', data), modBits - 1, salt, 'sha256');
      const padded = new Uint8Array(modBits / 8);
      padded.set(em, padded.length - em.length);
      return bytesOf(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, padded));
    },
  };
}

const cache = new Map<string, Signer>();

/**
 * The deterministic signer of a key type (the same key on every run). `seedLabel` picks another
 * seeded key of the type (ed25519 and ECDSA only), e.g. an untrusted key for the bad-input corpus.
 */
export function vectorSigner(type: ImageKeyType, seedLabel: string = type): Signer {
  const id = `${type}/${seedLabel}`;
  let s = cache.get(id);
  if (!s) {
    if (type === 'ed25519') s = ed25519Signer(seedLabel);
    else if (type === 'ecdsa-p256' || type === 'ecdsa-p384') s = ecdsaSigner(type, seedLabel);
    else if (seedLabel === type) s = rsaSigner(type);
    else throw new FotaError('VECTORS_BAD_KEY', `vectors.signer: RSA keys are fixed, no seed label '${seedLabel}'`);
    cache.set(id, s);
  }
  return s;
}

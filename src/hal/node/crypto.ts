/**
 * Node crypto HAL (src/hal/crypto.ts) on node:crypto: native SHA-2, native ed25519, native RSA
 * public operation with our EMSA-PSS check on the digest (Node cannot verify a prehashed PSS
 * signature), and @noble/curves for prehashed ECDSA (likewise not offered by node:crypto).
 */
import { createHash as nodeCreateHash, createPublicKey, publicDecrypt, randomBytes, verify as nodeVerify, constants, type KeyObject } from 'node:crypto';
import { verifyEcdsaDigest } from '../portable/crypto-ecdsa.ts';
import type { Crypto, HashAlgorithm, Hasher, SignatureAlgorithm } from '../crypto.ts';
import { encodeRsaPublicKey, parsePublicKeyDer } from '../portable/crypto-der.ts';
import { emsaPssVerify } from '../portable/crypto-rsa.ts';

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function createHash(algorithm: HashAlgorithm): Hasher {
  const h = nodeCreateHash(algorithm);
  return {
    update(bytes: Uint8Array): void {
      h.update(bytes);
    },
    digest(): Uint8Array {
      return toBytes(h.digest());
    },
  };
}

function sha256(data: Uint8Array): Uint8Array {
  return toBytes(nodeCreateHash('sha256').update(data).digest());
}

/** KeyObjects of the keys already seen (a verifier checks the same few keys over and over). */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX_ENTRIES = 64;

function keyObject(der: Uint8Array, type: 'spki' | 'pkcs1'): KeyObject {
  const id = `${type}:${Buffer.from(der).toString('base64')}`;
  let k = keyCache.get(id);
  if (!k) {
    k = createPublicKey({ key: Buffer.from(der), format: 'der', type });
    if (keyCache.size >= KEY_CACHE_MAX_ENTRIES) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

function verify(algorithm: SignatureAlgorithm, publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = parsePublicKeyDer(publicKeyDer);
  switch (algorithm) {
    case 'ed25519':
      if (key.type !== 'ed25519') return false;
      try {
        return nodeVerify(null, message, keyObject(publicKeyDer, 'spki'), signature);
      } catch {
        return false;
      }
    case 'ecdsa-p256':
    case 'ecdsa-p384': {
      if (key.type !== algorithm) return false;
      return verifyEcdsaDigest(algorithm, key.point, message, signature);
    }
    case 'rsa-pss': {
      if (key.type !== 'rsa' || signature.length !== key.modulus.length) return false;
      let m: Uint8Array;
      try {
        // Raw RSAVP1 (s^e mod n); OpenSSL refuses s >= n, which is an invalid signature.
        const pkcs1 = encodeRsaPublicKey(key.modulus, key.exponent);
        m = toBytes(publicDecrypt({ key: keyObject(pkcs1, 'pkcs1'), padding: constants.RSA_NO_PADDING }, signature));
      } catch {
        return false;
      }
      return emsaPssVerify(sha256, message, m, key.bits);
    }
  }
}

export const nodeCrypto: Crypto = {
  createHash,
  verify,
  randomBytes(length: number): Uint8Array {
    return toBytes(randomBytes(length));
  },
};

export function createNodeCrypto(): Crypto {
  return nodeCrypto;
}

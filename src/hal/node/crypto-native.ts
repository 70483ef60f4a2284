/**
 * Node crypto HAL (src/hal/crypto.ts) on node:crypto alone: native SHA-2, native ed25519, native RSA
 * public operation with our EMSA-PSS check on the digest (Node cannot verify a prehashed PSS
 * signature). Prehashed ECDSA (not offered by node:crypto) comes from the verifier passed in:
 * crypto.ts passes @noble/curves'; a caller that trusts no ECDSA key (the CLI's `image verify` with an
 * ed25519 key) can leave it out and never load @noble/curves (~100 ms of start-up).
 */
import { createHash as nodeCreateHash, createPublicKey, publicDecrypt, randomBytes, verify as nodeVerify, constants, type KeyObject } from 'node:crypto';
import { FotaError } from '../errors.ts';
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

/** verifyEcdsaDigest's shape (src/hal/portable/crypto-ecdsa.ts). */
export type EcdsaDigestVerifier = (curve: 'ecdsa-p256' | 'ecdsa-p384', publicPoint: Uint8Array, digest: Uint8Array, derSignature: Uint8Array) => boolean;

function verifyWith(ecdsa: EcdsaDigestVerifier | undefined, algorithm: SignatureAlgorithm, publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
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
      if (!ecdsa) throw new FotaError('CRYPTO_NO_ECDSA', `crypto.verify: ${algorithm} needs an ECDSA verifier (use nodeCrypto from hal/node/crypto.ts)`);
      return ecdsa(algorithm, key.point, message, signature);
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

/** The Node crypto HAL; ECDSA verification only with `ecdsa` given. */
export function createNativeNodeCrypto(ecdsa?: EcdsaDigestVerifier): Crypto {
  return {
    createHash,
    verify: (algorithm, publicKeyDer, message, signature) => verifyWith(ecdsa, algorithm, publicKeyDer, message, signature),
    randomBytes(length: number): Uint8Array {
      return toBytes(randomBytes(length));
    },
  };
}

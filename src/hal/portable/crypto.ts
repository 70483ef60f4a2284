/**
 * Portable crypto HAL (src/hal/crypto.ts) on audited pure JavaScript: @noble/hashes for SHA-2,
 * @noble/curves for ed25519 and ECDSA P-256/P-384, BigInt RSA with EMSA-PSS for RSA. Runs on any
 * ES2020 runtime with `crypto.getRandomValues` (only `randomBytes` needs it).
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { verifyEcdsaDigest } from './crypto-ecdsa.ts';
import type { Crypto, HashAlgorithm, Hasher, SignatureAlgorithm } from '../crypto.ts';
import { parsePublicKeyDer } from './crypto-der.ts';
import { emsaPssVerify, rsaPublicOp } from './crypto-rsa.ts';

const HASHES = { sha256, sha384, sha512 } as const;

function createHash(algorithm: HashAlgorithm): Hasher {
  const h = HASHES[algorithm].create();
  return {
    update(bytes: Uint8Array): void {
      h.update(bytes);
    },
    digest(): Uint8Array {
      return h.digest();
    },
  };
}

function verify(algorithm: SignatureAlgorithm, publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = parsePublicKeyDer(publicKeyDer);
  switch (algorithm) {
    case 'ed25519':
      if (key.type !== 'ed25519') return false;
      try {
        return ed25519.verify(signature, message, key.raw, { zip215: false });
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
      const m = rsaPublicOp(key.modulus, key.exponent, signature);
      return m !== undefined && emsaPssVerify(sha256, message, m, key.bits);
    }
  }
}

export const portableCrypto: Crypto = {
  createHash,
  verify,
  randomBytes(length: number): Uint8Array {
    return nobleRandomBytes(length);
  },
};

export function createPortableCrypto(): Crypto {
  return portableCrypto;
}

/**
 * Node crypto HAL (src/hal/crypto.ts): node:crypto (crypto-native.ts) plus @noble/curves for
 * prehashed ECDSA, which node:crypto does not offer.
 */
import type { Crypto } from '../crypto.ts';
import { verifyEcdsaDigest } from '../portable/crypto-ecdsa.ts';
import { createNativeNodeCrypto } from './crypto-native.ts';

export const nodeCrypto: Crypto = createNativeNodeCrypto(verifyEcdsaDigest);

export function createNodeCrypto(): Crypto {
  return nodeCrypto;
}

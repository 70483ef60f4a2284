/**
 * Node side of MCUboot image keys: PKCS#8 PEM private keys as imgtool writes them (keygen), the
 * public key in MCUboot's DER form (getpub), and a Signer for src/fota/mcuboot/sign.ts on
 * node:crypto. Spec: mcuboot.md "Hash and signatures" (RSA-PSS salt 32, ECDSA DER, ed25519 pure).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../hal/crypto.ts';
import { ImageError } from '../fota/mcuboot/errors.ts';
import { imageKeyFromDer, type ImageKeyType } from '../fota/mcuboot/keys.ts';
import type { Signer } from '../fota/mcuboot/sign.ts';
import { RSA_PSS_SALT_BYTES } from '../hal/portable/crypto-rsa.ts';

export const IMAGE_KEY_TYPES: ReadonlyArray<ImageKeyType> = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072'];

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** A new private key as PKCS#8 PEM (what `imgtool keygen` writes, unencrypted). */
export function generateImageKeyPem(type: ImageKeyType): string {
  let key: KeyObject;
  switch (type) {
    case 'ed25519':
      key = generateKeyPairSync('ed25519').privateKey;
      break;
    case 'ecdsa-p256':
      key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      break;
    case 'ecdsa-p384':
      key = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
      break;
    case 'rsa-2048':
      key = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 }).privateKey;
      break;
    case 'rsa-3072':
      key = generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 65537 }).privateKey;
      break;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Loads a PEM (private or public) key; IMAGE_BAD_KEY when unreadable. */
function loadKey(pem: string): { key: KeyObject; isPrivate: boolean } {
  try {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return { key: createPrivateKey(pem), isPrivate: true };
    return { key: createPublicKey(pem), isPrivate: false };
  } catch (e) {
    throw new ImageError('IMAGE_BAD_KEY', `keys.load: not a readable PEM key (${(e as Error).message})`);
  }
}

/** MCUboot DER of a key object's public half. */
function mcubootPublicDer(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = toBytes(pub.export({ type: 'spki', format: 'der' }));
  return imageKeyFromDer(der).der;
}

/** The public key (MCUboot DER form) and type of a PEM private or public key. */
export function publicKeyFromPem(pem: string): { type: ImageKeyType; der: Uint8Array } {
  const { key } = loadKey(pem);
  const der = mcubootPublicDer(key);
  return { type: imageKeyFromDer(der).type, der };
}

/** A Signer on a PEM private key. */
export function createPemSigner(pem: string): Signer {
  const { key, isPrivate } = loadKey(pem);
  if (!isPrivate) throw new ImageError('IMAGE_BAD_KEY', 'keys.signer: a public key cannot sign');
  const publicKeyDer = mcubootPublicDer(key);
  const keyType = imageKeyFromDer(publicKeyDer).type;
  return {
    keyType,
    publicKeyDer,
    sign(data: Uint8Array, hash: HashAlgorithm): Uint8Array {
      switch (keyType) {
        case 'ed25519':
          return toBytes(nodeSign(null, data, key));
        case 'ecdsa-p256':
        case 'ecdsa-p384':
          return toBytes(nodeSign(hash, data, { key, dsaEncoding: 'der' }));
        case 'rsa-2048':
        case 'rsa-3072':
          return toBytes(nodeSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_BYTES }));
      }
    },
  };
}

/** SPKI PEM of the public key (`imgtool getpub -e pem`). */
export function publicKeyPem(pem: string): string {
  const { key } = loadKey(pem);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Node side of MCUboot image keys: PKCS#8 PEM private keys as imgtool writes them (keygen), the
 * public key in MCUboot's DER form (getpub), and a Signer for src/fota/mcuboot/sign.ts on
 * node:crypto. Spec: mcuboot.md "Hash and signatures" (RSA-PSS salt 32, ECDSA DER, ed25519 pure).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../hal/crypto.ts';
import { ImageError } from '../fota/mcuboot/errors.ts';
import { imageKeyFromDer, type ImageKeyType } from '../fota/mcuboot/keys.ts';
import type { Signer } from '../fota/mcuboot/sign.ts';
import type { ImageDecryptionKey, ImageEncryptionKey } from '../fota/mcuboot/encryption.ts';
import { RSA_PSS_SALT_BYTES } from '../hal/portable/crypto-rsa.ts';

export const IMAGE_KEY_TYPES: ReadonlyArray<ImageKeyType> = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072'];
/** What `keygen -t` accepts: the signing key types and x25519 (an encryption key). */
export const KEYGEN_TYPES: ReadonlyArray<ImageKeyType | 'x25519'> = [...IMAGE_KEY_TYPES, 'x25519'];
/** Cipher of passphrase-protected PKCS#8 keys (what `keygen -p` writes). */
const KEY_PASSPHRASE_CIPHER = 'aes-256-cbc';

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** A new private key as PKCS#8 PEM (what `imgtool keygen` writes; protected when a passphrase is given). */
export function generateImageKeyPem(type: ImageKeyType | 'x25519', passphrase?: string): string {
  let key: KeyObject;
  switch (type) {
    case 'x25519':
      key = generateKeyPairSync('x25519').privateKey;
      break;
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
  if (passphrase !== undefined) return key.export({ type: 'pkcs8', format: 'pem', cipher: KEY_PASSPHRASE_CIPHER, passphrase }).toString();
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** True for a passphrase-protected PEM private key. */
export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type: 4,ENCRYPTED/.test(pem);
}

/** Loads a PEM (private or public) key; IMAGE_BAD_KEY when unreadable (or protected and no/wrong passphrase). */
export function loadKey(pem: string, passphrase?: string): { key: KeyObject; isPrivate: boolean } {
  if (isEncryptedPem(pem) && passphrase === undefined) {
    throw new ImageError('IMAGE_BAD_KEY', 'keys.load: the key is passphrase-protected and no passphrase was given (-p)');
  }
  try {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      return { key: createPrivateKey(passphrase !== undefined ? { key: pem, passphrase } : pem), isPrivate: true };
    }
    return { key: createPublicKey(pem), isPrivate: false };
  } catch (e) {
    throw new ImageError('IMAGE_BAD_KEY', `keys.load: not a readable PEM key (${(e as Error).message})`);
  }
}

function jwkBytes(v: string | undefined, what: string): Uint8Array {
  if (v === undefined) throw new ImageError('IMAGE_BAD_KEY', `keys: ${what} missing`);
  return toBytes(Buffer.from(v, 'base64url'));
}

/** The key an image is encrypted for (`sign -E`): X25519, P-256 or RSA, from a PEM public or private key. */
export function encryptionKeyFromPem(pem: string, passphrase?: string): ImageEncryptionKey {
  const { key } = loadKey(pem, passphrase);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  switch (pub.asymmetricKeyType) {
    case 'x25519':
      return { kind: 'x25519', publicKey: jwkBytes(pub.export({ format: 'jwk' }).x, 'x25519 public key') };
    case 'ec': {
      const jwk = pub.export({ format: 'jwk' });
      if (jwk.crv !== 'P-256') throw new ImageError('IMAGE_BAD_KEY', `keys.encryption: ECIES needs a P-256 key, not ${jwk.crv}`);
      const out = new Uint8Array(65);
      out[0] = 0x04;
      out.set(jwkBytes(jwk.x, 'x'), 1);
      out.set(jwkBytes(jwk.y, 'y'), 33);
      return { kind: 'ec256', publicKey: out };
    }
    case 'rsa':
      if (pub.asymmetricKeyDetails?.modulusLength !== 2048) throw new ImageError('IMAGE_BAD_KEY', 'keys.encryption: RSA-OAEP needs an RSA-2048 key');
      return { kind: 'rsa', publicKeyDer: toBytes(pub.export({ type: 'pkcs1', format: 'der' })) };
    default:
      throw new ImageError('IMAGE_BAD_KEY', `keys.encryption: a ${pub.asymmetricKeyType} key cannot encrypt images (x25519, P-256 or RSA-2048)`);
  }
}

/** The device key that decrypts images (`verify --enc-key`): a PEM private X25519, P-256 or RSA-2048 key. */
export function decryptionKeyFromPem(pem: string, passphrase?: string): ImageDecryptionKey {
  const { key, isPrivate } = loadKey(pem, passphrase);
  if (!isPrivate) throw new ImageError('IMAGE_BAD_KEY', 'keys.decryption: decrypting needs the private key');
  switch (key.asymmetricKeyType) {
    case 'x25519':
      return { kind: 'x25519', privateKey: jwkBytes(key.export({ format: 'jwk' }).d, 'x25519 private key') };
    case 'ec': {
      const jwk = key.export({ format: 'jwk' });
      if (jwk.crv !== 'P-256') throw new ImageError('IMAGE_BAD_KEY', `keys.decryption: ECIES needs a P-256 key, not ${jwk.crv}`);
      return { kind: 'ec256', privateKey: jwkBytes(jwk.d, 'P-256 private key') };
    }
    case 'rsa':
      return {
        kind: 'rsa',
        decrypt: (c: Uint8Array): Uint8Array => toBytes(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, c)),
      };
    default:
      throw new ImageError('IMAGE_BAD_KEY', `keys.decryption: a ${key.asymmetricKeyType} key cannot decrypt images`);
  }
}

/** Private or public, as `imgtool keyinfo` says. */
export function keyKind(pem: string, passphrase?: string): 'private' | 'public' {
  return loadKey(pem, passphrase).isPrivate ? 'private' : 'public';
}

/** The private key bytes `imgtool getpriv` dumps: PKCS#8 DER, or the key's own ("openssl") form. */
export function privateKeyDer(pem: string, format: 'pkcs8' | 'openssl', passphrase?: string): Uint8Array {
  const { key, isPrivate } = loadKey(pem, passphrase);
  if (!isPrivate) throw new ImageError('IMAGE_BAD_KEY', 'keys.getpriv: not a private key');
  if (format === 'pkcs8') return toBytes(key.export({ type: 'pkcs8', format: 'der' }));
  switch (key.asymmetricKeyType) {
    case 'ec':
      return toBytes(key.export({ type: 'sec1', format: 'der' }));
    case 'rsa':
      return toBytes(key.export({ type: 'pkcs1', format: 'der' }));
    default:
      throw new ImageError('IMAGE_BAD_KEY', `keys.getpriv: a ${key.asymmetricKeyType} key has only the pkcs8 format`);
  }
}

/** SHA-1 for UUID v5 names (--vid/--cid); not a security use. */
export function sha1(data: Uint8Array): Uint8Array {
  return toBytes(createHash('sha1').update(data).digest());
}

/** MCUboot DER of a key object's public half. */
function mcubootPublicDer(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = toBytes(pub.export({ type: 'spki', format: 'der' }));
  return imageKeyFromDer(der).der;
}

/** The public key (MCUboot DER form) and type of a PEM private or public key. */
export function publicKeyFromPem(pem: string, passphrase?: string): { type: ImageKeyType; der: Uint8Array } {
  const { key } = loadKey(pem, passphrase);
  const der = mcubootPublicDer(key);
  return { type: imageKeyFromDer(der).type, der };
}

/** A Signer on a PEM private key. */
export function createPemSigner(pem: string, passphrase?: string): Signer {
  const { key, isPrivate } = loadKey(pem, passphrase);
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

/** Public key bytes as imgtool's getpub/getpubhash emit them: MCUboot DER, or SPKI DER for an x25519 key. */
export function anyPublicKeyFromPem(pem: string, passphrase?: string): { type: ImageKeyType | 'x25519'; der: Uint8Array } {
  const { key } = loadKey(pem, passphrase);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType === 'x25519') return { type: 'x25519', der: toBytes(pub.export({ type: 'spki', format: 'der' })) };
  const der = mcubootPublicDer(pub);
  return { type: imageKeyFromDer(der).type, der };
}

/** SPKI PEM of the public key (`imgtool getpub -e pem`). */
export function publicKeyPem(pem: string, passphrase?: string): string {
  const { key } = loadKey(pem, passphrase);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

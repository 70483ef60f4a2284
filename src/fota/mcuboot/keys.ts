/**
 * Public keys as MCUboot sees them: the DER bytes it embeds (SubjectPublicKeyInfo for ed25519 and
 * ECDSA, PKCS#1 RSAPublicKey for RSA), their type, and the KEYHASH that names them in an image.
 * Spec: mcuboot.md "Hash and signatures".
 */
import { bytesEqual } from '../../hal/bytes.ts';
import { hash, type Crypto, type HashAlgorithm, type SignatureAlgorithm } from '../../hal/crypto.ts';
import { isFotaError } from '../../hal/errors.ts';
import { parsePublicKeyDer, toMcubootPublicKeyDer } from '../../hal/portable/crypto-der.ts';
import {
  IMAGE_TLV_ECDSA_SIG,
  IMAGE_TLV_ED25519,
  IMAGE_TLV_RSA2048_PSS,
  IMAGE_TLV_RSA3072_PSS,
} from './constants.ts';
import { ImageError } from './errors.ts';

export type ImageKeyType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-2048' | 'rsa-3072';

export const RSA2048_MODULUS_BITS = 2048;
export const RSA3072_MODULUS_BITS = 3072;

/** A trusted public key: its DER bytes, or DER plus a name to report. */
export type TrustedKey = Uint8Array | { der: Uint8Array; name?: string };

export interface ImageKey {
  type: ImageKeyType;
  /** The MCUboot form (RSA SPKI input is unwrapped to PKCS#1). */
  der: Uint8Array;
  name?: string;
}

/** Parses a public key DER into its MCUboot form and type; IMAGE_BAD_KEY for anything else. */
export function imageKeyFromDer(der: Uint8Array, name?: string): ImageKey {
  try {
    const info = parsePublicKeyDer(der);
    let type: ImageKeyType;
    if (info.type === 'rsa') {
      if (info.bits === RSA2048_MODULUS_BITS) type = 'rsa-2048';
      else if (info.bits === RSA3072_MODULUS_BITS) type = 'rsa-3072';
      else throw new ImageError('IMAGE_BAD_KEY', `keys.fromDer: RSA-${info.bits} is not supported (2048 or 3072)`);
    } else type = info.type;
    const key: ImageKey = { type, der: toMcubootPublicKeyDer(der) };
    if (name !== undefined) key.name = name;
    return key;
  } catch (e) {
    if (e instanceof ImageError) throw e;
    if (isFotaError(e)) throw new ImageError('IMAGE_BAD_KEY', `keys.fromDer: ${e.message}`);
    throw e;
  }
}

export function imageKeyFromTrusted(k: TrustedKey): ImageKey {
  return k instanceof Uint8Array ? imageKeyFromDer(k) : imageKeyFromDer(k.der, k.name);
}

/** KEYHASH: the image's hash algorithm over the key's MCUboot DER. */
export function keyHash(crypto: Crypto, key: ImageKey, algorithm: HashAlgorithm): Uint8Array {
  return hash(crypto, algorithm, key.der);
}

/** The signature TLV type imgtool writes for a key type. */
export function signatureTlvType(type: ImageKeyType): number {
  switch (type) {
    case 'ed25519':
      return IMAGE_TLV_ED25519;
    case 'ecdsa-p256':
    case 'ecdsa-p384':
      return IMAGE_TLV_ECDSA_SIG;
    case 'rsa-2048':
      return IMAGE_TLV_RSA2048_PSS;
    case 'rsa-3072':
      return IMAGE_TLV_RSA3072_PSS;
  }
}

/** The crypto HAL algorithm that checks a key type's signatures. */
export function signatureAlgorithm(type: ImageKeyType): SignatureAlgorithm {
  return type === 'rsa-2048' || type === 'rsa-3072' ? 'rsa-pss' : type;
}

/** True when two public keys are the same key (compared in MCUboot form). */
export function sameKey(a: ImageKey, b: ImageKey): boolean {
  return bytesEqual(a.der, b.der);
}

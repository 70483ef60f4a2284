/**
 * Encrypted MCUboot images: the body (bytes hdr_size .. hdr_size + img_size) is AES-CTR encrypted with
 * a random image key (counter block 0), and the image key travels in one unprotected TLV, wrapped for
 * the device: ECIES-X25519 (HKDF/HMAC SHA-256 or SHA-512), ECIES-P256 (SHA-256), RSA-OAEP (SHA-256)
 * or AES key wrap. The hash and signature cover the plaintext. ECIES TLV value = ephemeral public key
 * || HMAC(mac key, wrapped key) || AES-CTR(enc key, image key), where HKDF(shared secret, no salt,
 * info "MCUBoot_ECIES_v1") gives enc key || mac key.
 * Spec: MCUboot docs/encrypted_images.md, bootutil encrypted.c (boot_decrypt_key), imgtool image.py.
 */
import { utf8Encode } from '../../hal/bytes.ts';
import { HASH_BYTES, type EncryptionCrypto, type HashAlgorithm } from '../../hal/crypto.ts';
import {
  IMAGE_F_ENCRYPTED_AES128,
  IMAGE_F_ENCRYPTED_AES256,
  IMAGE_TLV_ENC_EC256,
  IMAGE_TLV_ENC_KW,
  IMAGE_TLV_ENC_RSA2048,
  IMAGE_TLV_ENC_X25519,
  IMAGE_TLV_ENC_X25519_SHA512,
} from './constants.ts';
import { ImageError } from './errors.ts';
import { parseImage } from './image.ts';

/** HKDF info string of MCUboot's ECIES. */
export const ECIES_HKDF_INFO = 'MCUBoot_ECIES_v1';
/** AES block size: imgtool pads header + body to a multiple of it before encrypting. */
export const ENC_BLOCK_BYTES = 16;
export const ENC_AES128_KEY_BYTES = 16;
export const ENC_AES256_KEY_BYTES = 32;
export const X25519_PUBLIC_KEY_BYTES = 32;
/** P-256 public key in the TLV: uncompressed point (0x04 || x || y). */
export const EC256_PUBLIC_KEY_BYTES = 65;
export const RSA2048_OAEP_BYTES = 256;
/** RFC 3394 adds one 8-byte block. */
export const AES_KW_OVERHEAD_BYTES = 8;

/** The public key an image is encrypted for (what `imgtool sign -E` is given). */
export type ImageEncryptionKey =
  | { kind: 'x25519'; publicKey: Uint8Array }
  | { kind: 'ec256'; publicKey: Uint8Array }
  /** RSA-2048 public key, PKCS#1 DER. */
  | { kind: 'rsa'; publicKeyDer: Uint8Array }
  /** A key-encryption key shared with the bootloader (MCUBOOT_ENCRYPT_KW). */
  | { kind: 'kw'; kek: Uint8Array };

/** The device's key that opens the TLV (what MCUboot is built with). */
export type ImageDecryptionKey =
  | { kind: 'x25519'; privateKey: Uint8Array }
  | { kind: 'ec256'; privateKey: Uint8Array }
  /** RSA-OAEP (SHA-256) decryption with the device's private key; the key stays with the caller. */
  | { kind: 'rsa'; decrypt(ciphertext: Uint8Array): Uint8Array }
  | { kind: 'kw'; kek: Uint8Array };

export interface WrapOptions {
  /** HMAC/HKDF hash of ECIES-X25519 (imgtool --hmac-sha); ECIES-P256 is SHA-256 only. */
  hmac?: 'sha256' | 'sha512';
}

function encError(message: string, details: Record<string, unknown> = {}): ImageError {
  return new ImageError('IMAGE_BAD_ENC_KEY', message, details);
}

/** The header flag for an image key length. */
export function encryptedFlag(keyBytes: number): number {
  if (keyBytes === ENC_AES128_KEY_BYTES) return IMAGE_F_ENCRYPTED_AES128;
  if (keyBytes === ENC_AES256_KEY_BYTES) return IMAGE_F_ENCRYPTED_AES256;
  throw new ImageError('IMAGE_BAD_OPTIONS', `encryption: an image key is 16 or 32 bytes, not ${keyBytes}`);
}

/** The image key length the header flags announce; undefined for an image that is not encrypted. */
export function encryptedKeyBytes(flags: number): number | undefined {
  if (flags & IMAGE_F_ENCRYPTED_AES256) return ENC_AES256_KEY_BYTES;
  if (flags & IMAGE_F_ENCRYPTED_AES128) return ENC_AES128_KEY_BYTES;
  return undefined;
}

function eciesKeys(enc: EncryptionCrypto, alg: HashAlgorithm, shared: Uint8Array, keyBytes: number): { encKey: Uint8Array; macKey: Uint8Array } {
  const okm = enc.hkdf(alg, shared, undefined, utf8Encode(ECIES_HKDF_INFO), keyBytes + HASH_BYTES[alg]);
  return { encKey: okm.subarray(0, keyBytes), macKey: okm.subarray(keyBytes) };
}

/** Wraps `imageKey` for `key`: the TLV type and value `imgtool sign -E` writes. */
export function wrapImageKey(enc: EncryptionCrypto, key: ImageEncryptionKey, imageKey: Uint8Array, options: WrapOptions = {}): { type: number; value: Uint8Array } {
  encryptedFlag(imageKey.length);
  const hmacAlg = options.hmac ?? 'sha256';
  if (hmacAlg === 'sha512' && key.kind !== 'x25519') throw new ImageError('IMAGE_BAD_OPTIONS', 'encryption: only ECIES-X25519 supports HMAC-SHA512');
  switch (key.kind) {
    case 'rsa':
      return { type: IMAGE_TLV_ENC_RSA2048, value: enc.rsaOaepEncrypt(key.publicKeyDer, imageKey) };
    case 'kw':
      return { type: IMAGE_TLV_ENC_KW, value: enc.aesKeyWrap(key.kek, imageKey) };
    case 'x25519':
    case 'ec256': {
      const curve = key.kind === 'x25519' ? 'x25519' : 'p256';
      const eph = enc.generateKeyPair(curve);
      const shared = enc.ecdh(curve, eph.privateKey, key.publicKey);
      const { encKey, macKey } = eciesKeys(enc, hmacAlg, shared, imageKey.length);
      const cipherKey = enc.aesCtr(encKey, new Uint8Array(ENC_BLOCK_BYTES), imageKey);
      const mac = enc.hmac(hmacAlg, macKey, cipherKey);
      const value = new Uint8Array(eph.publicKey.length + mac.length + cipherKey.length);
      value.set(eph.publicKey, 0);
      value.set(mac, eph.publicKey.length);
      value.set(cipherKey, eph.publicKey.length + mac.length);
      const type = key.kind === 'ec256' ? IMAGE_TLV_ENC_EC256 : hmacAlg === 'sha512' ? IMAGE_TLV_ENC_X25519_SHA512 : IMAGE_TLV_ENC_X25519;
      return { type, value };
    }
  }
}

/** The key TLV types a decryption key can open, with the ECIES hash each implies. */
function tlvTypesFor(key: ImageDecryptionKey): ReadonlyArray<number> {
  switch (key.kind) {
    case 'x25519':
      return [IMAGE_TLV_ENC_X25519, IMAGE_TLV_ENC_X25519_SHA512];
    case 'ec256':
      return [IMAGE_TLV_ENC_EC256];
    case 'rsa':
      return [IMAGE_TLV_ENC_RSA2048];
    case 'kw':
      return [IMAGE_TLV_ENC_KW];
  }
}

/** Constant-time comparison of two MACs of the same length. */
function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Opens a key TLV as bootutil's boot_decrypt_key does; IMAGE_BAD_ENC_KEY when it cannot. */
export function unwrapImageKey(enc: EncryptionCrypto, key: ImageDecryptionKey, tlv: { type: number; value: Uint8Array }, keyBytes: number): Uint8Array {
  const op = 'encryption.unwrap';
  const v = tlv.value;
  switch (tlv.type) {
    case IMAGE_TLV_ENC_RSA2048: {
      if (key.kind !== 'rsa') break;
      if (v.length !== RSA2048_OAEP_BYTES) throw encError(`${op}: ENCRSA2048 is ${v.length} bytes, not ${RSA2048_OAEP_BYTES}`);
      let out: Uint8Array;
      try {
        out = key.decrypt(v);
      } catch (e) {
        throw encError(`${op}: RSA-OAEP decryption failed (${(e as Error).message})`);
      }
      if (out.length !== keyBytes) throw encError(`${op}: the RSA-wrapped key is ${out.length} bytes, the header says ${keyBytes}`);
      return out;
    }
    case IMAGE_TLV_ENC_KW: {
      if (key.kind !== 'kw') break;
      if (v.length !== keyBytes + AES_KW_OVERHEAD_BYTES) throw encError(`${op}: ENCKW is ${v.length} bytes, not ${keyBytes + AES_KW_OVERHEAD_BYTES}`);
      const out = enc.aesKeyUnwrap(key.kek, v);
      if (!out) throw encError(`${op}: AES key unwrap integrity check failed (wrong key-encryption key)`);
      return out;
    }
    case IMAGE_TLV_ENC_X25519:
    case IMAGE_TLV_ENC_X25519_SHA512:
    case IMAGE_TLV_ENC_EC256: {
      const curve = tlv.type === IMAGE_TLV_ENC_EC256 ? 'p256' : 'x25519';
      if ((curve === 'p256') !== (key.kind === 'ec256') || (key.kind !== 'x25519' && key.kind !== 'ec256')) break;
      const alg: HashAlgorithm = tlv.type === IMAGE_TLV_ENC_X25519_SHA512 ? 'sha512' : 'sha256';
      const pubBytes = curve === 'p256' ? EC256_PUBLIC_KEY_BYTES : X25519_PUBLIC_KEY_BYTES;
      const macBytes = HASH_BYTES[alg];
      if (v.length !== pubBytes + macBytes + keyBytes) throw encError(`${op}: key TLV is ${v.length} bytes, not ${pubBytes + macBytes + keyBytes}`, { type: tlv.type });
      const ephemeral = v.subarray(0, pubBytes);
      const mac = v.subarray(pubBytes, pubBytes + macBytes);
      const cipherKey = v.subarray(pubBytes + macBytes);
      let shared: Uint8Array;
      try {
        shared = enc.ecdh(curve, key.privateKey, ephemeral);
      } catch (e) {
        throw encError(`${op}: ${curve} key agreement failed (${(e as Error).message})`);
      }
      const { encKey, macKey } = eciesKeys(enc, alg, shared, keyBytes);
      if (!macEqual(enc.hmac(alg, macKey, cipherKey), mac)) throw encError(`${op}: HMAC of the wrapped key does not match (wrong private key)`);
      return enc.aesCtr(encKey, new Uint8Array(ENC_BLOCK_BYTES), cipherKey);
    }
  }
  throw encError(`${op}: a ${key.kind} key cannot open TLV 0x${tlv.type.toString(16)}`, { type: tlv.type });
}

/** AES-CTR over the body with counter block 0 (the same call encrypts and decrypts). */
export function cryptBody(enc: EncryptionCrypto, imageKey: Uint8Array, body: Uint8Array): Uint8Array {
  return enc.aesCtr(imageKey, new Uint8Array(ENC_BLOCK_BYTES), body);
}

/**
 * The plaintext of an encrypted image, as MCUboot sees it after decrypting the secondary slot: the
 * same bytes with the body decrypted (header flags and TLVs unchanged). IMAGE_BAD_ENC_KEY when the
 * image carries no key TLV this key opens; an image without an ENCRYPTED flag is returned as is.
 */
export function decryptImage(enc: EncryptionCrypto, bytes: Uint8Array, key: ImageDecryptionKey): Uint8Array {
  const img = parseImage(bytes);
  const keyBytes = encryptedKeyBytes(img.header.flags);
  if (keyBytes === undefined) return bytes;
  const types = tlvTypesFor(key);
  const tlv = img.unprotectedArea.entries.find((t) => types.includes(t.type));
  if (!tlv) throw encError(`encryption.decrypt: no key TLV a ${key.kind} key can open`);
  const imageKey = unwrapImageKey(enc, key, tlv, keyBytes);
  const out = Uint8Array.from(bytes);
  const start = img.header.hdrSize;
  const end = start + img.header.imgSize;
  out.set(cryptBody(enc, imageKey, bytes.subarray(start, end)), start);
  return out;
}

/** The key TLV of an image, if any (for `--save-enctlv` sizing and tools). */
export function findKeyTlv(bytes: Uint8Array): { type: number; value: Uint8Array } | undefined {
  const img = parseImage(bytes);
  return img.unprotectedArea.entries.find((t) => t.type >= IMAGE_TLV_ENC_RSA2048 && t.type <= IMAGE_TLV_ENC_X25519_SHA512);
}

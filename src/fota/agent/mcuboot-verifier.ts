/**
 * The agent's verifier port on the MCUboot streaming verifier: hash and a signature by one of the
 * trusted keys (hash-only only when no key is configured and that is explicitly allowed), checked while
 * the image streams, with the header available after 32 bytes for the early checks.
 * Encrypted images (ENCRYPTED_AES* flag) with `decryption` set: the key TLV comes after the body, so the
 * image is kept (up to MCUBOOT_VERIFIER_ENC_MAX_BYTES) and checked at the end, decrypted with the device
 * key as MCUboot will: hash and signature over the plaintext. Without `decryption` an encrypted image
 * fails its hash (IMAGE_BAD_HASH), as it would on a bootloader built without the key.
 */
import { toHex } from '../../hal/bytes.ts';
import type { Crypto } from '../../hal/crypto.ts';
import { FotaError } from '../../hal/errors.ts';
import type { TrustedKey } from '../mcuboot/keys.ts';
import { createStreamVerifier } from '../mcuboot/stream-verifier.ts';
import { concatBytes, readU32LE } from '../../hal/bytes.ts';
import type { EncryptionCrypto } from '../../hal/crypto.ts';
import { IH_FLAGS_OFFSET, IMAGE_HEADER_SIZE } from '../mcuboot/constants.ts';
import { decryptImage, encryptedKeyBytes, type ImageDecryptionKey } from '../mcuboot/encryption.ts';
import { ImageError } from '../mcuboot/errors.ts';
import { formatVersion } from '../mcuboot/version.ts';
import type { CreateVerifier, ImageVerdict } from './ports.ts';

export interface McubootVerifierOptions {
  crypto: Crypto;
  trustedKeys: readonly TrustedKey[];
  /** Accept unsigned (hash-only) images; only meaningful without trusted keys. */
  allowUnsigned?: boolean;
  /** The device key that opens encrypted images (MCUBOOT_ENC_IMAGES). */
  decryption?: { crypto: EncryptionCrypto; key: ImageDecryptionKey };
}

/** Largest encrypted image the verifier keeps to check after decryption, in bytes. */
export const MCUBOOT_VERIFIER_ENC_MAX_BYTES = 4 * 1024 * 1024;

export function mcubootVerifier(o: McubootVerifierOptions): CreateVerifier {
  if (o.trustedKeys.length === 0 && !o.allowUnsigned) {
    throw new FotaError('AGENT_NO_TRUSTED_KEYS', 'mcubootVerifier: no trusted keys; pass allowUnsigned to accept hash-only images');
  }
  const make = () =>
    createStreamVerifier({
      crypto: o.crypto,
      ...(o.trustedKeys.length > 0 ? { trustedKeys: [...o.trustedKeys] } : { allowUnsigned: true }),
    });
  return () => {
    const v = make();
    // Encrypted images with a device key: kept whole, checked decrypted at the end.
    let kept: Uint8Array[] | undefined;
    let keptBytes = 0;
    let seen = 0;
    let head: Uint8Array = new Uint8Array(0);
    return {
      update: (chunk) => {
        if (o.decryption && seen < IMAGE_HEADER_SIZE) {
          head = concatBytes(head, chunk.subarray(0, IMAGE_HEADER_SIZE - seen));
          if (head.length === IMAGE_HEADER_SIZE && encryptedKeyBytes(readU32LE(head, IH_FLAGS_OFFSET)) !== undefined) kept = [];
        }
        seen += chunk.length;
        if (kept) {
          keptBytes += chunk.length;
          if (keptBytes > MCUBOOT_VERIFIER_ENC_MAX_BYTES) {
            throw new ImageError('IMAGE_TOO_LARGE', `verifier: an encrypted image over ${MCUBOOT_VERIFIER_ENC_MAX_BYTES} bytes cannot be kept for decryption`);
          }
          kept.push(Uint8Array.from(chunk));
        }
        v.update(chunk);
      },
      header: () => (v.header ? { version: formatVersion(v.header.version) } : undefined),
      async finish(): Promise<ImageVerdict> {
        let r = await v.finish();
        if (kept && o.decryption) {
          let bytes: Uint8Array;
          try {
            bytes = decryptImage(o.decryption.crypto, concatBytes(...kept), o.decryption.key);
          } catch (e) {
            if (!(e instanceof ImageError)) throw e;
            return { valid: false, code: e.code, message: e.message, version: r.versionText, signed: false };
          }
          const plain = make();
          plain.update(bytes);
          r = await plain.finish();
        }
        return {
          valid: r.valid,
          ...(r.code ? { code: r.code } : {}),
          ...(r.message ? { message: r.message } : {}),
          version: r.versionText,
          ...(r.securityCounter !== undefined ? { securityCounter: r.securityCounter } : {}),
          ...(r.hash ? { hashHex: toHex(r.hash) } : {}),
          signed: r.signed,
        };
      },
    };
  };
}

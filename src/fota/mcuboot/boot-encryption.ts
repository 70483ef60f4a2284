/**
 * Encrypted images in the bootloader model (MCUboot MCUBOOT_ENC_IMAGES): the secondary slot holds the
 * image with its body AES-CTR encrypted; MCUboot validates it by decrypting on the fly, decrypts while
 * copying it into the primary, and encrypts the primary image again while moving it to the secondary
 * (so a revert, which swaps back, decrypts it again). The image keys of both slots go into the primary's
 * trailer when a swap starts, so a reset in the middle resumes with them; the headers that bound each
 * body are read where the swap's progress says they are. The primary slot is never decrypted.
 * Spec: MCUboot docs/encrypted_images.md, bootutil loader.c boot_copy_region, encrypted.c.
 */
import type { EncryptionCrypto } from '../../hal/crypto.ts';
import { flashAreaView, type FlashArea } from '../../hal/flash.ts';
import { IMAGE_HEADER_SIZE, IMAGE_TLV_ENC_RSA2048, IMAGE_TLV_ENC_X25519_SHA512, IMAGE_TLV_INFO_SIZE } from './constants.ts';
import { ENC_BLOCK_BYTES, encryptedKeyBytes, unwrapImageKey, type ImageDecryptionKey } from './encryption.ts';
import { ImageError } from './errors.ts';
import { hashedRegionLength, parseHeader, type ImageHeader } from './header.ts';
import { parseTlvArea, parseTlvInfo } from './tlv.ts';

/** What the bootloader is built with to open encrypted images. */
export interface BootEncryptionOptions {
  crypto: EncryptionCrypto;
  /** The device's private key (or KEK) that opens the key TLVs. */
  key: ImageDecryptionKey;
  /** AES key size of the build: 16 (AES-128, default) or 32 (MCUBOOT_AES_256). */
  keyBytes?: 16 | 32;
}

/** The body bounds and key of one slot's image during a swap. */
export interface SlotCipher {
  key: Uint8Array;
  hdrSize: number;
  imgSize: number;
}

/** Mutable per-swap state the sector copies consult: [primary image, secondary image]. */
export interface BootSlotsEncryption {
  crypto: EncryptionCrypto;
  slot: [SlotCipher | undefined, SlotCipher | undefined];
}

const BYTES_PER_U32 = 0x1_0000_0000;

/** AES-CTR at a byte offset into the body (counter block = offset / 16, big-endian; zero nonce). */
export function ctrAt(crypto: EncryptionCrypto, key: Uint8Array, bodyOffset: number, data: Uint8Array): Uint8Array {
  const block = Math.floor(bodyOffset / ENC_BLOCK_BYTES);
  const skip = bodyOffset % ENC_BLOCK_BYTES;
  const counter = new Uint8Array(ENC_BLOCK_BYTES);
  const view = new DataView(counter.buffer);
  view.setUint32(8, Math.floor(block / BYTES_PER_U32));
  view.setUint32(12, block % BYTES_PER_U32);
  const buf = new Uint8Array(skip + data.length);
  buf.set(data, skip);
  return crypto.aesCtr(key, counter, buf).subarray(skip);
}

/** Applies the cipher to the part of `chunk` (at image offset `imageOff`) inside the body. */
export function cryptChunk(crypto: EncryptionCrypto, c: SlotCipher, imageOff: number, chunk: Uint8Array): Uint8Array {
  const start = Math.max(imageOff, c.hdrSize);
  const end = Math.min(imageOff + chunk.length, c.hdrSize + c.imgSize);
  if (start >= end) return chunk;
  const out = Uint8Array.from(chunk);
  out.set(ctrAt(crypto, c.key, start - c.hdrSize, chunk.subarray(start - imageOff, end - imageOff)), start - imageOff);
  return out;
}

/** The image header at `offset` of an area, or undefined when it is not an image. */
export async function readImageHeader(area: FlashArea, offset = 0): Promise<ImageHeader | undefined> {
  try {
    return parseHeader(await area.read(offset, IMAGE_HEADER_SIZE));
  } catch (e) {
    if (e instanceof ImageError) return undefined;
    throw e;
  }
}

/**
 * The cipher of the image in `area` (its key TLV opened with the device key), or undefined when the
 * image is not encrypted. IMAGE_BAD_ENC_KEY when it is encrypted and cannot be opened (wrong key, a
 * key size the build does not have).
 */
export async function loadSlotCipher(o: BootEncryptionOptions, area: FlashArea): Promise<SlotCipher | undefined> {
  const h = await readImageHeader(area);
  if (!h) return undefined;
  const keyBytes = encryptedKeyBytes(h.flags);
  if (keyBytes === undefined) return undefined;
  if (keyBytes !== (o.keyBytes ?? 16)) {
    throw new ImageError('IMAGE_BAD_ENC_KEY', `boot.enc: the image is AES-${keyBytes * 8}, the bootloader AES-${(o.keyBytes ?? 16) * 8}`);
  }
  const at = hashedRegionLength(h);
  if (at + IMAGE_TLV_INFO_SIZE > area.size) throw new ImageError('IMAGE_TRUNCATED', 'boot.enc: the TLV area runs past the slot');
  const info = parseTlvInfo(await area.read(at, IMAGE_TLV_INFO_SIZE), 'unprotected', at);
  if (at + info.tlvTot > area.size) throw new ImageError('IMAGE_TRUNCATED', 'boot.enc: the TLV area runs past the slot');
  const tlvs = parseTlvArea(await area.read(at, info.tlvTot), 'unprotected', at);
  const errors: ImageError[] = [];
  for (const t of tlvs.entries) {
    if (t.type < IMAGE_TLV_ENC_RSA2048 || t.type > IMAGE_TLV_ENC_X25519_SHA512) continue;
    try {
      return { key: unwrapImageKey(o.crypto, o.key, t, keyBytes), hdrSize: h.hdrSize, imgSize: h.imgSize };
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      errors.push(e);
    }
  }
  throw errors[0] ?? new ImageError('IMAGE_BAD_ENC_KEY', 'boot.enc: an encrypted image without a key TLV');
}

/** A view of `area` whose reads come back decrypted with `c` (for validating the secondary in place). */
export function decryptingArea(crypto: EncryptionCrypto, area: FlashArea, c: SlotCipher): FlashArea {
  return flashAreaView(area, { read: async (off, len) => cryptChunk(crypto, c, off, await area.read(off, len)) });
}

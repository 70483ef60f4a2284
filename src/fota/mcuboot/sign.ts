/**
 * Image signing as imgtool does it (`imgtool sign`): header, optional header padding, protected TLVs
 * (SEC_CNT, DEPENDENCY), hash over header + body + protected TLVs, unprotected TLVs (hash,
 * [SIG_PURE], KEYHASH or PUBKEY, signature), and optional slot padding with the trailer magic (and
 * image_ok for --confirm). Byte-identical to imgtool 2.4.0 for ed25519; ECDSA and RSA signatures are
 * randomised, so only their signature TLV differs. Keys stay behind a Signer (node:crypto in the CLI).
 * Spec: mcuboot.md "Header", "TLV areas", "Hash and signatures", "Image trailer" (imgtool --pad).
 */
import { concatBytes } from '../../hal/bytes.ts';
import { hash, type Crypto, type HashAlgorithm } from '../../hal/crypto.ts';
import {
  IMAGE_DEFAULT_ERASED_VAL,
  IMAGE_F_RAM_LOAD,
  IMAGE_HEADER_SIZE,
  IMAGE_TLV_DEPENDENCY,
  IMAGE_TLV_KEYHASH,
  IMAGE_TLV_PUBKEY,
  IMAGE_TLV_SEC_CNT,
  IMAGE_SIG_PURE_VALUE,
  IMAGE_TLV_CUSTOM_MAX,
  IMAGE_TLV_CUSTOM_MIN,
  IMAGE_TLV_SIG_PURE,
  IMAGE_U16_MAX,
  IMAGE_U32_MAX,
  IMGTOOL_DEFAULT_MAX_ALIGN,
  IMGTOOL_DEFAULT_MAX_SECTORS,
} from './constants.ts';
import { ImageError } from './errors.ts';
import { encodeHeader } from './header.ts';
import { BOOT_FLAG_SET_VALUE, BOOT_MAGIC_SZ, bootMagic } from './trailer.ts';
import { signatureTlvType, type ImageKeyType } from './keys.ts';
import { encodeDependency, encodeSecurityCounter, type ImageDependency } from './protected.ts';
import { encodeTlvArea } from './tlv.ts';
import { HASH_ALGORITHM_TLVS } from './verdict.ts';
import { parseVersion, securityCounterFromVersion, type ImageVersion } from './version.ts';

/** Flash write sizes imgtool accepts for --align. */
export const IMGTOOL_ALIGN_VALUES: ReadonlyArray<number> = [1, 2, 4, 8, 16, 32];
/** BOOT_MAX_ALIGN values imgtool accepts for --max-align. */
export const IMGTOOL_MAX_ALIGN_VALUES: ReadonlyArray<number> = [8, 16, 32];
/** Trailer swap-status states per sector in imgtool's size check (swap-move/scratch). */
const IMGTOOL_STATUS_STATE_COUNT = 3;
/** Trailer fields sized max_align: image_ok, copy_done, swap_info, swap_size. */
const TRAILER_ALIGNED_FIELD_COUNT = 4;

/** Makes the signature; the private key never enters the portable core. */
export interface Signer {
  keyType: ImageKeyType;
  /** The MCUboot form of the public key (SPKI for ed25519/ECDSA, PKCS#1 for RSA). */
  publicKeyDer: Uint8Array;
  /**
   * Signs as MCUboot expects: ed25519 signs `data` as given (the image digest, or the whole hashed
   * region in pure mode); ECDSA and RSA-PSS get the hashed region and hash it with `hash` themselves.
   */
  sign(data: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array> | Uint8Array;
}

export interface SignOptions {
  crypto: Crypto;
  /** Absent: an unsigned, hash-only image. */
  signer?: Signer;
  /** -H: header size (>= 32). */
  headerSize: number;
  /** --pad-header: prepend the header room (filled with erasedVal); else the input must start with headerSize zeros. */
  padHeader?: boolean;
  /** -S: slot size (checked, and padded to with --pad). */
  slotSize?: number;
  /** -v (default 0.0.0+0). */
  version?: ImageVersion | string;
  /** -s: SEC_CNT TLV value, or 'auto' from the version. */
  securityCounter?: number | 'auto';
  /** -d: DEPENDENCY TLVs. */
  dependencies?: ReadonlyArray<ImageDependency>;
  /** --align: flash write size (1, 2, 4, 8, 16, 32; default 1). */
  align?: number;
  /** --max-align: BOOT_MAX_ALIGN (default max(8, align)). */
  maxAlign?: number;
  /** --pad: pad to the slot size and write the trailer magic. */
  pad?: boolean;
  /** --confirm: like --pad, plus image_ok = 0x01. */
  confirm?: boolean;
  /** -R: erased value (0xff default, or 0). */
  erasedVal?: number;
  /** --public-key-format: KEYHASH (hash, default) or PUBKEY (full). */
  publicKeyFormat?: 'hash' | 'full';
  /** --pure: ed25519 over the whole hashed region (SHA-512 hash TLV, SIG_PURE). */
  pure?: boolean;
  /** --sha (default sha256; sha384 for P-384; sha512 for pure). */
  hashAlgorithm?: HashAlgorithm;
  /** -L load address (sets RAM_LOAD). */
  loadAddr?: number;
  /** Extra ih_flags bits. */
  flags?: number;
  /** --max-sectors for the slot-size check (default 128). */
  maxSectors?: number;
  /** Custom protected TLVs (types 0x00a0..0xfffe), written after the standard ones. */
  customTlvs?: ReadonlyArray<{ type: number; value: Uint8Array }>;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function optionError(message: string): ImageError {
  return new ImageError('IMAGE_BAD_OPTIONS', `sign: ${message}`);
}

/** imgtool's hash choice for a key type and --sha (it refuses the combinations MCUboot cannot check). */
export function chooseHashAlgorithm(keyType: ImageKeyType | undefined, requested: HashAlgorithm | undefined, pure: boolean): HashAlgorithm {
  if (pure) {
    if (keyType !== 'ed25519') throw optionError('--pure needs an ed25519 key');
    if (requested && requested !== 'sha512') throw optionError('--pure uses SHA-512');
    return 'sha512';
  }
  const allowed: Record<ImageKeyType, HashAlgorithm[]> = {
    ed25519: ['sha256', 'sha512'],
    'ecdsa-p256': ['sha256'],
    'ecdsa-p384': ['sha384'],
    'rsa-2048': ['sha256'],
    'rsa-3072': ['sha256'],
  };
  if (!keyType) return requested ?? 'sha256';
  const ok = allowed[keyType];
  if (requested && !ok.includes(requested)) throw optionError(`${requested} cannot be used with a ${keyType} key (${ok.join(', ')})`);
  return requested ?? ok[0]!;
}

/** imgtool's trailer size for the slot-size check (swap with status, no encryption). */
export function imgtoolTrailerBytes(align: number, maxAlign: number, maxSectors = IMGTOOL_DEFAULT_MAX_SECTORS): number {
  return maxSectors * IMGTOOL_STATUS_STATE_COUNT * align + TRAILER_ALIGNED_FIELD_COUNT * maxAlign + alignUp(BOOT_MAGIC_SZ, maxAlign);
}

/** Builds a signed (or hash-only) image from the raw payload, as `imgtool sign` does. */
export async function signImage(payload: Uint8Array, options: SignOptions): Promise<Uint8Array> {
  const { crypto, signer } = options;
  const erasedVal = options.erasedVal ?? IMAGE_DEFAULT_ERASED_VAL;
  if (erasedVal !== 0 && erasedVal !== 0xff) throw optionError(`erased value ${erasedVal} is neither 0 nor 0xff`);
  const hdrSize = options.headerSize;
  if (!Number.isInteger(hdrSize) || hdrSize < IMAGE_HEADER_SIZE || hdrSize > IMAGE_U16_MAX) {
    throw optionError(`header size ${hdrSize} is outside ${IMAGE_HEADER_SIZE}..${IMAGE_U16_MAX}`);
  }
  const align = options.align ?? 1;
  if (!IMGTOOL_ALIGN_VALUES.includes(align)) throw optionError(`align ${align} is not one of ${IMGTOOL_ALIGN_VALUES.join(', ')}`);
  const maxAlign = options.maxAlign ?? Math.max(IMGTOOL_DEFAULT_MAX_ALIGN, align);
  if (!IMGTOOL_MAX_ALIGN_VALUES.includes(maxAlign) || maxAlign < align) throw optionError(`max align ${maxAlign} is not a valid BOOT_MAX_ALIGN for align ${align}`);
  const version = typeof options.version === 'string' ? parseVersion(options.version) : (options.version ?? { major: 0, minor: 0, revision: 0, build: 0 });
  const pure = options.pure === true;
  const hashAlgorithm = chooseHashAlgorithm(signer?.keyType, options.hashAlgorithm, pure);

  // Header room and body.
  let body: Uint8Array;
  if (options.padHeader) {
    body = new Uint8Array(hdrSize + payload.length).fill(erasedVal);
    body.set(payload, hdrSize);
  } else {
    if (payload.length < hdrSize || payload.subarray(0, hdrSize).some((b) => b !== 0)) {
      throw optionError(`the input does not start with ${hdrSize} zero bytes (use --pad-header)`);
    }
    body = Uint8Array.from(payload);
  }
  const imgSize = body.length - hdrSize;
  if (imgSize > IMAGE_U32_MAX) throw optionError('the payload is larger than 4 GiB');

  // Protected TLVs, in imgtool's order: SEC_CNT, DEPENDENCY*, custom.
  const prot: Array<{ type: number; value: Uint8Array }> = [];
  if (options.securityCounter !== undefined) {
    const n = options.securityCounter === 'auto' ? securityCounterFromVersion(version) : options.securityCounter;
    prot.push({ type: IMAGE_TLV_SEC_CNT, value: encodeSecurityCounter(n) });
  }
  for (const d of options.dependencies ?? []) prot.push({ type: IMAGE_TLV_DEPENDENCY, value: encodeDependency(d) });
  for (const t of options.customTlvs ?? []) {
    if (!Number.isInteger(t.type) || t.type < IMAGE_TLV_CUSTOM_MIN || t.type > IMAGE_TLV_CUSTOM_MAX) {
      throw optionError(`custom TLV type 0x${t.type.toString(16)} is outside 0x${IMAGE_TLV_CUSTOM_MIN.toString(16)}..0x${IMAGE_TLV_CUSTOM_MAX.toString(16)}`);
    }
    prot.push(t);
  }
  const protArea = prot.length > 0 ? encodeTlvArea('protected', prot) : new Uint8Array(0);

  const loadAddr = options.loadAddr ?? 0;
  const flags = (options.flags ?? 0) | (loadAddr !== 0 ? IMAGE_F_RAM_LOAD : 0);
  const header = encodeHeader({ loadAddr, hdrSize, protectTlvSize: protArea.length, imgSize, flags, version });
  body.set(header, 0);

  const digest = hash(crypto, hashAlgorithm, body, protArea);
  const unprot: Array<{ type: number; value: Uint8Array }> = [{ type: HASH_ALGORITHM_TLVS[hashAlgorithm], value: digest }];
  if (signer) {
    if (pure) unprot.push({ type: IMAGE_TLV_SIG_PURE, value: Uint8Array.of(IMAGE_SIG_PURE_VALUE) });
    if (options.publicKeyFormat === 'full') unprot.push({ type: IMAGE_TLV_PUBKEY, value: signer.publicKeyDer });
    else unprot.push({ type: IMAGE_TLV_KEYHASH, value: hash(crypto, hashAlgorithm, signer.publicKeyDer) });
    const signed = pure || signer.keyType !== 'ed25519' ? concatBytes(body, protArea) : digest;
    const signature = await signer.sign(signed, hashAlgorithm);
    unprot.push({ type: signatureTlvType(signer.keyType), value: signature });
  }
  const image = concatBytes(body, protArea, encodeTlvArea('unprotected', unprot));

  const pad = options.pad === true || options.confirm === true;
  if (options.slotSize !== undefined) {
    const trailer = imgtoolTrailerBytes(align, maxAlign, options.maxSectors);
    if (image.length + trailer > options.slotSize) {
      throw new ImageError('IMAGE_TOO_LARGE', `sign: image (${image.length} bytes) plus trailer (${trailer} bytes) does not fit the ${options.slotSize}-byte slot`, {
        imageBytes: image.length,
        trailerBytes: trailer,
      });
    }
  } else if (pad) throw optionError('--pad and --confirm need the slot size');
  if (!pad) return image;

  const slot = new Uint8Array(options.slotSize!).fill(erasedVal);
  slot.set(image, 0);
  const magic = bootMagic(maxAlign);
  slot.set(magic, slot.length - magic.length);
  if (options.confirm) {
    const imageOk = slot.length - alignUp(BOOT_MAGIC_SZ, maxAlign) - maxAlign;
    slot[imageOk] = BOOT_FLAG_SET_VALUE;
  }
  return slot;
}

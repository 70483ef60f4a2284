/**
 * Image signing as imgtool does it (`imgtool sign`): header, optional header padding, protected TLVs
 * (SEC_CNT, BOOT_RECORD, DEPENDENCY, UUID_VID, UUID_CID, custom), hash over header + body + protected
 * TLVs, unprotected TLVs (hash, [SIG_PURE], KEYHASH or PUBKEY, signature, [encryption key]), the body
 * AES-CTR encrypted for -E, and optional slot padding with the trailer magic (and image_ok for
 * --confirm). Byte-identical to imgtool 2.4.0 for ed25519; ECDSA and RSA signatures and encryption
 * keys are randomised, so only those TLVs (and an encrypted body) differ. Keys stay behind a Signer
 * (node:crypto in the CLI). Spec: mcuboot.md "Header", "TLV areas", "Hash and signatures",
 * "Image trailer" (imgtool --pad), imgtool image.py create()/save().
 */
import { concatBytes } from '../../hal/bytes.ts';
import { hash, HASH_BYTES, type Crypto, type EncryptionCrypto, type HashAlgorithm } from '../../hal/crypto.ts';
import { encodeBootRecord } from './boot-record.ts';
import { UUID_BYTES } from './uuid.ts';
import { cryptBody, ENC_AES128_KEY_BYTES, ENC_AES256_KEY_BYTES, ENC_BLOCK_BYTES, encryptedFlag, wrapImageKey, type ImageEncryptionKey } from './encryption.ts';
import {
  IMAGE_DEFAULT_ERASED_VAL,
  IMAGE_F_NON_BOOTABLE,
  IMAGE_F_ROM_FIXED,
  IMAGE_TLV_BOOT_RECORD,
  IMAGE_TLV_NAMES,
  IMAGE_TLV_UUID_CID,
  IMAGE_TLV_UUID_VID,
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
  /** --test: like --pad (image_ok left erased: a test swap). */
  test?: boolean;
  /** --overwrite-only: the smaller overwrite-only trailer in the size check, and no image_ok for --confirm. */
  overwriteOnly?: boolean;
  /** -F: the flash address the image is built for (ih_load_addr, ROM_FIXED flag). */
  romFixed?: number;
  /** --non-bootable: NON_BOOTABLE flag. */
  nonBootable?: boolean;
  /** --vid / --cid: UUID_VID / UUID_CID values (16 bytes, see uuid.ts). */
  vid?: Uint8Array;
  cid?: Uint8Array;
  /** --boot-record: BOOT_RECORD TLV with this sw_type. */
  bootRecord?: string;
  /** --pad-sig: pad ECDSA signatures with zeros to a fixed length (72 for P-256, 103 for P-384). */
  padSig?: boolean;
  /** -E: encrypt for this key (with --encrypt-keylen, --hmac-sha, -c). */
  encryption?: SignEncryption;
  /** --save-enctlv: the trailer keeps the key TLVs (size check only). */
  saveEncTlv?: boolean;
  /** --vector-to-sign: stop before signing and return the signed payload or its digest. */
  vectorToSign?: 'payload' | 'digest';
}

export interface SignEncryption {
  crypto: EncryptionCrypto;
  key: ImageEncryptionKey;
  /** --encrypt-keylen: 128 (default) or 256. */
  keyBits?: 128 | 256;
  /** --hmac-sha for ECIES-X25519 (default sha256). */
  hmac?: 'sha256' | 'sha512';
  /** -c/--clear: keep the body in clear (flag and key TLV still written). */
  clear?: boolean;
  /** The image key (tests); random when absent. */
  imageKey?: Uint8Array;
}

/** What a signing run produced (for .bin, .hex, --sig-out). */
export interface SignedImage {
  /** What imgtool writes to a binary output: the image, padded to the slot for --pad/--confirm/--test. */
  bytes: Uint8Array;
  /** Header to the end of the TLVs (no slot padding). */
  image: Uint8Array;
  /** Trailer fields written after the image when padding, as (slot offset, bytes): what a HEX output carries. */
  trailerWrites: Array<[number, Uint8Array]>;
  /** The image digest (over the plaintext). */
  digest: Uint8Array;
  signature?: Uint8Array;
  /** The plaintext key of an encrypted image. */
  imageKey?: Uint8Array;
  /** --vector-to-sign output (then `bytes` is this too). */
  vector?: Uint8Array;
}

/** ECDSA signature lengths imgtool pads to with --pad-sig. */
export const IMGTOOL_PAD_SIG_BYTES: Readonly<Record<'ecdsa-p256' | 'ecdsa-p384', number>> = { 'ecdsa-p256': 72, 'ecdsa-p384': 103 };
/** Overwrite-only trailer: image_ok and copy_done fields plus the magic block. */
const OVERWRITE_ONLY_FIELD_COUNT = 2;
/** Key slots in an encrypted trailer (primary and secondary). */
const TRAILER_ENC_KEY_SLOTS = 2;

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

/**
 * imgtool's trailer size for the slot-size check: swap status, [two key slots], four fields, magic
 * block; overwrite-only has two fields and the magic block. A key slot is align_up(16, A), or the key
 * TLV's length aligned with --save-enctlv (imgtool uses 16 even for AES-256 keys; so do we).
 */
export function imgtoolTrailerBytes(
  align: number,
  maxAlign: number,
  maxSectors = IMGTOOL_DEFAULT_MAX_SECTORS,
  extra: { overwriteOnly?: boolean; encrypted?: boolean; saveEncTlvBytes?: number } = {},
): number {
  const magicBlock = alignUp(BOOT_MAGIC_SZ, maxAlign);
  if (extra.overwriteOnly) return OVERWRITE_ONLY_FIELD_COUNT * maxAlign + magicBlock;
  let t = maxSectors * IMGTOOL_STATUS_STATE_COUNT * align;
  if (extra.encrypted) t += TRAILER_ENC_KEY_SLOTS * alignUp(extra.saveEncTlvBytes ?? ENC_BLOCK_BYTES, maxAlign);
  return t + TRAILER_ALIGNED_FIELD_COUNT * maxAlign + magicBlock;
}

/** The signing and encryption key types imgtool lets go together (it refuses the rest). */
function checkKeyPairing(signer: Signer | undefined, enc: ImageEncryptionKey | undefined): void {
  if (!signer || !enc) return;
  const t = signer.keyType;
  const ok = t === 'ecdsa-p256' ? enc.kind === 'ec256' : t === 'ecdsa-p384' ? false : t === 'rsa-2048' || t === 'rsa-3072' ? enc.kind === 'rsa' : true;
  if (!ok && enc.kind !== 'kw') throw optionError(`a ${t} signing key cannot go with ${enc.kind} encryption (imgtool: same type of key)`);
}

const PREDEFINED_TLV_TYPES: ReadonlySet<number> = new Set(Object.keys(IMAGE_TLV_NAMES).map(Number));

/** Builds a signed (or hash-only) image from the raw payload, as `imgtool sign` does. */
export async function signImage(payload: Uint8Array, options: SignOptions): Promise<Uint8Array> {
  return (await createSignedImage(payload, options)).bytes;
}

/** signImage with everything the run produced (trailer writes for HEX, signature for --sig-out). */
export async function createSignedImage(payload: Uint8Array, options: SignOptions): Promise<SignedImage> {
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
  const loadAddr = options.loadAddr ?? 0;
  if (loadAddr !== 0 && options.romFixed) throw optionError('-L (load address) and -F (rom fixed) cannot be used together');
  for (const [name, v] of [['load address', loadAddr], ['rom fixed address', options.romFixed ?? 0]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > IMAGE_U32_MAX) throw optionError(`${name} ${v} is not a u32`);
  }
  const enc = options.encryption;
  checkKeyPairing(signer, enc?.key);
  const keyBytes = enc ? (enc.keyBits === 256 ? ENC_AES256_KEY_BYTES : ENC_AES128_KEY_BYTES) : 0;
  if (enc && enc.keyBits !== undefined && enc.keyBits !== 128 && enc.keyBits !== 256) throw optionError(`encrypt key length ${enc.keyBits} is not 128 or 256`);
  if (enc?.imageKey && enc.imageKey.length !== keyBytes) throw optionError(`the image key is ${enc.imageKey.length} bytes, not ${keyBytes}`);

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
  // Encrypted images: header + body padded with zeros to whole AES blocks (imgtool does, before the header).
  if (enc && body.length % ENC_BLOCK_BYTES !== 0) {
    const padded = new Uint8Array(alignUp(body.length, ENC_BLOCK_BYTES));
    padded.set(body, 0);
    body = padded;
  }
  const imgSize = body.length - hdrSize;
  if (imgSize > IMAGE_U32_MAX) throw optionError('the payload is larger than 4 GiB');

  const keyHashOfSigner = signer ? hash(crypto, hashAlgorithm, signer.publicKeyDer) : undefined;

  // Protected TLVs, in imgtool's order: SEC_CNT, BOOT_RECORD, DEPENDENCY*, UUID_VID, UUID_CID, custom.
  const prot: Array<{ type: number; value: Uint8Array }> = [];
  if (options.securityCounter !== undefined) {
    const n = options.securityCounter === 'auto' ? securityCounterFromVersion(version) : options.securityCounter;
    prot.push({ type: IMAGE_TLV_SEC_CNT, value: encodeSecurityCounter(n) });
  }
  if (options.bootRecord !== undefined) {
    // imgtool's signer id for an unsigned image: a zero SHA-256-sized value.
    prot.push({ type: IMAGE_TLV_BOOT_RECORD, value: encodeBootRecord(options.bootRecord, version, hashAlgorithm, keyHashOfSigner ?? new Uint8Array(HASH_BYTES.sha256)) });
  }
  for (const d of options.dependencies ?? []) prot.push({ type: IMAGE_TLV_DEPENDENCY, value: encodeDependency(d) });
  for (const [type, v] of [[IMAGE_TLV_UUID_VID, options.vid], [IMAGE_TLV_UUID_CID, options.cid]] as const) {
    if (v === undefined) continue;
    if (v.length !== UUID_BYTES) throw optionError(`a UUID is ${UUID_BYTES} bytes, not ${v.length}`);
    prot.push({ type, value: v });
  }
  const seenCustom = new Set<number>();
  for (const t of options.customTlvs ?? []) {
    if (!Number.isInteger(t.type) || t.type < IMAGE_TLV_CUSTOM_MIN || t.type > IMAGE_TLV_CUSTOM_MAX) {
      throw optionError(`custom TLV type 0x${t.type.toString(16)} is outside 0x${IMAGE_TLV_CUSTOM_MIN.toString(16)}..0x${IMAGE_TLV_CUSTOM_MAX.toString(16)}`);
    }
    if (PREDEFINED_TLV_TYPES.has(t.type)) throw optionError(`custom TLV 0x${t.type.toString(16)} conflicts with a predefined TLV`);
    if (seenCustom.has(t.type)) throw optionError(`custom TLV 0x${t.type.toString(16)} given twice`);
    seenCustom.add(t.type);
    prot.push(t);
  }
  const protArea = prot.length > 0 ? encodeTlvArea('protected', prot) : new Uint8Array(0);

  let flags = options.flags ?? 0;
  if (enc) flags |= encryptedFlag(keyBytes);
  if (loadAddr !== 0) flags |= IMAGE_F_RAM_LOAD;
  if (options.romFixed) flags |= IMAGE_F_ROM_FIXED;
  if (options.nonBootable) flags |= IMAGE_F_NON_BOOTABLE;
  const header = encodeHeader({ loadAddr: options.romFixed || loadAddr, hdrSize, protectTlvSize: protArea.length, imgSize, flags, version });
  body.set(header, 0);

  const digest = hash(crypto, hashAlgorithm, body, protArea);
  if (options.vectorToSign === 'payload' || options.vectorToSign === 'digest') {
    const vector = options.vectorToSign === 'payload' ? concatBytes(body, protArea) : digest;
    return { bytes: vector, image: vector, trailerWrites: [], digest, vector };
  }
  const unprot: Array<{ type: number; value: Uint8Array }> = [{ type: HASH_ALGORITHM_TLVS[hashAlgorithm], value: digest }];
  let signature: Uint8Array | undefined;
  if (signer) {
    if (pure) unprot.push({ type: IMAGE_TLV_SIG_PURE, value: Uint8Array.of(IMAGE_SIG_PURE_VALUE) });
    if (options.publicKeyFormat === 'full') unprot.push({ type: IMAGE_TLV_PUBKEY, value: signer.publicKeyDer });
    else unprot.push({ type: IMAGE_TLV_KEYHASH, value: keyHashOfSigner! });
    const signed = pure || signer.keyType !== 'ed25519' ? concatBytes(body, protArea) : digest;
    signature = await signer.sign(signed, hashAlgorithm);
    if (options.padSig && (signer.keyType === 'ecdsa-p256' || signer.keyType === 'ecdsa-p384')) {
      const want = IMGTOOL_PAD_SIG_BYTES[signer.keyType];
      if (signature.length < want) {
        const padded = new Uint8Array(want);
        padded.set(signature, 0);
        signature = padded;
      }
    }
    unprot.push({ type: signatureTlvType(signer.keyType), value: signature });
  }
  let imageKey: Uint8Array | undefined;
  let encTlvBytes = 0;
  if (enc) {
    imageKey = enc.imageKey ?? enc.crypto.randomBytes(keyBytes);
    const wrapOptions = enc.hmac ? { hmac: enc.hmac } : {};
    const keyTlv = wrapImageKey(enc.crypto, enc.key, imageKey, wrapOptions);
    encTlvBytes = keyTlv.value.length;
    unprot.push(keyTlv);
    if (!enc.clear) body.set(cryptBody(enc.crypto, imageKey, body.subarray(hdrSize)), hdrSize);
  }
  const image = concatBytes(body, protArea, encodeTlvArea('unprotected', unprot));

  const pad = options.pad === true || options.confirm === true || options.test === true;
  if (options.slotSize !== undefined) {
    const extra: { overwriteOnly?: boolean; encrypted?: boolean; saveEncTlvBytes?: number } = { encrypted: enc !== undefined };
    if (options.overwriteOnly) extra.overwriteOnly = true;
    if (options.saveEncTlv && enc) extra.saveEncTlvBytes = encTlvBytes;
    const trailer = imgtoolTrailerBytes(align, maxAlign, options.maxSectors, extra);
    if (image.length + trailer > options.slotSize) {
      throw new ImageError('IMAGE_TOO_LARGE', `sign: image (${image.length} bytes) plus trailer (${trailer} bytes) does not fit the ${options.slotSize}-byte slot`, {
        imageBytes: image.length,
        trailerBytes: trailer,
      });
    }
  } else if (pad) throw optionError('--pad, --confirm and --test need the slot size');
  const result: SignedImage = { bytes: image, image, trailerWrites: [], digest };
  if (signature) result.signature = signature;
  if (imageKey) result.imageKey = imageKey;
  if (!pad) return result;

  const slotSize = options.slotSize!;
  const magic = bootMagic(maxAlign);
  if ((options.test || options.confirm) && !options.overwriteOnly) {
    const field = new Uint8Array(maxAlign).fill(erasedVal);
    if (options.confirm) field[0] = BOOT_FLAG_SET_VALUE;
    result.trailerWrites.push([slotSize - alignUp(BOOT_MAGIC_SZ, maxAlign) - maxAlign, field]);
  }
  result.trailerWrites.push([slotSize - magic.length, magic]);
  const slot = new Uint8Array(slotSize).fill(erasedVal);
  slot.set(image, 0);
  for (const [off, b] of result.trailerWrites) slot.set(b, off);
  result.bytes = slot;
  return result;
}

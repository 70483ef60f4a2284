/**
 * MCUboot image vectors: one valid image per signature type (unsigned, ed25519 hash and pure, ed25519
 * with the full public key, ECDSA P-256/P-384, RSA-2048/3072, protected TLVs, a padded --confirm
 * image), and a bad-input corpus made from the ed25519 image (bad magic, truncations, lying sizes, TLV
 * overruns, bad hash, bad signature, unknown key...). Every expected outcome is what fotakit's own
 * verifyImage and parseImage decide; nothing is written by hand.
 * Spec: mcuboot.md "Header", "TLV areas", "Hash and signatures".
 */
import { concatBytes, readU16LE, readU32LE, toHex, utf8Encode, writeU16LE, writeU32LE } from '../hal/bytes.ts';
import { nodeCrypto as crypto } from '../hal/node/crypto.ts';
import { hash, type HashAlgorithm } from '../hal/crypto.ts';
import {
  IH_HDR_SIZE_OFFSET,
  IH_IMG_SIZE_OFFSET,
  IH_MAGIC_OFFSET,
  IH_PROTECT_TLV_SIZE_OFFSET,
  IH_FLAGS_OFFSET,
  IMAGE_F_ENCRYPTED_AES128,
  IMAGE_F_NON_BOOTABLE,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_MAX_TLV_COUNT,
  IMAGE_TLV_ED25519,
  IMAGE_TLV_ENTRY_HEADER_SIZE,
  IMAGE_TLV_INFO_MAGIC,
  IMAGE_TLV_INFO_SIZE,
  IMAGE_TLV_KEYHASH,
  IMAGE_TLV_PROT_INFO_MAGIC,
  IMAGE_TLV_PUBKEY,
  IMAGE_TLV_SEC_CNT,
  IMAGE_TLV_SHA256,
  IMAGE_TLV_SHA384,
  IMAGE_TLV_SHA512,
  IMAGE_TLV_ECDSA_SIG,
  IMAGE_TLV_RSA2048_PSS,
  IMAGE_TLV_RSA3072_PSS,
  IMAGE_TLV_SIG_PURE,
  IMAGE_TLV_DEPENDENCY,
} from '../fota/mcuboot/constants.ts';
import { IMAGE_ERROR_CODES, ImageError } from '../fota/mcuboot/errors.ts';
import { parseImage } from '../fota/mcuboot/image.ts';
import type { ImageKeyType } from '../fota/mcuboot/keys.ts';
import { signImage, type SignOptions } from '../fota/mcuboot/sign.ts';
import { BOOT_MAGIC_SZ } from '../fota/mcuboot/trailer.ts';
import { verifyImage } from '../fota/mcuboot/verify.ts';
import { createSignedImage } from '../fota/mcuboot/sign.ts';
import { decryptImage, type ImageDecryptionKey, type ImageEncryptionKey } from '../fota/mcuboot/encryption.ts';
import { portableEncryption } from '../hal/portable/crypto-enc.ts';
import type { EcdhCurve, EncryptionCrypto } from '../hal/crypto.ts';
import { CHeaderWriter, cIdent, cString } from './c-header.ts';
import { VECTORS_SCHEMA_VERSION, errorCode, type VectorCategory } from './category.ts';
import { vectorSigner } from './keys.ts';

/** Payload of every vector image: small, so the corpus stays a few tens of KiB. */
export const VECTOR_IMAGE_PAYLOAD_BYTES = 1024;
/** Header size (-H) of the vector images: Zephyr's usual 0x200 on nRF boards. */
export const VECTOR_IMAGE_HEADER_BYTES = 0x200;
/** Slot size of the padded (--confirm) vector image. */
export const VECTOR_IMAGE_SLOT_BYTES = 0x1000;
/** Version written in every vector image. */
const VECTOR_IMAGE_VERSION = '1.2.3+4';
/** Seed text of the payload (SHA-256 chain, like the imgtool reference payload). */
const PAYLOAD_SEED = 'fotakit-vectors-payload-v1';
/** Outcome name of an accepted image. */
export const IMAGE_RESULT_VALID = 'VALID';

/** Every key type with a trusted key in the vectors, in the order of the key table. */
export const VECTOR_KEY_TYPES: ReadonlyArray<ImageKeyType> = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072'];
/** Seed label of the ed25519 key nobody trusts (the unknown-key vectors). */
const UNTRUSTED_SEED_LABEL = 'ed25519-untrusted';

/** The vector payload: SHA-256(seed || u32le(i)) blocks, cut to `bytes`. */
export function vectorPayload(bytes = VECTOR_IMAGE_PAYLOAD_BYTES): Uint8Array {
  const out = new Uint8Array(bytes);
  const seed = utf8Encode(PAYLOAD_SEED);
  for (let i = 0, o = 0; o < bytes; i++, o += 32) {
    const n = new Uint8Array(4);
    writeU32LE(n, 0, i);
    out.set(hash(crypto, 'sha256', seed, n).subarray(0, Math.min(32, bytes - o)), o);
  }
  return out;
}

interface ImageCase {
  name: string;
  description: string;
  bytes: Uint8Array;
  keyType?: ImageKeyType;
  allowUnsigned: boolean;
  /** The image's hash algorithm (its hash TLV). */
  hash: HashAlgorithm;
  /** MCUboot options (mcuboot_config.h) the image needs beyond its signature type's (HW_KEY, SHA512, SIGN_PURE). */
  extraOptions?: string[];
}

/** The MCUboot signature option each key type needs (mcuboot_config.h; Kconfig BOOT_SIGNATURE_TYPE_*). */
const MCUBOOT_SIGN_OPTIONS: Readonly<Record<ImageKeyType, string>> = {
  ed25519: 'MCUBOOT_SIGN_ED25519',
  'ecdsa-p256': 'MCUBOOT_SIGN_EC256',
  'ecdsa-p384': 'MCUBOOT_SIGN_EC384 MCUBOOT_SHA384',
  'rsa-2048': 'MCUBOOT_SIGN_RSA MCUBOOT_SIGN_RSA_LEN=2048',
  'rsa-3072': 'MCUBOOT_SIGN_RSA MCUBOOT_SIGN_RSA_LEN=3072',
};

/** The MCUboot build options a vector needs: its signature type's, plus any extra; "" for an unsigned image. */
function mcubootOptions(c: ImageCase): string {
  return [c.keyType ? MCUBOOT_SIGN_OPTIONS[c.keyType] : '', ...(c.extraOptions ?? [])].filter((x) => x !== '').join(' ');
}

/**
 * Where fotakit refuses an image before bootutil would (or for another reason), per bootutil's source
 * (mcuboot 2d4bacc3: tlv.c bootutil_tlv_iter_begin, image_validate.c bootutil_img_validate); read, not run.
 */
const BOOTUTIL_NOTES: Readonly<Record<string, string>> = {
  hdr_size_small:
    'fotakit is stricter: it refuses ih_hdr_size < 32 at the header. bootutil has no lower bound; it looks for the TLV info at ih_hdr_size + ih_img_size, finds body bytes, and fails in bootutil_tlv_iter_begin (it_magic != IMAGE_TLV_INFO_MAGIC).',
  hdr_size_zero:
    'fotakit is stricter: it refuses ih_hdr_size 0 at the header. bootutil fails later, in bootutil_tlv_iter_begin (no TLV info magic at ih_hdr_size + ih_img_size).',
  protect_size_2:
    'fotakit refuses ih_protect_tlv_size 1..3 at the header. bootutil hashes first, then bootutil_tlv_iter_begin fails (unprotected magic while ih_protect_tlv_size != 0).',
  protect_size_unannounced:
    'bootutil refuses it too: bootutil_tlv_iter_begin sees IMAGE_TLV_PROT_INFO_MAGIC with ih_protect_tlv_size (0) != it_tlv_tot. fotakit names it IMAGE_PROTECTED_SIZE_MISMATCH while parsing.',
  keyhash_short:
    'fotakit is stricter: a KEYHASH must be a whole digest. bootutil_find_key compares only the TLV length (memcmp of keyhash_len bytes), so a 16-byte prefix of the right hash selects the key and bootutil accepts the image.',
  pure_body_flip:
    'With MCUBOOT_SIGN_PURE bootutil skips the hash TLV and fails on the signature; fotakit checks the SHA512 TLV first and reports the hash.',
  ecdsa_pad_sig_zeros:
    'Accepted by both: bootutil strips trailing zero bytes before mbedtls_ecdsa_read_signature; its tinycrypt/cc310 path reads the SEQUENCE and ignores what follows.',
  ecdsa_pad_sig_nonzero:
    'bootutil builds on tinycrypt/cc310 (bootutil_decode_sig) ignore bytes after the DER SEQUENCE and would accept this; the mbedTLS build refuses it, as fotakit does.',
  too_many_tlvs:
    'fotakit is stricter: it stops at IMAGE_MAX_TLV_COUNT (128) entries per area. bootutil has no count limit: it walks every entry, the hash matches, and it rejects the image only for want of a verified signature.',
};

interface Outcome {
  valid: boolean;
  code: string;
  parseCode: string;
}

async function outcomeOf(c: ImageCase): Promise<Outcome> {
  const trustedKeys = VECTOR_KEY_TYPES.map((t) => vectorSigner(t).publicKeyDer);
  let code: string;
  try {
    const v = await verifyImage(c.bytes, { crypto, trustedKeys, allowUnsigned: c.allowUnsigned });
    code = v.valid ? IMAGE_RESULT_VALID : v.code!;
  } catch (e) {
    code = errorCode(e);
  }
  let parseCode = 'OK';
  try {
    parseImage(c.bytes);
  } catch (e) {
    parseCode = errorCode(e);
  }
  return { valid: code === IMAGE_RESULT_VALID, code, parseCode };
}

function base(): Omit<SignOptions, 'signer'> {
  return { crypto, headerSize: VECTOR_IMAGE_HEADER_BYTES, padHeader: true, version: VECTOR_IMAGE_VERSION };
}

async function validCases(payload: Uint8Array): Promise<ImageCase[]> {
  const signed = async (name: string, description: string, keyType: ImageKeyType | undefined, extra: Partial<SignOptions> = {}, seedLabel?: string): Promise<ImageCase> => {
    const opts: SignOptions = { ...base(), ...extra };
    if (keyType) opts.signer = vectorSigner(keyType, seedLabel);
    const hashAlg: HashAlgorithm = extra.pure ? 'sha512' : (extra.hashAlgorithm ?? (keyType === 'ecdsa-p384' ? 'sha384' : 'sha256'));
    const c: ImageCase = { name, description, bytes: await signImage(payload, opts), allowUnsigned: keyType === undefined, hash: hashAlg };
    if (keyType) c.keyType = keyType;
    const extraOptions: string[] = [];
    if (extra.publicKeyFormat === 'full') extraOptions.push('MCUBOOT_HW_KEY');
    if (hashAlg === 'sha512') extraOptions.push('MCUBOOT_SHA512');
    if (extra.pure) extraOptions.push('MCUBOOT_SIGN_PURE');
    if (extraOptions.length > 0) c.extraOptions = extraOptions;
    return c;
  };
  return [
    await signed('unsigned', 'hash-only image (SHA256 TLV), accepted when unsigned images are allowed', undefined),
    await signed('ed25519', 'ed25519 over the SHA-256 digest, KEYHASH', 'ed25519'),
    await signed('ed25519_pubkey', 'ed25519 with the full PUBKEY TLV instead of KEYHASH', 'ed25519', { publicKeyFormat: 'full' }),
    await signed('ed25519_sha512', 'ed25519 over a SHA-512 digest (SHA512 TLV)', 'ed25519', { hashAlgorithm: 'sha512' }),
    await signed('ed25519_pure', 'ed25519 pure: signature over the whole hashed region, SIG_PURE TLV', 'ed25519', { pure: true }),
    await signed('ecdsa_p256', 'ECDSA P-256 (DER signature, RFC 6979 nonce), SHA-256', 'ecdsa-p256'),
    await signed('ecdsa_p384', 'ECDSA P-384 (DER signature, RFC 6979 nonce), SHA-384', 'ecdsa-p384'),
    await signed('rsa2048', 'RSA-2048 PSS (salt 32, fixed), SHA-256', 'rsa-2048'),
    await signed('rsa3072', 'RSA-3072 PSS (salt 32, fixed), SHA-256', 'rsa-3072'),
    await signed('ed25519_protected', 'ed25519 with protected TLVs: SEC_CNT 7 and one DEPENDENCY', 'ed25519', {
      securityCounter: 7,
      dependencies: [{ imageId: 1, version: { major: 1, minor: 0, revision: 0, build: 0 } }],
    }),
    await signed('ed25519_confirm', `ed25519 padded to a ${VECTOR_IMAGE_SLOT_BYTES}-byte slot with the trailer magic and image_ok (--confirm)`, 'ed25519', {
      slotSize: VECTOR_IMAGE_SLOT_BYTES,
      confirm: true,
    }),
  ];
}

/** A copy with `edit` applied. */
function edited(bytes: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const b = Uint8Array.from(bytes);
  edit(b);
  return b;
}

/** An unprotected TLV area built by hand (no count or length checks), for overrun/count cases. */
function rawTlvArea(magic: number, entries: ReadonlyArray<{ type: number; value: Uint8Array }>, tlvTot?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const h = new Uint8Array(IMAGE_TLV_ENTRY_HEADER_SIZE);
    writeU16LE(h, 0, e.type);
    writeU16LE(h, 2, e.value.length);
    parts.push(h, e.value);
  }
  const body = concatBytes(...parts);
  const info = new Uint8Array(IMAGE_TLV_INFO_SIZE);
  writeU16LE(info, 0, magic);
  writeU16LE(info, 2, tlvTot ?? IMAGE_TLV_INFO_SIZE + body.length);
  return concatBytes(info, body);
}

async function badCases(valid: ImageCase[]): Promise<ImageCase[]> {
  const ed = valid.find((c) => c.name === 'ed25519')!.bytes;
  const prot = valid.find((c) => c.name === 'ed25519_protected')!.bytes;
  const p = parseImage(ed);
  const h = p.header;
  const unprotStart = p.unprotectedArea.offset;
  const tlv = (type: number) => p.unprotectedArea.entries.find((t) => t.type === type)!;
  const hashTlv = tlv(IMAGE_TLV_SHA256);
  const keyTlv = tlv(IMAGE_TLV_KEYHASH);
  const sigTlv = tlv(IMAGE_TLV_ED25519);
  const bodyStart = h.hdrSize;
  const out: ImageCase[] = [];
  const add = (name: string, description: string, bytes: Uint8Array, allowUnsigned = false): void => {
    out.push({ name, description, bytes, keyType: 'ed25519', allowUnsigned, hash: 'sha256' });
  };
  const u16At = (off: number, v: number) => (b: Uint8Array) => writeU16LE(b, off, v);
  const u32At = (off: number, v: number) => (b: Uint8Array) => writeU32LE(b, off, v);
  const flip = (off: number, mask = 0x01) => (b: Uint8Array) => {
    b[off]! ^= mask;
  };

  // Header.
  add('bad_magic_flip', 'first magic byte flipped', edited(ed, flip(IH_MAGIC_OFFSET)));
  add('bad_magic_zero', 'magic all zero', edited(ed, u32At(IH_MAGIC_OFFSET, 0)));
  add('bad_magic_erased', 'magic erased (0xffffffff)', edited(ed, u32At(IH_MAGIC_OFFSET, 0xffffffff)));
  add('hdr_size_small', 'ih_hdr_size 16, below the 32-byte header', edited(ed, u16At(IH_HDR_SIZE_OFFSET, 16)));
  add('hdr_size_zero', 'ih_hdr_size 0', edited(ed, u16At(IH_HDR_SIZE_OFFSET, 0)));
  add('protect_size_2', 'ih_protect_tlv_size 2 (shorter than a TLV info header)', edited(ed, u16At(IH_PROTECT_TLV_SIZE_OFFSET, 2)));
  add('protect_size_unannounced', 'protected TLV area present, ih_protect_tlv_size 0', edited(prot, u16At(IH_PROTECT_TLV_SIZE_OFFSET, 0)));
  add('protect_size_lying', 'ih_protect_tlv_size 4 larger than the protected area', edited(prot, (b) => writeU16LE(b, IH_PROTECT_TLV_SIZE_OFFSET, readU16LE(b, IH_PROTECT_TLV_SIZE_OFFSET) + 4)));
  add('protect_bad_magic', 'protected TLV info magic 0x6907 instead of 0x6908', edited(prot, u16At(parseImage(prot).protectedArea!.offset, IMAGE_TLV_INFO_MAGIC)));
  add('protect_tlv_unprotected_type', 'SEC_CNT moved to the unprotected area (KEYHASH retyped)', edited(ed, u16At(keyTlv.offset, IMAGE_TLV_SEC_CNT)));

  // Lying sizes.
  add('img_size_plus1', 'ih_img_size one byte too large', edited(ed, u32At(IH_IMG_SIZE_OFFSET, h.imgSize + 1)));
  add('img_size_minus1', 'ih_img_size one byte too small', edited(ed, u32At(IH_IMG_SIZE_OFFSET, h.imgSize - 1)));
  add('img_size_huge', 'ih_img_size 0xffffffff', edited(ed, u32At(IH_IMG_SIZE_OFFSET, 0xffffffff)));
  add('img_size_zero', 'ih_img_size 0', edited(ed, u32At(IH_IMG_SIZE_OFFSET, 0)));

  // Truncations.
  for (const [name, len, why] of [
    ['trunc_empty', 0, 'no bytes at all'],
    ['trunc_mid_header', 16, 'cut in the middle of the header'],
    ['trunc_header_only', IMAGE_HEADER_SIZE, 'only the 32-byte header'],
    ['trunc_mid_body', bodyStart + 100, 'cut in the body'],
    ['trunc_before_tlv_info', unprotStart, 'cut right before the TLV info'],
    ['trunc_mid_tlv_info', unprotStart + 2, 'cut in the TLV info'],
    ['trunc_mid_hash', hashTlv.offset + IMAGE_TLV_ENTRY_HEADER_SIZE + 8, 'cut in the hash TLV'],
    ['trunc_mid_signature', sigTlv.offset + IMAGE_TLV_ENTRY_HEADER_SIZE + 32, 'cut in the signature TLV'],
    ['trunc_last_byte', p.imageSize - 1, 'last byte missing'],
  ] as const) {
    add(name, why, ed.slice(0, len));
  }

  // TLV info and entries.
  add('tlv_info_bad_magic', 'unprotected TLV info magic 0x6906', edited(ed, u16At(unprotStart, IMAGE_TLV_INFO_MAGIC - 1)));
  add('tlv_info_prot_magic', 'unprotected TLV info carries the protected magic 0x6908', edited(ed, u16At(unprotStart, IMAGE_TLV_PROT_INFO_MAGIC)));
  add('tlv_tot_plus1', 'it_tlv_tot one byte past the image', edited(ed, u16At(unprotStart + 2, p.unprotectedArea.tlvTot + 1)));
  add('tlv_tot_minus1', 'it_tlv_tot one byte short (the signature TLV overruns it)', edited(ed, u16At(unprotStart + 2, p.unprotectedArea.tlvTot - 1)));
  add('tlv_tot_info_only', 'it_tlv_tot 4: an empty area', edited(ed, u16At(unprotStart + 2, IMAGE_TLV_INFO_SIZE)));
  add('tlv_tot_3', 'it_tlv_tot 3: shorter than its own info header', edited(ed, u16At(unprotStart + 2, 3)));
  add('tlv_len_overrun', 'hash TLV length 0xffff runs past the area', edited(ed, u16At(hashTlv.offset + 2, 0xffff)));
  add('sig_len_plus1', 'signature TLV one byte longer than the area', edited(ed, u16At(sigTlv.offset + 2, sigTlv.value.length + 1)));
  add('hash_len_short', 'hash TLV length 16: entries no longer line up', edited(ed, u16At(hashTlv.offset + 2, 16)));
  const hashOnlyArea = rawTlvArea(IMAGE_TLV_INFO_MAGIC, [{ type: IMAGE_TLV_SHA256, value: hashTlv.value.subarray(0, 31) }]);
  add('hash_value_31', 'SHA256 TLV with a 31-byte value', concatBytes(ed.subarray(0, unprotStart), hashOnlyArea), true);
  const manyKeyHashes = Array.from({ length: IMAGE_MAX_TLV_COUNT + 1 }, () => ({ type: IMAGE_TLV_KEYHASH, value: new Uint8Array(0) }));
  add('too_many_tlvs', `${IMAGE_MAX_TLV_COUNT + 1} empty KEYHASH TLVs before the hash`, concatBytes(ed.subarray(0, unprotStart), rawTlvArea(IMAGE_TLV_INFO_MAGIC, [...manyKeyHashes, { type: IMAGE_TLV_SHA256, value: hashTlv.value }])));
  add('no_hash_tlv', 'unprotected area without a hash TLV', concatBytes(ed.subarray(0, unprotStart), rawTlvArea(IMAGE_TLV_INFO_MAGIC, [{ type: IMAGE_TLV_KEYHASH, value: keyTlv.value }, { type: IMAGE_TLV_ED25519, value: sigTlv.value }])));

  // Content checks.
  add('body_flip', 'one body byte flipped', edited(ed, flip(bodyStart + 10)));
  add('header_version_flip', 'version byte flipped (the header is hashed)', edited(ed, flip(0x14)));
  add('header_pad_flip', 'header padding byte flipped (hashed, like the body)', edited(ed, flip(IMAGE_HEADER_SIZE + 1)));
  add('hash_flip', 'hash TLV value flipped', edited(ed, flip(hashTlv.offset + IMAGE_TLV_ENTRY_HEADER_SIZE)));
  add('sig_flip', 'ed25519 signature byte flipped', edited(ed, flip(sigTlv.offset + IMAGE_TLV_ENTRY_HEADER_SIZE + 5)));
  add('keyhash_flip', 'KEYHASH names no trusted key', edited(ed, flip(keyTlv.offset + IMAGE_TLV_ENTRY_HEADER_SIZE)));
  const untrusted = await signImage(vectorPayload(), { ...base(), signer: vectorSigner('ed25519', UNTRUSTED_SEED_LABEL) });
  add('untrusted_key', 'a valid signature by an ed25519 key nobody trusts', untrusted);
  add('unsigned_required', 'hash-only image where a signature is required', valid.find((c) => c.name === 'unsigned')!.bytes);
  add('trailing_bytes', 'valid image followed by 64 erased bytes (ignored: the verdict is VALID)', concatBytes(ed, new Uint8Array(64).fill(0xff)));
  for (const [name, type] of [['ecdsa_p256_sig_flip', 'ecdsa-p256'], ['rsa2048_sig_flip', 'rsa-2048']] as const) {
    const img = valid.find((c) => c.keyType === type)!.bytes;
    const sig = parseImage(img).unprotectedArea.entries.find((t) => t.type === IMAGE_TLV_ECDSA_SIG || t.type === IMAGE_TLV_RSA2048_PSS)!;
    out.push({ name, description: `${type} signature byte flipped`, bytes: edited(img, flip(sig.offset + IMAGE_TLV_ENTRY_HEADER_SIZE + 12)), keyType: type, allowUnsigned: false, hash: 'sha256' });
  }

  // Damage to the other signature types and hash algorithms (each from its own valid image).
  const from = (name: string): ImageCase => valid.find((c) => c.name === name)!;
  const tlvOf = (img: Uint8Array, type: number) => parseImage(img).unprotectedArea.entries.find((t) => t.type === type)!;
  const more = (base: string, name: string, description: string, bytes: Uint8Array): void => {
    const b = from(base);
    const c: ImageCase = { name, description, bytes, allowUnsigned: false, hash: b.hash };
    if (b.keyType) c.keyType = b.keyType;
    if (b.extraOptions) c.extraOptions = b.extraOptions;
    out.push(c);
  };
  const sigValueAt = (img: Uint8Array, type: number, delta: number): number => tlvOf(img, type).offset + IMAGE_TLV_ENTRY_HEADER_SIZE + delta;
  const p384 = from('ecdsa_p384').bytes;
  more('ecdsa_p384', 'ecdsa_p384_sig_flip', 'ECDSA P-384 signature byte flipped', edited(p384, flip(sigValueAt(p384, IMAGE_TLV_ECDSA_SIG, 12))));
  more('ecdsa_p384', 'ecdsa_p384_body_flip', 'ECDSA P-384 image, one body byte flipped (SHA-384 mismatch)', edited(p384, flip(bodyStart + 10)));
  const rsa3072 = from('rsa3072').bytes;
  more('rsa3072', 'rsa3072_sig_flip', 'RSA-3072 PSS signature byte flipped', edited(rsa3072, flip(sigValueAt(rsa3072, IMAGE_TLV_RSA3072_PSS, 40))));
  const sha512 = from('ed25519_sha512').bytes;
  more('ed25519_sha512', 'sha512_body_flip', 'ed25519 + SHA-512 image, one body byte flipped', edited(sha512, flip(bodyStart + 10)));
  more('ed25519_sha512', 'sha512_hash_flip', 'SHA512 TLV value flipped', edited(sha512, flip(sigValueAt(sha512, IMAGE_TLV_SHA512, 63))));
  const pure = from('ed25519_pure').bytes;
  more('ed25519_pure', 'pure_sig_flip', 'ed25519 pure signature byte flipped', edited(pure, flip(sigValueAt(pure, IMAGE_TLV_ED25519, 5))));
  more('ed25519_pure', 'pure_body_flip', 'ed25519 pure image, one body byte flipped (the signature covers it)', edited(pure, flip(bodyStart + 10)));
  const pubkey = from('ed25519_pubkey').bytes;
  more('ed25519_pubkey', 'pubkey_flip', 'PUBKEY TLV: last key byte flipped (names no trusted key)', edited(pubkey, flip(sigValueAt(pubkey, IMAGE_TLV_PUBKEY, tlvOf(pubkey, IMAGE_TLV_PUBKEY).value.length - 1))));
  const p256 = from('ecdsa_p256').bytes;
  more('ecdsa_p256', 'ecdsa_der_bad_tag', 'ECDSA signature whose DER SEQUENCE tag is 0x31', edited(p256, (b) => void (b[sigValueAt(p256, IMAGE_TLV_ECDSA_SIG, 0)] = 0x31)));
  more('ecdsa_p256', 'ecdsa_der_bad_length', 'ECDSA signature whose DER SEQUENCE length byte is off by 2', edited(p256, flip(sigValueAt(p256, IMAGE_TLV_ECDSA_SIG, 1), 0x01 ^ 0x03)));
  const sigTlvP256 = tlvOf(p256, IMAGE_TLV_ECDSA_SIG);
  const padded = concatBytes(p256.subarray(0, sigTlvP256.offset + IMAGE_TLV_ENTRY_HEADER_SIZE + sigTlvP256.value.length), Uint8Array.of(0x00, 0x00));
  const grow = (b: Uint8Array, by: number, marker: number): Uint8Array => {
    const out2 = Uint8Array.from(b);
    writeU16LE(out2, sigTlvP256.offset + 2, sigTlvP256.value.length + by);
    writeU16LE(out2, parseImage(p256).unprotectedArea.offset + 2, parseImage(p256).unprotectedArea.tlvTot + by);
    out2[out2.length - 1] = marker;
    return out2;
  };
  more('ecdsa_p256', 'ecdsa_pad_sig_zeros', 'ECDSA signature followed by two zero bytes (imgtool --pad-sig): accepted, as bootutil does', grow(padded, 2, 0x00));
  more('ecdsa_p256', 'ecdsa_pad_sig_nonzero', 'ECDSA signature followed by 0x00 0x01: not padding, refused', grow(padded, 2, 0x01));
  const shortKeyHash = concatBytes(
    ed.subarray(0, unprotStart),
    rawTlvArea(IMAGE_TLV_INFO_MAGIC, [
      { type: IMAGE_TLV_SHA256, value: hashTlv.value },
      { type: IMAGE_TLV_KEYHASH, value: keyTlv.value.subarray(0, 16) },
      { type: IMAGE_TLV_ED25519, value: sigTlv.value },
    ]),
  );
  add('keyhash_short', 'KEYHASH TLV of 16 bytes (a truncated SHA-256)', shortKeyHash);
  add('flags_non_bootable_flip', 'NON_BOOTABLE flag set after signing (the header is hashed)', edited(ed, flip(IH_FLAGS_OFFSET, IMAGE_F_NON_BOOTABLE)));
  add('flags_encrypted_flip', 'ENCRYPTED_AES128 flag set after signing (the header is hashed)', edited(ed, flip(IH_FLAGS_OFFSET, IMAGE_F_ENCRYPTED_AES128)));
  return out;
}

/** Raw header fields as the bytes carry them (0 where the bytes end first). */
function rawHeader(b: Uint8Array): { magic: number; hdrSize: number; protectTlvSize: number; imgSize: number } {
  const ok = b.length >= IMAGE_HEADER_SIZE;
  return {
    magic: ok ? readU32LE(b, IH_MAGIC_OFFSET) : 0,
    hdrSize: ok ? readU16LE(b, IH_HDR_SIZE_OFFSET) : 0,
    protectTlvSize: ok ? readU16LE(b, IH_PROTECT_TLV_SIZE_OFFSET) : 0,
    imgSize: ok ? readU32LE(b, IH_IMG_SIZE_OFFSET) : 0,
  };
}

/** Seed text of the encryption vectors' keys (device keys, ephemeral keys, image keys). */
const ENC_SEED = 'fotakit-vectors-enc-v1:';

function encSeed(label: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let o = 0, i = 0; o < bytes; o += 32, i++) out.set(hash(crypto, 'sha256', utf8Encode(`${ENC_SEED}${label}:${i}`)).subarray(0, Math.min(32, bytes - o)), o);
  return out;
}

/** portableEncryption with seeded ephemeral keys, so the vectors are byte-identical on every run. */
function seededEncryption(label: string): EncryptionCrypto {
  return {
    ...portableEncryption,
    generateKeyPair(curve: EcdhCurve) {
      const privateKey = encSeed(`${label}:ephemeral:${curve}`, 32);
      return { privateKey, publicKey: portableEncryption.publicKeyOf(curve, privateKey) };
    },
    randomBytes: (n: number) => encSeed(`${label}:random`, n),
  };
}

interface EncCase {
  name: string;
  description: string;
  /** TLV kind and what opens it. */
  kind: 'x25519' | 'ec256' | 'kw';
  hmac: 'sha256' | 'sha512';
  keyBits: 128 | 256;
  deviceKey: Uint8Array;
  imageKey: Uint8Array;
  bytes: Uint8Array;
  plain: Uint8Array;
  /** verifyImage on the bytes as stored, and after decrypting with the device key. */
  storedCode: string;
  decryptedCode: string;
}

/** Encrypted images (ed25519-signed) with the device key that opens them and their plaintext. */
async function encryptedCases(payload: Uint8Array): Promise<EncCase[]> {
  const rows: Array<[string, string, 'x25519' | 'ec256' | 'kw', 'sha256' | 'sha512', 128 | 256]> = [
    ['enc_x25519_aes128', 'ECIES-X25519 (HKDF/HMAC-SHA256), AES-128-CTR', 'x25519', 'sha256', 128],
    ['enc_x25519_aes256', 'ECIES-X25519 (HKDF/HMAC-SHA256), AES-256-CTR', 'x25519', 'sha256', 256],
    ['enc_x25519_sha512', 'ECIES-X25519 with HKDF/HMAC-SHA512 (ENC_X25519_SHA512 TLV), AES-128-CTR', 'x25519', 'sha512', 128],
    ['enc_ec256_aes128', 'ECIES-P256 (HKDF/HMAC-SHA256), AES-128-CTR', 'ec256', 'sha256', 128],
    ['enc_kw_aes128', 'AES-128 key wrap (RFC 3394) with a 16-byte KEK, AES-128-CTR', 'kw', 'sha256', 128],
  ];
  const trustedKeys = [vectorSigner('ed25519').publicKeyDer];
  const out: EncCase[] = [];
  for (const [name, description, kind, hmacAlg, keyBits] of rows) {
    const enc = seededEncryption(name);
    const deviceKey = encSeed(`${name}:device`, kind === 'kw' ? 16 : 32);
    const imageKey = encSeed(`${name}:image-key`, keyBits / 8);
    const curve: EcdhCurve = kind === 'ec256' ? 'p256' : 'x25519';
    const encKey: ImageEncryptionKey = kind === 'kw' ? { kind: 'kw', kek: deviceKey } : kind === 'ec256' ? { kind: 'ec256', publicKey: enc.publicKeyOf(curve, deviceKey) } : { kind: 'x25519', publicKey: enc.publicKeyOf(curve, deviceKey) };
    const decKey: ImageDecryptionKey = kind === 'kw' ? { kind: 'kw', kek: deviceKey } : kind === 'ec256' ? { kind: 'ec256', privateKey: deviceKey } : { kind: 'x25519', privateKey: deviceKey };
    const signed = await createSignedImage(payload, { ...base(), signer: vectorSigner('ed25519'), encryption: { crypto: enc, key: encKey, hmac: hmacAlg, keyBits, imageKey } });
    const plain = decryptImage(enc, signed.bytes, decKey);
    const codeOf = async (b: Uint8Array): Promise<string> => {
      const v = await verifyImage(b, { crypto, trustedKeys });
      return v.valid ? IMAGE_RESULT_VALID : v.code!;
    };
    out.push({ name, description, kind, hmac: hmacAlg, keyBits, deviceKey, imageKey, bytes: signed.bytes, plain, storedCode: await codeOf(signed.bytes), decryptedCode: await codeOf(plain) });
  }
  return out;
}

/** Result codes as a C enum: VALID = 0, then every ImageError code in errors.ts order. */
export function imageResultEnum(): Array<[string, number]> {
  return [[`FOTAKIT_IMAGE_${IMAGE_RESULT_VALID}`, 0], ...Object.keys(IMAGE_ERROR_CODES).map((c, i): [string, number] => [`FOTAKIT_${c}`, i + 1])];
}

export async function generateImageVectors(): Promise<VectorCategory> {
  const payload = vectorPayload();
  const valid = await validCases(payload);
  const bad = await badCases(valid);
  const all = [...valid.map((c) => ({ c, kind: 'valid' as const })), ...bad.map((c) => ({ c, kind: 'bad' as const }))];
  const results = [];
  for (const { c, kind } of all) results.push({ c, kind, o: await outcomeOf(c) });
  for (const r of results) {
    if (r.kind === 'valid' && !r.o.valid) throw new ImageError('IMAGE_BAD_OPTIONS', `vectors.images: valid vector '${r.c.name}' does not verify (${r.o.code})`);
  }
  const encrypted = await encryptedCases(payload);
  for (const e of encrypted) {
    if (e.decryptedCode !== IMAGE_RESULT_VALID) throw new ImageError('IMAGE_BAD_OPTIONS', `vectors.images: encrypted vector '${e.name}' does not verify after decryption (${e.decryptedCode})`);
  }
  const keys = VECTOR_KEY_TYPES.map((t) => {
    const s = vectorSigner(t);
    return { type: t, der: s.publicKeyDer, keyHash: hash(crypto, t === 'ecdsa-p384' ? 'sha384' : 'sha256', s.publicKeyDer) };
  });

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'images',
    payload_hex: toHex(payload),
    header_size: VECTOR_IMAGE_HEADER_BYTES,
    trusted_keys: keys.map((k) => ({ type: k.type, public_key_der_hex: toHex(k.der), key_hash_hex: toHex(k.keyHash) })),
    images: results.map(({ c, kind, o }) => {
      const hdr = rawHeader(c.bytes);
      return {
        name: c.name,
        kind,
        description: c.description,
        key_type: c.keyType ?? null,
        hash: c.hash,
        mcuboot_options: mcubootOptions(c),
        non_default_build: (c.extraOptions ?? []).length > 0,
        bootutil_note: BOOTUTIL_NOTES[c.name] ?? null,
        is_valid_case: o.valid,
        allow_unsigned: c.allowUnsigned,
        length: c.bytes.length,
        header: { magic: hdr.magic, hdr_size: hdr.hdrSize, protect_tlv_size: hdr.protectTlvSize, img_size: hdr.imgSize },
        expect: { valid: o.valid, code: o.code, parse_code: o.parseCode },
        bytes_hex: toHex(c.bytes),
      };
    }),
    encrypted_images: encrypted.map((e) => ({
      name: e.name,
      description: e.description,
      key_kind: e.kind,
      hmac: e.hmac,
      aes_bits: e.keyBits,
      mcuboot_options: `MCUBOOT_SIGN_ED25519 MCUBOOT_ENC_IMAGES ${e.kind === 'x25519' ? 'MCUBOOT_ENCRYPT_X25519' : e.kind === 'ec256' ? 'MCUBOOT_ENCRYPT_EC256' : 'MCUBOOT_ENCRYPT_KW'}${e.keyBits === 256 ? ' MCUBOOT_AES_256' : ''}${e.hmac === 'sha512' ? ' MCUBOOT_HMAC_SHA512' : ''}`,
      device_key_hex: toHex(e.deviceKey), // raw X25519 / P-256 private scalar, or the KEK
      image_key_hex: toHex(e.imageKey),
      expect: { stored: e.storedCode, decrypted: e.decryptedCode },
      bytes_hex: toHex(e.bytes),
      plain_hex: toHex(e.plain),
    })),
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_IMAGES_H', 'MCUboot image vectors: valid images per signature type and a bad-input corpus.');
  w.comment('MCUboot image format (bootutil image.h).');
  w.define('IMAGE_MAGIC', IMAGE_MAGIC);
  w.define('IMAGE_HEADER_SIZE', IMAGE_HEADER_SIZE);
  w.define('IMAGE_TLV_INFO_MAGIC', IMAGE_TLV_INFO_MAGIC);
  w.define('IMAGE_TLV_PROT_INFO_MAGIC', IMAGE_TLV_PROT_INFO_MAGIC);
  for (const [n, v] of [
    ['IMAGE_TLV_KEYHASH', IMAGE_TLV_KEYHASH],
    ['IMAGE_TLV_PUBKEY', IMAGE_TLV_PUBKEY],
    ['IMAGE_TLV_SHA256', IMAGE_TLV_SHA256],
    ['IMAGE_TLV_SHA384', IMAGE_TLV_SHA384],
    ['IMAGE_TLV_SHA512', IMAGE_TLV_SHA512],
    ['IMAGE_TLV_RSA2048_PSS', IMAGE_TLV_RSA2048_PSS],
    ['IMAGE_TLV_ECDSA_SIG', IMAGE_TLV_ECDSA_SIG],
    ['IMAGE_TLV_RSA3072_PSS', IMAGE_TLV_RSA3072_PSS],
    ['IMAGE_TLV_ED25519', IMAGE_TLV_ED25519],
    ['IMAGE_TLV_SIG_PURE', IMAGE_TLV_SIG_PURE],
    ['IMAGE_TLV_DEPENDENCY', IMAGE_TLV_DEPENDENCY],
    ['IMAGE_TLV_SEC_CNT', IMAGE_TLV_SEC_CNT],
  ] as const) w.define(n, v);
  w.define('BOOT_MAGIC_SZ', BOOT_MAGIC_SZ);
  w.define('FOTAKIT_VECTOR_IMAGE_SLOT_SIZE', VECTOR_IMAGE_SLOT_BYTES, 'slot size of the padded vector image');
  w.blank().comment('Outcome of verifyImage: VALID or the ImageError code (errors.ts).');
  w.enumeration('fotakit_image_result', imageResultEnum());
  w.blank().comment('Trusted public keys (MCUboot DER form: SPKI for ed25519/ECDSA, PKCS#1 for RSA). TEST KEYS.');
  for (const k of keys) w.bytes(`fotakit_key_${cIdent(k.type)}`, k.der);
  w.blank();
  for (const { c } of results) w.bytes(`fotakit_img_${cIdent(c.name)}`, c.bytes);
  w.blank().raw(
    [
      'struct fotakit_image_vector {',
      '\tconst char *name;',
      '\tconst uint8_t *data;',
      '\tsize_t len;',
      '\tint is_valid_case; /* 1: expected VALID (a corpus entry MCUboot accepts, like trailing_bytes, too) */',
      '\tint allow_unsigned;',
      '\tconst char *key_type; /* "ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", or NULL (unsigned) */',
      '\tconst char *hash; /* the hash TLV: "sha256", "sha384" or "sha512" */',
      '\tconst char *mcuboot_options; /* mcuboot_config.h options the image needs (signature type, HW_KEY, SHA512, SIGN_PURE) */',
      '\tint non_default_build; /* 1: needs an option a default build of its signature type lacks (HW_KEY, SHA512, SIGN_PURE) */',
      '\tconst char *bootutil_note; /* where fotakit refuses earlier or otherwise than bootutil, or NULL */',
      '\tenum fotakit_image_result expect;',
      '\tconst char *expect_code;',
      '\tconst char *parse_code; /* parseImage (structure only): "OK" or the code */',
      '\tuint32_t hdr_magic; /* raw header fields as written (0 when shorter than 32 bytes) */',
      '\tuint32_t hdr_size;',
      '\tuint32_t protect_tlv_size;',
      '\tuint32_t img_size;',
      '};',
    ].join('\n'),
    'fotakit_image_vector',
  );
  const enumName = (code: string) => (code === IMAGE_RESULT_VALID ? `FOTAKIT_IMAGE_${IMAGE_RESULT_VALID}` : `FOTAKIT_${code}`);
  w.table(
    'fotakit_image_vector',
    'fotakit_image_vectors',
    results.map(({ c, o }) => {
      const n = `fotakit_img_${cIdent(c.name)}`;
      const hdr = rawHeader(c.bytes);
      const note = BOOTUTIL_NOTES[c.name];
      return [cString(c.name), n, `${n}_len`, o.valid ? '1' : '0', c.allowUnsigned ? '1' : '0', c.keyType ? cString(c.keyType) : 'NULL', cString(c.hash), cString(mcubootOptions(c)), (c.extraOptions ?? []).length > 0 ? '1' : '0', note ? cString(note) : 'NULL', enumName(o.code), cString(o.code), cString(o.parseCode), `0x${hdr.magic.toString(16)}U`, String(hdr.hdrSize), String(hdr.protectTlvSize), `${hdr.imgSize}U`];
    }),
    'FOTAKIT_IMAGE_VECTOR_COUNT',
  );
  w.blank().comment('Encrypted images (MCUBOOT_ENC_IMAGES): stored bytes, the device key that opens the key TLV, the image key inside it, and the plaintext MCUboot swaps into the primary. TEST KEYS.');
  for (const e of encrypted) {
    const n = `fotakit_enc_${cIdent(e.name)}`;
    w.bytes(`${n}_data`, e.bytes);
    w.bytes(`${n}_device_key`, e.deviceKey);
    w.bytes(`${n}_image_key`, e.imageKey);
    w.bytes(`${n}_plain`, e.plain);
  }
  w.blank().raw(
    [
      'struct fotakit_enc_image_vector {',
      '\tconst char *name;',
      '\tconst char *key_kind; /* "x25519" (ECIES-X25519), "ec256" (ECIES-P256) or "kw" (AES key wrap) */',
      '\tconst char *hmac; /* ECIES HKDF/HMAC hash: "sha256" or "sha512" */',
      '\tint aes_bits; /* 128 or 256 */',
      '\tconst char *mcuboot_options;',
      '\tconst uint8_t *data; /* as stored in the secondary slot */',
      '\tsize_t len;',
      '\tconst uint8_t *device_key; /* raw private scalar (X25519, P-256) or the KEK */',
      '\tsize_t device_key_len;',
      '\tconst uint8_t *image_key; /* the AES key the TLV wraps */',
      '\tsize_t image_key_len;',
      '\tconst uint8_t *plain; /* the image with its body decrypted (what the primary holds after the swap) */',
      '\tsize_t plain_len;',
      '\tconst char *expect_stored; /* verifyImage on the stored bytes (the hash covers the plaintext) */',
      '\tconst char *expect_decrypted;',
      '};',
    ].join('\n'),
    'fotakit_enc_image_vector',
  );
  w.table(
    'fotakit_enc_image_vector',
    'fotakit_enc_image_vectors',
    encrypted.map((e, i) => {
      const n = `fotakit_enc_${cIdent(e.name)}`;
      const j = (json.encrypted_images as Array<{ mcuboot_options: string }>)[i]!;
      return [cString(e.name), cString(e.kind), cString(e.hmac), String(e.keyBits), cString(j.mcuboot_options), `${n}_data`, `${n}_data_len`, `${n}_device_key`, `${n}_device_key_len`, `${n}_image_key`, `${n}_image_key_len`, `${n}_plain`, `${n}_plain_len`, cString(e.storedCode), cString(e.decryptedCode)];
    }),
    'FOTAKIT_ENC_IMAGE_VECTOR_COUNT',
  );
  return { name: 'images', count: results.length + encrypted.length, json, header: w.toString() };
}

/**
 * The verdict on a fully received image, as MCUboot's bootutil_img_validate decides it: the hash
 * TLV must match header + body + protected TLVs, and a signature by a trusted key must verify
 * (KEYHASH or PUBKEY names the key; a signature TLV with no key TLV before it is tried against every
 * trusted key of its type). Shared by the stream verifier and the whole-image verifiers.
 * Spec: mcuboot.md "Hash and signatures".
 */
import { bytesEqual } from '../../hal/bytes.ts';
import { HASH_BYTES, type Crypto, type HashAlgorithm } from '../../hal/crypto.ts';
import {
  IMAGE_ECDSA_SIG_MAX_BYTES,
  IMAGE_ED25519_SIG_BYTES,
  IMAGE_MAX_PUBKEY_BYTES,
  IMAGE_RSA2048_SIG_BYTES,
  IMAGE_RSA3072_SIG_BYTES,
  IMAGE_SIG_PURE_BYTES,
  IMAGE_SIG_PURE_VALUE,
  IMAGE_TLV_ECDSA224,
  IMAGE_TLV_ECDSA_SIG,
  IMAGE_TLV_ED25519,
  IMAGE_TLV_KEYHASH,
  IMAGE_TLV_PUBKEY,
  IMAGE_TLV_RSA2048_PSS,
  IMAGE_TLV_RSA3072_PSS,
  IMAGE_TLV_SHA256,
  IMAGE_TLV_SHA384,
  IMAGE_TLV_SHA512,
  IMAGE_TLV_SIG_PURE,
} from './constants.ts';
import { ImageError, type ImageErrorCode } from './errors.ts';
import { hashedRegionLength, type ImageHeader } from './header.ts';
import { imageKeyFromDer, imageKeyFromTrusted, keyHash, signatureAlgorithm, type ImageKey, type ImageKeyType, type TrustedKey } from './keys.ts';
import { decodeProtected, type ImageDependency } from './protected.ts';
import { tlvTypeName, type Tlv, type TlvArea } from './tlv.ts';
import { formatVersion, type ImageVersion } from './version.ts';

export const HASH_TLV_ALGORITHMS: ReadonlyMap<number, HashAlgorithm> = new Map([
  [IMAGE_TLV_SHA256, 'sha256'],
  [IMAGE_TLV_SHA384, 'sha384'],
  [IMAGE_TLV_SHA512, 'sha512'],
]);

export const HASH_ALGORITHM_TLVS: Readonly<Record<HashAlgorithm, number>> = {
  sha256: IMAGE_TLV_SHA256,
  sha384: IMAGE_TLV_SHA384,
  sha512: IMAGE_TLV_SHA512,
};

/** Signature TLV type → the key types it can be checked with, and its allowed value lengths. */
const SIGNATURE_TLVS: ReadonlyMap<number, { keyTypes: ImageKeyType[]; minBytes: number; maxBytes: number }> = new Map([
  [IMAGE_TLV_ED25519, { keyTypes: ['ed25519'], minBytes: IMAGE_ED25519_SIG_BYTES, maxBytes: IMAGE_ED25519_SIG_BYTES }],
  [IMAGE_TLV_ECDSA_SIG, { keyTypes: ['ecdsa-p256', 'ecdsa-p384'], minBytes: 1, maxBytes: IMAGE_ECDSA_SIG_MAX_BYTES }],
  [IMAGE_TLV_RSA2048_PSS, { keyTypes: ['rsa-2048'], minBytes: IMAGE_RSA2048_SIG_BYTES, maxBytes: IMAGE_RSA2048_SIG_BYTES }],
  [IMAGE_TLV_RSA3072_PSS, { keyTypes: ['rsa-3072'], minBytes: IMAGE_RSA3072_SIG_BYTES, maxBytes: IMAGE_RSA3072_SIG_BYTES }],
  // Obsolete ECDSA-224: recognised as a signature, checked with no key (so never trusted).
  [IMAGE_TLV_ECDSA224, { keyTypes: [], minBytes: 0, maxBytes: IMAGE_ECDSA_SIG_MAX_BYTES }],
]);

export interface VerifyOptions {
  crypto: Crypto;
  /** Public keys (MCUboot DER) whose signatures are accepted. */
  trustedKeys?: ReadonlyArray<TrustedKey>;
  /** Accept an image whose hash matches but that no trusted key signed (imgtool verify without -k). */
  allowUnsigned?: boolean;
}

export interface ImageVerdict {
  valid: boolean;
  /** Why not valid (IMAGE_NO_HASH, IMAGE_BAD_HASH, IMAGE_NO_SIGNATURE, IMAGE_UNKNOWN_KEY, IMAGE_BAD_SIGNATURE). */
  code?: ImageErrorCode;
  message?: string;
  header: ImageHeader;
  version: ImageVersion;
  /** `1.2.3+4` */
  versionText: string;
  securityCounter?: number;
  dependencies: ImageDependency[];
  hashAlgorithm?: HashAlgorithm;
  /** The digest in the hash TLV. */
  hash?: Uint8Array;
  /** The KEYHASH TLV (or the hash of the PUBKEY TLV) before the signature that verified, or the first one. */
  keyHash?: Uint8Array;
  /** Index in trustedKeys of the key whose signature verified. */
  keyIndex?: number;
  keyType?: ImageKeyType;
  /** True when a trusted signature verified. */
  signed: boolean;
  /** ed25519 pure: signature over the whole hashed region (SIG_PURE TLV). */
  pure: boolean;
  /** Bytes from the header to the end of the unprotected TLV area. */
  imageSize: number;
  protectedTlvs: Tlv[];
  tlvs: Tlv[];
}

/** What a verifier knows once the whole image went by. */
export interface ReceivedImage {
  header: ImageHeader;
  protectedArea?: TlvArea;
  unprotectedArea: TlvArea;
  /** Digests computed as the hashed region streamed by. */
  digests: ReadonlyMap<HashAlgorithm, Uint8Array>;
  /** Re-reads the hashed region [0, length) in order, for a digest not computed on the way or for pure mode. */
  reread?: (offset: number, length: number) => Promise<Uint8Array>;
}

function badLength(t: Tlv, why: string): ImageError {
  return new ImageError('IMAGE_BAD_TLV_LENGTH', `verify: ${tlvTypeName(t.type)} at ${t.offset} ${why}`, { offset: t.offset, type: t.type });
}

const KEYHASH_ALGORITHM_BY_LENGTH: ReadonlyMap<number, HashAlgorithm> = new Map([
  [HASH_BYTES.sha256, 'sha256'],
  [HASH_BYTES.sha384, 'sha384'],
  [HASH_BYTES.sha512, 'sha512'],
]);

/** DER SEQUENCE tag and the long-form length marker for one length byte. */
const DER_SEQUENCE_TAG = 0x30;
const DER_LENGTH_ONE_BYTE = 0x81;
const DER_SHORT_LENGTH_MAX = 0x7f;

/**
 * The ECDSA signature without imgtool's `--pad-sig` padding: imgtool appends zero bytes after the
 * DER (r, s) to reach a fixed length (72 for P-256, 103 for P-384), and bootutil accepts them (its
 * mbedTLS path strips trailing zeros; its tinycrypt/cc310 path parses the SEQUENCE and ignores what
 * follows). Only zero bytes after a complete SEQUENCE are dropped; anything else is left for the
 * verifier to refuse.
 */
export function stripEcdsaSignaturePadding(sig: Uint8Array): Uint8Array {
  if (sig.length < 2 || sig[0] !== DER_SEQUENCE_TAG) return sig;
  let total: number;
  if (sig[1]! <= DER_SHORT_LENGTH_MAX) total = 2 + sig[1]!;
  else if (sig[1] === DER_LENGTH_ONE_BYTE && sig.length >= 3) total = 3 + sig[2]!;
  else return sig;
  if (total >= sig.length) return sig;
  for (let i = total; i < sig.length; i++) if (sig[i] !== 0) return sig;
  return sig.subarray(0, total);
}

/** Parses trusted keys once (IMAGE_BAD_KEY for a key that is not MCUboot's). */
export function prepareTrustedKeys(keys: ReadonlyArray<TrustedKey> | undefined): ImageKey[] {
  return (keys ?? []).map(imageKeyFromTrusted);
}

/**
 * Decides validity. Malformed TLV values (wrong lengths) throw ImageError; a failed check is a
 * verdict with `valid: false` and a code.
 */
export async function decideVerdict(img: ReceivedImage, options: VerifyOptions, trusted: ReadonlyArray<ImageKey>): Promise<ImageVerdict> {
  const { header } = img;
  const { crypto } = options;
  const protectedTlvs = img.protectedArea?.entries ?? [];
  const tlvs = img.unprotectedArea.entries;
  const prot = decodeProtected(protectedTlvs);
  const verdict: ImageVerdict = {
    valid: false,
    header,
    version: header.version,
    versionText: formatVersion(header.version),
    dependencies: prot.dependencies,
    signed: false,
    pure: false,
    imageSize: img.unprotectedArea.offset + img.unprotectedArea.tlvTot,
    protectedTlvs: [...protectedTlvs],
    tlvs: [...tlvs],
  };
  if (prot.securityCounter !== undefined) verdict.securityCounter = prot.securityCounter;
  const fail = (code: ImageErrorCode, message: string): ImageVerdict => ({ ...verdict, valid: false, code, message });

  // Structure of the unprotected entries first (lengths), so a bad image throws the same way whatever the keys.
  for (const t of tlvs) {
    const alg = HASH_TLV_ALGORITHMS.get(t.type);
    if (alg && t.value.length !== HASH_BYTES[alg]) throw badLength(t, `is ${t.value.length} bytes, not ${HASH_BYTES[alg]}`);
    if (t.type === IMAGE_TLV_KEYHASH && !KEYHASH_ALGORITHM_BY_LENGTH.has(t.value.length)) throw badLength(t, `is ${t.value.length} bytes`);
    if (t.type === IMAGE_TLV_PUBKEY && (t.value.length === 0 || t.value.length > IMAGE_MAX_PUBKEY_BYTES)) throw badLength(t, `is ${t.value.length} bytes`);
    if (t.type === IMAGE_TLV_SIG_PURE && t.value.length !== IMAGE_SIG_PURE_BYTES) throw badLength(t, `is ${t.value.length} bytes, not 1`);
    const sig = SIGNATURE_TLVS.get(t.type);
    if (sig && (t.value.length < sig.minBytes || t.value.length > sig.maxBytes)) throw badLength(t, `is ${t.value.length} bytes`);
  }
  verdict.pure = tlvs.some((t) => t.type === IMAGE_TLV_SIG_PURE && t.value[0] === IMAGE_SIG_PURE_VALUE);

  const regionLength = hashedRegionLength(header);
  const digestOf = async (alg: HashAlgorithm): Promise<Uint8Array | undefined> => {
    const have = img.digests.get(alg);
    if (have) return have;
    if (!img.reread) return undefined;
    const h = crypto.createHash(alg);
    h.update(await img.reread(0, regionLength));
    return h.digest();
  };

  // 1. Hash: every hash TLV must match (imgtool writes one).
  const hashTlvs = tlvs.filter((t) => HASH_TLV_ALGORITHMS.has(t.type));
  if (hashTlvs.length === 0 && !verdict.pure) return fail('IMAGE_NO_HASH', 'verify: no hash TLV in the unprotected area');
  let imageDigest: Uint8Array | undefined;
  for (const t of hashTlvs) {
    const alg = HASH_TLV_ALGORITHMS.get(t.type)!;
    const digest = await digestOf(alg);
    if (!digest) return fail('IMAGE_NO_HASH', `verify: the image carries ${tlvTypeName(t.type)}, which this verifier did not compute`);
    if (!bytesEqual(digest, t.value)) return fail('IMAGE_BAD_HASH', `verify: ${tlvTypeName(t.type)} does not match the image`);
    if (!imageDigest) {
      imageDigest = digest;
      verdict.hashAlgorithm = alg;
      verdict.hash = t.value;
    }
  }

  // 2. Signatures, in TLV order; a key TLV names the key for the signature that follows it.
  let region: Uint8Array | undefined;
  const keyHashes = new Map<string, Uint8Array>();
  const trustedHash = (i: number, alg: HashAlgorithm): Uint8Array => {
    const id = `${i}:${alg}`;
    let h = keyHashes.get(id);
    if (!h) keyHashes.set(id, (h = keyHash(crypto, trusted[i]!, alg)));
    return h;
  };
  let candidates: number[] | undefined; // undefined: no key TLV before this signature
  let namedKeyHash: Uint8Array | undefined;
  let sawSignature = false;
  let badSignature = false;
  for (const t of tlvs) {
    if (t.type === IMAGE_TLV_KEYHASH) {
      const alg = KEYHASH_ALGORITHM_BY_LENGTH.get(t.value.length)!;
      candidates = trusted.map((_, i) => i).filter((i) => bytesEqual(trustedHash(i, alg), t.value));
      namedKeyHash = t.value;
      verdict.keyHash ??= t.value;
      continue;
    }
    if (t.type === IMAGE_TLV_PUBKEY) {
      let embedded: ImageKey | undefined;
      try {
        embedded = imageKeyFromDer(t.value);
      } catch {
        embedded = undefined; // an unusable embedded key names no trusted key
      }
      candidates = embedded ? trusted.map((_, i) => i).filter((i) => bytesEqual(trusted[i]!.der, embedded!.der)) : [];
      namedKeyHash = undefined;
      continue;
    }
    const sig = SIGNATURE_TLVS.get(t.type);
    if (!sig) continue;
    sawSignature = true;
    const pool = (candidates ?? trusted.map((_, i) => i)).filter((i) => sig.keyTypes.includes(trusted[i]!.type));
    candidates = undefined;
    for (const i of pool) {
      const key = trusted[i]!;
      let message: Uint8Array | undefined;
      if (verdict.pure) {
        if (key.type !== 'ed25519') continue;
        if (!region) {
          if (!img.reread) {
            return fail('IMAGE_PURE_NEEDS_REREAD', 'verify: an ed25519 pure signature needs the whole signed region; give the verifier a reread callback');
          }
          region = await img.reread(0, regionLength);
        }
        message = region;
      } else message = imageDigest;
      if (!message) continue;
      let ok: boolean;
      try {
        const signature = t.type === IMAGE_TLV_ECDSA_SIG ? stripEcdsaSignaturePadding(t.value) : t.value;
        ok = crypto.verify(signatureAlgorithm(key.type), key.der, message, signature);
      } catch {
        ok = false;
      }
      if (ok) {
        verdict.signed = true;
        verdict.keyIndex = i;
        verdict.keyType = key.type;
        if (namedKeyHash) verdict.keyHash = namedKeyHash;
        break;
      }
      badSignature = true;
    }
    namedKeyHash = undefined;
    if (verdict.signed) break;
  }

  if (verdict.signed) return { ...verdict, valid: true };
  if (badSignature) return fail('IMAGE_BAD_SIGNATURE', 'verify: the signature by the trusted key does not verify');
  if (options.allowUnsigned) {
    if (verdict.pure && hashTlvs.length === 0) return fail('IMAGE_NO_HASH', 'verify: a pure image has no hash to check without a key');
    return { ...verdict, valid: true };
  }
  if (sawSignature) return fail('IMAGE_UNKNOWN_KEY', 'verify: the image is signed by no trusted key');
  return fail('IMAGE_NO_SIGNATURE', 'verify: the image has no signature');
}

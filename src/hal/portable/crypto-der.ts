/**
 * Internal helper of the crypto HALs: the little ASN.1 DER MCUboot keys need. Reads the public key
 * forms MCUboot embeds (SubjectPublicKeyInfo for ed25519 and EC P-256/P-384, PKCS#1 RSAPublicKey for
 * RSA; an RSA SubjectPublicKeyInfo is unwrapped too) and writes them back. Spec: X.690 DER,
 * RFC 5280 4.1 (SPKI), RFC 8017 A.1.1 (RSAPublicKey), RFC 8410 (ed25519), RFC 5480 (EC).
 */
import { bytesEqual, concatBytes } from '../bytes.ts';
import { FotaError } from '../errors.ts';

const DER_SEQUENCE = 0x30;
const DER_INTEGER = 0x02;
const DER_BIT_STRING = 0x03;
const DER_OID = 0x06;
const DER_NULL = 0x05;
/** Longest DER length field we accept (4 length bytes: far beyond any key). */
const DER_MAX_LENGTH_BYTES = 4;

/** OID contents (without tag and length). */
export const OID_ED25519 = Uint8Array.of(0x2b, 0x65, 0x70);
export const OID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
export const OID_P256 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
export const OID_P384 = Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x22);
export const OID_RSA_ENCRYPTION = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);

export const ED25519_PUBLIC_KEY_BYTES = 32;

export type PublicKeyInfo =
  | { type: 'ed25519'; raw: Uint8Array }
  | { type: 'ecdsa-p256' | 'ecdsa-p384'; point: Uint8Array }
  | { type: 'rsa'; modulus: Uint8Array; exponent: Uint8Array; bits: number };

interface DerNode {
  tag: number;
  /** Value start and end in the input. */
  start: number;
  end: number;
}

function bad(message: string): FotaError {
  return new FotaError('CRYPTO_BAD_KEY', `der.${message}`);
}

function readNode(b: Uint8Array, o: number, limit: number): DerNode {
  if (o + 2 > limit) throw bad('read: element runs past its container');
  const tag = b[o]!;
  let len = b[o + 1]!;
  let p = o + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > DER_MAX_LENGTH_BYTES || p + n > limit) throw bad('read: bad length field');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > limit) throw bad('read: element runs past its container');
  return { tag, start: p, end: p + len };
}

function expectTag(n: DerNode, tag: number, what: string): DerNode {
  if (n.tag !== tag) throw bad(`parse: expected ${what}`);
  return n;
}

/** Children of a constructed node. */
function children(b: Uint8Array, n: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let o = n.start;
  while (o < n.end) {
    const c = readNode(b, o, n.end);
    out.push(c);
    o = c.end;
  }
  return out;
}

function value(b: Uint8Array, n: DerNode): Uint8Array {
  return b.subarray(n.start, n.end);
}

/** An unsigned INTEGER's magnitude without leading zero bytes. */
function unsignedInteger(b: Uint8Array, n: DerNode): Uint8Array {
  let v = value(b, n);
  if (v.length === 0 || (v[0]! & 0x80) !== 0) throw bad('parse: negative or empty INTEGER');
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

function bitLength(magnitude: Uint8Array): number {
  if (magnitude.length === 0 || (magnitude.length === 1 && magnitude[0] === 0)) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
}

function parseRsaPublicKey(b: Uint8Array, seq: DerNode): PublicKeyInfo {
  const parts = children(b, seq);
  if (parts.length !== 2) throw bad('parse: RSAPublicKey needs modulus and exponent');
  const modulus = unsignedInteger(b, expectTag(parts[0]!, DER_INTEGER, 'INTEGER modulus'));
  const exponent = unsignedInteger(b, expectTag(parts[1]!, DER_INTEGER, 'INTEGER exponent'));
  return { type: 'rsa', modulus, exponent, bits: bitLength(modulus) };
}

/** Parses an MCUboot public key (SPKI or PKCS#1); CRYPTO_BAD_KEY when it is neither or unsupported. */
export function parsePublicKeyDer(der: Uint8Array): PublicKeyInfo {
  const outer = expectTag(readNode(der, 0, der.length), DER_SEQUENCE, 'SEQUENCE');
  if (outer.end !== der.length) throw bad('parse: trailing bytes after the key');
  const parts = children(der, outer);
  if (parts.length === 0) throw bad('parse: empty SEQUENCE');
  if (parts[0]!.tag === DER_INTEGER) return parseRsaPublicKey(der, outer);
  if (parts.length !== 2) throw bad('parse: SubjectPublicKeyInfo needs algorithm and key');
  const alg = children(der, expectTag(parts[0]!, DER_SEQUENCE, 'AlgorithmIdentifier'));
  const bits = value(der, expectTag(parts[1]!, DER_BIT_STRING, 'BIT STRING'));
  if (alg.length === 0 || bits.length < 1 || bits[0] !== 0) throw bad('parse: bad AlgorithmIdentifier or BIT STRING');
  const key = bits.subarray(1);
  const oid = value(der, expectTag(alg[0]!, DER_OID, 'OID'));
  if (bytesEqual(oid, OID_ED25519)) {
    if (key.length !== ED25519_PUBLIC_KEY_BYTES) throw bad('parse: ed25519 key is not 32 bytes');
    return { type: 'ed25519', raw: key };
  }
  if (bytesEqual(oid, OID_EC_PUBLIC_KEY)) {
    const curve = alg[1] ? value(der, expectTag(alg[1], DER_OID, 'curve OID')) : new Uint8Array(0);
    if (bytesEqual(curve, OID_P256)) return { type: 'ecdsa-p256', point: key };
    if (bytesEqual(curve, OID_P384)) return { type: 'ecdsa-p384', point: key };
    throw bad('parse: unsupported EC curve');
  }
  if (bytesEqual(oid, OID_RSA_ENCRYPTION)) {
    if (alg[1] && alg[1].tag !== DER_NULL) throw bad('parse: RSA parameters must be NULL');
    const inner = expectTag(readNode(key, 0, key.length), DER_SEQUENCE, 'RSAPublicKey');
    if (inner.end !== key.length) throw bad('parse: trailing bytes after RSAPublicKey');
    return parseRsaPublicKey(key, inner);
  }
  throw bad('parse: unsupported key algorithm');
}

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function encodeNode(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  const needsZero = magnitude.length === 0 || (magnitude[0]! & 0x80) !== 0;
  return encodeNode(DER_INTEGER, needsZero ? concatBytes(Uint8Array.of(0), magnitude) : magnitude);
}

/** PKCS#1 RSAPublicKey DER (what MCUboot embeds for RSA). */
export function encodeRsaPublicKey(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  return encodeNode(DER_SEQUENCE, concatBytes(encodeUnsignedInteger(modulus), encodeUnsignedInteger(exponent)));
}

/** ed25519 SubjectPublicKeyInfo DER (44 bytes). */
export function encodeEd25519PublicKey(raw: Uint8Array): Uint8Array {
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw bad('encode: ed25519 key is not 32 bytes');
  const alg = encodeNode(DER_SEQUENCE, encodeNode(DER_OID, OID_ED25519));
  return encodeNode(DER_SEQUENCE, concatBytes(alg, encodeNode(DER_BIT_STRING, concatBytes(Uint8Array.of(0), raw))));
}

/**
 * The MCUboot form of any public key DER: PKCS#1 for RSA (an RSA SPKI is unwrapped), the SPKI
 * itself for the others.
 */
export function toMcubootPublicKeyDer(der: Uint8Array): Uint8Array {
  const info = parsePublicKeyDer(der);
  return info.type === 'rsa' ? encodeRsaPublicKey(info.modulus, info.exponent) : der;
}

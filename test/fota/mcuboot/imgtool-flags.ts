/**
 * Test helper (not a test file): the imgtool-flags reference images vendored in
 * test/fixtures/imgtool-flags (made by MCUboot imgtool 2.4.x; see its README and commands.log), and an
 * independent decryption of encrypted images on node:crypto (no fotakit crypto code), so that what
 * fotakit encrypts is checked by a second implementation.
 */
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, privateDecrypt, constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FLAGS_DIR = new URL('../../fixtures/imgtool-flags/', import.meta.url);

export function flagsPath(rel: string): string {
  return fileURLToPath(new URL(rel, FLAGS_DIR));
}

export function flagsFile(rel: string): Uint8Array {
  const b = readFileSync(new URL(rel, FLAGS_DIR));
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function flagsText(rel: string): string {
  return readFileSync(new URL(rel, FLAGS_DIR), 'utf8');
}

/** One `imgtool sign` line of commands.log: its arguments (after `sign`) and the output it names. */
export interface SignCommand {
  args: string[];
  output: string;
  key?: string;
  encryptKey?: string;
}

/** The distinct sign commands of commands.log (the repeated --pad-sig line once). */
export function signCommands(): SignCommand[] {
  const seen = new Set<string>();
  const out: SignCommand[] = [];
  for (const line of flagsText('commands.log').split('\n')) {
    const m = /^\+ imgtool sign (.*)$/.exec(line.trim());
    if (!m || seen.has(m[1]!)) continue;
    seen.add(m[1]!);
    const args = m[1]!.split(/\s+/);
    const ki = args.indexOf('-k');
    const ei = args.indexOf('-E');
    const c: SignCommand = { args, output: args[args.length - 1]! };
    if (ki >= 0) c.key = args[ki + 1]!;
    if (ei >= 0) c.encryptKey = args[ei + 1]!;
    out.push(c);
  }
  return out;
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;

/** Minimal independent walk of an image: header fields and the unprotected TLVs (type, value offset, length). */
export function walkImage(img: Uint8Array): { hdrSize: number; imgSize: number; flags: number; protSize: number; tlvs: Array<{ type: number; off: number; len: number }>; end: number } {
  const hdrSize = u16(img, 8);
  const protSize = u16(img, 10);
  const imgSize = u32(img, 12);
  const flags = u32(img, 16);
  let o = hdrSize + imgSize + protSize;
  const tot = u16(img, o + 2);
  const end = o + tot;
  o += 4;
  const tlvs: Array<{ type: number; off: number; len: number }> = [];
  while (o < end) {
    const type = u16(img, o);
    const len = u16(img, o + 2);
    tlvs.push({ type, off: o + 4, len });
    o += 4 + len;
  }
  return { hdrSize, imgSize, flags, protSize, tlvs, end };
}

const ENC_X25519 = 0x33;
const ENC_X25519_SHA512 = 0x34;
const ENC_EC256 = 0x32;
const ENC_RSA2048 = 0x30;
const ENC_KW = 0x31;
const ECIES_INFO = Buffer.from('MCUBoot_ECIES_v1');

function rawX25519Public(raw: Uint8Array) {
  // SPKI for X25519: 302a300506032b656e032100 || key
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]), format: 'der', type: 'spki' });
}

function rawP256Public(point: Uint8Array) {
  const prefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
  return createPublicKey({ key: Buffer.concat([prefix, point]), format: 'der', type: 'spki' });
}

/**
 * Decrypts an encrypted image with node:crypto only: opens the key TLV with the device's private key
 * (PEM) or a KEK (raw bytes), checks the ECIES HMAC, AES-CTR-decrypts the body. Returns the plaintext
 * image (flags and TLVs unchanged).
 */
export function nodeDecryptImage(img: Uint8Array, key: { pem: string } | { kek: Uint8Array }): Uint8Array {
  const w = walkImage(img);
  const keyBytes = w.flags & 0x08 ? 32 : 16;
  const tlv = w.tlvs.find((t) => t.type >= ENC_RSA2048 && t.type <= ENC_X25519_SHA512);
  if (!tlv) throw new Error('no key TLV');
  const v = Buffer.from(img.subarray(tlv.off, tlv.off + tlv.len));
  let imageKey: Buffer;
  if (tlv.type === ENC_RSA2048) {
    const priv = createPrivateKey((key as { pem: string }).pem);
    imageKey = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, v);
  } else if (tlv.type === ENC_KW) {
    const kek = Buffer.from((key as { kek: Uint8Array }).kek);
    const d = createDecipheriv(kek.length === 16 ? 'id-aes128-wrap' : 'id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
    imageKey = Buffer.concat([d.update(v), d.final()]);
  } else {
    const priv = createPrivateKey((key as { pem: string }).pem);
    const p256 = tlv.type === ENC_EC256;
    const hashName = tlv.type === ENC_X25519_SHA512 ? 'sha512' : 'sha256';
    const macLen = hashName === 'sha512' ? 64 : 32;
    const pubLen = p256 ? 65 : 32;
    const eph = v.subarray(0, pubLen);
    const mac = v.subarray(pubLen, pubLen + macLen);
    const cipherKey = v.subarray(pubLen + macLen);
    const shared = diffieHellman({ privateKey: priv, publicKey: p256 ? rawP256Public(eph) : rawX25519Public(eph) });
    const okm = Buffer.from(hkdfSync(hashName, shared, Buffer.alloc(0), ECIES_INFO, keyBytes + macLen));
    const encKey = okm.subarray(0, keyBytes);
    const macKey = okm.subarray(keyBytes);
    const want = createHmac(hashName, macKey).update(cipherKey).digest();
    if (!want.equals(mac)) throw new Error('ECIES HMAC mismatch');
    const d = createDecipheriv(keyBytes === 32 ? 'aes-256-ctr' : 'aes-128-ctr', encKey, Buffer.alloc(16));
    imageKey = Buffer.concat([d.update(cipherKey), d.final()]);
  }
  const out = Uint8Array.from(img);
  const d = createDecipheriv(keyBytes === 32 ? 'aes-256-ctr' : 'aes-128-ctr', imageKey, Buffer.alloc(16));
  const body = img.subarray(w.hdrSize, w.hdrSize + w.imgSize);
  out.set(Buffer.concat([d.update(body), d.final()]), w.hdrSize);
  return out;
}

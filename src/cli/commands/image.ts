/**
 * `fotakit image`: MCUboot images, imgtool-compatible (same flags, same bytes, same key files).
 *   sign      -k KEY [-H N] [--pad-header] [-S N] [-v V] [-s N|auto] [-d "(id,ver),..."] [--align N]
 *             [--max-align N] [--pad] [--confirm] [--test] [-R 0|0xff] [--public-key-format hash|full]
 *             [--pure] [--sha 256|384|512] [-M N] [--overwrite-only] [--boot-record T] [-L A] [-F A]
 *             [-x A] [--custom-tlv TAG VAL] [--custom-tlv-file TAG FILE] [--pad-sig] [--non-bootable]
 *             [--vid V] [--cid C] [-E KEY [--encrypt-keylen 128|256] [--hmac-sha 256|512] [-c]]
 *             [--save-enctlv] [--vector-to-sign payload|digest] [--sig-out F] [--fix-sig F
 *             --fix-sig-pubkey K] IN OUT      (IN/OUT ending in .hex are Intel HEX)
 *   verify    [-k KEY ...] [--enc-key PRIV] IMG   exit 0 "valid", 1 with the reason code
 *   info      IMG [--json] (alias dumpinfo)       header, every TLV, hashes, trailer state
 *   keygen    -k FILE -t ed25519|ecdsa-p256|ecdsa-p384|rsa-2048|rsa-3072|x25519 [-p]
 *   getpub    -k FILE [-e pem|raw|lang-c|lang-rust] [-o FILE]
 *   getpubhash -k FILE [-e lang-c|raw] [-o FILE]; getpriv -k FILE [-f pkcs8|openssl]; keyinfo -k FILE; version
 * -p: the key is passphrase-protected; the passphrase comes from $FOTAKIT_KEY_PASSPHRASE, else stdin's first line.
 * Exit codes: 0 ok, 1 invalid image, 2 usage or unreadable input.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readU32LE, toHex, utf8Encode } from '../../hal/bytes.ts';
import { hash, type Crypto, type HashAlgorithm } from '../../hal/crypto.ts';
import { UsageError } from '../../hal/errors.ts';
import { createNativeNodeCrypto } from '../../hal/node/crypto-native.ts';
import {
  anyPublicKeyFromPem,
  createPemSigner,
  decryptionKeyFromPem,
  encryptionKeyFromPem,
  generateImageKeyPem,
  isEncryptedPem,
  KEYGEN_TYPES,
  keyKind,
  privateKeyDer,
  publicKeyFromPem,
  publicKeyPem,
  sha1,
} from '../../boards/image-keys.ts';
import type { EncryptionCrypto } from '../../hal/crypto.ts';
import { decryptImage, encryptedKeyBytes } from '../../fota/mcuboot/encryption.ts';
import { imgtoolUuid, UUID_NAMESPACE_DNS } from '../../fota/mcuboot/uuid.ts';
import { ImageError } from '../../fota/mcuboot/errors.ts';
import { flagNames, hashedRegionLength } from '../../fota/mcuboot/header.ts';
import { parseImage } from '../../fota/mcuboot/image.ts';
import { imageKeyFromDer, type ImageKeyType } from '../../fota/mcuboot/keys.ts';
import type { ImageDependency } from '../../fota/mcuboot/protected.ts';
import { createSignedImage, type SignOptions, type Signer } from '../../fota/mcuboot/sign.ts';
import { tlvTypeName, type Tlv } from '../../fota/mcuboot/tlv.ts';
import { HASH_TLV_ALGORITHMS } from '../../fota/mcuboot/verdict.ts';
import { verifyImage } from '../../fota/mcuboot/verify.ts';
import { formatVersion, parseVersion } from '../../fota/mcuboot/version.ts';
import { BOOT_MAGIC_SZ, flagStateName, magicStateName, maxAlignFromMagic, swapTypeName, trailerLayout, trailerStateFromBytes } from '../../fota/mcuboot/trailer.ts';
import { IMAGE_U16_MAX, IMAGE_U32_MAX, IMGTOOL_DEFAULT_MAX_ALIGN } from '../../fota/mcuboot/constants.ts';
import {
  EXIT_NEGATIVE,
  EXIT_OK,
  EXIT_USAGE,
  helpText,
  parseCommand,
  parseInteger,
  reportError,
  stringList,
  stringValue,
  type CommandSpec,
  type Parsed,
} from '../args.ts';
import { closestFlag } from '../flags.ts';
import { checkOutputPath, refuseSamePath, writeFileAtomic } from '../files.ts';
import { ImageFile, readImageSkeleton, verifyImageFile } from '../image-file.ts';

/** Header size when -H is not given (Zephyr's usual CONFIG_ROM_START_OFFSET with MCUboot). */
export const IMAGE_SIGN_DEFAULT_HEADER_BYTES = 0x200;
/** Largest image id in a DEPENDENCY (u8). */
const DEPENDENCY_IMAGE_ID_MAX = 0xff;
/** Bytes per line of `getpub -e c`, as imgtool writes them. */
const C_ARRAY_BYTES_PER_LINE = 8;
/** The imgtool release whose behaviour fotakit's image commands follow. */
export const IMGTOOL_COMPATIBLE_VERSION = '2.4.0';
/** Where `-p` takes a key passphrase from (else stdin's first line). */
export const KEY_PASSPHRASE_ENV = 'FOTAKIT_KEY_PASSPHRASE';
const PASSPHRASE_OPTION = { password: { type: 'boolean', short: 'p' } } as const;
const PASSPHRASE_HELP = { password: `the key is passphrase-protected: passphrase from $${KEY_PASSPHRASE_ENV}, else stdin's first line` };

export const SIGN: CommandSpec = {
  usage: 'fotakit image sign [-k KEY] [options] IN OUT',
  summary: 'Signs a raw firmware binary into an MCUboot image, as `imgtool sign` does (without -k: an unsigned, hash-only image).',
  options: {
    key: { type: 'string', short: 'k' },
    'header-size': { type: 'string', short: 'H' },
    'pad-header': { type: 'boolean' },
    'slot-size': { type: 'string', short: 'S' },
    version: { type: 'string', short: 'v' },
    'security-counter': { type: 'string', short: 's' },
    dependencies: { type: 'string', short: 'd' },
    align: { type: 'string' },
    'max-align': { type: 'string' },
    pad: { type: 'boolean' },
    confirm: { type: 'boolean' },
    'erased-val': { type: 'string', short: 'R' },
    'public-key-format': { type: 'string' },
    pure: { type: 'boolean' },
    sha: { type: 'string' },
    test: { type: 'boolean' },
    'max-sectors': { type: 'string', short: 'M' },
    'overwrite-only': { type: 'boolean' },
    'boot-record': { type: 'string' },
    'load-addr': { type: 'string', short: 'L' },
    'rom-fixed': { type: 'string', short: 'F' },
    'hex-addr': { type: 'string', short: 'x' },
    'pad-sig': { type: 'boolean' },
    'non-bootable': { type: 'boolean' },
    vid: { type: 'string' },
    cid: { type: 'string' },
    encrypt: { type: 'string', short: 'E' },
    'encrypt-keylen': { type: 'string' },
    'hmac-sha': { type: 'string' },
    clear: { type: 'boolean', short: 'c' },
    'save-enctlv': { type: 'boolean' },
    'vector-to-sign': { type: 'string' },
    'sig-out': { type: 'string' },
    'fix-sig': { type: 'string' },
    'fix-sig-pubkey': { type: 'string' },
    ...PASSPHRASE_OPTION,
  },
  help: {
    key: 'private key (PKCS#8 PEM, as imgtool keygen writes)',
    'header-size': `header size in bytes (default 0x${IMAGE_SIGN_DEFAULT_HEADER_BYTES.toString(16)})`,
    'pad-header': 'prepend the header room to the input (filled with the erased value)',
    'slot-size': 'slot size in bytes (size check; needed for --pad/--confirm)',
    version: 'maj[.min[.rev[+build]]] (default 0.0.0+0)',
    'security-counter': 'SEC_CNT value, or auto (from the version)',
    dependencies: '"(image_id,version),..." DEPENDENCY TLVs',
    align: 'flash write size: 1, 2, 4, 8, 16 or 32 (default 1)',
    'max-align': 'BOOT_MAX_ALIGN: 8, 16 or 32 (default max(8, align))',
    pad: 'pad to the slot size and write the trailer magic (request a test swap)',
    confirm: 'like --pad, and set image_ok (permanent)',
    'erased-val': 'erased flash value: 0 or 0xff (default 0xff)',
    'public-key-format': 'hash (KEYHASH, default) or full (PUBKEY)',
    pure: 'ed25519 signature over the whole image (SHA-512, SIG_PURE)',
    sha: 'hash: 256, 384 or 512 (default by key type)',
    test: 'like --pad, image_ok left erased (a test swap)',
    'max-sectors': 'sectors the trailer allows for in the size check (default 128)',
    'overwrite-only': 'overwrite-only upgrades: smaller trailer, --confirm writes no image_ok',
    'boot-record': 'BOOT_RECORD TLV with this sw_type (max 12 characters)',
    'load-addr': 'RAM load address (ih_load_addr, RAM_LOAD flag)',
    'rom-fixed': 'flash address the image is built for (ih_load_addr, ROM_FIXED flag)',
    'hex-addr': 'base address of a .hex output (default: from a .hex input)',
    'pad-sig': 'pad ECDSA signatures to a fixed length (72 / 103 bytes)',
    'non-bootable': 'set NON_BOOTABLE',
    vid: 'UUID_VID: raw UUID or vendor domain name',
    cid: 'UUID_CID: raw UUID or image class name (in the vendor namespace)',
    encrypt: 'encrypt for this public key (x25519, P-256 or RSA-2048 PEM)',
    'encrypt-keylen': 'AES key length: 128 (default) or 256',
    'hmac-sha': 'ECIES HKDF/HMAC hash: 256 (default) or 512 (x25519 only)',
    clear: 'with -E: keep the body in clear (flags and key TLV still written)',
    'save-enctlv': 'trailer keeps key TLVs (BOOT_SWAP_SAVE_ENCTLV; size check)',
    'vector-to-sign': 'write what would be signed (payload) or its digest instead of the image',
    'sig-out': 'also write the signature, base64',
    'fix-sig': 'use this base64 signature (made elsewhere, e.g. an HSM) instead of signing',
    'fix-sig-pubkey': 'public key of --fix-sig',
    ...PASSPHRASE_HELP,
  },
  positionals: { min: 2, max: 2, names: 'IN OUT' },
};

export const VERIFY: CommandSpec = {
  usage: 'fotakit image verify [-k KEY ...] IMG',
  summary: 'Checks the hash and, with keys, the signature of an image. Exit 0 "valid", 1 with the reason code.',
  options: { key: { type: 'string', short: 'k', multiple: true }, 'enc-key': { type: 'string' }, ...PASSPHRASE_OPTION },
  help: {
    key: 'trusted key: PEM (private or public) or MCUboot DER; repeatable. Without: hash only',
    'enc-key': "device's private key (x25519, P-256, RSA-2048 PEM): decrypt an encrypted image, then check the plaintext",
    ...PASSPHRASE_HELP,
  },
  positionals: { min: 1, max: 1, names: 'IMG' },
};

export const INFO: CommandSpec = {
  usage: 'fotakit image info IMG [--json]',
  summary: 'Shows the header, every TLV, the hash check and the trailer state of a padded image.',
  options: { 'max-align': { type: 'string' }, 'enc-key': { type: 'string' }, ...PASSPHRASE_OPTION },
  help: {
    'max-align': 'BOOT_MAX_ALIGN of the trailer (default: from the magic, as imgtool dumpinfo; else 8)',
    'enc-key': "device's private key: compute the hashes over the decrypted body of an encrypted image",
    ...PASSPHRASE_HELP,
  },
  positionals: { min: 1, max: 1, names: 'IMG' },
};

export const KEYGEN: CommandSpec = {
  usage: 'fotakit image keygen -k FILE -t TYPE [-p] [--force]',
  summary: `Writes a new private key (PKCS#8 PEM, like imgtool keygen). TYPE: ${KEYGEN_TYPES.join(', ')}.`,
  options: { key: { type: 'string', short: 'k' }, type: { type: 'string', short: 't' }, force: { type: 'boolean' }, ...PASSPHRASE_OPTION },
  help: { key: 'output key file', type: 'key type', force: 'replace an existing key file (its key is lost)', password: `protect the key with a passphrase ($${KEY_PASSPHRASE_ENV}, else stdin's first line)` },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

/** What getpub and getpubhash take: a key in, an encoding, where to write, a symbol suffix. */
const KEY_EXPORT_OPTIONS: CommandSpec['options'] = {
  key: { type: 'string', short: 'k' },
  encoding: { type: 'string', short: 'e' },
  output: { type: 'string', short: 'o' },
  'name-suffix': { type: 'string' },
  ...PASSPHRASE_OPTION,
};

export const GETPUB: CommandSpec = {
  usage: 'fotakit image getpub -k FILE [-e pem|raw|lang-c|lang-rust] [-o FILE]',
  summary: 'Prints the public key as MCUboot embeds it: PEM, raw DER, a C array (default, like imgtool) or a Rust slice.',
  options: KEY_EXPORT_OPTIONS,
  help: {
    key: 'key file (PEM)',
    encoding: 'pem, raw (DER bytes), lang-c (or c) or lang-rust',
    output: 'write to this file instead of stdout',
    'name-suffix': 'appended to the C/Rust symbol names',
    ...PASSPHRASE_HELP,
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export const GETPUBHASH: CommandSpec = {
  usage: 'fotakit image getpubhash -k FILE [-e lang-c|raw] [-o FILE]',
  summary: 'Prints the SHA-256 of the public key (as MCUboot embeds it), like imgtool getpubhash.',
  options: KEY_EXPORT_OPTIONS,
  help: { key: 'key file (PEM)', encoding: 'lang-c (default) or raw', output: 'write to this file instead of stdout', 'name-suffix': 'appended to the C symbol names', ...PASSPHRASE_HELP },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export const GETPRIV: CommandSpec = {
  usage: 'fotakit image getpriv -k FILE [-f pkcs8|openssl]',
  summary: 'Prints the private key as a C array (enc_priv_key), like imgtool getpriv: for building an encryption key into MCUboot.',
  options: { key: { type: 'string', short: 'k' }, format: { type: 'string', short: 'f' }, minimal: { type: 'boolean' }, ...PASSPHRASE_OPTION },
  help: { key: 'private key file (PEM)', format: 'pkcs8 (default; RSA: openssl) or openssl (SEC1 / PKCS#1)', minimal: 'not supported (refused)', ...PASSPHRASE_HELP },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export const KEYINFO: CommandSpec = {
  usage: 'fotakit image keyinfo -k FILE [--require private|public]',
  summary: 'Prints whether the key file is a private (keypair) or a public key, like imgtool keyinfo.',
  options: { key: { type: 'string', short: 'k' }, require: { type: 'string' } },
  help: { key: 'key file (PEM)', require: 'exit 2 when the key is not of this kind' },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export const VERSION: CommandSpec = {
  usage: 'fotakit image version',
  summary: 'Prints the imgtool version whose behaviour the image commands follow.',
  options: {},
  help: {},
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

const GROUP_HELP = [
  'usage: fotakit image <command> [options]   (--help on any of them)',
  '',
  'commands:',
  '  sign      sign a binary into an MCUboot image (imgtool sign)',
  '  verify    check hash and signature of an image',
  '  info      header, TLVs, hashes and trailer of an image (alias: dumpinfo)',
  '  keygen    new signing or encryption key (PKCS#8 PEM)',
  '  getpub    public key as PEM, raw DER, C array or Rust slice',
  '  getpubhash  SHA-256 of the public key (C array or raw)',
  '  getpriv   private key as a C array (for MCUboot encryption keys)',
  '  keyinfo   private or public key',
  '  version   the imgtool version followed',
].join('\n');

function readInput(path: string, what: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    throw new UsageError(`image: cannot read ${what} '${path}': ${(e as Error).message}`);
  }
}

/** Writes an output whole or not at all (a folder, a missing folder: typed usage errors, nothing written). */
function writeOutput(path: string, bytes: Uint8Array | string, mode?: number): void {
  checkOutputPath('image', path);
  writeFileAtomic('image', path, bytes, mode);
}

/** Hashing and ed25519/RSA need node:crypto only: the CLI starts faster without @noble/curves. */
const nativeCrypto = createNativeNodeCrypto();

/** The crypto HAL for verifying against `keys`: with @noble/curves' ECDSA only when an ECDSA key is trusted. */
async function cryptoFor(keys: readonly Uint8Array[]): Promise<Crypto> {
  if (!keys.some((k) => imageKeyFromDer(k).type.startsWith('ecdsa'))) return nativeCrypto;
  return (await import('../../hal/node/crypto.ts')).nodeCrypto;
}

/** AES, key wrap and ECIES (@noble/ciphers, @noble/curves), loaded only for encrypted images. */
async function encryptionCrypto(): Promise<EncryptionCrypto> {
  return (await import('../../hal/portable/crypto-enc.ts')).portableEncryption;
}

function isHexPath(path: string): boolean {
  return path.toLowerCase().endsWith('.hex');
}

/** The Intel HEX reader and writer (nrf-intel-hex), loaded only when a .hex file is involved: it costs start-up time. */
function intelHex(): Promise<typeof import('../../fota/mcuboot/intel-hex.ts')> {
  return import('../../fota/mcuboot/intel-hex.ts');
}

/** An image or payload file: Intel HEX when its name ends in .hex (as imgtool decides), else raw bytes. */
async function readImageInput(path: string, what: string): Promise<{ bytes: Uint8Array; baseAddr?: number }> {
  const raw = readInput(path, what);
  if (!isHexPath(path)) return { bytes: raw };
  const hex = (await intelHex()).readIntelHex(utf8(raw));
  return { bytes: hex.bytes, baseAddr: hex.baseAddr };
}

let stdinPassphrase: string | undefined;
/** The passphrase of `-p`: $FOTAKIT_KEY_PASSPHRASE, else the first line of stdin (read once per process). */
function passphrase(p: Parsed): string | undefined {
  if (p.values.password !== true) return undefined;
  const env = process.env[KEY_PASSPHRASE_ENV];
  if (env !== undefined) return env;
  if (stdinPassphrase !== undefined) return stdinPassphrase;
  let text: string;
  try {
    text = readFileSync(0, 'utf8');
  } catch {
    throw new UsageError(`-p: set $${KEY_PASSPHRASE_ENV} or pipe the passphrase on stdin`);
  }
  return (stdinPassphrase = text.split(/\r?\n/)[0] ?? '');
}

/** Reads a PEM key file; a protected one without -p is a usage error that says so. */
function readPem(p: Parsed, path: string): { pem: string; passphrase?: string } {
  const pem = utf8(readInput(path, 'key'));
  const pw = passphrase(p);
  if (isEncryptedPem(pem) && pw === undefined) throw new UsageError(`image: the key '${path}' is passphrase-protected: add -p`);
  return pw === undefined ? { pem } : { pem, passphrase: pw };
}

/** `--custom-tlv TAG VALUE` and `--custom-tlv-file TAG FILE` take two values (imgtool's nargs=2): taken out before parsing. */
function takePairOptions(argv: string[], names: ReadonlyArray<string>): { rest: string[]; pairs: Array<{ name: string; a: string; b: string }> } {
  const rest: string[] = [];
  const pairs: Array<{ name: string; a: string; b: string }> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const name = names.find((n) => arg === `--${n}`);
    if (!name) {
      rest.push(arg);
      continue;
    }
    if (argv[i + 1] === undefined || argv[i + 2] === undefined) throw new UsageError(`--${name}: needs two values (TAG VALUE)`);
    pairs.push({ name, a: argv[i + 1]!, b: argv[i + 2]! });
    i += 2;
  }
  return { rest, pairs };
}

/** imgtool's custom TLV values: 0x-prefixed hex (even length), else the UTF-8 text; or a file's bytes. */
function customTlvs(pairs: Array<{ name: string; a: string; b: string }>): Array<{ type: number; value: Uint8Array }> {
  return pairs.map(({ name, a, b }) => {
    const type = parseInteger(name, a, IMAGE_U16_MAX);
    if (name === 'custom-tlv-file') return { type, value: Uint8Array.from(readInput(b, 'custom TLV file')) };
    if (b.startsWith('0x')) {
      const hex = b.slice(2);
      if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new UsageError(`--custom-tlv: '${b}' is not an even-length hex value`);
      return { type, value: Uint8Array.from(Buffer.from(hex, 'hex')) };
    }
    return { type, value: utf8Encode(b) };
  });
}

/** A Signer that returns a signature made elsewhere (--fix-sig, base64), for its public key. */
function fixedSigner(signature: Uint8Array, pub: { type: ImageKeyType; der: Uint8Array }): Signer {
  return { keyType: pub.type, publicKeyDer: pub.der, sign: () => signature };
}

function requireString(p: Parsed, name: string, usage: string): string {
  const v = stringValue(p, name);
  if (v === undefined) throw new UsageError(`${usage}: --${name} is required`);
  return v;
}

/** `(1,1.2.3+0),(2,2.0)`, as imgtool's -d. */
export function parseDependencies(text: string): ImageDependency[] {
  const compact = text.replace(/\s+/g, '');
  const item = /\((\d+),([0-9.+]+)\)/y;
  const out: ImageDependency[] = [];
  let o = 0;
  while (o < compact.length) {
    item.lastIndex = o;
    const m = item.exec(compact);
    if (!m) throw new UsageError(`--dependencies: '${text}' is not "(image_id,version),..."`);
    out.push({ imageId: parseInteger('dependencies', m[1]!, DEPENDENCY_IMAGE_ID_MAX), version: parseVersion(m[2]!) });
    o = item.lastIndex;
    if (o < compact.length) {
      if (compact[o] !== ',') throw new UsageError(`--dependencies: '${text}' is not "(image_id,version),..."`);
      o++;
    }
  }
  if (out.length === 0) throw new UsageError('--dependencies: empty list');
  return out;
}

const SHA_CHOICES: Record<string, HashAlgorithm | undefined> = { '256': 'sha256', '384': 'sha384', '512': 'sha512', auto: undefined };

const HMAC_CHOICES: Record<string, 'sha256' | 'sha512' | undefined> = { '256': 'sha256', '512': 'sha512', auto: undefined };

async function cmdSign(argv: string[]): Promise<number> {
  const { rest, pairs } = takePairOptions(argv, ['custom-tlv', 'custom-tlv-file']);
  const p = parseCommand(SIGN, rest);
  if (p.help) return printHelp(SIGN);
  const [input, output] = p.positionals as [string, string];
  checkOutputPath('OUT', output);
  refuseSamePath('OUT', output, [{ flag: 'IN', path: input }, ...(stringValue(p, 'key') !== undefined ? [{ flag: '--key', path: stringValue(p, 'key')! }] : [])]);
  const options: SignOptions = {
    crypto: (await import('../../hal/node/crypto.ts')).nodeCrypto,
    headerSize: IMAGE_SIGN_DEFAULT_HEADER_BYTES,
  };
  const key = stringValue(p, 'key');
  const fixSig = stringValue(p, 'fix-sig');
  if (key !== undefined && fixSig !== undefined) throw new UsageError('--fix-sig: cannot sign with a key and use a fixed signature at once');
  if (key !== undefined) {
    const k = readPem(p, key);
    options.signer = createPemSigner(k.pem, k.passphrase);
  }
  if (fixSig !== undefined) {
    const pubPath = stringValue(p, 'fix-sig-pubkey');
    if (pubPath === undefined) throw new UsageError('--fix-sig: the public key of the fixed signature is not given (--fix-sig-pubkey)');
    const k = readPem(p, pubPath);
    const sig = Uint8Array.from(Buffer.from(utf8(readInput(fixSig, 'signature')).trim(), 'base64'));
    options.signer = fixedSigner(sig, publicKeyFromPem(k.pem, k.passphrase));
  }
  const num = (name: string, max?: number): number | undefined => {
    const v = stringValue(p, name);
    return v === undefined ? undefined : parseInteger(name, v, max);
  };
  options.headerSize = num('header-size', IMAGE_U16_MAX) ?? IMAGE_SIGN_DEFAULT_HEADER_BYTES;
  const slotSize = num('slot-size');
  if (slotSize !== undefined) options.slotSize = slotSize;
  const align = num('align');
  if (align !== undefined) options.align = align;
  const maxAlign = num('max-align');
  if (maxAlign !== undefined) options.maxAlign = maxAlign;
  const maxSectors = num('max-sectors');
  if (maxSectors !== undefined) options.maxSectors = maxSectors;
  const loadAddr = num('load-addr', IMAGE_U32_MAX);
  if (loadAddr !== undefined) options.loadAddr = loadAddr;
  const romFixed = num('rom-fixed', IMAGE_U32_MAX);
  if (romFixed !== undefined) options.romFixed = romFixed;
  const hexAddr = num('hex-addr', IMAGE_U32_MAX);
  const flag = (name: string): boolean => p.values[name] === true;
  if (flag('pad-header')) options.padHeader = true;
  if (flag('pad')) options.pad = true;
  if (flag('confirm')) options.confirm = true;
  if (flag('test')) options.test = true;
  if (flag('pure')) options.pure = true;
  if (flag('overwrite-only')) options.overwriteOnly = true;
  if (flag('pad-sig')) options.padSig = true;
  if (flag('non-bootable')) options.nonBootable = true;
  if (flag('save-enctlv')) options.saveEncTlv = true;
  const version = stringValue(p, 'version');
  if (version !== undefined) options.version = parseVersion(version);
  const sc = stringValue(p, 'security-counter');
  if (sc !== undefined) options.securityCounter = sc === 'auto' ? 'auto' : parseInteger('security-counter', sc, IMAGE_U32_MAX);
  const deps = stringValue(p, 'dependencies');
  if (deps !== undefined) options.dependencies = parseDependencies(deps);
  const bootRecord = stringValue(p, 'boot-record');
  if (bootRecord !== undefined) options.bootRecord = bootRecord;
  const vid = stringValue(p, 'vid');
  if (vid !== undefined) options.vid = imgtoolUuid(sha1, UUID_NAMESPACE_DNS, vid);
  const cid = stringValue(p, 'cid');
  if (cid !== undefined) options.cid = imgtoolUuid(sha1, options.vid, cid);
  if (pairs.length > 0) options.customTlvs = customTlvs(pairs);
  const erased = stringValue(p, 'erased-val');
  if (erased !== undefined) {
    if (erased !== '0' && erased.toLowerCase() !== '0xff') throw new UsageError(`--erased-val: '${erased}' is not 0 or 0xff`);
    options.erasedVal = erased === '0' ? 0 : 0xff;
  }
  const pkf = stringValue(p, 'public-key-format');
  if (pkf !== undefined) {
    if (pkf !== 'hash' && pkf !== 'full') throw new UsageError(`--public-key-format: '${pkf}' is not hash or full`);
    options.publicKeyFormat = pkf;
  }
  const sha = stringValue(p, 'sha');
  if (sha !== undefined) {
    if (!(sha in SHA_CHOICES)) throw new UsageError(`--sha: '${sha}' is not 256, 384, 512 or auto`);
    const alg = SHA_CHOICES[sha];
    if (alg) options.hashAlgorithm = alg;
  }
  const encrypt = stringValue(p, 'encrypt');
  const keylen = stringValue(p, 'encrypt-keylen');
  const hmacSha = stringValue(p, 'hmac-sha');
  if (encrypt !== undefined) {
    const k = readPem(p, encrypt);
    options.encryption = { crypto: await encryptionCrypto(), key: encryptionKeyFromPem(k.pem, k.passphrase) };
    if (keylen !== undefined) {
      if (keylen !== '128' && keylen !== '256') throw new UsageError(`--encrypt-keylen: '${keylen}' is not 128 or 256`);
      options.encryption.keyBits = keylen === '256' ? 256 : 128;
    }
    if (hmacSha !== undefined) {
      if (!(hmacSha in HMAC_CHOICES)) throw new UsageError(`--hmac-sha: '${hmacSha}' is not 256, 512 or auto`);
      const alg = HMAC_CHOICES[hmacSha];
      if (alg) options.encryption.hmac = alg;
    }
    if (flag('clear')) options.encryption.clear = true;
  } else if (flag('clear') || keylen !== undefined || hmacSha !== undefined) {
    throw new UsageError('--clear, --encrypt-keylen and --hmac-sha need -E/--encrypt');
  }
  const vts = stringValue(p, 'vector-to-sign');
  if (vts !== undefined) {
    if (vts !== 'payload' && vts !== 'digest') throw new UsageError(`--vector-to-sign: '${vts}' is not payload or digest`);
    options.vectorToSign = vts;
  }

  const inFile = await readImageInput(input, 'input');
  const signed = await createSignedImage(inFile.bytes, options);
  if (signed.vector) writeOutput(output, signed.vector);
  else if (isHexPath(output)) {
    // imgtool: the header moves the image down by hdr_size when --pad-header is given.
    let base = inFile.baseAddr !== undefined && options.padHeader ? inFile.baseAddr - options.headerSize : inFile.baseAddr;
    if (hexAddr !== undefined) base = hexAddr;
    if (base === undefined) throw new UsageError('image sign: a .hex output needs an address: a .hex input or -x/--hex-addr');
    if (base < 0) throw new UsageError(`image sign: the header would start below address 0 (input at 0x${inFile.baseAddr!.toString(16)})`);
    const blocks: Array<[number, Uint8Array]> = [[base, signed.image], ...signed.trailerWrites.map(([o, b]): [number, Uint8Array] => [base! + o, b])];
    writeOutput(output, (await intelHex()).writeIntelHex(blocks));
  } else writeOutput(output, signed.bytes);
  const sigOut = stringValue(p, 'sig-out');
  if (sigOut !== undefined) {
    if (!signed.signature) throw new UsageError('--sig-out: the image has no signature (no -k or --fix-sig)');
    writeOutput(sigOut, Buffer.from(signed.signature).toString('base64'));
  }
  if (p.json) console.log(JSON.stringify({ ok: true, out: output, bytes: signed.bytes.length }));
  return EXIT_OK;
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

/** A trusted key from a file: PEM (private or public) or MCUboot DER. */
function loadTrustedKey(p: Parsed, path: string): Uint8Array {
  const bytes = readInput(path, 'key');
  const text = utf8(bytes);
  if (text.includes('-----BEGIN')) {
    const k = readPem(p, path);
    return publicKeyFromPem(k.pem, k.passphrase).der;
  }
  return imageKeyFromDer(bytes).der;
}

async function cmdVerify(argv: string[]): Promise<number> {
  const p = parseCommand(VERIFY, argv);
  if (p.help) return printHelp(VERIFY);
  const keys = stringList(p, 'key').map((k) => loadTrustedKey(p, k));
  const encKeyPath = stringValue(p, 'enc-key');
  let decryptionKey;
  if (encKeyPath !== undefined) {
    const k = readPem(p, encKeyPath);
    decryptionKey = decryptionKeyFromPem(k.pem, k.passphrase);
  }
  const path = p.positionals[0]!;
  const verifyOptions = { crypto: await cryptoFor(keys), trustedKeys: keys, allowUnsigned: keys.length === 0 };
  // A plain image file is streamed through the agent's verifier (never held whole); HEX and encrypted
  // images are read whole (decoded or decrypted first).
  const file = decryptionKey || isHexPath(path) ? undefined : ImageFile.open(path, 'image');
  let bytes = file ? undefined : (await readImageInput(path, 'image')).bytes;
  try {
    // MCUboot decrypts the secondary slot with the device key, then checks hash and signature over the plaintext.
    if (decryptionKey && bytes) bytes = decryptImage(await encryptionCrypto(), bytes, decryptionKey);
    const v = file ? await verifyImageFile(file, verifyOptions) : await verifyImage(bytes!, verifyOptions);
    if (p.json) {
      console.log(
        JSON.stringify({
          valid: v.valid,
          ...(v.code ? { code: v.code, message: v.message } : {}),
          version: v.versionText,
          hash: v.hash ? toHex(v.hash) : undefined,
          hashAlgorithm: v.hashAlgorithm,
          signed: v.signed,
          keyType: v.keyType,
          keyIndex: v.keyIndex,
          securityCounter: v.securityCounter,
        }),
      );
    } else if (v.valid) console.log(v.signed ? `valid (${v.keyType} signature, version ${v.versionText})` : `valid (hash only, version ${v.versionText})`);
    else console.log(`invalid: ${v.code}: ${v.message}`);
    return v.valid ? EXIT_OK : EXIT_NEGATIVE;
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    if (p.json) console.log(JSON.stringify({ valid: false, code: e.code, message: e.message }));
    else console.log(`invalid: ${e.code}: ${e.message}`);
    return EXIT_NEGATIVE;
  } finally {
    file?.close();
  }
}

function tlvJson(t: Tlv): Record<string, unknown> {
  return { type: t.type, type_name: tlvTypeName(t.type), offset: t.offset, len: t.value.length, data: toHex(t.value) };
}

function trailerJson(bytes: Uint8Array, maxAlign: number): Record<string, unknown> | undefined {
  let layout;
  try {
    layout = trailerLayout(bytes.length, maxAlign);
  } catch {
    return undefined;
  }
  const state = trailerStateFromBytes(bytes, { maxAlign });
    return {
    magic: toHex(bytes.subarray(layout.magicOff, layout.magicOff + BOOT_MAGIC_SZ)),
    image_ok: bytes[layout.imageOkOff],
    copy_done: bytes[layout.copyDoneOff],
    swap_info: bytes[layout.swapInfoOff],
    swap_size: readU32LE(bytes, layout.swapSizeOff),
    state: {
      magic: magicStateName(state.magic),
      image_ok: flagStateName(state.imageOk),
      copy_done: flagStateName(state.copyDone),
      swap_type: swapTypeName(state.swapType),
      image_num: state.imageNum,
    },
  };
}

/** `image info` on bytes that are not a readable image: an ImageError is the verdict (exit 1), in text or JSON. */
function infoRefused(e: unknown, json: boolean): number {
  if (!(e instanceof ImageError)) throw e;
  if (json) console.log(JSON.stringify({ ok: false, error: e.toJSON() }));
  else console.log(`invalid: ${e.code}: ${e.message}`);
  return EXIT_NEGATIVE;
}

async function cmdInfo(argv: string[]): Promise<number> {
  const p = parseCommand(INFO, argv);
  if (p.help) return printHelp(INFO);
  const path = p.positionals[0]!;
  let bytes: Uint8Array;
  let img;
  // A plain image file: only its header, TLVs and trailer are read; its hash is streamed from the file.
  const file = isHexPath(path) ? undefined : ImageFile.open(path, 'image');
  try {
    bytes = file ? readImageSkeleton(file) : (await readImageInput(path, 'image')).bytes;
    img = parseImage(bytes);
  } catch (e) {
    file?.close();
    return infoRefused(e, p.json);
  }
  const h = img.header;
  const encrypted = encryptedKeyBytes(h.flags) !== undefined;
  // The hash covers the plaintext: with the device key, hash the decrypted body.
  let hashed = bytes;
  const encKeyPath = stringValue(p, 'enc-key');
  if (encKeyPath !== undefined && encrypted) {
    const k = readPem(p, encKeyPath);
    try {
      hashed = decryptImage(await encryptionCrypto(), file ? file.read(0, file.size) : bytes, decryptionKeyFromPem(k.pem, k.passphrase));
    } catch (e) {
      file?.close();
      return infoRefused(e, p.json);
    }
  }
  const decrypted = hashed !== bytes;
  const hashes = img.unprotectedArea.entries
    .filter((t) => HASH_TLV_ALGORITHMS.has(t.type))
    .map((t) => {
      const alg = HASH_TLV_ALGORITHMS.get(t.type)!;
      const computed = file && !decrypted ? file.digest(nativeCrypto, alg, hashedRegionLength(h)) : hash(nativeCrypto, alg, hashed.subarray(0, hashedRegionLength(h)));
      return { algorithm: alg, tlv: toHex(t.value), computed: toHex(computed), match: toHex(computed) === toHex(t.value) };
    });
  file?.close();
  // As imgtool dumpinfo: BOOT_MAX_ALIGN from the magic when it names one, unless given.
  const maxAlignText = stringValue(p, 'max-align');
  const maxAlign = maxAlignText !== undefined ? parseInteger('max-align', maxAlignText) : (maxAlignFromMagic(bytes) ?? IMGTOOL_DEFAULT_MAX_ALIGN);
  const trailer = img.trailingBytes > 0 ? trailerJson(bytes, maxAlign) : undefined;
  const info = {
    filename: basename(path),
    header: {
      magic: h.magic,
      load_addr: h.loadAddr,
      hdr_size: h.hdrSize,
      protected_tlv_size: h.protectTlvSize,
      img_size: h.imgSize,
      flags: h.flags,
      flag_names: flagNames(h.flags),
      version: formatVersion(h.version),
    },
    tlv_area: {
      tlv_hdr_prot: img.protectedArea ? { magic: img.protectedArea.magic, tlv_tot: img.protectedArea.tlvTot } : {},
      tlvs_prot: (img.protectedArea?.entries ?? []).map(tlvJson),
      tlv_hdr: { magic: img.unprotectedArea.magic, tlv_tot: img.unprotectedArea.tlvTot },
      tlvs: img.unprotectedArea.entries.map(tlvJson),
    },
    security_counter: img.protectedInfo.securityCounter,
    dependencies: img.protectedInfo.dependencies.map((d) => ({ image_id: d.imageId, version: formatVersion(d.version) })),
    image_size: img.imageSize,
    file_size: bytes.length,
    encrypted: encrypted ? { decrypted } : false,
    hashes,
    trailer: trailer ?? {},
  };
  if (p.json) {
    console.log(JSON.stringify(info, null, 2));
    return EXIT_OK;
  }
  const lines = [
    `${info.filename}: MCUboot image, ${bytes.length} bytes (image ${img.imageSize}, ${img.trailingBytes} after it)`,
    'header:',
    `  magic              0x${h.magic.toString(16)}`,
    `  load_addr          0x${h.loadAddr.toString(16)}`,
    `  hdr_size           0x${h.hdrSize.toString(16)} (${h.hdrSize})`,
    `  protected_tlv_size ${h.protectTlvSize}`,
    `  img_size           ${h.imgSize}`,
    `  flags              0x${h.flags.toString(16)}${info.header.flag_names.length ? ` (${info.header.flag_names.join(', ')})` : ''}`,
    `  version            ${info.header.version}`,
  ];
  const listTlvs = (title: string, area: { magic: number; tlvTot: number; entries: Tlv[] } | undefined) => {
    if (!area) return;
    lines.push(`${title} (magic 0x${area.magic.toString(16)}, ${area.tlvTot} bytes):`);
    for (const t of area.entries) lines.push(`  ${tlvTypeName(t.type).padEnd(12)} 0x${t.type.toString(16).padStart(2, '0')} len ${String(t.value.length).padStart(4)}  ${toHex(t.value)}`);
  };
  listTlvs('protected TLVs', img.protectedArea);
  listTlvs('TLVs', img.unprotectedArea);
  if (info.security_counter !== undefined) lines.push(`security counter: ${info.security_counter}`);
  for (const d of info.dependencies) lines.push(`dependency: image ${d.image_id} >= ${d.version}`);
  if (encrypted) lines.push(decrypted ? 'body: encrypted; hashes computed over the decrypted body' : 'body: encrypted; the hash covers the plaintext (give --enc-key to check it)');
  for (const x of hashes) lines.push(`hash ${x.algorithm}: ${x.match ? 'matches' : `MISMATCH (computed ${x.computed})`}`);
  if (trailer) {
    const s = trailer.state as Record<string, unknown>;
    lines.push(`trailer (max-align ${maxAlign}): magic ${s.magic}, image_ok ${s.image_ok}, copy_done ${s.copy_done}, swap ${s.swap_type}, image ${s.image_num}`);
  }
  console.log(lines.join('\n'));
  return EXIT_OK;
}

async function cmdKeygen(argv: string[]): Promise<number> {
  const p = parseCommand(KEYGEN, argv);
  if (p.help) return printHelp(KEYGEN);
  const file = requireString(p, 'key', 'fotakit image keygen');
  const type = requireString(p, 'type', 'fotakit image keygen');
  if (!(KEYGEN_TYPES as ReadonlyArray<string>).includes(type)) {
    throw new UsageError(`--type: '${type}' is not one of ${KEYGEN_TYPES.join(', ')}`);
  }
  // A key is the one thing that cannot be made again: never replaced without --force.
  checkOutputPath('--key', file, { overwrite: p.values.force === true, forceFlag: '--force' });
  writeOutput(file, generateImageKeyPem(type as ImageKeyType | 'x25519', passphrase(p)), 0o600);
  if (p.json) console.log(JSON.stringify({ ok: true, key: file, type }));
  return EXIT_OK;
}

/** imgtool's key short names, which name the C and Rust symbols. */
const KEY_SHORT_NAMES: Readonly<Record<ImageKeyType | 'x25519', string>> = {
  ed25519: 'ed25519',
  'ecdsa-p256': 'ecdsa',
  'ecdsa-p384': 'ecdsap384',
  'rsa-2048': 'rsa',
  'rsa-3072': 'rsa',
  x25519: 'x25519',
};

const AUTOGEN_LINE = '/* Autogenerated by imgtool.py, do not edit. */';
const SYMBOL_SUFFIX = /^[A-Za-z0-9_]*$/;

function byteRows(bytes: Uint8Array): string[] {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += C_ARRAY_BYTES_PER_LINE) {
    rows.push(`    ${Array.from(bytes.subarray(i, i + C_ARRAY_BYTES_PER_LINE), (b) => `0x${b.toString(16).padStart(2, '0')},`).join(' ')}`);
  }
  return rows;
}

/** A C array as imgtool emits it (`const unsigned char NAME[] = {...}; const unsigned int NAME_len = N;`). */
export function cArray(name: string, bytes: Uint8Array): string {
  return [AUTOGEN_LINE, `const unsigned char ${name}[] = {`, ...byteRows(bytes), '};', `const unsigned int ${name}_len = ${bytes.length};`].join('\n') + '\n';
}

/** imgtool's `getpub -e lang-c` text. */
export function publicKeyAsC(type: ImageKeyType | 'x25519', der: Uint8Array, suffix = ''): string {
  return cArray(`${KEY_SHORT_NAMES[type]}_pub_key${suffix}`, der);
}

/** imgtool's `getpub -e lang-rust` text. */
export function publicKeyAsRust(type: ImageKeyType | 'x25519', der: Uint8Array, suffix = ''): string {
  const name = `${KEY_SHORT_NAMES[type].toUpperCase()}_PUB_KEY${suffix.toUpperCase()}`;
  return [AUTOGEN_LINE, `static ${name}: &[u8] = &[`, ...byteRows(der), '];'].join('\n') + '\n';
}

/** Writes a key command's output to -o (never over the key it was read from) or stdout. */
function emit(p: Parsed, out: Uint8Array | string): void {
  const output = stringValue(p, 'output');
  const key = stringValue(p, 'key');
  if (output === undefined) {
    process.stdout.write(out);
    return;
  }
  if (key !== undefined) refuseSamePath('-o', output, [{ flag: '-k', path: key }]);
  writeOutput(output, out);
}

function nameSuffix(p: Parsed, encoding: string, textEncodings: ReadonlyArray<string>): string {
  const suffix = stringValue(p, 'name-suffix') ?? '';
  if (!SYMBOL_SUFFIX.test(suffix)) throw new UsageError(`--name-suffix: '${suffix}' must contain only [A-Za-z0-9_]`);
  if (suffix && !textEncodings.includes(encoding)) throw new UsageError(`--name-suffix is only meaningful for ${textEncodings.join(' / ')}`);
  return suffix;
}

async function cmdGetpub(argv: string[]): Promise<number> {
  const p = parseCommand(GETPUB, argv);
  if (p.help) return printHelp(GETPUB);
  const file = requireString(p, 'key', 'fotakit image getpub');
  const encoding = stringValue(p, 'encoding') ?? 'lang-c';
  const k = readPem(p, file);
  const { type, der } = anyPublicKeyFromPem(k.pem, k.passphrase);
  const suffix = nameSuffix(p, encoding, ['c', 'lang-c', 'lang-rust']);
  let out: Uint8Array | string;
  if (encoding === 'pem') out = publicKeyPem(k.pem, k.passphrase);
  else if (encoding === 'raw') out = der;
  else if (encoding === 'c' || encoding === 'lang-c') out = publicKeyAsC(type, der, suffix);
  else if (encoding === 'lang-rust') out = publicKeyAsRust(type, der, suffix);
  else throw new UsageError(`--encoding: '${encoding}' is not pem, raw, lang-c or lang-rust`);
  emit(p, out);
  return EXIT_OK;
}

async function cmdGetpubhash(argv: string[]): Promise<number> {
  const p = parseCommand(GETPUBHASH, argv);
  if (p.help) return printHelp(GETPUBHASH);
  const file = requireString(p, 'key', 'fotakit image getpubhash');
  const encoding = stringValue(p, 'encoding') ?? 'lang-c';
  const k = readPem(p, file);
  const { type, der } = anyPublicKeyFromPem(k.pem, k.passphrase);
  const suffix = nameSuffix(p, encoding, ['lang-c']);
  // imgtool hashes with SHA-256 whatever the key (an image's KEYHASH follows its hash TLV instead).
  const digest = hash(nativeCrypto, 'sha256', der);
  if (encoding === 'raw') emit(p, digest);
  else if (encoding === 'lang-c') emit(p, cArray(`${KEY_SHORT_NAMES[type]}_pub_key_hash${suffix}`, digest));
  else throw new UsageError(`--encoding: '${encoding}' is not lang-c or raw`);
  return EXIT_OK;
}

async function cmdGetpriv(argv: string[]): Promise<number> {
  const p = parseCommand(GETPRIV, argv);
  if (p.help) return printHelp(GETPRIV);
  const file = requireString(p, 'key', 'fotakit image getpriv');
  if (p.values.minimal === true) throw new UsageError('--minimal: not supported by fotakit (use the full pkcs8 / openssl form)');
  const k = readPem(p, file);
  const format = stringValue(p, 'format');
  if (format !== undefined && format !== 'pkcs8' && format !== 'openssl') throw new UsageError(`--format: '${format}' is not pkcs8 or openssl`);
  const { type } = anyPublicKeyFromPem(k.pem, k.passphrase);
  const isRsa = type === 'rsa-2048' || type === 'rsa-3072';
  // imgtool's formats: RSA only openssl (PKCS#1, its default); the others pkcs8 (default), ECDSA also openssl (SEC1).
  if (format === 'pkcs8' && isRsa) throw new UsageError('--format: rsa does not support pkcs8');
  const der = privateKeyDer(k.pem, format ?? (isRsa ? 'openssl' : 'pkcs8'), k.passphrase);
  process.stdout.write(cArray('enc_priv_key', der));
  return EXIT_OK;
}

async function cmdKeyinfo(argv: string[]): Promise<number> {
  const p = parseCommand(KEYINFO, argv);
  if (p.help) return printHelp(KEYINFO);
  const file = requireString(p, 'key', 'fotakit image keyinfo');
  const pem = utf8(readInput(file, 'key'));
  if (isEncryptedPem(pem)) throw new UsageError(`image keyinfo: cannot inspect ${file}: the key is passphrase-protected`);
  const kind = keyKind(pem);
  const require = stringValue(p, 'require');
  if (require !== undefined && require !== 'private' && require !== 'public') throw new UsageError(`--require: '${require}' is not private or public`);
  console.log(kind);
  if (require !== undefined && kind !== require) throw new UsageError(`image keyinfo: key ${file} is ${kind}, but ${require} was required`);
  return EXIT_OK;
}

async function cmdVersion(argv: string[]): Promise<number> {
  const p = parseCommand(VERSION, argv);
  if (p.help) return printHelp(VERSION);
  console.log(IMGTOOL_COMPATIBLE_VERSION);
  return EXIT_OK;
}

function printHelp(spec: CommandSpec): number {
  console.log(helpText(spec));
  return EXIT_OK;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  sign: cmdSign,
  verify: cmdVerify,
  info: cmdInfo,
  dumpinfo: cmdInfo,
  keygen: cmdKeygen,
  getpub: cmdGetpub,
  getpubhash: cmdGetpubhash,
  getpriv: cmdGetpriv,
  keyinfo: cmdKeyinfo,
  version: cmdVersion,
};

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(GROUP_HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  const fn = COMMANDS[command];
  try {
    if (!fn) {
      const near = closestFlag(command, Object.keys(COMMANDS));
      throw new UsageError(`fotakit image: unknown command '${command}'${near ? ` (did you mean '${near}'?)` : ''}; commands: ${Object.keys(COMMANDS).join(', ')}`, {
        command,
        ...(near ? { suggestion: near } : {}),
      });
    }
    return await fn(rest);
  } catch (e) {
    // The exit status comes from the error's code (src/cli/exit-codes.ts).
    return reportError(e, argv.includes('--json'));
  }
}

/**
 * `fotakit image`: MCUboot images, imgtool-compatible (same flags, same bytes, same key files).
 *   sign    -k KEY [-H N] [--pad-header] [-S N] [-v V] [-s N|auto] [-d "(id,ver),..."] [--align N]
 *           [--max-align N] [--pad] [--confirm] [-R 0|0xff] [--public-key-format hash|full] [--pure]
 *           [--sha 256|384|512] IN OUT
 *   verify  [-k KEY ...] IMG        exit 0 "valid", 1 with the reason code
 *   info    IMG [--json]            header, every TLV, hashes, trailer state
 *   keygen  -k FILE -t ed25519|ecdsa-p256|ecdsa-p384|rsa-2048|rsa-3072
 *   getpub  -k FILE [-e pem|raw|c] [-o FILE]
 * Exit codes: 0 ok, 1 invalid image, 2 usage or unreadable input.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readU32LE, toHex } from '../../hal/bytes.ts';
import { hash, type Crypto, type HashAlgorithm } from '../../hal/crypto.ts';
import { UsageError } from '../../hal/errors.ts';
import { createNativeNodeCrypto } from '../../hal/node/crypto-native.ts';
import { createPemSigner, generateImageKeyPem, IMAGE_KEY_TYPES, publicKeyFromPem, publicKeyPem } from '../../hal/node/image-keys.ts';
import { ImageError } from '../../fota/mcuboot/errors.ts';
import { flagNames, hashedRegionLength } from '../../fota/mcuboot/header.ts';
import { parseImage } from '../../fota/mcuboot/image.ts';
import { imageKeyFromDer, type ImageKeyType } from '../../fota/mcuboot/keys.ts';
import type { ImageDependency } from '../../fota/mcuboot/protected.ts';
import { signImage, type SignOptions } from '../../fota/mcuboot/sign.ts';
import { tlvTypeName, type Tlv } from '../../fota/mcuboot/tlv.ts';
import { HASH_TLV_ALGORITHMS } from '../../fota/mcuboot/verdict.ts';
import { verifyImage } from '../../fota/mcuboot/verify.ts';
import { formatVersion, parseVersion } from '../../fota/mcuboot/version.ts';
import { BOOT_MAGIC_SZ, flagStateName, magicStateName, swapTypeName, trailerLayout, trailerStateFromBytes } from '../../fota/mcuboot/trailer.ts';
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

/** Header size when -H is not given (Zephyr's usual CONFIG_ROM_START_OFFSET with MCUboot). */
export const IMAGE_SIGN_DEFAULT_HEADER_BYTES = 0x200;
/** Largest image id in a DEPENDENCY (u8). */
const DEPENDENCY_IMAGE_ID_MAX = 0xff;
/** Bytes per line of `getpub -e c`, as imgtool writes them. */
const C_ARRAY_BYTES_PER_LINE = 8;

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
  },
  positionals: { min: 2, max: 2, names: 'IN OUT' },
};

export const VERIFY: CommandSpec = {
  usage: 'fotakit image verify [-k KEY ...] IMG',
  summary: 'Checks the hash and, with keys, the signature of an image. Exit 0 "valid", 1 with the reason code.',
  options: { key: { type: 'string', short: 'k', multiple: true } },
  help: { key: 'trusted key: PEM (private or public) or MCUboot DER; repeatable. Without: hash only' },
  positionals: { min: 1, max: 1, names: 'IMG' },
};

export const INFO: CommandSpec = {
  usage: 'fotakit image info IMG [--json]',
  summary: 'Shows the header, every TLV, the hash check and the trailer state of a padded image.',
  options: { 'max-align': { type: 'string' } },
  help: { 'max-align': 'BOOT_MAX_ALIGN of the trailer (default 8)' },
  positionals: { min: 1, max: 1, names: 'IMG' },
};

export const KEYGEN: CommandSpec = {
  usage: 'fotakit image keygen -k FILE -t TYPE [--force]',
  summary: `Writes a new private key (PKCS#8 PEM, like imgtool keygen). TYPE: ${IMAGE_KEY_TYPES.join(', ')}.`,
  options: { key: { type: 'string', short: 'k' }, type: { type: 'string', short: 't' }, force: { type: 'boolean' } },
  help: { key: 'output key file', type: 'key type', force: 'replace an existing key file (its key is lost)' },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export const GETPUB: CommandSpec = {
  usage: 'fotakit image getpub -k FILE [-e pem|raw|c] [-o FILE]',
  summary: 'Prints the public key as MCUboot embeds it: PEM, raw DER, or a C array (default c, like imgtool).',
  options: { key: { type: 'string', short: 'k' }, encoding: { type: 'string', short: 'e' }, output: { type: 'string', short: 'o' } },
  help: { key: 'key file (PEM)', encoding: 'pem, raw (DER bytes) or c (lang-c)', output: 'write to this file instead of stdout' },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

const GROUP_HELP = [
  'usage: fotakit image <command> [options]   (--help on any of them)',
  '',
  'commands:',
  '  sign      sign a binary into an MCUboot image (imgtool sign)',
  '  verify    check hash and signature of an image',
  '  info      header, TLVs, hashes and trailer of an image',
  '  keygen    new signing key (PKCS#8 PEM)',
  '  getpub    public key as PEM, raw DER or C array',
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

async function cmdSign(argv: string[]): Promise<number> {
  const p = parseCommand(SIGN, argv);
  if (p.help) return printHelp(SIGN);
  const [input, output] = p.positionals as [string, string];
  checkOutputPath('OUT', output);
  refuseSamePath('OUT', output, [{ flag: 'IN', path: input }, ...(stringValue(p, 'key') !== undefined ? [{ flag: '--key', path: stringValue(p, 'key')! }] : [])]);
  const options: SignOptions = {
    crypto: (await import('../../hal/node/crypto.ts')).nodeCrypto,
    headerSize: IMAGE_SIGN_DEFAULT_HEADER_BYTES,
  };
  const key = stringValue(p, 'key');
  if (key !== undefined) options.signer = createPemSigner(utf8(readInput(key, 'key')));
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
  if (p.values['pad-header'] === true) options.padHeader = true;
  if (p.values.pad === true) options.pad = true;
  if (p.values.confirm === true) options.confirm = true;
  if (p.values.pure === true) options.pure = true;
  const version = stringValue(p, 'version');
  if (version !== undefined) options.version = parseVersion(version);
  const sc = stringValue(p, 'security-counter');
  if (sc !== undefined) options.securityCounter = sc === 'auto' ? 'auto' : parseInteger('security-counter', sc, IMAGE_U32_MAX);
  const deps = stringValue(p, 'dependencies');
  if (deps !== undefined) options.dependencies = parseDependencies(deps);
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
  const image = await signImage(readInput(input, 'input'), options);
  writeOutput(output, image);
  if (p.json) console.log(JSON.stringify({ ok: true, out: output, bytes: image.length }));
  return EXIT_OK;
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

/** A trusted key from a file: PEM (private or public) or MCUboot DER. */
function loadTrustedKey(path: string): Uint8Array {
  const bytes = readInput(path, 'key');
  const text = utf8(bytes);
  if (text.includes('-----BEGIN')) return publicKeyFromPem(text).der;
  return imageKeyFromDer(bytes).der;
}

/** Hashing and ed25519/RSA need node:crypto only: the CLI starts faster without @noble/curves. */
const nativeCrypto = createNativeNodeCrypto();

/** The crypto HAL for verifying against `keys`: with @noble/curves' ECDSA only when an ECDSA key is trusted. */
async function cryptoFor(keys: readonly Uint8Array[]): Promise<Crypto> {
  if (!keys.some((k) => imageKeyFromDer(k).type.startsWith('ecdsa'))) return nativeCrypto;
  return (await import('../../hal/node/crypto.ts')).nodeCrypto;
}

async function cmdVerify(argv: string[]): Promise<number> {
  const p = parseCommand(VERIFY, argv);
  if (p.help) return printHelp(VERIFY);
  const keys = stringList(p, 'key').map(loadTrustedKey);
  const bytes = readInput(p.positionals[0]!, 'image');
  try {
    const v = await verifyImage(bytes, { crypto: await cryptoFor(keys), trustedKeys: keys, allowUnsigned: keys.length === 0 });
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

async function cmdInfo(argv: string[]): Promise<number> {
  const p = parseCommand(INFO, argv);
  if (p.help) return printHelp(INFO);
  const path = p.positionals[0]!;
  const bytes = readInput(path, 'image');
  const maxAlignText = stringValue(p, 'max-align');
  const maxAlign = maxAlignText === undefined ? IMGTOOL_DEFAULT_MAX_ALIGN : parseInteger('max-align', maxAlignText);
  let img;
  try {
    img = parseImage(bytes);
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    if (p.json) console.log(JSON.stringify({ ok: false, error: e.toJSON() }));
    else console.log(`invalid: ${e.code}: ${e.message}`);
    return EXIT_NEGATIVE;
  }
  const h = img.header;
  const hashes = img.unprotectedArea.entries
    .filter((t) => HASH_TLV_ALGORITHMS.has(t.type))
    .map((t) => {
      const alg = HASH_TLV_ALGORITHMS.get(t.type)!;
      const computed = hash(nativeCrypto, alg, bytes.subarray(0, hashedRegionLength(h)));
      return { algorithm: alg, tlv: toHex(t.value), computed: toHex(computed), match: toHex(computed) === toHex(t.value) };
    });
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
  if (!(IMAGE_KEY_TYPES as ReadonlyArray<string>).includes(type)) {
    throw new UsageError(`--type: '${type}' is not one of ${IMAGE_KEY_TYPES.join(', ')}`);
  }
  // A key is the one thing that cannot be made again: never replaced without --force.
  checkOutputPath('--key', file, { overwrite: p.values.force === true, forceFlag: '--force' });
  writeOutput(file, generateImageKeyPem(type as ImageKeyType), 0o600);
  if (p.json) console.log(JSON.stringify({ ok: true, key: file, type }));
  return EXIT_OK;
}

/** imgtool's `getpub -e lang-c` text. */
export function publicKeyAsC(type: ImageKeyType, der: Uint8Array): string {
  const name = type === 'ed25519' ? 'ed25519_pub_key' : type.startsWith('ecdsa') ? 'ecdsa_pub_key' : 'rsa_pub_key';
  const lines = ['/* Autogenerated by imgtool.py, do not edit. */', `const unsigned char ${name}[] = {`];
  for (let i = 0; i < der.length; i += C_ARRAY_BYTES_PER_LINE) {
    const row = Array.from(der.subarray(i, i + C_ARRAY_BYTES_PER_LINE), (b) => `0x${b.toString(16).padStart(2, '0')},`);
    lines.push(`    ${row.join(' ')}`);
  }
  lines.push('};', `const unsigned int ${name}_len = ${der.length};`);
  return lines.join('\n') + '\n';
}

async function cmdGetpub(argv: string[]): Promise<number> {
  const p = parseCommand(GETPUB, argv);
  if (p.help) return printHelp(GETPUB);
  const file = requireString(p, 'key', 'fotakit image getpub');
  const encoding = stringValue(p, 'encoding') ?? 'c';
  const output = stringValue(p, 'output');
  if (output !== undefined) {
    checkOutputPath('-o', output);
    refuseSamePath('-o', output, [{ flag: '-k', path: file }]);
  }
  const pem = utf8(readInput(file, 'key'));
  const { type, der } = publicKeyFromPem(pem);
  let out: Uint8Array | string;
  if (encoding === 'pem') out = publicKeyPem(pem);
  else if (encoding === 'raw') out = der;
  else if (encoding === 'c' || encoding === 'lang-c') out = publicKeyAsC(type, der);
  else throw new UsageError(`--encoding: '${encoding}' is not pem, raw or c`);
  if (output !== undefined) writeOutput(output, out);
  else if (typeof out === 'string') process.stdout.write(out);
  else process.stdout.write(out);
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
  keygen: cmdKeygen,
  getpub: cmdGetpub,
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

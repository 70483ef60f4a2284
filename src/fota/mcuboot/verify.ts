/**
 * Whole-image verification: `verifyImage(bytes, options)` for an image in memory and
 * `verifyImageFrom(read, size, options)` for one behind a reader (a slot on flash; the bootloader
 * model uses it). Both run the stream verifier over the image in order, after a look at the TLV
 * areas to hash with the algorithm the image uses. Malformed images throw ImageError; a failed
 * check is a verdict with `valid: false` and its code. Spec: mcuboot.md "Hash and signatures".
 */
import type { HashAlgorithm } from '../../hal/crypto.ts';
import { IMAGE_HEADER_SIZE, IMAGE_TLV_INFO_SIZE } from './constants.ts';
import { ImageError } from './errors.ts';
import { hashedRegionLength, parseHeader } from './header.ts';
import { createStreamVerifier } from './stream-verifier.ts';
import { parseTlvArea, parseTlvInfo } from './tlv.ts';
import { HASH_TLV_ALGORITHMS, type ImageVerdict, type VerifyOptions } from './verdict.ts';

/** Read size when verifying from a reader (a few flash pages). */
export const VERIFY_READ_CHUNK_BYTES = 16 * 1024;
/** Chunk size when verifying bytes in memory (views, no copies). */
const VERIFY_MEMORY_CHUNK_BYTES = 1024 * 1024;

export type ImageReader = (offset: number, length: number) => Promise<Uint8Array>;

/** Checked read: exactly `length` bytes or IMAGE_TRUNCATED. */
async function readExact(read: ImageReader, size: number | undefined, offset: number, length: number): Promise<Uint8Array> {
  if (size !== undefined && offset + length > size) {
    throw new ImageError('IMAGE_TRUNCATED', `verify.read: ${length} bytes at ${offset} run past the ${size}-byte image`, { offset: size });
  }
  const b = await read(offset, length);
  if (!(b instanceof Uint8Array) || b.length !== length) {
    throw new ImageError('IMAGE_TRUNCATED', `verify.read: asked ${length} bytes at ${offset}, got ${b?.length ?? 0}`, { offset });
  }
  return b;
}

/** The hash algorithm the image's first hash TLV names, when the TLV areas can be read; else sha256. */
async function pickHashAlgorithm(read: ImageReader, size: number | undefined): Promise<HashAlgorithm> {
  try {
    const header = parseHeader(await readExact(read, size, 0, IMAGE_HEADER_SIZE));
    const at = hashedRegionLength(header);
    const info = parseTlvInfo(await readExact(read, size, at, IMAGE_TLV_INFO_SIZE), 'unprotected', at);
    const area = parseTlvArea(await readExact(read, size, at, info.tlvTot), 'unprotected', at);
    for (const t of area.entries) {
      const alg = HASH_TLV_ALGORITHMS.get(t.type);
      if (alg) return alg;
    }
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    // The stream pass below reports the problem where it lies.
  }
  return 'sha256';
}

/**
 * Verifies an image behind a reader. `size`, when given, bounds every read (a slot size); without
 * it the image's own sizes decide how far to read.
 */
export async function verifyImageFrom(read: ImageReader, options: VerifyOptions): Promise<ImageVerdict>;
export async function verifyImageFrom(read: ImageReader, size: number | undefined, options: VerifyOptions): Promise<ImageVerdict>;
export async function verifyImageFrom(read: ImageReader, sizeOrOptions: number | undefined | VerifyOptions, maybeOptions?: VerifyOptions): Promise<ImageVerdict> {
  const size = typeof sizeOrOptions === 'number' ? sizeOrOptions : undefined;
  const options = typeof sizeOrOptions === 'object' ? sizeOrOptions : maybeOptions;
  if (!options) throw new ImageError('IMAGE_BAD_OPTIONS', 'verify.from: no options (crypto, trustedKeys)');
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw new ImageError('IMAGE_BAD_OPTIONS', `verify.from: size ${size} is not a byte count`);
  return verifyWithReader(read, size, options, VERIFY_READ_CHUNK_BYTES);
}

async function verifyWithReader(read: ImageReader, size: number | undefined, options: VerifyOptions, chunkBytes: number): Promise<ImageVerdict> {
  const algorithm = await pickHashAlgorithm(read, size);
  const v = createStreamVerifier({
    ...options,
    hashAlgorithms: [algorithm],
    reread: (offset, length) => readExact(read, size, offset, length),
  });
  let offset = 0;
  while (!v.complete) {
    // Before the TLV info is known, read up to the header or to the unprotected info header.
    const target = v.expectedLength ?? (v.header ? hashedRegionLength(v.header) + IMAGE_TLV_INFO_SIZE : IMAGE_HEADER_SIZE);
    let n = Math.min(chunkBytes, target - offset);
    if (n <= 0) n = IMAGE_TLV_INFO_SIZE; // protected area shorter than announced: read on, the verifier decides
    // At the end of a sized image, stop: finish() reports IMAGE_TRUNCATED after the verifier saw every byte.
    if (size !== undefined) n = Math.min(n, size - offset);
    if (n <= 0) break;
    v.update(await readExact(read, size, offset, n));
    offset += n;
  }
  return v.finish();
}

/** Verifies an image in memory (trailing bytes after the TLVs, e.g. slot padding, are ignored). */
export async function verifyImage(bytes: Uint8Array, options: VerifyOptions): Promise<ImageVerdict> {
  if (!(bytes instanceof Uint8Array)) throw new ImageError('IMAGE_TRUNCATED', 'verify: the image is not a Uint8Array');
  const read: ImageReader = async (offset, length) => bytes.subarray(offset, offset + length);
  return verifyWithReader(read, bytes.length, options, VERIFY_MEMORY_CHUNK_BYTES);
}

/**
 * Reading an MCUboot image file for `image verify` and `image info` without holding it whole: the file is
 * read in IMAGE_FILE_CHUNK_BYTES pieces into one reused buffer and hashed as it goes by. On this class of
 * machine one 8 MiB read into fresh memory costs ~30 ms (page faults) and hashing it in one call ~16 ms;
 * chunked, read and hash together take ~7 ms, which is most of the CLI's start-up budget (issue: the CLI
 * starts fast). Only the parts a report needs are kept: the header, the TLV areas and the bytes after
 * them (slot padding, trailer).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Crypto, HashAlgorithm } from '../hal/crypto.ts';
import { UsageError } from '../hal/errors.ts';
import { IMAGE_HEADER_SIZE } from '../fota/mcuboot/constants.ts';
import { hashedRegionLength, parseHeader } from '../fota/mcuboot/header.ts';
import { createStreamVerifier, type StreamVerifierOptions } from '../fota/mcuboot/stream-verifier.ts';
import type { ImageVerdict } from '../fota/mcuboot/verdict.ts';

/** Bytes read per system call: large enough for few calls, small enough to stay in the CPU's cache. */
export const IMAGE_FILE_CHUNK_BYTES = 256 * 1024;

/** An open image file read piecewise. */
export class ImageFile {
  readonly size: number;
  private readonly fd: number;
  private readonly chunk = new Uint8Array(IMAGE_FILE_CHUNK_BYTES);

  private constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens `path`; a missing or unreadable file is a usage error (exit 2). */
  static open(path: string, what: string): ImageFile {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error('not a file');
      return new ImageFile(fd, st.size);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      throw new UsageError(`image: cannot read ${what} '${path}': ${(e as Error).message}`, { path });
    }
  }

  /** Calls `fn` with [offset, offset + length) in order, a chunk at a time (the view is reused: copy to keep). */
  forEach(offset: number, length: number, fn: (bytes: Uint8Array, at: number) => void): void {
    const end = Math.min(this.size, offset + length);
    let at = offset;
    while (at < end) {
      const n = readSync(this.fd, this.chunk, 0, Math.min(this.chunk.length, end - at), at);
      if (n <= 0) throw new UsageError(`image: the file ended at ${at} while ${this.size} bytes were announced`);
      fn(this.chunk.subarray(0, n), at);
      at += n;
    }
  }

  /** A copy of [offset, offset + length). */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(this.size, offset + length) - offset));
    this.forEach(offset, out.length, (b, at) => out.set(b, at - offset));
    return out;
  }

  /** The digest of [0, length). */
  digest(crypto: Crypto, algorithm: HashAlgorithm, length: number): Uint8Array {
    const h = crypto.createHash(algorithm);
    this.forEach(0, length, (b) => h.update(b));
    return h.digest();
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The image's verdict, streamed from the file through the same verifier the agent runs while downloading. */
export async function verifyImageFile(file: ImageFile, options: StreamVerifierOptions): Promise<ImageVerdict> {
  const v = createStreamVerifier({ ...options, reread: async (offset, length) => file.read(offset, length) });
  file.forEach(0, file.size, (b) => v.update(b));
  return v.finish();
}

/**
 * The file as one array for parsing and the trailer, with only the header and everything from the
 * protected TLVs on actually read; the payload between stays unread (zero) and is only ever hashed from
 * the file (ImageFile.digest). Do not hash or show payload bytes of the result.
 */
export function readImageSkeleton(file: ImageFile): Uint8Array {
  const bytes = new Uint8Array(file.size);
  const head = file.read(0, Math.min(file.size, IMAGE_HEADER_SIZE));
  bytes.set(head, 0);
  if (head.length < IMAGE_HEADER_SIZE) return bytes;
  let from = IMAGE_HEADER_SIZE;
  try {
    const h = parseHeader(head);
    from = Math.min(file.size, Math.max(IMAGE_HEADER_SIZE, hashedRegionLength(h) - h.protectTlvSize));
    bytes.set(file.read(IMAGE_HEADER_SIZE, Math.min(h.hdrSize, file.size) - IMAGE_HEADER_SIZE), IMAGE_HEADER_SIZE);
  } catch {
    // Not a header fotakit can read: parse the whole file, and let the parser say what is wrong.
  }
  bytes.set(file.read(from, file.size - from), from);
  return bytes;
}

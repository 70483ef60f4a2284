/**
 * Streaming MCUboot image verifier: fed the image in order, in chunks of any size, it hashes the
 * signed region as the bytes pass and keeps only the header and the TLV areas (at most
 * 2 x IMAGE_MAX_TLV_AREA_BYTES), so memory does not grow with the image. This is what the FOTA agent
 * runs while downloading: a bad header is reported at the first 32 bytes, a bad TLV area as soon as
 * it has arrived, and `finish()` gives the verdict (see verdict.ts).
 *
 * Hashing: the verifier computes `hashAlgorithms` (default SHA-256, what MCUboot builds use) on the
 * way. An image whose hash TLV uses another algorithm, and ed25519 pure images (signed over the whole
 * region, which an Ed25519 verifier needs twice), need `reread` to read the region back (from flash);
 * without it the verdict is IMAGE_NO_HASH / IMAGE_PURE_NEEDS_REREAD. Bytes after the unprotected TLV
 * area (slot padding, trailer) are counted and ignored.
 * Spec: mcuboot.md; bootutil image_validate.c.
 */
import { concatBytes, readU16LE } from '../../hal/bytes.ts';
import type { HashAlgorithm, Hasher } from '../../hal/crypto.ts';
import { IMAGE_HEADER_SIZE, IMAGE_TLV_INFO_SIZE, IMAGE_TLV_PROT_INFO_MAGIC } from './constants.ts';
import { ImageError } from './errors.ts';
import { hashedRegionLength, parseHeader, tlvAreaOffset, type ImageHeader } from './header.ts';
import { parseTlvArea, parseTlvInfo, type TlvArea } from './tlv.ts';
import { decideVerdict, prepareTrustedKeys, type ImageVerdict, type VerifyOptions } from './verdict.ts';

export interface StreamVerifierOptions extends VerifyOptions {
  /** Digests computed as bytes pass (default ['sha256']). */
  hashAlgorithms?: ReadonlyArray<HashAlgorithm>;
  /** Reads back [offset, offset+length) of the image (for pure ed25519 or another hash algorithm). */
  reread?: (offset: number, length: number) => Promise<Uint8Array>;
  /** Largest image (header to end of TLVs) accepted, e.g. the slot size: IMAGE_TOO_LARGE at the header. */
  maxImageBytes?: number;
}

export interface StreamVerifier {
  /** Feeds the next bytes. Throws ImageError as soon as the bytes seen so far are malformed. */
  update(chunk: Uint8Array): void;
  /** The verdict once the whole image went by; IMAGE_TRUNCATED before that. */
  finish(): Promise<ImageVerdict>;
  /** The header once the first 32 bytes arrived. */
  readonly header: ImageHeader | undefined;
  /** Header to end of the unprotected TLV area, once its info header arrived. */
  readonly expectedLength: number | undefined;
  /** Bytes fed so far. */
  readonly received: number;
  /** True once the whole image (through the unprotected TLV area) arrived. */
  readonly complete: boolean;
}

export function createStreamVerifier(options: StreamVerifierOptions): StreamVerifier {
  const trusted = prepareTrustedKeys(options.trustedKeys);
  const algorithms: HashAlgorithm[] = [...new Set<HashAlgorithm>(options.hashAlgorithms ?? ['sha256'])];
  const hashers: Hasher[] = algorithms.map((a) => options.crypto.createHash(a));
  const hashUpdate = (bytes: Uint8Array): void => {
    for (let i = 0; i < hashers.length; i++) hashers[i]!.update(bytes);
  };
  let received = 0;
  let headerBytes: Uint8Array = new Uint8Array(0);
  let header: ImageHeader | undefined;
  let hashedEnd = 0;
  let tlvStart = 0;
  let unprotStart = 0;
  /** Bytes from tlvStart on, up to the end of the unprotected area. */
  let tlvBytes: Uint8Array = new Uint8Array(0);
  let tlvParts: Uint8Array[] = [];
  let tlvCollected = 0;
  let tlvEnd: number | undefined;
  let protectedArea: TlvArea | undefined;
  let protectedInfoChecked = false;
  let unprotectedArea: TlvArea | undefined;
  let finished = false;

  const tlvView = (): Uint8Array => {
    if (tlvParts.length > 0) {
      tlvBytes = concatBytes(tlvBytes, ...tlvParts);
      tlvParts = [];
    }
    return tlvBytes;
  };

  function onHeader(): void {
    header = parseHeader(headerBytes);
    hashedEnd = hashedRegionLength(header);
    tlvStart = tlvAreaOffset(header);
    unprotStart = hashedEnd;
    const minimum = unprotStart + IMAGE_TLV_INFO_SIZE;
    if (options.maxImageBytes !== undefined && minimum > options.maxImageBytes) {
      throw new ImageError('IMAGE_TOO_LARGE', `stream.header: the image needs at least ${minimum} bytes, more than ${options.maxImageBytes}`, {
        imgSize: header.imgSize,
      });
    }
  }

  /** Looks at the TLV bytes collected so far; parses each area as soon as it is complete. */
  function onTlvBytes(): void {
    const h = header!;
    if (h.protectTlvSize > 0 && !protectedArea && tlvCollected >= IMAGE_TLV_INFO_SIZE) {
      if (!protectedInfoChecked) {
        const info = parseTlvInfo(tlvView(), 'protected', tlvStart);
        if (info.tlvTot !== h.protectTlvSize) {
          throw new ImageError('IMAGE_PROTECTED_SIZE_MISMATCH', `stream.tlv: protected area is ${info.tlvTot} bytes, header says ${h.protectTlvSize}`, {
            offset: tlvStart,
          });
        }
        protectedInfoChecked = true;
      }
      if (tlvCollected >= h.protectTlvSize) protectedArea = parseTlvArea(tlvView().subarray(0, h.protectTlvSize), 'protected', tlvStart);
    }
    const u = h.protectTlvSize;
    if (tlvEnd === undefined && tlvCollected >= u + IMAGE_TLV_INFO_SIZE) {
      const at = tlvView().subarray(u);
      if (u === 0 && readU16LE(at, 0) === IMAGE_TLV_PROT_INFO_MAGIC) {
        throw new ImageError('IMAGE_PROTECTED_SIZE_MISMATCH', `stream.tlv: a protected TLV area at ${tlvStart} that the header does not announce`, {
          offset: tlvStart,
        });
      }
      const info = parseTlvInfo(at, 'unprotected', unprotStart);
      tlvEnd = unprotStart + info.tlvTot;
      if (options.maxImageBytes !== undefined && tlvEnd > options.maxImageBytes) {
        throw new ImageError('IMAGE_TOO_LARGE', `stream.tlv: the image is ${tlvEnd} bytes, more than ${options.maxImageBytes}`);
      }
    }
    if (tlvEnd !== undefined && !unprotectedArea && tlvStart + tlvCollected >= tlvEnd) {
      unprotectedArea = parseTlvArea(tlvView().subarray(u, tlvEnd - tlvStart), 'unprotected', unprotStart);
    }
  }

  function update(chunk: Uint8Array): void {
    if (finished) throw new ImageError('IMAGE_STREAM_STATE', 'stream.update: called after finish()');
    if (!(chunk instanceof Uint8Array)) throw new ImageError('IMAGE_STREAM_STATE', 'stream.update: chunk is not a Uint8Array');
    const data = chunk;
    const start = received;
    received += chunk.length;
    if (!header) {
      const need = IMAGE_HEADER_SIZE - headerBytes.length;
      headerBytes = concatBytes(headerBytes, data.subarray(0, need));
      if (headerBytes.length === IMAGE_HEADER_SIZE) onHeader();
    }
    if (!header) {
      hashUpdate(data);
      return;
    }
    // Hash what falls in [0, hashedEnd).
    if (start < hashedEnd) {
      const n = hashedEnd - start;
      hashUpdate(n >= data.length ? data : data.subarray(0, n));
    }
    // Keep what falls in [tlvStart, tlvEnd ?? ∞).
    if (received <= tlvStart || unprotectedArea) return;
    const end = tlvEnd ?? Infinity;
    const from = Math.max(start, tlvStart);
    const to = Math.min(received, end);
    if (to > from) {
      // Collect in slices no longer than what the still-unknown unprotected area could need.
      let o = from;
      while (o < to && !unprotectedArea) {
        const limit = tlvEnd ?? (tlvCollected < header.protectTlvSize + IMAGE_TLV_INFO_SIZE ? tlvStart + header.protectTlvSize + IMAGE_TLV_INFO_SIZE : Infinity);
        const stop = Math.min(to, limit);
        // A copy: the caller may reuse its buffer (a receive buffer) once update() returns.
        tlvParts.push(data.slice(o - start, stop - start));
        tlvCollected += stop - o;
        o = stop;
        onTlvBytes();
      }
    }
  }

  async function finish(): Promise<ImageVerdict> {
    if (finished) throw new ImageError('IMAGE_STREAM_STATE', 'stream.finish: called twice');
    if (!header || tlvEnd === undefined || !unprotectedArea || (header.protectTlvSize > 0 && !protectedArea)) {
      throw new ImageError('IMAGE_TRUNCATED', `stream.finish: the image ends at ${received} bytes, before the end of ${!header ? 'the header' : 'its TLV areas'}`, {
        offset: received,
      });
    }
    finished = true;
    const digests = new Map<HashAlgorithm, Uint8Array>();
    algorithms.forEach((a, i) => digests.set(a, hashers[i]!.digest()));
    const img = { header, unprotectedArea, digests, ...(protectedArea ? { protectedArea } : {}), ...(options.reread ? { reread: options.reread } : {}) };
    return decideVerdict(img, options, trusted);
  }

  return {
    update,
    finish,
    get header() {
      return header;
    },
    get expectedLength() {
      return tlvEnd;
    },
    get received() {
      return received;
    },
    get complete() {
      return unprotectedArea !== undefined && (header!.protectTlvSize === 0 || protectedArea !== undefined);
    },
  };
}

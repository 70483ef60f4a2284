/**
 * The nRF9160 modem's TLS record limit, checked on the raw server-to-device byte stream. Spec: RFC 5246
 * §6.2 (TLSPlaintext/TLSCiphertext: 1-byte type, 2-byte version, 2-byte length) and
 * shared/reference/nrf91-fota.md ("EMSGSIZE": records of at most 2303 bytes, header included).
 *
 * The gate only reads record headers (the payload stays encrypted); it says how many bytes of a chunk
 * may still pass to the TLS layer, so the records before an oversized one are decrypted and handed up
 * first, exactly as the modem does before its recv fails with EMSGSIZE.
 */

/** TLS record header: content type (1), protocol version (2), length (2). */
export const TLS_RECORD_HEADER_BYTES = 5;
/** Largest length field TLS allows (2^14 plaintext + 2048 expansion, RFC 5246 §6.2.3). */
export const TLS_RECORD_MAX_LENGTH = 16384 + 2048;

export interface GateVerdict {
  /** Bytes at the start of the chunk that may pass to the TLS layer. */
  pass: number;
  /** When a record over the limit was found: its size, header included. */
  oversizeRecordBytes?: number;
}

export class TlsRecordGate {
  /** Records whose header has been seen. */
  records = 0;
  /** Largest record seen, header included. */
  largestRecordBytes = 0;
  /** Set once a record over the limit was seen; nothing passes afterwards. */
  tripped = false;

  private readonly header = new Uint8Array(TLS_RECORD_HEADER_BYTES);
  private headerHave = 0;
  private bodyLeft = 0;

  constructor(readonly maxRecordBytes: number) {
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes <= TLS_RECORD_HEADER_BYTES) {
      throw new RangeError(`recordGate: maxRecordBytes must be an integer above ${TLS_RECORD_HEADER_BYTES}, got ${maxRecordBytes}`);
    }
  }

  /** Inspects the next raw bytes from the server. */
  feed(chunk: Uint8Array): GateVerdict {
    if (this.tripped) return { pass: 0 };
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const headerStart = i - this.headerHave;
      while (this.headerHave < TLS_RECORD_HEADER_BYTES && i < chunk.length) this.header[this.headerHave++] = chunk[i++]!;
      if (this.headerHave < TLS_RECORD_HEADER_BYTES) break;
      this.headerHave = 0;
      const length = (this.header[3]! << 8) | this.header[4]!;
      const recordBytes = TLS_RECORD_HEADER_BYTES + length;
      this.records++;
      if (recordBytes > this.largestRecordBytes) this.largestRecordBytes = recordBytes;
      if (recordBytes > this.maxRecordBytes) {
        this.tripped = true;
        return { pass: Math.max(0, headerStart), oversizeRecordBytes: recordBytes };
      }
      this.bodyLeft = length;
    }
    return { pass: chunk.length };
  }
}

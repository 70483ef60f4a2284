/**
 * The nRF9160 modem's TLS record limit, checked on the raw server-to-device byte stream. Spec: RFC 5246
 * §6.2 (TLSPlaintext/TLSCiphertext: 1-byte type, 2-byte version, 2-byte length) and
 * docs/reference/nrf91-fota.md ("EMSGSIZE": records of at most 2303 bytes, header included).
 *
 * The gate reads record headers (the payload stays encrypted); it says how many bytes of a chunk may
 * still pass to the TLS layer, so the records before an oversized one are decrypted and handed up
 * first, exactly as the modem does before its recv fails with EMSGSIZE. The limit applies to
 * application-data records: the modem completes handshakes whose Certificate record is larger (field
 * servers send RSA chains of 3-4 KiB in one record), bounded by the chain limit instead.
 *
 * It also reads the server's plaintext handshake (TLS 1.2, before ChangeCipherSpec: RFC 5246 §7.4) to
 * measure the Certificate message, whose chain the modem limits to 4 KiB (MODEM_MAX_CERT_CHAIN_BYTES).
 * Under TLS 1.3 the Certificate is encrypted and is not measured.
 */

/** TLS record header: content type (1), protocol version (2), length (2). */
export const TLS_RECORD_HEADER_BYTES = 5;
/** Largest length field TLS allows (2^14 plaintext + 2048 expansion, RFC 5246 §6.2.3). */
export const TLS_RECORD_MAX_LENGTH = 16384 + 2048;

/** TLS record content types and handshake message types used here (RFC 5246 §6.2.1, §7.4). */
export const TLS_CONTENT_CHANGE_CIPHER_SPEC = 20;
export const TLS_CONTENT_HANDSHAKE = 22;
export const TLS_CONTENT_APPLICATION_DATA = 23;
export const TLS_HANDSHAKE_CERTIFICATE = 11;
/** Handshake message header: type (1), length (3). */
const TLS_HANDSHAKE_HEADER_BYTES = 4;
/** certificate_list length prefix in a Certificate message. */
const TLS_CERT_LIST_LENGTH_BYTES = 3;
/** Plaintext handshake bytes kept while looking for the Certificate message (a bound, not a limit). */
const HANDSHAKE_CAPTURE_MAX_BYTES = 65536;

export interface GateVerdict {
  /** Bytes at the start of the chunk that may pass to the TLS layer. */
  pass: number;
  /** When a record over the limit was found: its size, header included. */
  oversizeRecordBytes?: number;
  /** When the server's certificate chain is over the chain limit: its size (certificate_list). */
  certChainBytes?: number;
}

export class TlsRecordGate {
  /** Records whose header has been seen. */
  records = 0;
  /** Largest application-data record accepted (at most the limit), header included. */
  largestRecordBytes = 0;
  /** The application-data record refused (over the limit), header included, once one was. */
  refusedRecordBytes: number | undefined;
  /** Largest handshake record seen (the chain limit, not the record limit, applies to these). */
  largestHandshakeRecordBytes = 0;
  /** Set once a record over the limit was seen; nothing passes afterwards. */
  tripped = false;

  /** Size of the certificate_list the server sent (TLS 1.2), once seen. */
  certChainBytes: number | undefined;

  /** Called with each record's content type and size (header included) as its header passes. */
  onRecord: ((contentType: number, recordBytes: number) => void) | undefined;

  private readonly header = new Uint8Array(TLS_RECORD_HEADER_BYTES);
  private headerHave = 0;
  private bodyLeft = 0;
  private bodyTotal = 0;
  /** Still in the plaintext handshake (no ChangeCipherSpec from the server yet). */
  private plainHandshake = true;
  private capturing = false;
  private handshake: number[] = [];

  constructor(
    readonly maxRecordBytes: number,
    readonly maxCertChainBytes = Infinity,
  ) {
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
        const recordStart = i - (this.bodyTotal - this.bodyLeft) - TLS_RECORD_HEADER_BYTES;
        if (this.capturing) for (let k = i; k < i + n; k++) this.handshake.push(chunk[k]!);
        this.bodyLeft -= n;
        i += n;
        if (this.bodyLeft === 0 && this.capturing) {
          this.capturing = false;
          const chain = this.findCertificateChain();
          if (chain !== undefined && chain > this.maxCertChainBytes) {
            this.tripped = true;
            return { pass: Math.max(0, recordStart), certChainBytes: chain };
          }
        }
        continue;
      }
      const headerStart = i - this.headerHave;
      while (this.headerHave < TLS_RECORD_HEADER_BYTES && i < chunk.length) this.header[this.headerHave++] = chunk[i++]!;
      if (this.headerHave < TLS_RECORD_HEADER_BYTES) break;
      this.headerHave = 0;
      const length = (this.header[3]! << 8) | this.header[4]!;
      const recordBytes = TLS_RECORD_HEADER_BYTES + length;
      const type = this.header[0]!;
      this.records++;
      this.onRecord?.(type, recordBytes);
      if (type !== TLS_CONTENT_APPLICATION_DATA) {
        if (type === TLS_CONTENT_HANDSHAKE && recordBytes > this.largestHandshakeRecordBytes) this.largestHandshakeRecordBytes = recordBytes;
      } else if (recordBytes > this.maxRecordBytes) this.refusedRecordBytes = recordBytes;
      else if (recordBytes > this.largestRecordBytes) this.largestRecordBytes = recordBytes;
      if (type === TLS_CONTENT_APPLICATION_DATA && recordBytes > this.maxRecordBytes) {
        this.tripped = true;
        return { pass: Math.max(0, headerStart), oversizeRecordBytes: recordBytes };
      }
      this.bodyLeft = length;
      this.bodyTotal = length;
      if (type === TLS_CONTENT_CHANGE_CIPHER_SPEC) this.plainHandshake = false;
      this.capturing = this.plainHandshake && type === TLS_CONTENT_HANDSHAKE && this.certChainBytes === undefined &&
        this.handshake.length + length <= HANDSHAKE_CAPTURE_MAX_BYTES;
      if (this.capturing && length === 0) this.capturing = false;
    }
    return { pass: chunk.length };
  }

  /** Walks the captured handshake messages; records and returns the certificate_list size once complete. */
  private findCertificateChain(): number | undefined {
    let o = 0;
    const h = this.handshake;
    while (h.length - o >= TLS_HANDSHAKE_HEADER_BYTES) {
      const type = h[o]!;
      const length = (h[o + 1]! << 16) | (h[o + 2]! << 8) | h[o + 3]!;
      if (h.length - o - TLS_HANDSHAKE_HEADER_BYTES < length) break;
      if (type === TLS_HANDSHAKE_CERTIFICATE && length >= TLS_CERT_LIST_LENGTH_BYTES) {
        const b = o + TLS_HANDSHAKE_HEADER_BYTES;
        this.certChainBytes = (h[b]! << 16) | (h[b + 1]! << 8) | h[b + 2]!;
        this.handshake = [];
        return this.certChainBytes;
      }
      o += TLS_HANDSHAKE_HEADER_BYTES + length;
    }
    this.handshake = h.slice(o);
    return undefined;
  }
}

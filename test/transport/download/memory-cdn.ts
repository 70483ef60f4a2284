/**
 * Test helper (not a test file): an in-memory CDN behind MemorySockets with the modem's record gate.
 * Answers GET with Range / If-Range like a real one (206, 416, 200), one TLS record per response by
 * default, with switchable faults: ignore Range, wrong Content-Range, drops mid-body, Connection: close,
 * 5xx, a file that changes, coalesced pipelined answers, padded heads, redirects.
 */
import { seededBytes } from '../../../src/hal/prng.ts';
import { NetError } from '../../../src/hal/errors.ts';
import { concatBytes, utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../../src/hal/net.ts';
import { MemorySocket } from '../http/memory-socket.ts';

export interface CdnFaults {
  ignoreRange?: boolean;
  /** Shift the Content-Range by one byte. */
  wrongContentRange?: boolean;
  /** After this many responses (counting from 1, over all connections), cut the next one mid-body. */
  dropAtResponse?: number[];
  /** Answer these responses (1-based) with 503. */
  status503At?: number[];
  /** Send Connection: close on every response. */
  closeEveryResponse?: boolean;
  /** Send pipelined answers of one receive as one record (a server that coalesces). */
  coalesce?: boolean;
  /** Extra header bytes on every response (an X-Pad field). */
  padHeadBytes?: number;
  /** Omit Content-Range from 206 responses. */
  omitContentRange?: boolean;
  /** The modem does not tell the refused record's size. */
  silentRecordSize?: boolean;
  /** Body records of at most this many bytes (default: head and body in one record). */
  recordPlaintextBytes?: number;
  /**
   * Answers reach the socket as each request is written, not a turn later (a fast server): a refused
   * record can break the socket while earlier answers are still unread.
   */
  answerOnSend?: boolean;
}

export class MemoryCdn {
  file: Uint8Array;
  etag = '"v1"';
  faults: CdnFaults;
  readonly log: string[] = [];
  responses = 0;
  connections = 0;
  /** Paths that redirect: path → Location. */
  readonly redirects = new Map<string, string>();
  readonly path: string;

  constructor(file: Uint8Array, faults: CdnFaults = {}, path = '/f.bin', readonly recordLimitBytes = MODEM_TLS_MAX_RECORD_BYTES) {
    this.file = file;
    this.faults = faults;
    this.path = path;
  }

  /** Replaces the file (new ETag). */
  change(file: Uint8Array): void {
    this.file = file;
    this.etag = `"v${Number(this.etag.slice(2, -1)) + 1}"`;
  }

  readonly connect = async (_host: string, _port: number): Promise<MemorySocket> => {
    this.connections++;
    let pending = '';
    let out: Uint8Array[] = [];
    let flushing = false;
    let dropped = false;
    return new MemorySocket({
      recordLimitBytes: this.recordLimitBytes,
      reportRecordBytes: !this.faults.silentRecordSize,
      onSend: (bytes, sock) => {
        if (dropped) return;
        pending += utf8Decode(bytes);
        let end: number;
        while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
          const req = pending.slice(0, end);
          pending = pending.slice(end + 4);
          const r = this.answer(req);
          if ('drop' in r) {
            out.push(r.drop);
            dropped = true;
            break;
          }
          out.push(...r);
        }
        if (this.faults.answerOnSend && !this.faults.coalesce) {
          const recs = out;
          out = [];
          for (const rec of recs) sock.deliver(rec);
          if (dropped) sock.fail(new NetError('ECONNRESET', 'recv: connection reset by peer'));
          return;
        }
        if (flushing) return;
        flushing = true;
        // Answer asynchronously, as a network would; answers to requests sent in one burst go together.
        setTimeout(() => {
          flushing = false;
          const recs = out;
          out = [];
          if (this.faults.coalesce) {
            if (recs.length) sock.deliver(concatBytes(...recs));
          } else for (const rec of recs) sock.deliver(rec);
          if (dropped) sock.fail(new NetError('ECONNRESET', 'recv: connection reset by peer'));
        }, 0);
      },
    });
  };

  /** Records for one request, or the bytes sent before the connection drops. */
  private answer(req: string): Uint8Array[] | { drop: Uint8Array } {
    this.log.push(req);
    const n = ++this.responses;
    const lines = req.split('\r\n');
    const path = lines[0]!.split(' ')[1]!;
    const header = (name: string) => lines.find((l) => l.toLowerCase().startsWith(name + ':'))?.slice(name.length + 1).trim();
    const f = this.faults;
    const extra = (f.padHeadBytes ? `X-Pad: ${'p'.repeat(f.padHeadBytes)}\r\n` : '') + (f.closeEveryResponse ? 'Connection: close\r\n' : '');
    const loc = this.redirects.get(path);
    if (loc !== undefined) return [utf8Encode(`HTTP/1.1 302 Found\r\nLocation: ${loc}\r\nContent-Length: 0\r\n${extra}\r\n`)];
    if (path !== this.path) return [utf8Encode(`HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n${extra}\r\n`)];
    if (f.status503At?.includes(n)) return [utf8Encode(`HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n${extra}\r\n`)];
    const size = this.file.length;
    const range = /^bytes=(\d+)-(\d+)$/.exec(header('range') ?? '');
    const ifRange = header('if-range');
    const full = () => [concatBytes(utf8Encode(`HTTP/1.1 200 OK\r\nETag: ${this.etag}\r\nContent-Length: ${size}\r\n${extra}\r\n`), this.file)];
    if (!range || f.ignoreRange || (ifRange !== undefined && ifRange !== this.etag)) return full();
    const first = Number(range[1]);
    if (first >= size) return [utf8Encode(`HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */${size}\r\nContent-Length: 0\r\n${extra}\r\n`)];
    const last = Math.min(Number(range[2]), size - 1);
    const shift = f.wrongContentRange ? 1 : 0;
    const cr = f.omitContentRange ? '' : `Content-Range: bytes ${first + shift}-${last + shift}/${size}\r\n`;
    const head = utf8Encode(`HTTP/1.1 206 Partial Content\r\n${cr}ETag: ${this.etag}\r\nContent-Length: ${last - first + 1}\r\n${extra}\r\n`);
    const body = this.file.subarray(first, last + 1);
    if (f.dropAtResponse?.includes(n)) {
      return { drop: concatBytes(head, body.subarray(0, body.length >> 1)) };
    }
    if (f.recordPlaintextBytes === undefined) return [concatBytes(head, body)];
    const all = concatBytes(head, body);
    const recs: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += f.recordPlaintextBytes) recs.push(all.subarray(i, i + f.recordPlaintextBytes));
    return recs;
  }
}

/** A deterministic test file. */
export function testFile(size: number, seed = 1): Uint8Array {
  return seededBytes(size, seed);
}

/** A Settings HAL in memory. */
export class MemorySettings {
  readonly map = new Map<string, Uint8Array>();
  async get(key: string) {
    return this.map.get(key);
  }
  async set(key: string, value: Uint8Array) {
    this.map.set(key, value.slice());
  }
  async delete(key: string) {
    this.map.delete(key);
  }
  async keys(prefix = '') {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
}

/** A Clock on real time whose sleeps are skipped (retries back off instantly in tests). */
export const fastClock = { now: () => Date.now(), sleep: async (_ms: number) => undefined };

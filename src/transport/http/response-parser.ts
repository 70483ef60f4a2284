/**
 * Streaming HTTP/1.1 response parser (RFC 9112): fed bytes as they arrive, it emits the head, the body
 * bytes and the end of the message, and stops at the message's end so the bytes after it stay with the
 * next (pipelined) response. Bodies framed by Content-Length, chunked transfer coding, or the end of the
 * connection; 1xx interim responses skipped. Every limit is a named constant; anything malformed is an
 * HttpError, never an exception of another kind.
 */
import { HttpError } from './errors.ts';
import { HttpHeaders, parseContentLength } from './headers.ts';

/** Longest status or header line, CRLF included. */
export const HTTP_LINE_MAX_BYTES = 4096;
/** Largest response head (status line, fields, blank line). */
export const HTTP_HEADER_MAX_BYTES = 8192;
/** Most header fields in one head. */
export const HTTP_HEADER_MAX_COUNT = 100;
/** Longest chunk-size line (size, extensions, CRLF). */
export const HTTP_CHUNK_LINE_MAX_BYTES = 256;
/** Most hex digits in a chunk size (2^48: far past anything a device downloads). */
const HTTP_CHUNK_SIZE_MAX_DIGITS = 12;
/** Most interim (1xx) responses skipped before the final one. */
const HTTP_MAX_INTERIM_RESPONSES = 8;

const CR = 13;
const LF = 10;

export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  version: '1.0' | '1.1';
  status: number;
  reason: string;
  headers: HttpHeaders;
  /** Bytes of the head on the wire: status line, fields and the blank line. */
  headBytes: number;
  /** Whether the connection can carry another request after this response. */
  keepAlive: boolean;
  framing: BodyFraming;
  /** Body length when framed by Content-Length (0 for `none`). */
  contentLength?: number;
}

export type ParseEvent =
  | { type: 'head'; head: ResponseHead }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'end' };

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'close' | 'done';

const STATUS_RE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\u0020-\u007e\u0080-\u00ff]*))?$/;
const FIELD_RE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t\u0020-\u007e\u0080-\u00ff]*?)[ \t]*$/;
const CHUNK_RE = /^([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/;

export interface ResponseParserOptions {
  /** Method of the request this answers (HEAD responses have no body). */
  method?: string;
}

export class ResponseParser {
  private state: State = 'head';
  private readonly method: string;
  /** Bytes of the line being collected (head, chunk size, trailer). */
  private line: number[] = [];
  private lines: string[] = [];
  private headTotal = 0;
  private interim = 0;
  private remaining = 0;
  private head: ResponseHead | undefined;

  constructor(options: ResponseParserOptions = {}) {
    this.method = (options.method ?? 'GET').toUpperCase();
  }

  get done(): boolean {
    return this.state === 'done';
  }

  get response(): ResponseHead | undefined {
    return this.head;
  }

  /** Consumes bytes up to the end of this message; `consumed` < input.length means the rest is the next one's. */
  push(input: Uint8Array): { consumed: number; events: ParseEvent[] } {
    const events: ParseEvent[] = [];
    let i = 0;
    while (i < input.length && this.state !== 'done') {
      switch (this.state) {
        case 'head':
        case 'trailer':
        case 'chunk-size': {
          const b = input[i++]!;
          this.takeLineByte(b);
          if (b === LF) this.lineDone(events);
          break;
        }
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, input.length - i);
          events.push({ type: 'data', bytes: input.subarray(i, i + n) });
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === 'length') this.finish(events);
            else this.state = 'chunk-crlf';
          }
          break;
        }
        case 'chunk-crlf': {
          const b = input[i++]!;
          this.line.push(b);
          if (this.line.length === 2) {
            if (this.line[0] !== CR || this.line[1] !== LF) {
              throw new HttpError('HTTP_BAD_CHUNK', 'http.parse: chunk data not followed by CRLF');
            }
            this.line = [];
            this.state = 'chunk-size';
          } else if (b !== CR) {
            throw new HttpError('HTTP_BAD_CHUNK', 'http.parse: chunk data longer than its size');
          }
          break;
        }
        case 'close': {
          events.push({ type: 'data', bytes: input.subarray(i) });
          i = input.length;
          break;
        }
      }
    }
    return { consumed: i, events };
  }

  /** The peer closed the connection: ends a close-framed body, or HTTP_TRUNCATED mid-message. */
  end(): ParseEvent[] {
    if (this.state === 'done') return [];
    if (this.state === 'close') {
      const events: ParseEvent[] = [];
      this.finish(events);
      return events;
    }
    const where = this.state === 'head' ? 'in the head' : `in the body (${this.remaining} bytes missing)`;
    throw new HttpError('HTTP_TRUNCATED', `http.parse: connection closed ${where}`, {
      state: this.state,
      missingBytes: this.state === 'length' || this.state === 'chunk-data' ? this.remaining : undefined,
    });
  }

  private takeLineByte(b: number): void {
    this.line.push(b);
    if (this.state === 'chunk-size') {
      if (this.line.length > HTTP_CHUNK_LINE_MAX_BYTES) {
        throw new HttpError('HTTP_BAD_CHUNK', `http.parse: chunk-size line longer than ${HTTP_CHUNK_LINE_MAX_BYTES} bytes`);
      }
      return;
    }
    this.headTotal++;
    if (this.line.length > HTTP_LINE_MAX_BYTES) {
      throw new HttpError('HTTP_LINE_TOO_LONG', `http.parse: header line longer than ${HTTP_LINE_MAX_BYTES} bytes`, { limit: HTTP_LINE_MAX_BYTES });
    }
    if (this.headTotal > HTTP_HEADER_MAX_BYTES) {
      throw new HttpError('HTTP_HEADER_TOO_LARGE', `http.parse: response head larger than ${HTTP_HEADER_MAX_BYTES} bytes`, { limit: HTTP_HEADER_MAX_BYTES });
    }
  }

  private lineDone(events: ParseEvent[]): void {
    const bytes = this.line;
    this.line = [];
    if (bytes.length < 2 || bytes[bytes.length - 2] !== CR) {
      const code = this.state === 'chunk-size' ? 'HTTP_BAD_CHUNK' : this.lines.length === 0 && this.state === 'head' ? 'HTTP_BAD_STATUS_LINE' : 'HTTP_BAD_HEADER';
      throw new HttpError(code, 'http.parse: line ends in a bare LF');
    }
    let text = '';
    for (let k = 0; k < bytes.length - 2; k++) text += String.fromCharCode(bytes[k]!);
    if (this.state === 'chunk-size') return this.chunkSize(text, events);
    if (text !== '') {
      if (this.lines.length >= HTTP_HEADER_MAX_COUNT + 1) {
        throw new HttpError('HTTP_HEADER_TOO_LARGE', `http.parse: more than ${HTTP_HEADER_MAX_COUNT} header fields`, { limit: HTTP_HEADER_MAX_COUNT });
      }
      this.lines.push(text);
      return;
    }
    if (this.state === 'trailer') {
      // Trailer fields are read for framing and dropped: nothing here acts on them.
      this.lines = [];
      this.finish(events);
      return;
    }
    this.headComplete(events);
  }

  private headComplete(events: ParseEvent[]): void {
    const [statusLine, ...fieldLines] = this.lines;
    if (statusLine === undefined) {
      throw new HttpError('HTTP_BAD_STATUS_LINE', 'http.parse: empty line where the status line belongs');
    }
    const m = STATUS_RE.exec(statusLine);
    if (!m) {
      throw new HttpError('HTTP_BAD_STATUS_LINE', `http.parse: bad status line '${statusLine.slice(0, 80)}'`, { line: statusLine.slice(0, 80) });
    }
    const fields: Array<[string, string]> = [];
    for (const line of fieldLines) {
      const f = FIELD_RE.exec(line);
      if (!f) throw new HttpError('HTTP_BAD_HEADER', `http.parse: bad header line '${line.slice(0, 80)}'`, { line: line.slice(0, 80) });
      fields.push([f[1]!, f[2]!]);
    }
    const headBytes = this.headTotal;
    this.lines = [];
    this.headTotal = 0;
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) throw new HttpError('HTTP_STATUS', 'http.parse: unexpected 101 Switching Protocols', { status });
      if (++this.interim > HTTP_MAX_INTERIM_RESPONSES) {
        throw new HttpError('HTTP_BAD_STATUS_LINE', `http.parse: more than ${HTTP_MAX_INTERIM_RESPONSES} interim responses`);
      }
      return; // 100 Continue, 103 Early Hints: the final response follows
    }
    const version = m[1] === '1' ? '1.1' : '1.0';
    const headers = new HttpHeaders(fields);
    let keepAlive = version === '1.1' ? !headers.hasToken('connection', 'close') : headers.hasToken('connection', 'keep-alive');
    let framing: BodyFraming;
    let contentLength: number | undefined;
    const te = headers.get('transfer-encoding');
    if (this.method === 'HEAD' || status === 204 || status === 304) {
      framing = 'none';
      contentLength = 0;
    } else if (te !== undefined) {
      const codings = te.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
      if (codings.length !== 1 || codings[0] !== 'chunked') {
        throw new HttpError('HTTP_UNSUPPORTED_TRANSFER_ENCODING', `http.parse: unsupported Transfer-Encoding '${te.slice(0, 60)}'`, { value: te.slice(0, 60) });
      }
      framing = 'chunked';
    } else {
      contentLength = parseContentLength(headers.getAll('content-length'));
      if (contentLength === undefined) {
        framing = 'close';
        keepAlive = false;
      } else framing = contentLength === 0 ? 'none' : 'length';
    }
    this.head = { version, status, reason: m[3] ?? '', headers, headBytes, keepAlive, framing, contentLength };
    events.push({ type: 'head', head: this.head });
    if (framing === 'none') this.finish(events);
    else if (framing === 'length') {
      this.remaining = contentLength!;
      this.state = 'length';
    } else if (framing === 'chunked') this.state = 'chunk-size';
    else this.state = 'close';
  }

  private chunkSize(text: string, events: ParseEvent[]): void {
    const m = CHUNK_RE.exec(text);
    if (!m || m[1]!.length > HTTP_CHUNK_SIZE_MAX_DIGITS) {
      throw new HttpError('HTTP_BAD_CHUNK', `http.parse: bad chunk size line '${text.slice(0, 40)}'`, { line: text.slice(0, 40) });
    }
    const size = parseInt(m[1]!, 16);
    if (size === 0) {
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.state = 'chunk-data';
  }

  private finish(events: ParseEvent[]): void {
    this.state = 'done';
    events.push({ type: 'end' });
  }
}

/**
 * One HTTP/1.1 connection over a HAL Socket: writes requests (several may be in flight: pipelining,
 * RFC 9112 section 9.3.2), reads their responses in order, head first so the caller can decide about
 * the body before any of it is read, and tells whether the connection can carry another request.
 * Time comes through the Clock HAL: an idle timeout per receive, and optional deadlines per response
 * (first byte, whole response) that end it with HTTP_RESPONSE_TIMEOUT.
 * Any failure closes the socket: a half-read response never leaks into the next request.
 */
import type { Clock } from '../../hal/clock.ts';
import { NetError, isFotaError } from '../../hal/errors.ts';
import { MODEM_SOCKET_TIMEOUT_MS, type Socket } from '../../hal/net.ts';
import { HttpError } from './errors.ts';
import { encodeRequest, type HttpRequest } from './request.ts';
import { ResponseParser, type ParseEvent, type ResponseHead } from './response-parser.ts';

/** Bytes asked of the socket per receive. */
export const HTTP_RECV_CHUNK_BYTES = 4096;

export interface HttpConnectionOptions {
  clock: Clock;
  /** Longest wait for any byte (socket receive timeout). */
  idleTimeoutMs?: number;
  /** Longest time for one whole response (head and body), measured on the Clock; none when omitted. */
  responseTimeoutMs?: number;
  /** Longest wait for the first byte of a response, from the moment it is awaited; none when omitted. */
  firstByteTimeoutMs?: number;
}

/** Deadlines of one response (each overrides the connection's default for that response). */
export interface ResponseDeadlines {
  firstByteTimeoutMs?: number;
  responseTimeoutMs?: number;
}

export class HttpConnection {
  readonly socket: Socket;
  private readonly clock: Clock;
  private readonly idleTimeoutMs: number;
  private readonly responseTimeoutMs: number | undefined;
  private readonly firstByteTimeoutMs: number | undefined;
  /** Deadlines of the response being read (Clock ms), and whether a byte of it arrived. */
  private firstByteDeadline = Infinity;
  private firstByteMs: number | undefined;
  private responseMs: number | undefined;
  private gotByte = false;
  private leftover: Uint8Array = new Uint8Array(0);
  private readonly sentMethods: string[] = [];
  private parser: ResponseParser | undefined;
  private queued: ParseEvent[] = [];
  private deadline = Infinity;
  private eof = false;
  private broken = false;
  /** A send failed: no more requests on this connection, but earlier answers may still be read. */
  private writeFailed = false;
  private closedByPeer = false;
  private socketClosed = false;
  private requestsSent = 0;

  constructor(socket: Socket, options: HttpConnectionOptions) {
    this.socket = socket;
    this.clock = options.clock;
    this.idleTimeoutMs = options.idleTimeoutMs ?? MODEM_SOCKET_TIMEOUT_MS;
    this.responseTimeoutMs = options.responseTimeoutMs;
    this.firstByteTimeoutMs = options.firstByteTimeoutMs;
  }

  /** Requests written whose responses are not read yet. */
  get inFlight(): number {
    return this.sentMethods.length;
  }

  /** Requests written on this connection so far. */
  get requests(): number {
    return this.requestsSent;
  }

  /** Whether a byte of the response being read (or last awaited) arrived. */
  get responseStarted(): boolean {
    return this.gotByte;
  }

  /** True while another request may be written: no failure, no Connection: close, peer still there. */
  get reusable(): boolean {
    return !this.broken && !this.closedByPeer && !this.eof && !this.writeFailed;
  }

  async send(req: HttpRequest): Promise<void> {
    if (!this.reusable) throw new NetError('ENOTCONN', 'http.send: connection no longer usable');
    const bytes = encodeRequest(req);
    this.sentMethods.push(req.method.toUpperCase());
    try {
      await this.socket.send(bytes);
    } catch (e) {
      // Answers to the requests written before may still be readable (a socket fails its sends as soon
      // as its receive side breaks, with good bytes still buffered): keep reading them, write no more.
      this.sentMethods.pop();
      this.writeFailed = true;
      if (this.sentMethods.length === 0) await this.fail();
      throw e;
    }
    this.requestsSent++;
  }

  /**
   * Reads the head of the oldest outstanding response. Its body must be read (or the connection closed)
   * next. The deadlines run from now: no first byte, or no whole response, in time is
   * HTTP_RESPONSE_TIMEOUT (and the connection is closed: the rest of that response is of no use).
   */
  async readHead(deadlines: ResponseDeadlines = {}): Promise<ResponseHead> {
    if (this.parser !== undefined) throw new HttpError('HTTP_BAD_REQUEST', 'http.readHead: previous body not read');
    const method = this.sentMethods[0];
    if (method === undefined) throw new HttpError('HTTP_BAD_REQUEST', 'http.readHead: no request outstanding');
    this.parser = new ResponseParser({ method });
    this.queued = [];
    const now = this.clock.now();
    this.responseMs = deadlines.responseTimeoutMs ?? this.responseTimeoutMs;
    this.firstByteMs = deadlines.firstByteTimeoutMs ?? this.firstByteTimeoutMs;
    this.deadline = this.responseMs === undefined ? Infinity : now + this.responseMs;
    this.firstByteDeadline = this.firstByteMs === undefined ? Infinity : now + this.firstByteMs;
    this.gotByte = this.leftover.length > 0;
    for (;;) {
      const i = this.queued.findIndex((e) => e.type === 'head');
      if (i >= 0) {
        const head = (this.queued[i] as { head: ResponseHead }).head;
        this.queued.splice(0, i + 1);
        if (!head.keepAlive) this.closedByPeer = true;
        return head;
      }
      await this.pump('http.readHead');
    }
  }

  /**
   * Reads the body of the response whose head was just read, handing each piece to `onData` (which
   * may be async: the next receive waits for it). Resolves with the body byte count.
   */
  async readBody(onData: (bytes: Uint8Array) => void | Promise<void>): Promise<number> {
    if (this.parser === undefined) throw new HttpError('HTTP_BAD_REQUEST', 'http.readBody: no head read');
    let total = 0;
    for (;;) {
      while (this.queued.length > 0) {
        const e = this.queued.shift()!;
        if (e.type === 'data') {
          if (e.bytes.length === 0) continue;
          total += e.bytes.length;
          try {
            await onData(e.bytes);
          } catch (err) {
            await this.fail();
            throw err;
          }
        } else if (e.type === 'end') {
          this.parser = undefined;
          this.sentMethods.shift();
          return total;
        }
      }
      await this.pump('http.readBody');
    }
  }

  /** Reads and drops a body of at most `maxBytes`; closes the connection instead when it is larger or unframed. */
  async discardBody(maxBytes: number): Promise<void> {
    const head = this.parser?.response;
    if (head === undefined) throw new HttpError('HTTP_BAD_REQUEST', 'http.discardBody: no head read');
    const small = head.framing === 'none' || (head.framing === 'length' && head.contentLength! <= maxBytes);
    if (!small) {
      await this.close();
      return;
    }
    await this.readBody(() => undefined);
  }

  async close(): Promise<void> {
    this.broken = true;
    this.parser = undefined;
    this.sentMethods.length = 0;
    if (this.socketClosed) return;
    this.socketClosed = true;
    try {
      await this.socket.close();
    } catch {
      // Closing a failed socket can fail again; nothing more to release.
    }
  }

  /** Moves bytes from the leftover buffer or the socket into the parser's event queue. */
  private async pump(op: string): Promise<void> {
    const parser = this.parser!;
    if (this.leftover.length === 0) {
      if (this.eof) {
        let events: ParseEvent[];
        try {
          events = parser.end();
        } catch (e) {
          await this.fail();
          throw e;
        }
        this.queued.push(...events);
        return;
      }
      const now = this.clock.now();
      const firstByteLeft = this.gotByte ? Infinity : this.firstByteDeadline - now;
      const remaining = Math.min(this.deadline - now, firstByteLeft);
      if (remaining <= 0) await this.timedOut(op, firstByteLeft <= 0 ? 'first-byte' : 'response');
      let bytes: Uint8Array;
      try {
        bytes = await this.socket.recv(HTTP_RECV_CHUNK_BYTES, Math.min(this.idleTimeoutMs, remaining));
      } catch (e) {
        await this.fail();
        // The socket's own timeout cut short by a response deadline is that deadline's failure.
        if (isFotaError(e, 'ETIMEDOUT') && remaining < this.idleTimeoutMs) {
          throw this.timeoutError(op, firstByteLeft <= remaining ? 'first-byte' : 'response', e);
        }
        if (isFotaError(e)) throw e;
        throw new NetError('ECONNRESET', `${op}: socket failed: ${(e as Error)?.message ?? String(e)}`, {}, { cause: e });
      }
      if (bytes.length === 0) {
        this.eof = true;
        return;
      }
      this.gotByte = true;
      this.leftover = bytes;
    }
    let consumed: number;
    let events: ParseEvent[];
    try {
      ({ consumed, events } = parser.push(this.leftover));
    } catch (e) {
      await this.fail();
      throw e;
    }
    this.leftover = this.leftover.subarray(consumed);
    this.queued.push(...events);
  }

  private async fail(): Promise<void> {
    await this.close();
  }

  private async timedOut(op: string, phase: 'first-byte' | 'response'): Promise<never> {
    await this.fail();
    throw this.timeoutError(op, phase);
  }

  private timeoutError(op: string, phase: 'first-byte' | 'response', cause?: unknown): HttpError {
    const timeoutMs = phase === 'first-byte' ? this.firstByteMs : this.responseMs;
    const what = phase === 'first-byte' ? 'no first byte of the response' : 'no complete response';
    return new HttpError('HTTP_RESPONSE_TIMEOUT', `${op}: ${what} within ${timeoutMs} ms`, { phase, timeoutMs }, cause === undefined ? undefined : { cause });
  }
}

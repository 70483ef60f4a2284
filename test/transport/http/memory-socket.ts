/**
 * Test helper (not a test file): an in-memory HAL Socket whose far end is driven by the test, with the
 * modem's record gate modelled: every `deliver` is one TLS record of its bytes plus a record overhead,
 * and a record over the limit fails the socket with EMSGSIZE as the nRF9160 does.
 */
import { NetError } from '../../../src/hal/errors.ts';
import type { Socket, SocketInfo } from '../../../src/hal/net.ts';
import type { Clock } from '../../../src/hal/clock.ts';
import { utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';

/** TLS 1.2 AES-GCM record overhead: 5-byte header, 8-byte explicit nonce, 16-byte tag. */
export const TEST_RECORD_OVERHEAD_BYTES = 29;

export interface MemorySocketOptions {
  /** Largest record accepted (header included); none when omitted. */
  recordLimitBytes?: number;
  /** Whether EMSGSIZE says the refused record's size (the simulated modem does; the SLM does not). */
  reportRecordBytes?: boolean;
  /** Called with every chunk the client sends. */
  onSend?: (bytes: Uint8Array, socket: MemorySocket) => void;
  /** The clock of recv's timeout (its timer, e.g. a VirtualClock's); default a Node timer. */
  clock?: Clock;
}

export class MemorySocket implements Socket {
  readonly sent: Uint8Array[] = [];
  closed = false;
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private error: NetError | undefined;
  private waiter: (() => void) | undefined;
  private readonly stats: SocketInfo = { maxRecordBytes: 0, bytesReceived: 0, bytesSent: 0 };
  private readonly options: MemorySocketOptions;

  constructor(options: MemorySocketOptions = {}) {
    this.options = options;
  }

  get sentText(): string {
    return this.sent.map((b) => utf8Decode(b)).join('');
  }

  /** The far end sends one record. */
  deliver(data: Uint8Array | string): void {
    if (this.ended || this.error) return;
    const bytes = typeof data === 'string' ? utf8Encode(data) : data;
    const record = bytes.length + TEST_RECORD_OVERHEAD_BYTES;
    if (this.options.recordLimitBytes !== undefined && record > this.options.recordLimitBytes) {
      const details = this.options.reportRecordBytes === false ? {} : { recordBytes: record };
      this.fail(new NetError('EMSGSIZE', `recv: TLS record of ${record} bytes over the modem limit`, details));
      return;
    }
    this.stats.maxRecordBytes = Math.max(this.stats.maxRecordBytes, record);
    this.queue.push(bytes);
    this.wake();
  }

  /** The far end closes (end of stream after what is queued). */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The socket fails after what is already queued has been received (as the modem hands records up first). */
  fail(error: NetError): void {
    this.error = error;
    this.wake();
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new NetError('ENOTCONN', 'send: socket closed');
    if (this.error) throw this.error;
    this.sent.push(bytes.slice());
    this.stats.bytesSent += bytes.length;
    this.options.onSend?.(bytes, this);
  }

  async recv(maxBytes: number, timeoutMs = 30_000): Promise<Uint8Array> {
    for (;;) {
      if (this.closed) throw new NetError('ENOTCONN', 'recv: socket closed');
      const head = this.queue[0];
      if (head === undefined && this.error) throw this.error;
      if (head !== undefined) {
        const n = Math.min(maxBytes, head.length);
        const out = head.slice(0, n);
        if (n === head.length) this.queue.shift();
        else this.queue[0] = head.subarray(n);
        this.stats.bytesReceived += n;
        return out;
      }
      if (this.ended) return new Uint8Array(0);
      const timedOut = await new Promise<boolean>((resolve) => {
        const expire = (): void => {
          this.waiter = undefined;
          resolve(true);
        };
        const clock = this.options.clock;
        let cancel: () => void;
        if (clock?.timer) cancel = clock.timer(timeoutMs, expire);
        else {
          const t = setTimeout(expire, timeoutMs);
          cancel = () => clearTimeout(t);
        }
        this.waiter = () => {
          cancel();
          this.waiter = undefined;
          resolve(false);
        };
      });
      if (timedOut) throw new NetError('ETIMEDOUT', `recv: nothing within ${timeoutMs} ms`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  info(): SocketInfo {
    return { ...this.stats };
  }

  private wake(): void {
    this.waiter?.();
  }
}

/** A Clock on real time for tests. */
export const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** Splits concatenated request bytes into whole requests (head only; tests send no bodies). */
export function splitRequests(text: string): string[] {
  return text.split('\r\n\r\n').filter((s) => s !== '').map((s) => s + '\r\n\r\n');
}

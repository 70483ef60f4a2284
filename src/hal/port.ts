/**
 * A byte-stream port: what a serial line is to the AT channel and the SMP serial transport.
 * Implementations: Node's `serialport` (src/hal/serial/node-port.ts), Web Serial
 * (src/hal/serial/web-serial-port.ts), and the in-memory pair (./portable/memory-port.ts) for tests.
 * Shaped like ECMA-419's IO: opened once with options elsewhere, then write / on data / close.
 */
import { FotaError } from './errors.ts';

export interface BytePort {
  /** Writes all of `bytes`; resolves once the port took them. Rejects after close. */
  write(bytes: Uint8Array): Promise<void>;
  /** Sets the receiver of incoming bytes (one receiver; a new call replaces it). */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Sets the listener told once when the port closes (by either side or an error). */
  onClose(listener: (error?: Error) => void): void;
  /** Closes the port; idempotent. */
  close(): Promise<void>;
}

/**
 * Port failures: PORT_OPEN_FAILED (no such device, busy, no permission), PORT_CLOSED (used after
 * close), PORT_WRITE_FAILED, PTY_FAILED (pseudo-terminal helper missing or broken).
 */
export class PortError extends FotaError {}

/**
 * The receive side every BytePort implementation shares: one data listener (bytes that arrive before
 * it is set are queued for it), one close listener told exactly once.
 */
export class PortReceiver {
  private dataListener: ((bytes: Uint8Array) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private pending: Uint8Array[] = [];
  private ended = false;

  get closed(): boolean {
    return this.ended;
  }

  /** Hands received bytes to the listener, or queues them until there is one; dropped once closed. */
  deliver(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.dataListener) this.dataListener(bytes);
    else this.pending.push(bytes);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListener = listener;
    const queued = this.pending;
    this.pending = [];
    for (const b of queued) listener(b);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  /** Marks the port closed and tells the close listener: true the first time, false afterwards. */
  end(error?: Error): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.closeListener?.(error);
    return true;
  }
}

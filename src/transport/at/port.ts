/**
 * A byte-stream port: what a serial line is to the AT channel and the SMP serial transport.
 * Implementations: Node's `serialport` (src/hal/serial/node-port.ts), Web Serial
 * (src/hal/serial/web-serial-port.ts), and the in-memory pair (./memory-port.ts) for tests.
 * Shaped like ECMA-419's IO: opened once with options elsewhere, then write / on data / close.
 */
import { FotaError } from '../../hal/errors.ts';

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

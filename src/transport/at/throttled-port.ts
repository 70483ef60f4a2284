/**
 * A BytePort that takes a UART's time: each chunk, in either direction, is delivered only after its
 * transmission time at `baud` (8N1: 10 bits per byte), back to back per direction, on the Clock HAL.
 * Wrapped around the board end of an emulator's serial line, it makes a host tool see the board's
 * 115200 baud instead of a pseudo-terminal's memory speed, whatever the tool (fotakit or a third
 * party). Order is kept: chunks leave and arrive in the order they were written.
 */
import type { Clock } from '../../hal/clock.ts';
import { PortError, PortReceiver, type BytePort } from '../../hal/port.ts';

/** UART 8N1: start bit + 8 data bits + stop bit. */
export const UART_8N1_BITS_PER_BYTE = 10;
const MS_PER_S = 1000;

export interface ThrottleOptions {
  clock: Clock;
  /** Line rate in baud (bits per second); bytes move at baud / 10. */
  baud: number;
}

/** One direction of the line: when it is free again, and the chain that keeps chunks in order. */
class Direction {
  private busyUntil = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock, private readonly bytesPerMs: number) {}

  /** Runs `then` once `length` bytes have crossed the line after everything queued before them. */
  send(length: number, then: () => void | Promise<void>): Promise<void> {
    const start = Math.max(this.clock.now(), this.busyUntil);
    this.busyUntil = start + length / this.bytesPerMs;
    const at = this.busyUntil;
    const run = this.tail.then(async () => {
      const wait = at - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      await then();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

class ThrottledPort implements BytePort {
  private readonly rx = new PortReceiver();
  private readonly up: Direction;
  private readonly down: Direction;

  constructor(private readonly inner: BytePort, o: ThrottleOptions) {
    if (!Number.isFinite(o.baud) || o.baud <= 0) throw new PortError('PORT_BAD_ARG', `throttledPort: baud ${o.baud} is not a positive number`, { baud: o.baud });
    const bytesPerMs = o.baud / UART_8N1_BITS_PER_BYTE / MS_PER_S;
    this.up = new Direction(o.clock, bytesPerMs);
    this.down = new Direction(o.clock, bytesPerMs);
    inner.onData((bytes) => {
      const copy = Uint8Array.from(bytes);
      void this.down.send(copy.length, () => this.rx.deliver(copy));
    });
    inner.onClose((e) => this.rx.end(e));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.rx.closed) return Promise.reject(new PortError('PORT_CLOSED', 'throttledPort.write: port is closed'));
    const copy = Uint8Array.from(bytes);
    return this.up.send(copy.length, () => this.inner.write(copy));
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.rx.onData(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.rx.onClose(listener);
  }

  async close(): Promise<void> {
    this.rx.end();
    await this.inner.close();
  }
}

/** Wraps `port` so bytes cross it at `baud` in both directions (timed on `clock`). */
export function throttledPort(port: BytePort, options: ThrottleOptions): BytePort {
  return new ThrottledPort(port, options);
}

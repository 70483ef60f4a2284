/**
 * Simulated links for tests and benches, timed through the Clock HAL (a virtual clock makes them
 * fast and deterministic):
 * - a UART pair: bytes arrive after their transmission time at `bytesPerSecond` (8N1: 10 bits/byte);
 * - a BLE connection: packets of at most ATT_MTU - 3 bytes leave at connection events, every
 *   `connectionIntervalMs`, at most `packetsPerInterval` per direction per event.
 * Both ends also accept `inject()` to put raw bytes on the wire (noise, malformed frames).
 */
import type { Clock } from '../../hal/clock.ts';
import { SmpError } from './errors.ts';
import { BT_ATT_HEADER_BYTES } from './constants.ts';
import type { SmpByteLink, SmpPacketLink } from './transport.ts';

const MS_PER_S = 1000;
/** UART 8N1: start bit + 8 data bits + stop bit per byte. */
export const UART_BITS_PER_BYTE = 10;

export interface SimByteEnd extends SmpByteLink {
  /** Delivers bytes to this end's receiver as if they came over the wire. */
  inject(bytes: Uint8Array): void;
  /** Bytes this end has written. */
  readonly bytesSent: number;
}

/**
 * A fault on the wire: given the bytes of one write (and the index of that write on this end), returns
 * what arrives instead (undefined or empty: lost). For loss and corruption tests.
 */
export type LinkFault = (bytes: Uint8Array, writeIndex: number) => Uint8Array | undefined;

class UartEnd implements SimByteEnd {
  peer!: UartEnd;
  fault: LinkFault | undefined;
  private writes = 0;
  private listener: (bytes: Uint8Array) => void = () => {};
  private busyUntil = 0;
  private closed = false;
  bytesSent = 0;

  constructor(private readonly clock: Clock | undefined, private readonly bytesPerSecond: number | undefined) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new SmpError('SMP_CLOSED', 'uart.write: the link is closed');
    const copy = Uint8Array.from(bytes);
    this.bytesSent += copy.length;
    const arriving = this.fault ? this.fault(copy, this.writes++) : copy;
    if (!this.clock || !this.bytesPerSecond) {
      await Promise.resolve();
      if (arriving && arriving.length > 0) this.peer.inject(arriving);
      return;
    }
    const start = Math.max(this.clock.now(), this.busyUntil);
    this.busyUntil = start + (copy.length * MS_PER_S) / this.bytesPerSecond;
    await this.clock.sleep(this.busyUntil - this.clock.now());
    if (arriving && arriving.length > 0) this.peer.inject(arriving);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.listener = listener;
  }

  inject(bytes: Uint8Array): void {
    if (!this.closed) this.listener(bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Two connected UART ends. Without a clock (or rate) bytes arrive on the next microtask; with one
 * they take `length / bytesPerSecond` each, back to back per direction.
 */
export function createUartPair(
  options: { clock?: Clock; baud?: number; bytesPerSecond?: number; faultAtoB?: LinkFault; faultBtoA?: LinkFault } = {},
): [SimByteEnd, SimByteEnd] {
  const rate = options.bytesPerSecond ?? (options.baud !== undefined ? options.baud / UART_BITS_PER_BYTE : undefined);
  const a = new UartEnd(options.clock, rate);
  const b = new UartEnd(options.clock, rate);
  a.fault = options.faultAtoB;
  b.fault = options.faultBtoA;
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export interface BleLinkOptions {
  clock: Clock;
  /** Negotiated ATT_MTU (e.g. 247 or 498). */
  mtu: number;
  /** Connection interval, in ms (7.5, 15, 30...). */
  connectionIntervalMs: number;
  /** Packets each direction may send per connection event. */
  packetsPerInterval: number;
}

export interface SimPacketEnd extends SmpPacketLink {
  inject(packet: Uint8Array): void;
  readonly packetsSent: number;
  readonly bytesSent: number;
}

class BleEnd implements SimPacketEnd {
  peer!: BleEnd;
  private listener: (packet: Uint8Array) => void = () => {};
  private queue: Uint8Array[] = [];
  private pumping = false;
  private closed = false;
  packetsSent = 0;
  bytesSent = 0;

  constructor(private readonly o: BleLinkOptions) {}

  get mtu(): number {
    return this.o.mtu;
  }

  /** Queues one packet (write without response / notification); resolves at once, like a BLE stack's TX queue. */
  async write(packet: Uint8Array): Promise<void> {
    if (this.closed) throw new SmpError('SMP_CLOSED', 'ble.write: the link is closed');
    if (packet.length > this.o.mtu - BT_ATT_HEADER_BYTES) {
      throw new SmpError('SMP_MSGSIZE', `ble.write: ${packet.length} bytes exceed ATT_MTU ${this.o.mtu} - ${BT_ATT_HEADER_BYTES}`, { length: packet.length });
    }
    this.queue.push(Uint8Array.from(packet));
    this.packetsSent++;
    this.bytesSent += packet.length;
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    const interval = this.o.connectionIntervalMs;
    while (this.queue.length > 0 && !this.closed) {
      const now = this.o.clock.now();
      const nextEvent = (Math.floor(now / interval) + 1) * interval;
      await this.o.clock.sleep(nextEvent - now);
      for (let k = 0; k < this.o.packetsPerInterval && this.queue.length > 0; k++) this.peer.inject(this.queue.shift()!);
    }
    this.pumping = false;
  }

  onData(listener: (packet: Uint8Array) => void): void {
    this.listener = listener;
  }

  inject(packet: Uint8Array): void {
    if (!this.closed) this.listener(packet);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue = [];
  }
}

/** Two ends of one BLE connection (central, peripheral). */
export function createBleLinkPair(options: BleLinkOptions): [SimPacketEnd, SimPacketEnd] {
  const a = new BleEnd(options);
  const b = new BleEnd(options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Link shaping for the simulated modem: one-way latency, down- and uplink bandwidth, a connection drop
 * after N downlink bytes and a stall, applied to the RAW byte stream under TLS so handshake round trips
 * cost latency too. Profiles approximate the nRF9160's radio modes (LTE-M, NB-IoT); `none` is loopback.
 *
 * A pipe is one direction of one connection: bytes are serialised at the bandwidth in segments of
 * LINK_SEGMENT_BYTES, then delivered after the latency, in order (one queue, one sleeper at a time).
 * Time is the Clock HAL's: real time by default, or a VirtualClock, where a shaped NB-IoT transfer
 * takes its exact link time without waiting for it.
 */
import type { Clock } from '../clock.ts';
import { SimClock } from './clock.ts';

export interface LinkOptions {
  /** One-way latency added to every byte, both directions. */
  oneWayLatencyMs: number;
  /** Server-to-device bandwidth; Infinity for none. */
  downlinkBitsPerS: number;
  /** Device-to-server bandwidth; Infinity for none. */
  uplinkBitsPerS: number;
  /** The connection resets after this many raw downlink bytes (per connection). */
  dropAfterBytes?: number;
  /** The downlink stops after this many raw bytes (per connection)... */
  stallAfterBytes?: number;
  /** ...for this long (Infinity or absent: for good). */
  stallMs?: number;
}

export type LinkProfileName = 'none' | 'lte-m' | 'nb-iot';

/** LTE-M: ≈300 kbit/s down, ≈100 kbit/s up, 100 ms one way. */
export const LINK_LTE_M: LinkOptions = { oneWayLatencyMs: 100, downlinkBitsPerS: 300_000, uplinkBitsPerS: 100_000 };
/** NB-IoT: ≈25 kbit/s down, ≈20 kbit/s up, 400 ms one way. */
export const LINK_NB_IOT: LinkOptions = { oneWayLatencyMs: 400, downlinkBitsPerS: 25_000, uplinkBitsPerS: 20_000 };
/** No shaping: loopback as is. */
export const LINK_NONE: LinkOptions = { oneWayLatencyMs: 0, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity };

export const LINK_PROFILES: Readonly<Record<LinkProfileName, LinkOptions>> = {
  none: LINK_NONE,
  'lte-m': LINK_LTE_M,
  'nb-iot': LINK_NB_IOT,
};

/** A shaped link delivers in segments of this size (a TCP MSS), so bytes arrive progressively. */
export const LINK_SEGMENT_BYTES = 1460;
const MS_PER_S = 1000;
/** Longest single sleep; a longer stall re-arms when this one ends. */
const MAX_SLEEP_MS = 2_147_483_647;
const BITS_PER_BYTE = 8;

/** A profile name or options (a profile name plus overrides: `{ ...LINK_LTE_M, dropAfterBytes: 4096 }`). */
export function resolveLink(link: LinkProfileName | LinkOptions | undefined): LinkOptions {
  if (link === undefined) return LINK_NONE;
  if (typeof link === 'string') {
    const p = LINK_PROFILES[link];
    if (!p) throw new RangeError(`link: unknown profile '${link}' (none, lte-m, nb-iot)`);
    return p;
  }
  for (const [k, v] of Object.entries(link)) {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v) || v < 0)) {
      throw new RangeError(`link: ${k} must be a non-negative number, got ${String(v)}`);
    }
  }
  if (link.downlinkBitsPerS === 0 || link.uplinkBitsPerS === 0) throw new RangeError('link: a bandwidth of 0 never delivers; use stallAfterBytes');
  return link;
}

/** True when the pipe changes nothing (deliver synchronously, no timers). */
function isTransparent(latencyMs: number, bitsPerS: number): boolean {
  return latencyMs === 0 && bitsPerS === Infinity;
}

/** One direction of one connection. */
export class ShapedPipe {
  private readonly queue: { at: number; bytes: Uint8Array | null }[] = [];
  private busyUntil = -Infinity;
  private holdUntil = -Infinity;
  /** A sleeper is waiting for the head of the queue (a Clock sleep cannot be cancelled: close ends it). */
  private armed = false;
  private closed = false;

  /** `deliver(null)` marks the end of the stream, after every byte before it. */
  constructor(
    private readonly latencyMs: number,
    private readonly bitsPerS: number,
    private readonly deliver: (bytes: Uint8Array | null) => void,
    private readonly clock: Clock = new SimClock(),
  ) {}

  /** Holds everything pushed from now on until `ms` from now (Infinity: for good). */
  stall(ms: number): void {
    this.holdUntil = ms === Infinity ? Infinity : Math.max(this.holdUntil, this.clock.now() + ms);
  }

  push(bytes: Uint8Array | null): void {
    if (this.closed) return;
    if (this.queue.length === 0 && this.holdUntil <= this.clock.now() && isTransparent(this.latencyMs, this.bitsPerS)) {
      this.deliver(bytes);
      return;
    }
    if (bytes && this.bitsPerS !== Infinity && bytes.length > LINK_SEGMENT_BYTES) {
      for (let o = 0; o < bytes.length; o += LINK_SEGMENT_BYTES) this.enqueue(bytes.subarray(o, o + LINK_SEGMENT_BYTES));
    } else this.enqueue(bytes);
    this.arm();
  }

  private enqueue(bytes: Uint8Array | null): void {
    const start = Math.max(this.clock.now(), this.busyUntil, this.holdUntil);
    const serialMs = bytes && this.bitsPerS !== Infinity ? (bytes.length * BITS_PER_BYTE * MS_PER_S) / this.bitsPerS : 0;
    this.busyUntil = start + serialMs;
    this.queue.push({ at: this.busyUntil + this.latencyMs, bytes });
  }

  /** Drops whatever is still queued. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  /** Sleeps until the head of the queue is due, delivers what is due, and sleeps again while any is left. */
  private arm(): void {
    if (this.armed || this.closed || this.queue.length === 0) return;
    const at = this.queue[0]!.at;
    if (at === Infinity) return;
    this.armed = true;
    const wait = Math.min(MAX_SLEEP_MS, Math.max(0, at - this.clock.now()));
    void this.clock.sleep(wait).then(() => {
      this.armed = false;
      if (this.closed) return;
      const now = this.clock.now();
      while (!this.closed && this.queue.length > 0 && this.queue[0]!.at <= now) this.deliver(this.queue.shift()!.bytes);
      this.arm();
    });
  }
}

/**
 * Liveness of a range download: every response has deadlines (its first byte, and the whole response
 * scaled by the bytes planned for it and the link's rate), and the download as a whole has a stall
 * limit: no whole range accepted for that long ends it with DOWNLOAD_STALLED, however many bytes
 * trickled in. A server sending one byte a second therefore fails typed in bounded time instead of
 * resetting the retry count with every byte. docs/network-limits.md lists the defaults.
 */
import { MODEM_SOCKET_TIMEOUT_MS } from '../../hal/net.ts';
import type { ResponseDeadlines } from '../http/connection.ts';

/** Longest wait for a response's first byte (request uplink, server, round trip): the modem's socket timeout. */
export const DOWNLOAD_FIRST_BYTE_TIMEOUT_MS = MODEM_SOCKET_TIMEOUT_MS;
/** Fixed part of a whole-response deadline (round trips, server think time, radio wake-up). */
export const DOWNLOAD_RESPONSE_BASE_MS = 10_000;
/**
 * Rate a response's bytes are allowed when the caller names no link: a quarter of NB-IoT's ≈25 kbit/s
 * downlink, so only a server or link far slower than any real one trips it.
 */
export const DOWNLOAD_ASSUMED_LINK_BITS_PER_S = 6_000;
/** A named link rate is divided by this before it sets a deadline (coverage and load vary). */
export const DOWNLOAD_LINK_RATE_SLACK = 4;
/** No whole range accepted for this long: DOWNLOAD_STALLED. */
export const DOWNLOAD_STALL_LIMIT_MS = 60_000;

const BITS_PER_BYTE = 8;
const MS_PER_S = 1000;

export interface LivenessOptions {
  /** Deadline of a response's first byte; default DOWNLOAD_FIRST_BYTE_TIMEOUT_MS. */
  firstByteTimeoutMs?: number;
  /** A fixed whole-response deadline instead of the scaled one. */
  responseTimeoutMs?: number;
  /** Fixed part of the scaled deadline; default DOWNLOAD_RESPONSE_BASE_MS. */
  responseBaseMs?: number;
  /** The link's downlink rate (a link profile's); default: DOWNLOAD_ASSUMED_LINK_BITS_PER_S without slack. */
  linkBitsPerS?: number;
  /** Default DOWNLOAD_STALL_LIMIT_MS. */
  stallLimitMs?: number;
}

/** The deadlines of one response that should carry `plannedBytes` (head and body). */
export function responseDeadlines(o: LivenessOptions, plannedBytes: number): Required<ResponseDeadlines> {
  const firstByteTimeoutMs = o.firstByteTimeoutMs ?? DOWNLOAD_FIRST_BYTE_TIMEOUT_MS;
  if (o.responseTimeoutMs !== undefined) return { firstByteTimeoutMs, responseTimeoutMs: o.responseTimeoutMs };
  const rate =
    o.linkBitsPerS !== undefined && Number.isFinite(o.linkBitsPerS) && o.linkBitsPerS > 0
      ? Math.min(o.linkBitsPerS / DOWNLOAD_LINK_RATE_SLACK, Number.MAX_SAFE_INTEGER)
      : DOWNLOAD_ASSUMED_LINK_BITS_PER_S;
  const transferMs = Math.ceil((Math.max(0, plannedBytes) * BITS_PER_BYTE * MS_PER_S) / rate);
  return { firstByteTimeoutMs, responseTimeoutMs: (o.responseBaseMs ?? DOWNLOAD_RESPONSE_BASE_MS) + transferMs };
}

/** Watches for whole ranges: `stalledFor` is how long it has been without one past the limit, or 0. */
export class StallWatch {
  private last: number;

  constructor(private readonly limitMs: number, now: number) {
    this.last = now;
  }

  rangeAccepted(now: number): void {
    this.last = now;
  }

  /** Milliseconds without a whole range when over the limit, else 0. */
  stalledFor(now: number): number {
    const d = now - this.last;
    return d > this.limitMs ? d : 0;
  }

  get limit(): number {
    return this.limitMs;
  }
}

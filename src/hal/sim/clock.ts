/**
 * Clocks for simulated boards (the Clock HAL, k_uptime_get / k_sleep).
 * - SimClock: real time by default (performance.now, setTimeout), optionally run faster or slower
 *   with `speed` (simulated ms per real ms), so a campaign can shrink backoffs.
 * - ManualClock: time moves only when the harness calls `advance(ms)`; sleepers wake in deadline order.
 *   For tests that must step through timeouts exactly.
 * (src/hal/sim/smp-clock.ts has a VirtualClock that jumps ahead whenever the process is idle.)
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.ts';
import { FotaError } from '../errors.ts';

/** Checks a sleep duration: finite; a negative one (a deadline already past) means no wait. */
function sleepMs(op: string, ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new FotaError('CLOCK_BAD_DURATION', `${op}: duration must be a finite number of ms, got ${String(ms)}`, { ms });
  }
  return Math.max(0, ms);
}

export interface SimClockOptions {
  /** Simulated milliseconds per real millisecond (default 1: real time). */
  speed?: number;
  /** What now() returns at creation (default 0, like uptime at boot). */
  startMs?: number;
}

export class SimClock implements Clock {
  readonly speed: number;
  private readonly origin: number;
  private readonly startMs: number;

  constructor(options: SimClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new FotaError('CLOCK_BAD_SPEED', `simClock: speed must be a positive number, got ${speed}`, { speed });
    }
    this.speed = speed;
    this.startMs = options.startMs ?? 0;
    this.origin = performance.now();
  }

  now(): number {
    return this.startMs + (performance.now() - this.origin) * this.speed;
  }

  sleep(ms: number): Promise<void> {
    let wait: number;
    try {
      wait = sleepMs('clock.sleep', ms) / this.speed;
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve) => setTimeout(resolve, wait));
  }
}

interface Sleeper {
  at: number;
  order: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  private order = 0;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    let at: number;
    try {
      at = this.time + sleepMs('clock.sleep', ms);
    } catch (e) {
      return Promise.reject(e);
    }
    if (at <= this.time) return Promise.resolve();
    return new Promise((resolve) => this.sleepers.push({ at, order: this.order++, resolve }));
  }

  /** Moves time forward by `ms`, waking each sleeper due (in deadline order, time set to its deadline). */
  async advance(ms: number): Promise<void> {
    const end = this.time + sleepMs('clock.advance', ms);
    for (;;) {
      let next: Sleeper | undefined;
      for (const s of this.sleepers) if (s.at <= end && (!next || s.at < next.at || (s.at === next.at && s.order < next.order))) next = s;
      if (!next) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.time = next.at;
      next.resolve();
      // Let the woken code run (and maybe sleep again) before the next deadline.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.time = end;
  }

  /** Sleepers not yet woken. */
  pending(): number {
    return this.sleepers.length;
  }
}

/**
 * Clocks for simulated boards (the Clock HAL, k_uptime_get / k_sleep). Two, and only two:
 * - SimClock: real time (performance.now, setTimeout), optionally run faster or slower with `speed`
 *   (simulated ms per real ms), so a campaign can shrink backoffs; `base` swaps the real time it
 *   scales for another time source (a test drives it with a VirtualClock to check the scaling exactly);
 * - VirtualClock: the one virtual time. Time stands still while any work is runnable; by default it
 *   jumps to the earliest sleeper once the process is idle (checked with setImmediate, after pending
 *   promise jobs ran), so an upload that takes minutes on a simulated 115200-baud UART runs in
 *   milliseconds with exact, repeatable timings. With `autoAdvance: false` time moves only when the
 *   harness calls `advance(ms)`, for tests that step through timeouts exactly. `timer(ms, fn)` is a
 *   cancellable timeout (a cancelled one leaves no sleeper to jump to); `idleTurns` makes the idle
 *   check wait several quiet turns of the event loop (`touch()` marks activity), for TLS over in-memory
 *   streams (a simulated run in virtual time, src/boards/sim-run.ts).
 * Both refuse a duration that is not a finite number (CLOCK_BAD_DURATION); a negative one means no wait.
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
  /**
   * The time scaled by `speed`: its now() and a cancellable timer. Default: the host's real time
   * (performance.now, setTimeout).
   */
  base?: SimClockBase;
}

/** The time a SimClock runs on. */
export interface SimClockBase {
  now(): number;
  timer(ms: number, fn: () => void): () => void;
}

const REAL_TIME: SimClockBase = {
  now: () => performance.now(),
  timer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export class SimClock implements Clock {
  readonly speed: number;
  private readonly base: SimClockBase;
  private readonly origin: number;
  private readonly startMs: number;

  constructor(options: SimClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new FotaError('CLOCK_BAD_SPEED', `simClock: speed must be a positive number, got ${speed}`, { speed });
    }
    this.speed = speed;
    this.startMs = options.startMs ?? 0;
    this.base = options.base ?? REAL_TIME;
    this.origin = this.base.now();
  }

  now(): number {
    return this.startMs + (this.base.now() - this.origin) * this.speed;
  }

  sleep(ms: number): Promise<void> {
    let wait: number;
    try {
      wait = sleepMs('clock.sleep', ms) / this.speed;
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve) => {
      this.base.timer(wait, resolve);
    });
  }

  timer(ms: number, fn: () => void): () => void {
    return this.base.timer(sleepMs('clock.timer', ms) / this.speed, fn);
  }
}

interface Sleeper {
  at: number;
  order: number;
  resolve: () => void;
}

export interface VirtualClockOptions {
  /** What now() returns at creation (default 0, like uptime at boot). */
  startMs?: number;
  /** Jump to the earliest sleeper whenever the process is idle (default true); false: only advance() moves time. */
  autoAdvance?: boolean;
  /**
   * Turns of the event loop (setImmediate) without activity (a sleep, a timer, a wake-up or `touch()`)
   * before the process counts as idle (default 1). More than one lets work that hops across turns, such
   * as Node TLS over in-memory streams, finish before time jumps.
   */
  idleTurns?: number;
}

export class VirtualClock implements Clock {
  readonly autoAdvance: boolean;
  private time: number;
  private sleepers: Sleeper[] = [];
  private order = 0;
  private scheduled = false;
  private readonly idleTurns: number;
  /** Counts activity: the idle check sees whether it moved during its turns. */
  private activity = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.time = options.startMs ?? 0;
    this.autoAdvance = options.autoAdvance ?? true;
    const turns = options.idleTurns ?? 1;
    if (!Number.isInteger(turns) || turns < 1) throw new RangeError(`virtualClock: idleTurns must be a positive integer, got ${String(turns)}`);
    this.idleTurns = turns;
  }

  /** Notes activity the clock cannot see (bytes moving on an in-memory link): time waits for it to settle. */
  touch(): void {
    this.activity++;
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
    // Stepped by hand, a sleep already due returns at once; auto-advancing, it still yields to I/O.
    if (!this.autoAdvance && at <= this.time) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ at, order: this.order++, resolve });
      this.activity++;
      this.schedule();
    });
  }

  /** Calls `fn` at now + `ms` (like a sleep) unless cancelled first; a cancelled timer is forgotten. */
  timer(ms: number, fn: () => void): () => void {
    const at = this.time + sleepMs('clock.timer', ms);
    const s: Sleeper = { at, order: this.order++, resolve: fn };
    this.sleepers.push(s);
    this.activity++;
    this.schedule();
    return () => {
      const i = this.sleepers.indexOf(s);
      if (i >= 0) this.sleepers.splice(i, 1);
    };
  }

  /** Moves time forward by `ms`, waking each sleeper due (in deadline order, time set to its deadline). */
  async advance(ms: number): Promise<void> {
    const end = this.time + sleepMs('clock.advance', ms);
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.resolve();
      // Let the woken code run (and maybe sleep again) before the next deadline.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.time = end;
  }

  /** Sleepers not yet woken (a test can check nothing is left behind). */
  pending(): number {
    return this.sleepers.length;
  }

  private earliest(): Sleeper | undefined {
    let first: Sleeper | undefined;
    for (const s of this.sleepers) if (!first || s.at < first.at || (s.at === first.at && s.order < first.order)) first = s;
    return first;
  }

  private schedule(): void {
    if (!this.autoAdvance || this.scheduled) return;
    this.scheduled = true;
    this.idleCheck(this.activity, 1);
  }

  /** Waits `idleTurns` turns of the event loop in a row with no activity, then ticks. */
  private idleCheck(seen: number, turn: number): void {
    setImmediate(() => {
      if (this.idleTurns === 1) return this.tick();
      if (this.activity !== seen) return this.idleCheck(this.activity, 1);
      if (turn < this.idleTurns) return this.idleCheck(seen, turn + 1);
      this.tick();
    });
  }

  /** Wakes every sleeper due at the earliest time, then waits for idleness again. */
  private tick(): void {
    this.scheduled = false;
    this.activity++;
    const first = this.earliest();
    if (!first) return;
    this.time = Math.max(this.time, first.at);
    const due = this.sleepers.filter((s) => s.at <= this.time).sort((a, b) => a.at - b.at || a.order - b.order);
    this.sleepers = this.sleepers.filter((s) => s.at > this.time);
    for (const s of due) s.resolve();
    if (this.sleepers.length > 0) this.schedule();
  }
}

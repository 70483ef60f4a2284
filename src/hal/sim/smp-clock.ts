/**
 * A virtual clock (the Clock HAL) for simulations: time stands still while any work is runnable and
 * jumps to the earliest sleeper once the process is idle (checked with setImmediate, after pending
 * promise jobs have run). An upload that takes minutes on a simulated 115200-baud UART or BLE link
 * runs in milliseconds, and timings are exact and repeatable.
 */
import type { Clock } from '../clock.ts';

interface Sleeper {
  at: number;
  order: number;
  resolve: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  private order = 0;
  private scheduled = false;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    const at = this.time + Math.max(0, Number.isFinite(ms) ? ms : 0);
    return new Promise((resolve) => {
      this.sleepers.push({ at, order: this.order++, resolve });
      this.schedule();
    });
  }

  /** Sleepers not yet woken (a test can check nothing is left behind). */
  pending(): number {
    return this.sleepers.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.tick());
  }

  /** Wakes every sleeper due at the earliest time, then waits for idleness again. */
  private tick(): void {
    this.scheduled = false;
    if (this.sleepers.length === 0) return;
    let first = this.sleepers[0]!;
    for (const s of this.sleepers) if (s.at < first.at || (s.at === first.at && s.order < first.order)) first = s;
    this.time = Math.max(this.time, first.at);
    const due = this.sleepers.filter((s) => s.at <= this.time).sort((a, b) => a.at - b.at || a.order - b.order);
    this.sleepers = this.sleepers.filter((s) => s.at > this.time);
    for (const s of due) s.resolve();
    if (this.sleepers.length > 0) this.schedule();
  }
}

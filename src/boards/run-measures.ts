/**
 * What a run log (sim's and hil's) is assembled from, beyond the agent's own events: the entries
 * stamped with the run's time, the TLS records the modem saw, matched to the responses that carried
 * them, and counters that restart with every download run, summed over the boots.
 */
import type { Clock } from '../hal/clock.ts';
import type { RunLogEntry, RunLogEvent } from '../fota/run-log.ts';
import { TLS12_AES_GCM_RECORD_OVERHEAD_BYTES } from '../transport/download/planner.ts';

/** A run log being written: each entry stamped with the ms since the run began, and handed on as it happens. */
export class RunLogWriter {
  readonly entries: RunLogEntry[] = [];
  private readonly t0: number;

  constructor(
    protected readonly clock: Clock,
    private readonly onEntry?: (e: RunLogEntry) => void,
  ) {
    this.t0 = clock.now();
  }

  /** Milliseconds since the run began, on the run's clock. */
  elapsedMs(): number {
    return this.clock.now() - this.t0;
  }

  emit(e: RunLogEvent): void {
    const entry = { t: Math.round(this.elapsedMs()), ...e } as RunLogEntry;
    this.entries.push(entry);
    this.onEntry?.(entry);
  }
}

/**
 * The TLS records the modem saw, in order, matched to the responses they carried: a response of
 * `plaintext` bytes (head + body) takes records until their payload (record minus the TLS 1.2 AES-GCM
 * overhead) covers it; its record size is the largest of them. Pipelined responses arrive before the
 * downloader reports them, so the records wait here.
 */
export class RecordLedger {
  private readonly queues = new Map<string, number[]>();

  add(host: string, recordBytes: number): void {
    const q = this.queues.get(host);
    if (q) q.push(recordBytes);
    else this.queues.set(host, [recordBytes]);
  }

  /** A new connection to `host`: records of the old one that no response claimed are gone with it. */
  reset(host: string): void {
    this.queues.delete(host);
  }

  take(host: string, plaintext: number): number {
    const q = this.queues.get(host) ?? [];
    let covered = 0;
    let largest = 0;
    while (covered < plaintext && q.length > 0) {
      const r = q.shift()!;
      largest = Math.max(largest, r);
      covered += r - TLS12_AES_GCM_RECORD_OVERHEAD_BYTES;
    }
    return largest;
  }
}

/** A counter that restarts from 0 in every download run, summed over the runs. */
export class RunningTotal {
  private done = 0;
  private last = 0;

  see(value: number): void {
    if (value < this.last) this.done += this.last;
    this.last = value;
  }

  total(): number {
    return this.done + this.last;
  }
}

/**
 * A Log HAL that collects entries (for tests, campaign reports and the CLI's --verbose), stamped with
 * the board clock's time, optionally echoed as text lines. Keeps at most `maxEntries` (oldest dropped).
 */
import type { Clock } from '../clock.ts';
import type { Log, LogLevel } from '../log.ts';

export const SIM_LOG_DEFAULT_MAX_ENTRIES = 10_000;

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LogEntry {
  /** Running number of the entry since the log was made. */
  seq: number;
  /** Clock time (ms) when logged. */
  timeMs: number;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export interface SimLogOptions {
  clock?: Clock;
  /** Entries below this level are dropped (default 'debug': keep all). */
  minLevel?: LogLevel;
  maxEntries?: number;
  /** Called with each kept entry formatted as one line (e.g. `(l) => process.stderr.write(l + '\n')`). */
  echo?: (line: string, entry: LogEntry) => void;
  /** Prefix for echoed lines, e.g. the board name. */
  name?: string;
}

export class SimLog implements Log {
  private readonly options: SimLogOptions;
  private readonly maxEntries: number;
  private list: LogEntry[] = [];
  private seq = 0;

  constructor(options: SimLogOptions = {}) {
    this.options = options;
    this.maxEntries = options.maxEntries ?? SIM_LOG_DEFAULT_MAX_ENTRIES;
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LEVEL_RANK[level] === undefined || LEVEL_RANK[level] < LEVEL_RANK[this.options.minLevel ?? 'debug']) return;
    const entry: LogEntry = { seq: this.seq++, timeMs: this.options.clock?.now() ?? 0, level, message };
    if (fields !== undefined) entry.fields = { ...fields };
    this.list.push(entry);
    if (this.list.length > this.maxEntries) this.list.splice(0, this.list.length - this.maxEntries);
    this.options.echo?.(this.format(entry), entry);
  }

  /** Kept entries, oldest first, optionally only those at `level` or above. */
  entries(minLevel: LogLevel = 'debug'): readonly LogEntry[] {
    return minLevel === 'debug' ? this.list.slice() : this.list.filter((e) => LEVEL_RANK[e.level] >= LEVEL_RANK[minLevel]);
  }

  /** Messages of kept entries (convenient in tests). */
  messages(minLevel: LogLevel = 'debug'): string[] {
    return this.entries(minLevel).map((e) => e.message);
  }

  /** First kept entry whose message contains `text`. */
  find(text: string): LogEntry | undefined {
    return this.list.find((e) => e.message.includes(text));
  }

  clear(): void {
    this.list = [];
  }

  /** One line: `[   12.345] info  board: message {"field":1}`. */
  format(e: LogEntry): string {
    const t = (e.timeMs / 1000).toFixed(3).padStart(10);
    const name = this.options.name ? `${this.options.name}: ` : '';
    let fields = '';
    if (e.fields) {
      try {
        fields = ` ${JSON.stringify(e.fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v))}`;
      } catch {
        fields = ' {unserialisable fields}';
      }
    }
    return `[${t}] ${e.level.padEnd(5)} ${name}${e.message}${fields}`;
  }
}

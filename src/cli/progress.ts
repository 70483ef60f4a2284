/**
 * The CLI's one progress bar, on cli-progress: `sim` (and `hil`, through its HumanView) while the
 * board downloads, `download`, and `smp image upload`.
 * - Drawn only where a person watches: on a TTY stream (stderr by default), never with --json or
 *   --quiet, never when the stream is piped or redirected (then nothing at all is written to it).
 * - One line: the bar, percent, bytes/total, rate and ETA (on the `now` clock, real time by default),
 *   and the caller's own details after them.
 * - `stop()` ends it cleanly, on success and on error alike: the line is cleared, so whatever is printed
 *   next (a summary, an error message) starts on an empty line, never after a half-drawn bar. Stopping
 *   twice, or a bar never drawn, is fine; `update` after `stop` draws a new bar.
 * - It changes no terminal mode (cursor shown, line wrapping left on; a line wider than the terminal
 *   is cut instead), so a Ctrl-C in mid-bar leaves the terminal as it was.
 */
import { SingleBar } from 'cli-progress';

/** Where the bar is drawn: a stream that says whether it is a terminal (process.stderr, a tty.WriteStream). */
export interface ProgressStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** --json: machine output only, no bar. */
  json?: boolean;
  /** --quiet: no bar. */
  quiet?: boolean;
  /** Milliseconds for the rate and the ETA; default performance.now. */
  now?: () => number;
}

/** Redraws per second at most (cli-progress throttles; between updates it redraws the rate and ETA). */
const PROGRESS_FPS = 10;
/** Width of the bar itself, in characters. */
const PROGRESS_BAR_CHARS = 24;
const MS_PER_S = 1000;
const KIB = 1024;

/** A byte rate as people read it: B/s, KiB/s or MiB/s. */
export function formatRate(bytesPerS: number): string {
  if (!Number.isFinite(bytesPerS) || bytesPerS <= 0) return '- B/s';
  if (bytesPerS < KIB) return `${Math.round(bytesPerS)} B/s`;
  if (bytesPerS < KIB * KIB) return `${(bytesPerS / KIB).toFixed(1)} KiB/s`;
  return `${(bytesPerS / KIB / KIB).toFixed(1)} MiB/s`;
}

/** Seconds left as people read them: 42s, 3m05s, 1h02m; '-' when unknown. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressBar {
  /** Whether this bar draws at all (a TTY stream, not --json, not --quiet). */
  readonly enabled: boolean;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private bar: SingleBar | undefined;
  private total: number | undefined;
  /** Where this bar started (time and bytes: a resumed transfer's rate counts only what it moved). */
  private startMs = 0;
  private startBytes = 0;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.enabled = this.stream.isTTY === true && options.json !== true && options.quiet !== true;
  }

  /** Shows `bytes` of `total` (undefined: not known yet) and the caller's `details`. */
  update(bytes: number, total: number | undefined, details = ''): void {
    if (!this.enabled) return;
    if (!this.bar) {
      this.startMs = this.now();
      this.startBytes = bytes;
      this.total = total;
      this.bar = new SingleBar({
        stream: this.stream,
        format: (_options, params, payload: { details?: string }) => this.line(params.progress, params.value, payload.details ?? ''),
        fps: PROGRESS_FPS,
        hideCursor: false,
        linewrap: true,
        clearOnComplete: true,
      });
      this.bar.start(total ?? 0, bytes, { details });
      return;
    }
    if (total !== this.total) {
      this.total = total;
      this.bar.setTotal(total ?? 0);
    }
    this.bar.update(bytes, { details });
  }

  /** Ends the bar and clears its line (success or error: call it before printing anything else). */
  stop(): void {
    const bar = this.bar;
    this.bar = undefined;
    bar?.stop();
  }

  private line(progress: number, bytes: number, details: string): string {
    const total = this.total;
    const known = total !== undefined && total > 0;
    const seconds = (this.now() - this.startMs) / MS_PER_S;
    const rate = seconds > 0 ? (bytes - this.startBytes) / seconds : 0;
    const eta = known && rate > 0 ? (total - bytes) / rate : Number.NaN;
    const done = known ? Math.round(progress * PROGRESS_BAR_CHARS) : 0;
    const bar = '█'.repeat(done) + '░'.repeat(PROGRESS_BAR_CHARS - done);
    const pct = known ? `${Math.floor(progress * 100)}%` : '?%';
    return `  ${bar} ${pct.padStart(4)} | ${bytes}/${total ?? '?'} B | ${formatRate(rate)} | ETA ${formatEta(eta)}${details ? ` | ${details}` : ''}`;
  }
}

/**
 * The figures each benchmark reports, and the closing summary table of `npm run bench`: every figure
 * with its value, goal, verdict and the baseline measured in the same run; a row for every bench that
 * failed instead of reporting; the counts; and how long each bench took.
 */
export interface BenchFigure {
  /** What was measured, e.g. `image-verify 8 MiB`. */
  name: string;
  /** The measured figure, as printed (ratio, MB/s, ...). */
  value: number;
  unit: string;
  /** The goal, e.g. `>= 0.8`. */
  goal: string;
  /** Whether the goal is met. */
  met: boolean;
  /** The baseline measured in the same run, described, e.g. `raw sha256 512 MB/s`. */
  baseline: string;
}

/** A bench that threw (or timed out, or exported no `run`) instead of returning figures. */
export interface BenchFailure {
  bench: string;
  message: string;
}

/** How long one bench took and how many figures it gave. */
export interface BenchTiming {
  bench: string;
  ms: number;
  figures: number;
}

/**
 * met / MISSED: the bench's own verdict on its goal. INCOMPLETE: the figure lacks a goal or a
 * baseline, or its value is not a finite number (it cannot be judged). FAILED: the bench did not report.
 */
export type FigureVerdict = 'met' | 'MISSED' | 'INCOMPLETE' | 'FAILED';

export interface SummaryCounts {
  figures: number;
  met: number;
  missed: number;
  incomplete: number;
  /** Benches that failed. */
  failed: number;
}

/** Longest failure message shown in the table (its first line). */
export const SUMMARY_MESSAGE_MAX_CHARS = 100;
/** Values this large are shown as integers. */
const INTEGER_DISPLAY_MIN = 1000;
/** Below this (and not 0) a value is shown in exponent form. */
const EXPONENT_DISPLAY_MAX = 0.001;
const SIGNIFICANT_DIGITS = 3;
const MS_PER_S = 1000;
const COLUMN_GAP = '  ';
const HEAD = ['figure', 'value', 'goal', 'verdict', 'baseline (same run)'];
const NONE = '—';

/** What is missing or wrong in a figure, for the INCOMPLETE verdict (empty when it can be judged). */
export function figureProblems(f: BenchFigure): string[] {
  const problems: string[] = [];
  const text = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;
  if (!text(f.name)) problems.push('no name');
  if (typeof f.value !== 'number' || !Number.isFinite(f.value)) problems.push(`value ${String(f.value)}`);
  if (!text(f.goal)) problems.push('no goal');
  if (!text(f.baseline)) problems.push('no baseline');
  if (typeof f.met !== 'boolean') problems.push('no verdict');
  return problems;
}

export function verdictOf(f: BenchFigure): FigureVerdict {
  if (figureProblems(f).length > 0) return 'INCOMPLETE';
  return f.met ? 'met' : 'MISSED';
}

/**
 * A value with at least three significant digits, so that rounding never shows a missed goal as met
 * (2.98 stays 2.98 against `>= 3`, 0.921 stays 0.921 against `>= 0.95`).
 */
export function formatNumber(v: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v) || a >= INTEGER_DISPLAY_MIN) return v.toFixed(0);
  if (a < EXPONENT_DISPLAY_MAX) return v.toExponential(SIGNIFICANT_DIGITS - 1);
  return v.toPrecision(SIGNIFICANT_DIGITS);
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > SUMMARY_MESSAGE_MAX_CHARS ? `${line.slice(0, SUMMARY_MESSAGE_MAX_CHARS - 1)}…` : line;
}

function cell(v: unknown): string {
  return typeof v === 'string' && v.trim().length > 0 ? v : NONE;
}

export function countVerdicts(figures: readonly BenchFigure[], failures: readonly BenchFailure[] = []): SummaryCounts {
  const counts: SummaryCounts = { figures: figures.length, met: 0, missed: 0, incomplete: 0, failed: failures.length };
  for (const f of figures) {
    const v = verdictOf(f);
    if (v === 'met') counts.met++;
    else if (v === 'MISSED') counts.missed++;
    else counts.incomplete++;
  }
  return counts;
}

/** The closing table and the lines under it, without printing. */
export function formatSummary(
  figures: readonly BenchFigure[],
  failures: readonly BenchFailure[] = [],
  timings: readonly BenchTiming[] = [],
): { lines: string[]; counts: SummaryCounts } {
  const rows: string[][] = figures.map((f) => {
    const verdict = verdictOf(f);
    const value = `${formatNumber(f.value)} ${typeof f.unit === 'string' ? f.unit : ''}`.trim();
    const baseline = verdict === 'INCOMPLETE' ? `${cell(f.baseline)} (${figureProblems(f).join(', ')})` : f.baseline;
    return [cell(f.name), value, cell(f.goal), verdict, baseline];
  });
  for (const x of failures) rows.push([`${x.bench} (bench failed)`, NONE, NONE, 'FAILED', firstLine(x.message)]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(COLUMN_GAP).trimEnd();
  const lines = ['', line(HEAD), widths.map((w) => '-'.repeat(w)).join(COLUMN_GAP)];
  for (const r of rows) lines.push(line(r));
  const counts = countVerdicts(figures, failures);
  lines.push(
    '',
    `bench: ${counts.figures} figures, ${counts.met} met, ${counts.missed} missed, ${counts.incomplete} incomplete; ` +
      `${counts.failed} bench${counts.failed === 1 ? '' : 'es'} failed`,
  );
  if (timings.length > 0) {
    const total = timings.reduce((n, t) => n + t.ms, 0);
    const each = timings.map((t) => `${t.bench} ${(t.ms / MS_PER_S).toFixed(1)} s`).join(', ');
    lines.push(`bench times: ${each} (total ${(total / MS_PER_S).toFixed(1)} s)`);
  }
  return { lines, counts };
}

/** Prints the closing table; returns the counts (see summaryExitCode). */
export function printSummary(figures: BenchFigure[], failures: readonly BenchFailure[] = [], timings: readonly BenchTiming[] = []): SummaryCounts {
  const { lines, counts } = formatSummary(figures, failures, timings);
  for (const l of lines) console.log(l);
  return counts;
}

/** 0 when every figure met its goal and every bench reported; 1 otherwise (a negative verdict). */
export function summaryExitCode(counts: SummaryCounts): number {
  return counts.missed === 0 && counts.incomplete === 0 && counts.failed === 0 ? 0 : 1;
}

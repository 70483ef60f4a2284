/** The figures each benchmark reports, and the closing summary table of `npm run bench`. */
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

export function printSummary(figures: BenchFigure[]): void {
  const rows = figures.map((f) => [f.name, `${formatNumber(f.value)} ${f.unit}`.trim(), f.goal, f.met ? 'met' : 'MISSED', f.baseline]);
  const head = ['figure', 'value', 'goal', 'verdict', 'baseline (same run)'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * `npm run bench`: runs every benchmark in scripts/bench/*.bench.ts (or those whose file name contains
 * one of the words on the command line), one after the other, each printing its own line(s), then one
 * summary table of every figure with its goal, verdict and the baseline measured in the same run.
 * A bench that throws, exports no `run`, or takes longer than BENCH_MAX_MS becomes a FAILED row and
 * the others still run. Exit code: 0 when every goal is met, 1 when a goal is missed, a figure cannot
 * be judged or a bench failed, 2 when no bench matches the words given.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { printSummary, summaryExitCode, type BenchFailure, type BenchFigure, type BenchTiming } from './summary.ts';

/** Longest a single bench may run before it counts as failed (the slowest today takes ~75 s). */
const BENCH_MAX_MS = 5 * 60_000;
const BENCH_FILE_SUFFIX = '.bench.ts';
const EXIT_USAGE = 2;

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(BENCH_FILE_SUFFIX))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no scripts/bench/*${BENCH_FILE_SUFFIX} matches ${only.join(', ')}`);
  process.exit(EXIT_USAGE);
}

class BenchTimeoutError extends Error {}

/** Runs one bench module; resolves to its figures, rejects with why it failed. */
async function runBench(file: string): Promise<BenchFigure[]> {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: unknown };
  if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(`no result after ${BENCH_MAX_MS / 1000} s`)), BENCH_MAX_MS);
  });
  try {
    const figures: unknown = await Promise.race([(mod.run as () => Promise<unknown>)(), timeout]);
    if (!Array.isArray(figures)) throw new Error(`run() returned ${typeof figures}, not an array of figures`);
    return figures as BenchFigure[];
  } finally {
    clearTimeout(timer);
  }
}

const figures: BenchFigure[] = [];
const failures: BenchFailure[] = [];
const timings: BenchTiming[] = [];
let timedOut = false;
for (const file of files) {
  const bench = file.slice(0, -BENCH_FILE_SUFFIX.length);
  const t0 = performance.now();
  try {
    const got = await runBench(file);
    figures.push(...got);
    timings.push({ bench, ms: performance.now() - t0, figures: got.length });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    timedOut ||= e instanceof BenchTimeoutError;
    console.error(`bench: ${bench} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
    failures.push({ bench, message });
    timings.push({ bench, ms: performance.now() - t0, figures: 0 });
  }
}
const counts = printSummary(figures, failures, timings);
process.exitCode = summaryExitCode(counts);
// A bench that timed out may still hold sockets or timers: do not wait for them.
if (timedOut) process.exit();

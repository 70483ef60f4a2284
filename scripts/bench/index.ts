/**
 * `npm run bench`: runs every benchmark in scripts/bench/*.bench.ts (or those whose file name contains
 * one of the words on the command line), one after the other, each in a fresh Node process (run-one.ts)
 * so no bench measures in what another left behind, each printing its own line(s), then one
 * summary table of every figure with its goal, verdict and the baseline measured in the same run.
 * A bench that throws, exports no `run`, or takes longer than BENCH_MAX_MS becomes a FAILED row and
 * the others still run. Exit code: 0 when every goal is met, 1 when a goal is missed, a figure cannot
 * be judged or a bench failed, 2 when no bench matches the words given.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
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

/** Runs one bench module in a child process; resolves to its figures, rejects with why it failed. */
async function runBench(file: string): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'fotakit-bench-'));
  const out = join(work, 'figures.json');
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(dir, 'run-one.ts'), file, out], { stdio: 'inherit' });
    let timer: NodeJS.Timeout | undefined;
    const code = await new Promise<number | null>((resolve, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new BenchTimeoutError(`no result after ${BENCH_MAX_MS / 1000} s`));
      }, BENCH_MAX_MS);
      child.once('exit', (c) => resolve(c));
      child.once('error', reject);
    }).finally(() => clearTimeout(timer));
    if (code !== 0 || !existsSync(out)) throw new Error(`the bench process exited with ${code}`);
    const figures: unknown = JSON.parse(readFileSync(out, 'utf8'));
    if (!Array.isArray(figures)) throw new Error('the bench wrote no array of figures');
    return figures as BenchFigure[];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const figures: BenchFigure[] = [];
const failures: BenchFailure[] = [];
const timings: BenchTiming[] = [];
for (const file of files) {
  const bench = file.slice(0, -BENCH_FILE_SUFFIX.length);
  const t0 = performance.now();
  try {
    const got = await runBench(file);
    figures.push(...got);
    timings.push({ bench, ms: performance.now() - t0, figures: got.length });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`bench: ${bench} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
    failures.push({ bench, message });
    timings.push({ bench, ms: performance.now() - t0, figures: 0 });
  }
}
const counts = printSummary(figures, failures, timings);
process.exitCode = summaryExitCode(counts);

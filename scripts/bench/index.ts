/**
 * `npm run bench`: runs every benchmark in scripts/bench/*.bench.ts (or those named on the command
 * line), each printing its own line(s), then one summary table of every figure with its goal and the
 * baseline measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { printSummary, type BenchFigure } from './summary.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const figures: BenchFigure[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run: () => Promise<BenchFigure[]> };
  figures.push(...(await mod.run()));
}
printSummary(figures);

/**
 * Runs one bench module in its own process (scripts/bench/index.ts starts one per bench), so no bench
 * measures in a heap, JIT or event loop another bench has left behind. Prints the bench's own lines and
 * writes its figures as JSON to the file named by the second argument.
 * Usage: node --expose-gc --import tsx scripts/bench/run-one.ts <file.bench.ts> <figures.json>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: run-one.ts <file.bench.ts> <figures.json>');
  process.exit(2);
}
const dir = fileURLToPath(new URL('.', import.meta.url));
const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: unknown };
if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
const figures: unknown = await (mod.run as () => Promise<unknown>)();
if (!Array.isArray(figures)) throw new Error(`run() returned ${typeof figures}, not an array of figures`);
writeFileSync(out, JSON.stringify(figures));
// Benches may leave servers or timers behind: the figures are written, so end here.
process.exit(0);

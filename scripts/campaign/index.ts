/**
 * `npm run campaign -- <name> [options]`: long reliability campaigns (power-cut, network, agent).
 * Each lives in scripts/campaign/<name>.ts, exports `run(args)`, and prints its own last line.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [name, ...args] = process.argv.slice(2);
const dir = fileURLToPath(new URL('.', import.meta.url));
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run campaign -- <name>   (names: power-cut, network, agent)`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { run: (args: string[]) => Promise<number> };
process.exit(await mod.run(args));

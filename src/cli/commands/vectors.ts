/**
 * `fotakit vectors --output DIR [--only a,b]`: test vectors for the C firmware (JSON + C99 headers),
 * generated from fotakit's own implementation. See docs/vectors.md.
 */
import { resolve } from 'node:path';
import { EXIT_OK, helpText, parseCommand, stringValue, type CommandSpec } from '../args.ts';
import { UsageError } from '../../hal/errors.ts';
import { generateVectors, VECTOR_GENERATORS, writeVectors } from '../../vectors/index.ts';

export const SPEC: CommandSpec = {
  usage: 'fotakit vectors --output DIR [--only CATEGORY[,CATEGORY...]] [--json]',
  summary:
    'Writes test vectors for the C firmware: per category a JSON file and a C99 header (MCUboot images, trailers, HTTP, SMP, AT, certificate selection). Same bytes on every run.',
  options: { output: { type: 'string', short: 'o' }, only: { type: 'string' } },
  help: { output: 'output directory (created if missing)', only: `categories to write (${VECTOR_GENERATORS.map((g) => g.name).join(', ')}; default all)` },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const out = stringValue(p, 'output');
  if (!out) throw new UsageError('fotakit vectors: --output DIR is required');
  const onlyText = stringValue(p, 'only');
  const only = onlyText === undefined ? undefined : onlyText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const started = performance.now();
  let categories;
  try {
    categories = await generateVectors(only);
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === 'VECTORS_UNKNOWN_CATEGORY') throw new UsageError(`fotakit vectors: ${e.message}`);
    throw e;
  }
  const dir = resolve(out);
  const written = writeVectors(dir, categories);
  const ms = Math.round(performance.now() - started);
  if (p.json) console.log(JSON.stringify({ ok: true, out: dir, ms, categories: written }));
  else {
    for (const w of written) console.log(`${w.name.padEnd(12)} ${String(w.count).padStart(4)} vectors  ${w.jsonFile}, ${w.headerFile}`);
    console.log(`wrote ${written.length} categories to ${dir} in ${ms} ms`);
  }
  return EXIT_OK;
}

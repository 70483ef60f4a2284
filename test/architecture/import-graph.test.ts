/**
 * The house's floors, checked from the code's own imports (docs/architecture.md): every import under
 * src/ — type-only, re-exports and dynamic imports included — points to the same floor or one below,
 * and no set of files imports itself round in a circle.
 *
 *   src/*.ts (bundle entries) > cli > server, report, vectors > boards > fota > transport > hal
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** Floors from the ground up: a file may import from its own floor or any lower one. */
const LAYERS: ReadonlyArray<{ name: string; rank: number; prefixes: readonly string[] }> = [
  { name: 'hal', rank: 0, prefixes: ['src/hal/'] },
  { name: 'transport', rank: 1, prefixes: ['src/transport/'] },
  { name: 'fota', rank: 2, prefixes: ['src/fota/'] },
  { name: 'boards', rank: 3, prefixes: ['src/boards/', 'src/engine/'] },
  { name: 'server/report/vectors', rank: 4, prefixes: ['src/server/', 'src/report/', 'src/vectors/'] },
  { name: 'cli', rank: 5, prefixes: ['src/cli/'] },
];
/** The bundle entry points (src/core.ts, src/browser.ts) sit on the roof: export lists only. */
const ENTRY = { name: 'entry', rank: 6 };

function layerOf(file: string): { name: string; rank: number } {
  for (const l of LAYERS) if (l.prefixes.some((p) => file.startsWith(p))) return l;
  if (/^src\/[^/]+\.ts$/.test(file)) return ENTRY;
  throw new Error(`import-graph: ${file} is on no floor; add its folder to LAYERS`);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const rel = (abs: string): string => relative(ROOT, abs).split(sep).join('/');

/** Relative import specifiers of one source text: static, type-only, re-exports, dynamic. */
function relativeImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((f) => f.startsWith('.'));
}

/** Every relative import of every file under src/, resolved to a repository path. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of sourceFiles(SRC)) {
    const targets = relativeImports(readFileSync(abs, 'utf8')).map((spec) => rel(resolve(dirname(abs), spec)));
    graph.set(rel(abs), [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const graph = importGraph();

test('every file under src/ sits on a floor and every relative import names a file under src/', () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    layerOf(file);
    for (const t of targets) if (!graph.has(t)) bad.push(`${file} -> ${t}`);
  }
  assert.equal(bad, []);
});

test('no import points to a higher floor (type-only imports included)', () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const t of targets) {
      if (!graph.has(t)) continue;
      const to = layerOf(t);
      if (to.rank > from.rank) upward.push(`${file} (${from.name}) -> ${t} (${to.name})`);
    }
  }
  assert.equal(upward, []);
});

test('no import cycles between files', () => {
  assert.equal(
    cycles(graph).map((c) => c.join(' <-> ')),
    [],
  );
});

test('the import reader sees type-only imports, re-exports and dynamic imports', () => {
  const text = `import type { A } from './a.ts';\nexport * from './b.ts';\nexport type { C } from '../c.ts';\nconst d = await import('./d.ts');\nimport x from 'pkg';`;
  assert.equal(relativeImports(text), ['./a.ts', './b.ts', '../c.ts', './d.ts']);
});

test('the cycle finder names every file of a circle, and only those', () => {
  const g = new Map<string, string[]>([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a', 'd']],
  ]);
  assert.equal(cycles(g), [['a', 'b', 'c'], ['d']]);
});

test('a file in a folder on no floor is refused by name', () => {
  assert.throws(() => layerOf('src/elsewhere/x.ts'), /src\/elsewhere\/x\.ts is on no floor/);
});

test.run();

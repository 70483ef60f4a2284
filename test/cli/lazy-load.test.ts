/**
 * The CLI loads each command group on demand (src/cli/main.ts, split by scripts/build.ts): the static
 * import graph of the built entry and of the `image` group's chunk reaches none of the heavy packages
 * (X.509, serialport, the update server's https/tls, @noble/curves). Reads dist/ (`npm run build`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const HEAVY = ['@peculiar/x509', 'serialport', 'node:https', 'node:tls', '@noble/curves/nist.js', 'cli-progress', 'cbor-x'];
const STATIC_IMPORT = /^\s*import\s*(?:[^'"]*?\sfrom\s*)?["']([^"']+)["']/gm;

/** Files and packages a module loads before it runs (static imports only, transitively). */
function staticGraph(file: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    for (const m of readFileSync(f, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) walk(resolve(dirname(f), spec));
      else packages.add(spec);
    }
  };
  walk(file);
  return { files, packages };
}

function chunk(prefix: string): string {
  const f = readdirSync(`${DIST}chunks`).find((n) => n.startsWith(`${prefix}-`) && /^[a-z]+-[A-Z0-9]+\.js$/.test(n));
  if (!f) throw new Error(`no dist/chunks/${prefix}-*.js: run npm run build`);
  return `${DIST}chunks/${f}`;
}

test('the entry loads no command group before it is asked for', () => {
  const g = staticGraph(`${DIST}fotakit.js`);
  for (const f of g.files) assert.not.match(f, /chunks\/(image|sim|serve|download|smp|emulate|hil|vectors|report)-/);
  assert.equal([...g.packages].filter((p) => !p.startsWith('node:')), []);
  const text = readFileSync(`${DIST}fotakit.js`, 'utf8');
  for (const group of ['image', 'sim', 'serve', 'download', 'smp', 'emulate', 'hil', 'vectors', 'report']) {
    assert.match(text, new RegExp(`import\\("\\./chunks/${group}-[A-Z0-9]+\\.js"\\)`), group);
  }
});

test('image verify and info load no X.509, serialport, server, ECDSA curves, progress bar or CBOR', () => {
  const g = staticGraph(chunk('image'));
  for (const p of HEAVY) assert.not.ok(g.packages.has(p), p);
});

test('the heavy packages are still there for the groups that need them', () => {
  assert.ok(staticGraph(chunk('smp')).packages.has('serialport'));
  assert.ok(staticGraph(chunk('sim')).packages.has('cli-progress'));
});

test.run();

/**
 * Builds fotakit with esbuild:
 * - dist/fotakit.js: the CLI for Node (bin/fotakit.cjs loads it), split: each command group (and the code
 *   groups share) is its own chunk in dist/chunks/, loaded by a dynamic import only when the group runs,
 *   so no group loads X.509, serialport or the update server unless it uses them;
 * - dist/fotakit-image.cjs: `fotakit image …` alone as CommonJS, which starts faster (no ES module loader);
 * - dist/core.neutral.js: the portable core for `platform: neutral`; any import of a Node builtin
 *   fails the build, which is how CI proves the core stays portable;
 * - dist/fotakit.browser.js: the core plus browser transports (Web Serial, Web Bluetooth) for web pages.
 */
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Fails the bundle on any Node builtin import, naming the importer. */
const refuseNodeBuiltins: Plugin = {
  name: 'refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (nodeBuiltins.has(args.path) || args.path.startsWith('node:')) {
        return { errors: [{ text: `the portable core imports the Node builtin '${args.path}' (from ${args.importer})` }] };
      }
      return undefined;
    });
  },
};

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { fotakit: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  packages: 'external',
  logLevel: 'warning',
});

// `fotakit image …` on its own, as CommonJS (bin/fotakit.cjs picks it; src/cli/image-main.ts says why). The
// group's packages are pure JavaScript (noble, nrf-intel-hex) and bundled: a CommonJS file cannot
// require the ES-module-only noble packages.
await build({
  entryPoints: { 'fotakit-image': 'src/cli/image-main.ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outExtension: { '.js': '.cjs' },
  outdir: 'dist',
  logLevel: 'warning',
});

await build({
  entryPoints: ['src/core.ts'],
  bundle: true,
  platform: 'neutral',
  format: 'esm',
  target: 'es2020',
  mainFields: ['module', 'main'],
  outfile: 'dist/core.neutral.js',
  plugins: [refuseNodeBuiltins],
  logLevel: 'warning',
});

if (existsSync('src/browser.ts')) {
  await build({
    entryPoints: ['src/browser.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    outfile: 'dist/fotakit.browser.js',
    plugins: [refuseNodeBuiltins],
    logLevel: 'warning',
  });
}
// The device application for the embedded engines (fotakit sim --engine): built here so the built CLI
// needs neither esbuild nor the sources at run time.
const { deviceBundle, DEVICE_BUNDLE_FILE } = await import('../src/engine/host/bundle.ts');
writeFileSync(`dist/${DEVICE_BUNDLE_FILE}`, (await deviceBundle()).code);
console.log('build: dist/fotakit.js, dist/fotakit-image.cjs, dist/core.neutral.js' + (existsSync('src/browser.ts') ? ', dist/fotakit.browser.js' : '') + `, dist/${DEVICE_BUNDLE_FILE}`);

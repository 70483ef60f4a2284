/**
 * Builds the device bundle: src/engine/device/entry.ts and only what it reaches (agent, cert selection,
 * update check, downloader, HTTP, MCUboot stream verifier, DFU slot targets, SMP client), tree-shaken
 * and minified by esbuild into one ES2020 script, the language level both embedded engines run. Any
 * Node builtin reached fails the build. `npm run build` writes it to dist/device-bundle.js
 * (DEVICE_BUNDLE_FILE), which the built CLI loads; from the source tree it is built in memory once per process.
 */
import type { Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FotaError } from '../../hal/errors.ts';

/** The engines' language level (XS and QuickJS both implement ES2020 and later). */
export const DEVICE_BUNDLE_TARGET = 'es2020';
/** The prebuilt bundle's file name in dist/ (scripts/build.ts writes it). */
export const DEVICE_BUNDLE_FILE = 'device-bundle.js';

/** The entry's source (this file is src/engine/host/bundle.ts in the tree). */
function entryPath(): string {
  const p = fileURLToPath(new URL('../device/entry.ts', import.meta.url));
  if (existsSync(p)) return p;
  throw new FotaError('ENGINE_BUNDLE', `engine.bundle: no ${DEVICE_BUNDLE_FILE} beside this build and no src/engine/device/entry.ts to build it from`);
}

/** The prebuilt bundle when this runs from dist/ (dist/chunks/*.js or dist/fotakit.js), else undefined. */
function prebuiltBundle(): DeviceBundle | undefined {
  for (const rel of [`../${DEVICE_BUNDLE_FILE}`, `./${DEVICE_BUNDLE_FILE}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(p)) continue;
    const code = readFileSync(p, 'utf8');
    return { code, bytes: Buffer.byteLength(code, 'utf8'), inputs: [] };
  }
  return undefined;
}

export interface DeviceBundle {
  code: string;
  /** UTF-8 size of the minified script. */
  bytes: number;
  /** Bytes each input contributes to the output (esbuild's metafile), largest first; empty for the prebuilt file. */
  inputs: { path: string; bytes: number }[];
}

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const refuseNodeBuiltins: Plugin = {
  name: 'refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      nodeBuiltins.has(args.path) || args.path.startsWith('node:')
        ? { errors: [{ text: `the device bundle reaches the Node builtin '${args.path}' (from ${args.importer})` }] }
        : undefined,
    );
  },
};

let cached: Promise<DeviceBundle> | undefined;

export function deviceBundle(): Promise<DeviceBundle> {
  const prebuilt = cached === undefined ? prebuiltBundle() : undefined;
  cached ??= prebuilt ? Promise.resolve(prebuilt) : buildDeviceBundle();
  return cached;
}

async function buildDeviceBundle(): Promise<DeviceBundle> {
  // Loaded here, not at the top: esbuild is a devDependency, and the CLI must start without it.
  let build: typeof import('esbuild').build;
  try {
    ({ build } = await import('esbuild'));
  } catch (cause) {
    throw new FotaError('ENGINE_BUNDLE', 'engine.bundle: building the device bundle needs esbuild (a devDependency: run from a clone after npm ci)', {}, { cause });
  }
  const r = await build({
    entryPoints: [entryPath()],
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    target: DEVICE_BUNDLE_TARGET,
    mainFields: ['module', 'main'],
    minify: true,
    // Error classes name themselves from new.target.name; the names cross the boundary.
    keepNames: true,
    treeShaking: true,
    write: false,
    metafile: true,
    plugins: [refuseNodeBuiltins],
    logLevel: 'silent',
  });
  const out = r.outputFiles[0];
  if (!out) throw new FotaError('ENGINE_BUNDLE', 'engine.bundle: esbuild wrote no output');
  const outputs = Object.values(r.metafile.outputs)[0];
  const inputs = Object.entries(outputs?.inputs ?? {})
    .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { code: out.text, bytes: out.contents.length, inputs };
}

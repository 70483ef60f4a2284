#!/usr/bin/env node
// The fotakit command: runs the bundled CLI (npm run build makes dist/fotakit.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const bundle = fileURLToPath(new URL('../dist/fotakit.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('fotakit: dist/fotakit.js is missing; run `npm run build` first');
  process.exit(2);
}
await import(bundle);

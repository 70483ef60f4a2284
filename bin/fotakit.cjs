#!/usr/bin/env node
// The fotakit command: runs the built CLI (`npm run build` makes dist/). `fotakit image …` starts from
// its own CommonJS bundle, without Node's ES module loader (src/cli/image-main.ts says why); every other
// group loads the ES module build, which splits each group into its own chunk.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const image = process.argv[2] === 'image';
const bundle = join(__dirname, '..', 'dist', image ? 'fotakit-image.cjs' : 'fotakit.js');
if (!existsSync(bundle)) {
  console.error(`fotakit: dist/${image ? 'fotakit-image.cjs' : 'fotakit.js'} is missing; run \`npm run build\` first`);
  process.exit(2);
}
if (image) require(bundle);
else import(pathToFileURL(bundle).href);

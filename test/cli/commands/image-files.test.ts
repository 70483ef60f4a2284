/** `fotakit image` never loses a file the user owns: no output over an input, no key overwritten without --force. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/commands/image.ts';

const dir = mkdtempSync(join(tmpdir(), 'fotakit-image-files-'));
const tmp = (name: string) => join(dir, name);

/** Runs `fotakit image ...` in-process; returns the exit status and the JSON error line, if any. */
async function cli(...argv: string[]): Promise<{ code: number; error?: { code: string; message: string } }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    const code = await run([...argv, '--json']);
    const last = out.at(-1);
    return { code, ...(last && last.includes('"error"') ? { error: JSON.parse(last).error } : {}) };
  } finally {
    console.log = log;
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('keygen refuses to overwrite an existing key unless --force', async () => {
  assert.is((await cli('keygen', '-k', tmp('k.pem'), '-t', 'ed25519')).code, 0);
  const first = readFileSync(tmp('k.pem'), 'utf8');
  const again = await cli('keygen', '-k', tmp('k.pem'), '-t', 'ed25519');
  assert.is(again.code, 2);
  assert.match(again.error!.message, /exists; --force replaces it/);
  assert.is(readFileSync(tmp('k.pem'), 'utf8'), first);
  assert.is((await cli('keygen', '-k', tmp('k.pem'), '-t', 'ed25519', '--force')).code, 0);
  assert.is.not(readFileSync(tmp('k.pem'), 'utf8'), first);
});

test('getpub -k k.pem -o k.pem is refused and the key survives', async () => {
  await cli('keygen', '-k', tmp('g.pem'), '-t', 'ed25519');
  const key = readFileSync(tmp('g.pem'), 'utf8');
  const r = await cli('getpub', '-k', tmp('g.pem'), '-o', tmp('g.pem'));
  assert.is(r.code, 2);
  assert.match(r.error!.message, /is also the input -k/);
  assert.is(readFileSync(tmp('g.pem'), 'utf8'), key);
});

test('sign with OUT equal to IN (or to the key) is refused and the input survives', async () => {
  await cli('keygen', '-k', tmp('s.pem'), '-t', 'ed25519');
  const bin = new Uint8Array(1024).fill(7);
  writeFileSync(tmp('app.bin'), bin);
  const r = await cli('sign', '-k', tmp('s.pem'), '--pad-header', tmp('app.bin'), tmp('app.bin'));
  assert.is(r.code, 2);
  assert.match(r.error!.message, /is also the input IN/);
  assert.equal(new Uint8Array(readFileSync(tmp('app.bin'))), bin);
  const k = await cli('sign', '-k', tmp('s.pem'), '--pad-header', tmp('app.bin'), tmp('s.pem'));
  assert.match(k.error!.message, /is also the input --key/);
});

test('a sign that fails leaves an existing OUT as it was', async () => {
  writeFileSync(tmp('out.img'), 'previous image');
  writeFileSync(tmp('bad.pem'), 'not a key');
  const r = await cli('sign', '-k', tmp('bad.pem'), '--pad-header', tmp('app.bin'), tmp('out.img'));
  assert.is(r.code, 2);
  assert.is(readFileSync(tmp('out.img'), 'utf8'), 'previous image');
});

test('verify loads ECDSA only for an ECDSA key, and still verifies ECDSA images (exit 0 / 1)', async () => {
  await cli('keygen', '-k', tmp('p256.pem'), '-t', 'ecdsa-p256');
  await cli('keygen', '-k', tmp('ed.pem'), '-t', 'ed25519');
  writeFileSync(tmp('small.bin'), new Uint8Array(512).fill(3));
  assert.is((await cli('sign', '-k', tmp('p256.pem'), '--pad-header', tmp('small.bin'), tmp('p256.img'))).code, 0);
  assert.is((await cli('verify', '-k', tmp('p256.pem'), tmp('p256.img'))).code, 0);
  assert.is((await cli('verify', '-k', tmp('ed.pem'), '-k', tmp('p256.pem'), tmp('p256.img'))).code, 0);
  assert.is((await cli('verify', '-k', tmp('ed.pem'), tmp('p256.img'))).code, 1);
  assert.is((await cli('verify', tmp('p256.img'))).code, 0);
});

test.run();

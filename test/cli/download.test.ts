import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual } from '../../src/hal/bytes.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { downloadCli } from './download-captured.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';

/** The built command (npm run build). */
const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));
/** How often the resume test looks at OUT.part while the first run downloads. */
const POLL_MS = 20;
const IMAGE = Uint8Array.from({ length: 60_000 }, (_, i) => (i * 31 + 7) & 0xff);
let server: UpdateServer;
let dir: string;
let roots: string;

const cli = downloadCli;

test.before(async () => {
  server = await startUpdateServer({ image: IMAGE, version: '2.0.0' });
  dir = mkdtempSync(join(tmpdir(), 'fotakit-dl-'));
  roots = join(dir, 'roots.pem');
  writeFileSync(roots, server.rootsPem);
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('fetches the image byte-exact through the 2303-byte record gate and ends with a JSON summary', async () => {
  const out = join(dir, 'a.bin');
  const r = await cli([server.imageUrl, '--ca', roots, '-o', out, '--resolve', `${server.cdnHost}=${server.address}`, '--json']);
  assert.is(r.code, 0, r.out.join('\n'));
  assert.ok(bytesEqual(new Uint8Array(readFileSync(out)), IMAGE));
  const summary = JSON.parse(r.out.at(-1)!);
  assert.is(summary.ok, true);
  assert.is(summary.bytes, IMAGE.length);
  assert.is(summary.emsgsize, 0);
  assert.ok(summary.maxRecordBytes <= MODEM_TLS_MAX_RECORD_BYTES && summary.maxRecordBytes > 2000);
  assert.ok(summary.requests >= 28 && summary.requests <= 40, `requests ${summary.requests}`);
  for (const k of ['retries', 'seconds']) assert.type(summary[k], 'number');
});

test('human output is one summary line', async () => {
  const out = join(dir, 'b.bin');
  const r = await cli([server.imageUrl, '--ca', roots, '-o', out, '--resolve', `${server.cdnHost}=${server.address}`, '--pipeline', '2', '-q']);
  assert.is(r.code, 0);
  assert.match(r.out.at(-1)!, /^downloaded 60000 bytes to .* requests, 0 retries, largest TLS record accepted \d+ bytes \(limit 2303\)$/);
});

test('the wrong root CA fails with the TLS verdict, exit 1, and leaves an existing OUT untouched', async () => {
  const wrong = join(dir, 'wrong.pem');
  writeFileSync(wrong, server.pki.untrustedRoot.pem);
  const out = join(dir, 'c.bin');
  writeFileSync(out, 'precious');
  const r = await cli([server.imageUrl, '--ca', wrong, '-o', out, '--resolve', `${server.cdnHost}=${server.address}`, '--json']);
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.out.at(-1)!).error.code, 'CERT_UNKNOWN_CA');
  assert.is(readFileSync(out, 'utf8'), 'precious');
});

test('-o equal to a --ca file is refused before anything is written', async () => {
  const ca = join(dir, 'root-copy.pem');
  writeFileSync(ca, server.rootsPem);
  const r = await cli([server.imageUrl, '--ca', ca, '-o', ca, '--resolve', `${server.cdnHost}=${server.address}`, '--json']);
  assert.is(r.code, 2);
  assert.match(JSON.parse(r.out.at(-1)!).error.message, /is also the input --ca/);
  assert.is(readFileSync(ca, 'utf8'), server.rootsPem);
});

test('a host DNS does not know: EHOSTUNREACH (exit 1) that suggests --resolve', async () => {
  const r = await cli(['https://nosuch.fotakit.invalid/app.bin', '--ca', roots, '-o', join(dir, 'd.bin'), '--json']);
  assert.is(r.code, 1);
  const e = JSON.parse(r.out.at(-1)!).error;
  assert.is(e.code, 'EHOSTUNREACH');
  assert.match(e.message, /--resolve nosuch\.fotakit\.invalid=ADDRESS/);
});

test('an interrupted download stays in OUT.part (OUT untouched) and the same command resumes it', async () => {
  const out = join(dir, 'resumed.bin');
  writeFileSync(out, 'old release');
  const part = `${out}.part`;
  const args = [server.imageUrl, '--ca', roots, '-o', out, '--resolve', `${server.cdnHost}=${server.address}`];
  // The first run, on a slow link, is killed once it has saved progress (as Ctrl-C or a crash would).
  const child = spawn(process.execPath, [BIN, 'download', ...args, '--link', 'nb-iot', '-q'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  while (!(existsSync(`${part}.json`) && statSync(part).size > 0)) await new Promise((r) => setTimeout(r, POLL_MS));
  child.kill('SIGKILL');
  await exited;
  const kept = statSync(part).size;
  assert.ok(kept > 0 && kept < IMAGE.length, `kept ${kept}`);
  assert.is(readFileSync(out, 'utf8'), 'old release');
  const r = await cli([...args, '--json']);
  assert.is(r.code, 0, r.out.join('\n'));
  const summary = JSON.parse(r.out.at(-1)!);
  assert.ok(summary.resumedFrom > 0, `resumedFrom ${summary.resumedFrom}`);
  assert.ok(bytesEqual(new Uint8Array(readFileSync(out)), IMAGE));
  assert.not.ok(existsSync(part));
  assert.not.ok(existsSync(`${part}.json`));
});

test('usage errors exit 2 with USAGE', async () => {
  for (const argv of [[server.imageUrl, '-o', 'x'], [server.imageUrl, '--ca', roots], [server.imageUrl, '--ca', roots, '-o', 'x', '--window', '0'], [server.imageUrl, '--ca', roots, '-o', 'x', '--link', 'wifi'], ['ftp://x/y', '--ca', roots, '-o', 'x']]) {
    const r = await cli([...argv, '--json']);
    assert.is(r.code, 2, argv.join(' '));
    const code = JSON.parse(r.out.at(-1)!).error.code;
    assert.ok(code === 'USAGE' || code === 'HTTP_BAD_URL', `${argv.join(' ')}: ${code}`);
  }
});

test.run();

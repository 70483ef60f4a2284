import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual } from '../../src/hal/bytes.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { run } from '../../src/cli/commands/download.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';

const IMAGE = Uint8Array.from({ length: 60_000 }, (_, i) => (i * 31 + 7) & 0xff);
let server: UpdateServer;
let dir: string;
let roots: string;

/** Runs the command, returning its exit code and what it printed on stdout. */
async function cli(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    return { code: await run(argv), out };
  } finally {
    console.log = log;
    console.error = err;
  }
}

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

test('the wrong root CA fails with the TLS verdict, exit 2', async () => {
  const wrong = join(dir, 'wrong.pem');
  writeFileSync(wrong, server.pki.untrustedRoot.pem);
  const r = await cli([server.imageUrl, '--ca', wrong, '-o', join(dir, 'c.bin'), '--resolve', `${server.cdnHost}=${server.address}`, '--json']);
  assert.is(r.code, 2);
  assert.is(JSON.parse(r.out.at(-1)!).error.code, 'CERT_UNKNOWN_CA');
});

test('usage errors exit 2 with USAGE', async () => {
  for (const argv of [[server.imageUrl, '-o', 'x'], [server.imageUrl, '--ca', roots], [server.imageUrl, '--ca', roots, '-o', 'x', '--pipeline', '0'], [server.imageUrl, '--ca', roots, '-o', 'x', '--link', 'wifi'], ['ftp://x/y', '--ca', roots, '-o', 'x']]) {
    const r = await cli([...argv, '--json']);
    assert.is(r.code, 2, argv.join(' '));
    const code = JSON.parse(r.out.at(-1)!).error.code;
    assert.ok(code === 'USAGE' || code === 'HTTP_BAD_URL', `${argv.join(' ')}: ${code}`);
  }
});

test.run();

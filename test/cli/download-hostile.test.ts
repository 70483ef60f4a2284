/**
 * `fotakit download` against misbehaving servers on 127.0.0.1: a redirect out of TLS fails (nothing
 * fetched in plaintext), and refused records are reported apart from the largest accepted one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual } from '../../src/hal/bytes.ts';
import { downloadCli } from './download-captured.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import { startUpdateServer } from '../../src/server/update-server.ts';
import { rangeAnswer, startHostileServer } from '../transport/hostile-server.ts';

const IMAGE = Uint8Array.from({ length: 30_000 }, (_, i) => (i * 13 + 5) & 0xff);
let dir: string;

const cli = downloadCli;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fotakit-dlh-'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a 302 from https to http: HTTP_REDIRECT_INSECURE, non-zero exit, the plaintext server sees no request', async () => {
  const pki = await sharedTestPki();
  const roots = join(dir, 'roots.pem');
  writeFileSync(roots, pki.rootsPem);
  const plain = await startHostileServer((q, c) => c.write(rangeAnswer(q, IMAGE)));
  const secure = await startHostileServer((_q, c) => c.write(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${plain.port}/f.bin\r\nContent-Length: 0\r\n\r\n`), {
    identities: [pki.cdn],
  });
  try {
    const r = await cli([`https://cdn.fotakit.test:${secure.port}/f.bin`, '--ca', roots, '-o', join(dir, 'x.bin'), '--resolve', 'cdn.fotakit.test=127.0.0.1', '--json']);
    assert.is.not(r.code, 0);
    assert.match(r.out.join('\n'), /HTTP_REDIRECT_INSECURE/);
    assert.is(plain.requests.length, 0);
  } finally {
    await plain.close();
    await secure.close();
  }
});

test('--json: refused records (coalesced answers) are counted apart; maxRecordBytes is the largest accepted', async () => {
  const server = await startUpdateServer({ image: IMAGE, version: '2.0.0', faults: { coalesceMs: 5 } });
  const roots = join(dir, 'roots2.pem');
  writeFileSync(roots, server.rootsPem);
  try {
    const out = join(dir, 'c.bin');
    const r = await cli([server.imageUrl, '--ca', roots, '-o', out, '--resolve', `${server.cdnHost}=${server.address}`, '--json']);
    assert.is(r.code, 0, r.out.join('\n'));
    assert.ok(existsSync(out) && bytesEqual(new Uint8Array(readFileSync(out)), IMAGE));
    const s = JSON.parse(r.out.at(-1)!);
    assert.ok(s.refusedRecords >= 1);
    assert.ok(s.largestRefusedRecordBytes > 2303);
    assert.ok(s.maxRecordBytes <= 2303, `largest accepted ${s.maxRecordBytes}`);
    assert.is(s.pipeline.offReason, 'coalesced-records');
  } finally {
    await server.close();
  }
});

test.run();

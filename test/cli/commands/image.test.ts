import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDependencies } from '../../../src/cli/commands/image.ts';
import { imageCli } from './run-captured.ts';
import { vector, vectorPath, vectorText } from '../../fota/mcuboot/vectors.ts';

const dir = mkdtempSync(join(tmpdir(), 'fotakit-image-'));
const REF_FLAGS = ['--pad-header', '-H', '0x200', '-S', '0x70000', '-v', '1.2.3+4'];

/** Runs `fotakit image ...` in-process, capturing stdout/stderr. */
const cli = imageCli;

const tmp = (name: string) => join(dir, name);

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('sign reproduces the three ed25519 reference images and the unsigned one byte for byte', async () => {
  const cases: Array<[string, string[]]> = [
    ['ed25519_basic', ['-k', vectorPath('keys/ed25519.pem')]],
    ['ed25519_pad', ['-k', vectorPath('keys/ed25519.pem'), '--pad']],
    ['ed25519_confirm', ['--key', vectorPath('keys/ed25519.pem'), '--confirm']],
    ['unsigned_basic', []],
  ];
  for (const [name, flags] of cases) {
    const r = await cli('sign', ...flags, ...REF_FLAGS, vectorPath('payload.bin'), tmp(`${name}.bin`));
    assert.is(r.code, 0, r.err);
    assert.ok(readFileSync(tmp(`${name}.bin`)).equals(vector(`img/${name}.bin`)), name);
  }
});

test('verify says valid (exit 0) for each reference image with its key, hash-only without', async () => {
  for (const key of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    const r = await cli('verify', '-k', vectorPath(`keys/${key}.pub.pem`), vectorPath(`img/${key}_basic.bin`));
    assert.is(r.code, 0, key);
    assert.is(r.out, `valid (${key} signature, version 1.2.3+4)\n`);
  }
  const priv = await cli('verify', '-k', vectorPath('keys/ecdsa-p256.pem'), '-k', vectorPath('keys/rsa-2048.pub.der'), vectorPath('img/rsa-2048_basic.bin'));
  assert.is(priv.code, 0);
  const hashOnly = await cli('verify', vectorPath('img/unsigned_basic.bin'));
  assert.is(hashOnly.code, 0);
  assert.is(hashOnly.out, 'valid (hash only, version 1.2.3+4)\n');
});

test('verify exits 1 with the reason code for the neg/ images and the wrong key', async () => {
  const key = ['-k', vectorPath('keys/ed25519.pub.pem')];
  const expected: Array<[string, string]> = [
    ['neg/ed25519_basic_badmagic.bin', 'IMAGE_BAD_MAGIC'],
    ['neg/ed25519_basic_bodyflip.bin', 'IMAGE_BAD_HASH'],
    ['neg/ed25519_basic_sigflip.bin', 'IMAGE_BAD_SIGNATURE'],
    ['img/rsa-2048_basic.bin', 'IMAGE_UNKNOWN_KEY'],
    ['img/unsigned_basic.bin', 'IMAGE_NO_SIGNATURE'],
  ];
  for (const [file, code] of expected) {
    const r = await cli('verify', ...key, vectorPath(file));
    assert.is(r.code, 1, file);
    assert.ok(r.out.startsWith(`invalid: ${code}: `), r.out);
    const j = await cli('verify', ...key, '--json', vectorPath(file));
    assert.is(JSON.parse(j.out).code, code);
    assert.is(JSON.parse(j.out).valid, false);
  }
});

test('info --json matches imgtool dumpinfo for header and TLVs, and reads the trailer', async () => {
  for (const name of ['ed25519_basic', 'rsa-2048_basic', 'ed25519_confirm', 'unsigned_basic']) {
    const r = await cli('info', '--json', vectorPath(`img/${name}.bin`));
    assert.is(r.code, 0);
    const got = JSON.parse(r.out);
    const dump = JSON.parse(vectorText(`dump/${name}.json`));
    const { flag_names: _f, ...header } = got.header;
    assert.equal(header, dump.header, name);
    assert.equal(got.tlv_area.tlv_hdr, dump.tlv_area.tlv_hdr);
    assert.equal(
      got.tlv_area.tlvs.map((t: { type: number; len: number; data: string }) => [t.type, t.len, t.data]),
      dump.tlv_area.tlvs.map((t: { type: number; len: number; data: string }) => [t.type, t.len, t.data]),
    );
    assert.equal(got.hashes.map((h: { match: boolean }) => h.match), [true]);
    if (name === 'ed25519_confirm') {
      const { state, ...raw } = got.trailer;
      assert.equal(raw, dump.trailer);
      assert.equal(state, { magic: 'good', image_ok: 'set', copy_done: 'unset', swap_type: 'none', image_num: 0 });
    }
  }
  const text = await cli('info', vectorPath('img/ed25519_basic.bin'));
  assert.ok(text.out.includes('ED25519      0x24 len   64'));
  assert.ok(text.out.includes('hash sha256: matches'));
  const bad = await cli('info', vectorPath('neg/ed25519_basic_badmagic.bin'));
  assert.is(bad.code, 1);
  assert.ok(bad.out.startsWith('invalid: IMAGE_BAD_MAGIC'));
});

test('getpub prints the key as imgtool does: C array, PEM, raw DER', async () => {
  for (const key of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    assert.is((await cli('getpub', '-k', vectorPath(`keys/${key}.pem`))).out, vectorText(`keys/${key}.pub.c`), key);
    assert.is((await cli('getpub', '-k', vectorPath(`keys/${key}.pem`), '-e', 'pem')).out, vectorText(`keys/${key}.pub.pem`), key);
    await cli('getpub', '-k', vectorPath(`keys/${key}.pem`), '-e', 'raw', '-o', tmp(`${key}.der`));
    assert.ok(readFileSync(tmp(`${key}.der`)).equals(vector(`keys/${key}.pub.der`)), key);
  }
});

test('keygen writes a key that signs images its getpub key verifies', async () => {
  for (const type of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    const key = tmp(`new-${type}.pem`);
    assert.is((await cli('keygen', '-k', key, '-t', type)).code, 0);
    assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    await cli('getpub', '-k', key, '-e', 'pem', '-o', tmp(`new-${type}.pub.pem`));
    assert.is((await cli('sign', '-k', key, ...REF_FLAGS, '-s', 'auto', '-d', '(1,2.0.0)', vectorPath('payload_small.bin'), tmp(`new-${type}.bin`))).code, 0);
    const v = await cli('verify', '--json', '-k', tmp(`new-${type}.pub.pem`), tmp(`new-${type}.bin`));
    assert.is(v.code, 0);
    assert.is(JSON.parse(v.out).securityCounter, 0x01020003);
    const info = await cli('info', tmp(`new-${type}.bin`));
    assert.ok(info.out.includes('security counter: 16908291\ndependency: image 1 >= 2.0.0+0\n'), info.out);
  }
});

test('usage errors exit 2 and name the problem', async () => {
  const cases: string[][] = [
    [],
    ['nope'],
    ['sign', vectorPath('payload.bin')],
    ['sign', '--sha', '999', vectorPath('payload.bin'), tmp('x.bin')],
    ['sign', '-R', '7', vectorPath('payload.bin'), tmp('x.bin')],
    ['sign', '-k', tmp('missing.pem'), vectorPath('payload.bin'), tmp('x.bin')],
    ['sign', '-H', 'lots', vectorPath('payload.bin'), tmp('x.bin')],
    ['sign', '--pad', '--pad-header', vectorPath('payload.bin'), tmp('x.bin')],
    ['keygen', '-k', tmp('k.pem'), '-t', 'dsa'],
    ['getpub', '-k', vectorPath('keys/ed25519.pem'), '-e', 'rust'],
    ['verify', '-k', vectorPath('payload_small.bin'), vectorPath('img/ed25519_basic.bin')],
  ];
  for (const argv of cases) assert.is((await cli(...argv)).code, 2, argv.join(' '));
});

test('parses imgtool dependency lists', () => {
  assert.equal(parseDependencies('(1,1.2.3+4), (0, 2.0)'), [
    { imageId: 1, version: { major: 1, minor: 2, revision: 3, build: 4 } },
    { imageId: 0, version: { major: 2, minor: 0, revision: 0, build: 0 } },
  ]);
});

test('the fotakit command itself signs the reference image (separate process)', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const out = tmp('proc.bin');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'image', 'sign', '-k', vectorPath('keys/ed25519.pem'), ...REF_FLAGS, vectorPath('payload.bin'), out], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).equals(vector('img/ed25519_basic.bin')));
});

test.run();

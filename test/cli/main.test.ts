/**
 * The built `fotakit` command as a user meets it (bin/fotakit.cjs → dist/, so `npm run build` first, as
 * `npm test` does): the exit status of each outcome, command by command, and the errors users hit, each
 * typed, in text and in --json, with no stack trace and no doubled "fotakit: fotakit".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));
let dir: string;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function fotakit(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one JSON error line of a --json run. */
function jsonError(r: Ran): { code: string; message: string; context: Record<string, unknown> } {
  const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; error: { code: string; message: string; context: Record<string, unknown> } };
  assert.is(line.ok, false);
  return line.error;
}

/** A typed error in text: one line on stderr, nothing that looks like a stack, no doubled prefix. */
function assertTypedText(r: Ran, status: number, message: RegExp): void {
  assert.is(r.status, status, r.stderr);
  assert.match(r.stderr, message);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.not.match(r.stderr, /fotakit: fotakit/);
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fotakit-main-'));
  fotakit('image', 'keygen', '-k', 'key.pem', '-t', 'ed25519');
  writeFileSync(join(dir, 'app.bin'), new Uint8Array(4096).fill(0x5a));
  fotakit('image', 'sign', '-k', 'key.pem', '--pad-header', '-v', '1.2.3', 'app.bin', 'app.img');
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('image verify: 0 valid, 1 invalid (negative verdict), 2 missing file', () => {
  assert.is(fotakit('image', 'verify', '-k', 'key.pem', 'app.img').status, 0);
  const img = readFileSync(join(dir, 'app.img'));
  img[0x300] ^= 0xff;
  writeFileSync(join(dir, 'bad.img'), img);
  const bad = fotakit('image', 'verify', '-k', 'key.pem', 'bad.img', '--json');
  assert.is(bad.status, 1);
  assert.is(JSON.parse(bad.stdout).code, 'IMAGE_BAD_HASH');
  assertTypedText(fotakit('image', 'verify', 'missing.img'), 2, /cannot read image 'missing.img'/);
});

test('unknown group and unknown image command print JSON with --json, exit 2', () => {
  const g = fotakit('nosuch', '--json');
  assert.is(g.status, 2);
  assert.is(jsonError(g).code, 'USAGE');
  assert.match(jsonError(g).message, /unknown group 'nosuch'/);
  const c = fotakit('image', 'nosuch', '--json');
  assert.is(c.status, 2);
  assert.match(jsonError(c).message, /^fotakit image: unknown command 'nosuch'/);
  assertTypedText(fotakit('imgae'), 2, /^fotakit: unknown group 'imgae' \(did you mean 'image'\?\)/);
});

test('a mistyped flag says "unknown option --X" and suggests the closest (text and JSON)', () => {
  assertTypedText(fotakit('image', 'verify', '--kye', 'key.pem', 'app.img'), 2, /^fotakit image verify: unknown option --kye \(did you mean --key\?\)\n$/);
  const j = fotakit('download', 'https://x.test/a', '--max-recrod', '2000', '--json');
  assert.is(j.status, 2);
  assert.is(jsonError(j).context.suggestion, '--max-record-bytes');
});

test('smp image test without a hash says what is missing', () => {
  const r = fotakit('smp', '--connstring', 'dev=/dev/null', 'image', 'test');
  assertTypedText(r, 2, /^fotakit smp image test: which image\? give its HASH/);
});

test('usage errors are not prefixed twice', () => {
  assertTypedText(fotakit('serve'), 2, /^fotakit serve: --image FILE is required\n$/);
});

test('-o a folder, -o in a missing folder, --state a file, report -o a folder: typed, exit 2, no stack', () => {
  mkdirSync(join(dir, 'afolder'), { recursive: true });
  assertTypedText(fotakit('image', 'sign', '-k', 'key.pem', 'app.bin', 'afolder'), 2, /'afolder' is a folder; give a file name/);
  assertTypedText(fotakit('image', 'getpub', '-k', 'key.pem', '-o', 'nowhere/pub.c'), 2, /the folder 'nowhere' does not exist/);
  assertTypedText(fotakit('download', 'https://x.test/a', '--ca', 'key.pem', '-o', 'afolder'), 2, /'afolder' is a folder/);
  assertTypedText(fotakit('sim', '--state', 'app.bin'), 2, /--state 'app.bin' is a file; --state wants a folder/);
  writeFileSync(join(dir, 'run.jsonl'), '{"kind":"state","t":0,"from":"idle","to":"checking"}\n');
  assertTypedText(fotakit('report', 'run.jsonl', '-o', 'afolder'), 2, /'afolder' is a folder/);
  const j = fotakit('report', 'run.jsonl', '-o', 'afolder', '--json');
  assert.is(jsonError(j).code, 'USAGE');
});

test('report on a run log with a wrong field type is REPORT_BAD_ENTRY (exit 2), not a TypeError', () => {
  writeFileSync(join(dir, 'typed.jsonl'), '{"kind":"download","t":5,"bytes":"lots","total":1,"requests":1,"retries":0,"maxRecordBytes":1,"resumedAt":0}\n');
  const r = fotakit('report', 'typed.jsonl', '-o', 'typed.html', '--json');
  assert.is(r.status, 2);
  assert.is(jsonError(r).code, 'REPORT_BAD_ENTRY');
  assert.not.ok(existsSync(join(dir, 'typed.html')));
  assertTypedText(fotakit('report', 'typed.jsonl', '-o', 'typed.html'), 2, /\[REPORT_BAD_ENTRY\]/);
});

test('--power-cut-at abc says it wants a flash operation number', () => {
  assertTypedText(fotakit('sim', '--power-cut-at', 'abc'), 2, /--power-cut-at: 'abc' is not a flash operation number/);
});

test('fotakit sim | head -3 ends quietly (EPIPE is not a crash)', async () => {
  const child = spawn(process.execPath, [BIN, 'sim', '--link', 'none'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let seen = '';
  await new Promise<void>((done) => {
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.split('\n').length > 3) {
        child.stdout!.destroy();
        done();
      }
    });
  });
  const status = await new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  assert.is(stderr, '');
  assert.is(status, 0);
});

test('fotakit image info | head -1 ends quietly too (the image group starts from its CommonJS bundle)', async () => {
  const child = spawn(process.execPath, [BIN, 'image', 'info', 'app.img'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((done) => child.stdout!.once('data', () => {
    child.stdout!.destroy();
    done();
  }));
  const status = await new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  assert.is(stderr, '');
  assert.is(status, 0);
});

test('the image group answers the same through the CommonJS start as through the ES module build', () => {
  const viaEsm = (...args: string[]) => spawnSync(process.execPath, [fileURLToPath(new URL('../../dist/fotakit.js', import.meta.url)), ...args], { cwd: dir, encoding: 'utf8' });
  for (const args of [['image', 'info', 'app.img'], ['image', 'verify', '-k', 'key.pem', 'app.img', '--json'], ['image', 'verify', 'missing.img', '--json'], ['image', 'nosuch']]) {
    const a = fotakit(...args);
    const b = viaEsm(...args);
    assert.equal([a.status, a.stdout, a.stderr], [b.status, b.stdout, b.stderr], args.join(' '));
  }
});

test('fotakit image starts from dist/fotakit-image.cjs; other groups do not load it', () => {
  // A preload notes which CommonJS files the process loaded.
  const seen = join(dir, 'loaded.json');
  const preload = join(dir, 'note-loaded.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ cjs: Object.keys(require.cache) })));`,
  );
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--require', preload, BIN, ...args], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(seen, 'utf8')) as { cjs: string[] };
  };
  const image = run('image', 'info', 'app.img').cjs.map((f) => f.split(/[\\/]/).slice(-2).join('/'));
  assert.ok(image.includes('dist/fotakit-image.cjs'), image.join(', '));
  const other = run('report', '--help').cjs.map((f) => f.split(/[\\/]/).slice(-2).join('/'));
  assert.not.ok(other.includes('dist/fotakit-image.cjs'), other.join(', '));
});

test("emulate's hint names the whole hil command, --server included", () => {
  const r = fotakit('emulate', '--board', 'nrf9160', '--duration-s', '0');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /try: npx fotakit hil --modem-port \/dev\/pts\/\d+ --server https:\/\/api\.fotakit\.test:8443/);
  const b = fotakit('emulate', '--board', 'nrf52833', '--duration-s', '0');
  assert.match(b.stdout, /try: npx fotakit smp --connstring dev=\/dev\/pts\/\d+ image list/);
});

/** One usage error per command: each exits 2 and says USAGE in --json (the table, command by command). */
const USAGE_ERRORS: ReadonlyArray<[string, string[]]> = [
  ['image sign', ['image', 'sign', 'app.bin']],
  ['image info', ['image', 'info', 'app.img', '--max-align', 'x']],
  ['download', ['download', 'https://x.test/a']],
  ['sim', ['sim', '--link', 'wifi']],
  ['serve', ['serve', '--image', 'app.img', '--port', '70000']],
  ['smp', ['smp', '--conntype', 'carrier-pigeon', 'reset']],
  ['emulate', ['emulate', '--board', 'esp32']],
  ['hil', ['hil', '--server', 'https://x.test']],
  ['vectors', ['vectors', '--output', 'v', '--only', 'nope']],
  ['report', ['report', 'missing.jsonl', '-o', 'r.html']],
];

test('every command: a usage or input error exits 2 with USAGE in JSON', () => {
  for (const [name, args] of USAGE_ERRORS) {
    const r = fotakit(...args, '--json');
    assert.is(r.status, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.is(jsonError(r).code, 'USAGE', name);
  }
});

test.run();

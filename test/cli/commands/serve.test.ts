import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, SPEC } from '../../../src/cli/commands/serve.ts';
import { helpText, SERVE_DEFAULT_PORT } from '../../../src/cli/args.ts';

/** Runs the command and returns what it printed with console.log. */
async function capture(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => out.push(a.map(String).join(' '));
  try {
    return { code: await run(argv), out };
  } finally {
    console.log = log;
  }
}

/** A 32-byte MCUboot header (magic, hdr_size 32, version 1.2.3+4) and a small body. */
function mcubootImage(): Uint8Array {
  const img = new Uint8Array(64);
  const v = new DataView(img.buffer);
  v.setUint32(0, 0x96f3b83d, true);
  v.setUint16(8, 32, true);
  v.setUint32(12, 32, true);
  img[20] = 1;
  img[21] = 2;
  v.setUint16(22, 3, true);
  v.setUint32(24, 4, true);
  return img;
}

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fotakit-serve-'));
});
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('--json prints the URLs, key, hosts and root files, writes the PEMs, and stops after --duration-s 0', async () => {
  const image = join(dir, 'app.bin');
  writeFileSync(image, new Uint8Array(100));
  const roots = join(dir, 'roots');
  const { code, out } = await capture(['--port', '0', '--image', image, '--version', '2.0.0', '--duration-s', '0', '--json', '--roots-dir', roots, '--faults', 'status=503,count=1']);
  assert.is(code, 0);
  const info = JSON.parse(out[0]!);
  assert.is(info.version, '2.0.0');
  assert.match(info.apiUrl, /^https:\/\/api\.fotakit\.test:\d+$/);
  assert.match(info.imageUrl, /^https:\/\/cdn\.fotakit\.test:\d+\/fw\/2\.0\.0\/app_update\.bin$/);
  assert.is(info.projectKey, 'fotakit-test-project-key');
  assert.equal(info.faults, { status: 503, count: 1 });
  assert.ok(info.hosts.includes('cdn.fotakit.test'));
  assert.is(info.roots.bundle, join(roots, 'roots.pem'));
  assert.match(readFileSync(info.roots.digicertGlobalRootG2, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
  assert.equal(JSON.parse(out[1]!), { event: 'closed', requests: 0, bytes: 0 });
});

test('an MCUboot image gives its own version', async () => {
  const image = join(dir, 'signed.bin');
  writeFileSync(image, mcubootImage());
  const { code, out } = await capture(['--port', '0', '--image', image, '--duration-s', '0', '--json', '--roots-dir', join(dir, 'r2')]);
  assert.is(code, 0);
  assert.is(JSON.parse(out[0]!).version, '1.2.3+4');
  assert.ok(existsSync(join(dir, 'r2', 'roots.pem')));
});

test('usage errors: no image, unreadable image, no version for a plain file, bad faults, bad port', async () => {
  const plain = join(dir, 'plain.bin');
  writeFileSync(plain, new Uint8Array(10));
  const cases: [string[], RegExp][] = [
    [[], /--image FILE is required/],
    [['--image', join(dir, 'missing.bin'), '--version', '1'], /cannot read --image/],
    [['--image', plain], /--version is required/],
    [['--image', plain, '--version', '1', '--faults', 'drop-after=x'], /drop-after needs a whole number/],
    [['--image', plain, '--version', '1', '--port', '70000'], /--port: '70000'/],
    [['--image', plain, '--version', '1', '--port', '0', '--roots-dir', plain], /--roots-dir '.*plain\.bin' cannot be made a folder/],
  ];
  for (const [argv, message] of cases) {
    try {
      await run(argv);
      assert.unreachable(argv.join(' '));
    } catch (e) {
      assert.is((e as { code?: string }).code, 'USAGE', argv.join(' '));
      assert.match((e as Error).message, message);
    }
  }
});

test('--host 0.0.0.0 says it binds 0.0.0.0 (text and JSON); without --port it listens on the documented 8443', async () => {
  const image = join(dir, 'any.bin');
  writeFileSync(image, mcubootImage());
  const text = await capture(['--port', '0', '--host', '0.0.0.0', '--image', image, '--duration-s', '0', '--roots-dir', join(dir, 'r3')]);
  assert.is(text.code, 0);
  assert.match(text.out[0]!, /^fotakit serve: release 1\.2\.3\+4 \(64 bytes\) on 0\.0\.0\.0:\d+$/);
  assert.match(text.out.join('\n'), /map to this machine's network address/);
  const j = await capture(['--port', '0', '--host', '0.0.0.0', '--image', image, '--duration-s', '0', '--json', '--roots-dir', join(dir, 'r3')]);
  assert.match(JSON.parse(j.out[0]!).listen, /^0\.0\.0\.0:\d+$/);
  assert.is(SERVE_DEFAULT_PORT, 8443);
  assert.match(helpText(SPEC), /default 8443; 0: a free one/);
});

test.run();

/**
 * `fotakit smp` in-process against the simulated nRF52833: over UDP on loopback, and over a real
 * pseudo-terminal (socat) opened with `serialport`, the board's SMP server on the other end.
 */
import { test } from 'uvu';
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/commands/smp.ts';
import { reportError } from '../../src/cli/args.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from '../../src/boards/smp-device.ts';
import { serveSmpUdp } from '../../src/boards/smp-udp.ts';
import { createPtyPair } from '../../src/hal/serial/pty.ts';
import { openNodePort } from '../../src/hal/serial/node-port.ts';
import { toHex } from '../../src/hal/bytes.ts';

const socatTest = testNeeding('socat');

async function capture(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    let code: number;
    try {
      code = await run(argv);
    } catch (e) {
      code = reportError(e, argv.includes('--json')); // what src/cli/main.ts does
    }
    return { code, out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'fotakit-smp-'));

test('usage errors exit 2 before opening anything', async () => {
  assert.is((await capture(['image', 'fly'])).code, 2);
  assert.is((await capture(['--transport', 'carrier-pigeon', 'reset'])).code, 2);
  assert.is((await capture(['--transport', 'udp', 'reset'])).code, 2);
  assert.is((await capture(['reset'])).code, 2);
  assert.is((await capture(['--transport', 'udp', '--host', '127.0.0.1', 'image', 'test', 'abcd'])).code, 2);
  const r = await capture(['--transport', 'udp', '--host', '127.0.0.1', 'image', 'upload', join(dir, 'missing.bin'), '--json']);
  assert.is(r.code, 2);
  assert.is(JSON.parse(r.out[0]!).error.code, 'USAGE');
});

test('udp: echo, upload, list, test, reset, confirm, and a refused test exits 1', async () => {
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 2000, '1.0.0'), bufSize: 1024 });
  const server = await serveSmpUdp(device.server, '127.0.0.1', 0);
  const base = ['--transport', 'udp', '--host', '127.0.0.1', '--udp-port', String(server.port), '--json'];
  try {
    assert.equal(JSON.parse((await capture([...base, 'echo', 'hi'])).out[0]!).echo, 'hi');
    const file = join(dir, 'app.bin');
    writeFileSync(file, await buildTestImage(nodeCrypto, 9000, '1.4.0', 6));
    const up = JSON.parse((await capture([...base, 'image', 'upload', file])).out[0]!);
    assert.is(up.upload.match, true);
    assert.is(up.upload.bytes, 9000 + 32 + 40);
    const list = JSON.parse((await capture([...base, 'image', 'list'])).out[0]!);
    assert.equal(list.images.map((i: { version: string }) => i.version), ['1.0.0', '1.4.0']);
    const hash = list.images[1].hash as string;
    const tested = JSON.parse((await capture([...base, 'image', 'test', hash])).out[0]!);
    assert.is(tested.images[1].pending, true);
    assert.is((await capture([...base, 'reset'])).code, 0);
    const confirmed = JSON.parse((await capture([...base, 'image', 'confirm'])).out[0]!);
    assert.equal(confirmed.images[0].version, '1.4.0');
    assert.is(confirmed.images[0].confirmed, true);
    assert.equal(device.boots.map((b) => b.swap), ['none', 'test']);
    const refused = await capture([...base, 'image', 'test', '00'.repeat(32)]);
    assert.is(refused.code, 1);
    assert.is(JSON.parse(refused.out[0]!).error.code, 'SMP_RC');
  } finally {
    await server.close();
  }
});

socatTest('serial over a real pseudo-terminal: image list and upload, human output', async () => {
  const pty = await createPtyPair();
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 2000, '1.0.0') });
  const boardPort = await openNodePort({ path: pty.paths[1] });
  const transport = device.server.attachSerial(boardPort);
  try {
    const base = ['--transport', 'serial', '--port', pty.paths[0], '--baud', '115200'];
    const list = await capture(['--port', pty.paths[0], 'image', 'list']); // --port alone means serial
    assert.is(list.code, 0);
    assert.ok(list.out.includes('    version: 1.0.0'));
    const file = join(dir, 'serial.bin');
    const image = await buildTestImage(nodeCrypto, 3000, '1.1.0', 2);
    writeFileSync(file, image);
    const up = await capture([...base, 'image', 'upload', file]);
    assert.is(up.code, 0);
    assert.match(up.out[0]!, /^Done: 3072 bytes in .* match true$/);
    assert.is(toHex(await device.secondary.read(0, image.length)), toHex(image));
  } finally {
    await transport.close().catch(() => undefined);
    await pty.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

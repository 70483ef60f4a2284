/**
 * `fotakit hil` end to end, every piece its own process where it would be on a bench: the update server
 * (started here), `fotakit emulate --board nrf9160` (the SLM on a pty, over the simulated modem with real
 * TLS) and `fotakit emulate --board nrf52833` (smp_svr on a pty); `fotakit hil` opens both ptys with
 * `serialport`, downloads through the emulated modem and uploads into the emulated board's slot.
 */
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../src/boards/smp-device.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';

/** Every test here runs boards behind socat's pseudo-terminals. */
const socatTest = testNeeding('socat');

const IMAGE_PAYLOAD_BYTES = 48 * 1024;
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

let server: UpdateServer;
let dir: string;
let rootsFile: string;

interface Proc {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  exit: Promise<number | null>;
  stderr: () => string;
}

function fotakit(args: string[]): Proc {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return { child, lines, exit, stderr: () => err };
}

async function json(p: Proc): Promise<Record<string, any>> {
  const { value, done } = await p.lines.next();
  if (done) throw new Error(`process ended without output: ${p.stderr().slice(-2000)}`);
  return JSON.parse(value) as Record<string, any>;
}

/** Reads `fotakit hil --json` to its end: the run-log entries and the summary (or the error line). */
async function runLog(p: Proc): Promise<{ entries: Record<string, any>[]; summary: Record<string, any> }> {
  const entries: Record<string, any>[] = [];
  for (;;) {
    const e = await json(p);
    if (e.kind === 'summary' || (e.ok === false && e.error)) return { entries, summary: e };
    entries.push(e);
  }
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await p.exit;
}

socatTest.before(async () => {
  const image = await buildTestImage(nodeCrypto, IMAGE_PAYLOAD_BYTES, '2.1.0', 42);
  server = await startUpdateServer({ image, version: '2.1.0', pki: await sharedTestPki() });
  dir = mkdtempSync(join(tmpdir(), 'fotakit-hil-'));
  rootsFile = join(dir, 'roots.pem');
  writeFileSync(rootsFile, server.rootsPem);
});

socatTest.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function hostFlags(): string[] {
  return Object.keys(server.hosts).flatMap((h) => ['--host', `${h}=127.0.0.1`]);
}

socatTest('fotakit hil over two emulated boards on real ptys ends confirmed (legacy SLM, image into the nRF52833 over SMP)', async () => {
  const modem = fotakit(['emulate', '--board', 'nrf9160', '--dialect', 'legacy', ...hostFlags(), '--json']);
  const board = fotakit(['emulate', '--board', 'nrf52833', '--json']);
  try {
    const m = await json(modem);
    const b = await json(board);
    const hil = fotakit(['hil', '--modem-port', m.device, '--slot-port', b.device, '--server', server.apiUrl, '--roots', rootsFile, '--allow-unsigned', '--json']);
    const { entries, summary: out } = await runLog(hil);
    assert.is(await hil.exit, 0);
    assert.is(out.final, 'confirmed', JSON.stringify(out.reason));
    assert.is(out.version, '2.1.0+0');
    assert.is(out.fromVersion, '1.0.0+0');
    assert.is(out.hil.dialect, 'legacy');
    assert.is(out.hil.slot, `smp serial ${b.device}`);
    assert.equal(
      entries.filter((e) => e.kind === 'state').map((e) => e.to),
      ['checking', 'selecting-cert', 'downloading', 'verifying', 'staged', 'rebooting', 'trial', 'confirmed'],
    );
    // The field's order: Amazon first; the CDN chains to G2, the last candidate, found by real handshakes.
    const cdn = entries.filter((e) => e.kind === 'probe' && e.host === 'cdn.fotakit.test');
    assert.equal(cdn.map((p) => [p.secTag, p.ok]).slice(0, 4), [[1001, false], [1002, false], [1003, false], [1004, true]]);
    assert.is(cdn[0]!.code, 'CERT_UNKNOWN_CA');
    assert.is(out.bytes, server.current().image.length);
    assert.is(out.hil.upload.bytes, server.current().image.length);
    assert.is(out.reboots, 1);
    assert.ok(server.requests.some((r) => r.status === 206));
    await stop(modem);
    await stop(board);
    assert.ok((await json(modem)).requests > 20);
  } finally {
    await stop(modem);
    await stop(board);
  }
});

socatTest('fotakit hil with only the modem (NCS 3.x Serial Modem, detected) updates the simulated nRF9160 slot, through dropped connections', async () => {
  server.setFaults({ dropAfterBytes: 500, count: 2 });
  const modem = fotakit(['emulate', '--board', 'nrf9160', '--dialect', 'serial-modem', ...hostFlags(), '--json']);
  try {
    const m = await json(modem);
    const report = join(dir, 'hil.html');
    const hil = fotakit(['hil', '--modem-port', m.device, '--server', server.apiUrl, '--roots', rootsFile, '--report', report, '--allow-unsigned', '--json']);
    const { entries, summary: out } = await runLog(hil);
    assert.is(await hil.exit, 0);
    assert.is(out.final, 'confirmed', JSON.stringify(out.reason));
    assert.is(out.hil.dialect, 'serial-modem');
    assert.is(out.hil.slot, 'simulated nrf9160 slot (in memory)');
    assert.is(out.version, '2.1.0+0');
    assert.ok(out.retries >= 2, `retries ${out.retries}`);
    assert.ok(entries.filter((e) => e.kind === 'connection' && e.what === 'reconnect').length >= 1);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /fotakit hil/);
  } finally {
    server.setFaults({});
    await stop(modem);
  }
});

socatTest('with --key, an unsigned release fails verification (exit 1, nothing marked) and a signed one is confirmed', async () => {
  const keyPem = generateImageKeyPem('ed25519');
  const keyFile = join(dir, 'root-ed25519.pem');
  writeFileSync(keyFile, keyPem);
  const modem = fotakit(['emulate', '--board', 'nrf9160', ...hostFlags(), '--json']);
  try {
    const m = await json(modem);
    const args = ['hil', '--modem-port', m.device, '--server', server.apiUrl, '--roots', rootsFile, '--key', keyFile, '--json'];
    const unsigned = fotakit(args);
    const { summary: out1 } = await runLog(unsigned);
    assert.is(await unsigned.exit, 1);
    assert.is(out1.final, 'failed');
    assert.match(out1.reason.code, /^IMAGE_(NO_SIGNATURE|UNKNOWN_KEY)$/);
    assert.is(out1.version, '1.0.0+0');

    const payload = new Uint8Array(20 * 1024).map((_, i) => (i * 5) & 0xff);
    const signed = await signImage(payload, { crypto: nodeCrypto, signer: createPemSigner(keyPem), headerSize: 32, padHeader: true, version: '2.2.0', align: 4 });
    server.setRelease(signed, '2.2.0');
    const good = fotakit(args);
    const { summary: out2 } = await runLog(good);
    assert.is(await good.exit, 0);
    assert.is(out2.final, 'confirmed', JSON.stringify(out2.reason));
    assert.is(out2.version, '2.2.0+0');
  } finally {
    await stop(modem);
  }
});

socatTest('usage errors exit 2 (no --modem-port, a --ca file that is not there); a missing device exits 1', async () => {
  const a = fotakit(['hil', '--server', 'https://x.test', '--json']);
  assert.is((await json(a)).error.code, 'USAGE');
  assert.is(await a.exit, 2);
  const b = fotakit(['hil', '--modem-port', '/dev/null', '--server', 'https://x.test', '--ca', join(dir, 'none.pem'), '--json']);
  assert.is((await json(b)).error.code, 'USAGE');
  assert.is(await b.exit, 2);
  const c = fotakit(['hil', '--modem-port', '/dev/fotakit-missing', '--server', 'https://x.test', '--roots', rootsFile, '--allow-unsigned', '--json']);
  assert.is((await json(c)).error.code, 'PORT_OPEN_FAILED');
  assert.is(await c.exit, 1);
});

socatTest('without --key, hil refuses to stage hash-only images unless --allow-unsigned says so (exit 2)', async () => {
  const d = fotakit(['hil', '--modem-port', '/dev/fotakit-missing', '--server', 'https://x.test', '--roots', rootsFile, '--json']);
  const out = await json(d);
  assert.is(out.error.code, 'USAGE');
  assert.match(out.error.message, /--allow-unsigned/);
  assert.is(await d.exit, 2);
});

socatTest.run();

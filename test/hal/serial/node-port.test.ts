/**
 * The serial HAL over REAL pseudo-terminals opened with `serialport`: bytes both ways, and the SLM
 * modem on one end doing a real TLS handshake + HTTP range GET through the SLM emulator on the other.
 */
import { testNeeding } from '../../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createPtyPair, type PtyPair } from '../../../src/hal/serial/pty.ts';
import { openNodePort } from '../../../src/hal/serial/node-port.ts';
import { PortError } from '../../../src/hal/port.ts';
import { DEFAULT_CDN_HOST, sharedTestPki } from '../../../src/server/pki.ts';
import { createSimModem } from '../../../src/hal/sim/modem.ts';
import { AtChannel } from '../../../src/transport/at/channel.ts';
import { SlmEmulator } from '../../../src/boards/slm-emulator.ts';
import { SlmModem } from '../../../src/transport/at/slm-modem.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import { httpGet } from '../../../src/transport/http/client.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';

/** Every test here runs boards behind socat's pseudo-terminals. */
const socatTest = testNeeding('socat');

let pair: PtyPair;

socatTest.before(async () => {
  pair = await createPtyPair();
});
socatTest.after(async () => {
  await pair.close();
});

socatTest('bytes cross a real pty pair both ways, binary included', async () => {
  const a = await openNodePort({ path: pair.paths[0] });
  const b = await openNodePort({ path: pair.paths[1] });
  const got: number[] = [];
  const all = new Uint8Array(256).map((_, i) => i);
  const done = new Promise<void>((resolve) =>
    b.onData((bytes) => {
      got.push(...bytes);
      if (got.length >= all.length) resolve();
    }),
  );
  await a.write(all);
  await done;
  assert.equal(Uint8Array.from(got), all);
  await a.close();
  await b.close();
});

socatTest('a missing device is PORT_OPEN_FAILED', async () => {
  try {
    await openNodePort({ path: '/dev/fotakit-no-such-tty' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PortError);
    assert.is((e as PortError).code, 'PORT_OPEN_FAILED');
  }
});

socatTest('the SLM modem over a real pty: TLS handshake and HTTP range GET through the emulator to a loopback server', async () => {
  const pki = await sharedTestPki();
  const body = new Uint8Array(4096).map((_, i) => (i * 13) & 0xff);
  const server = https.createServer({ key: pki.cdn.keyPem, cert: pki.cdn.chainPem }, (req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
    const from = Number(m[1]);
    const to = Number(m[2]);
    res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${body.length}`, 'content-length': String(to - from + 1) });
    res.end(body.subarray(from, to + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const sim = createSimModem({ hosts: { [DEFAULT_CDN_HOST]: { address: '127.0.0.1', ports: { 443: port } } } });
  const boardSide = await openNodePort({ path: pair.paths[0] });
  const emulator = new SlmEmulator({ port: boardSide, modem: sim, dialect: 'legacy' });
  const hostSide = await openNodePort({ path: pair.paths[1] });
  const channel = new AtChannel(hostSide, realClock);
  const modem = new SlmModem({ channel, clock: realClock });
  try {
    assert.is(await modem.dialect(), 'legacy');
    await modem.credentials.write(1001, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
    const res = await httpGet(`https://${DEFAULT_CDN_HOST}/fw.bin`, {
      connect: (host, p) => modem.connect({ host, port: p, tls: { secTags: [1001], peerVerify: 'required' } }),
      clock: realClock,
      headers: [['Range', 'bytes=512-1535']],
    });
    assert.is(res.status, 206);
    assert.equal(res.body, body.subarray(512, 1536));
    assert.is(sim.counters().handshakes, 1);
  } finally {
    await channel.close();
    await emulator.shutdown();
    await boardSide.close();
    await sim.closeAll();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

socatTest.run();

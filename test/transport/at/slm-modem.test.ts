/**
 * The SLM modem (Net HAL over AT) against the SLM emulator backed by the simulated modem, over an
 * in-memory serial pair: credentials, real TLS to a loopback HTTPS server, range GET, and the modem's
 * errors arriving as the same NetError/TlsError codes the simulated modem gives — in both dialects.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BAD_HOSTS, DEFAULT_CDN_HOST, sharedTestPki, type TestPki } from '../../../src/server/pki.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { AtChannel } from '../../../src/transport/at/channel.ts';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import { SlmEmulator } from '../../../src/boards/slm-emulator.ts';
import { SlmModem } from '../../../src/transport/at/slm-modem.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import { httpGet } from '../../../src/transport/http/client.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { NetError, isFotaError } from '../../../src/hal/errors.ts';
import type { SlmDialect } from '../../../src/transport/at/slm.ts';

const SEC_TAG_G2 = 1001;
const SEC_TAG_AMAZON = 1002;
const BODY = new Uint8Array(6000).map((_, i) => (i * 7) & 0xff);

let pki: TestPki;
let server: https.Server;
let port = 0;

async function rejection(p: Promise<unknown>): Promise<NetError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isFotaError(e), String(e));
    return e as NetError;
  }
  throw new Error('expected a rejection');
}

test.before(async () => {
  pki = await sharedTestPki();
  const byHost: Record<string, { key: string; cert: string }> = {
    [DEFAULT_CDN_HOST]: { key: pki.cdn.keyPem, cert: pki.cdn.chainPem },
    [BAD_HOSTS.wrongHost]: { key: pki.wrongHost.keyPem, cert: pki.wrongHost.chainPem },
    [BAD_HOSTS.unknownCa]: { key: pki.unknownCa.keyPem, cert: pki.unknownCa.chainPem },
  };
  const tls = await import('node:tls');
  server = https.createServer(
    {
      key: pki.cdn.keyPem,
      cert: pki.cdn.chainPem,
      SNICallback: (name, cb) => cb(null, tls.createSecureContext(byHost[name] ?? byHost[DEFAULT_CDN_HOST]!)),
    },
    (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-length': String(BODY.length) });
        res.end(BODY);
        return;
      }
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(400).end();
        return;
      }
      const from = Number(m[1]);
      const to = Math.min(Number(m[2]), BODY.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${BODY.length}`, 'content-length': String(to - from + 1) });
      res.end(BODY.subarray(from, to + 1));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function rig(dialect: SlmDialect, modemDialect: SlmDialect | 'auto' = dialect, initialCfun = 1) {
  const hosts = Object.fromEntries([DEFAULT_CDN_HOST, BAD_HOSTS.wrongHost, BAD_HOSTS.unknownCa].map((h) => [h, { address: '127.0.0.1', ports: { 443: port } }]));
  const sim: SimModem = createSimModem({ hosts });
  const { a, b } = createMemoryPortPair();
  const emulator = new SlmEmulator({ port: b, modem: sim, dialect, initialCfun });
  const channel = new AtChannel(a, realClock);
  const modem = new SlmModem({ channel, dialect: modemDialect, clock: realClock });
  return {
    sim,
    emulator,
    modem,
    channel,
    async close() {
      await channel.close();
      await emulator.shutdown();
      await sim.closeAll();
    },
  };
}

function connector(modem: SlmModem, secTag: number) {
  return (host: string, p: number) => modem.connect({ host, port: p, tls: { secTags: [secTag], peerVerify: 'required', hostname: host } });
}

test('detects the dialect with a command only the NCS 3.x Serial Modem knows', async () => {
  for (const d of ['legacy', 'serial-modem'] as const) {
    const r = rig(d, 'auto');
    assert.is(await r.modem.dialect(), d);
    await r.close();
  }
});

test('writes root CAs offline (one AT+CFUN=4 for the batch, AT+CFUN=1 once after), lists by SHA-256, skips an identical rewrite, deletes', async () => {
  const r = rig('legacy');
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  const listed = await r.modem.credentials.list();
  assert.is(listed.length, 1);
  assert.is(listed[0]!.secTag, SEC_TAG_G2);
  assert.is(listed[0]!.sha256, (await r.sim.credentials.list())[0]!.sha256);
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await r.modem.credentials.write(SEC_TAG_AMAZON, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
  assert.equal(r.modem.counters, { credentialWrites: 2, credentialWritesSkipped: 1, cfunChanges: 1, connects: 0 });
  const cfun = () => r.emulator.commands.filter((c) => c.startsWith('AT+CFUN='));
  assert.equal(cfun(), ['AT+CFUN=4']);
  const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
  assert.equal(cfun(), ['AT+CFUN=4', 'AT+CFUN=1']);
  await s.close();
  await r.modem.credentials.delete(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa);
  await r.modem.credentials.delete(SEC_TAG_AMAZON, CREDENTIAL_TYPE.rootCa);
  assert.equal(await r.modem.credentials.list(), []);
  assert.is((await rejection(r.modem.credentials.delete(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa))).code, 'ENOENT');
  await r.modem.restoreMode();
  assert.equal(cfun(), ['AT+CFUN=4', 'AT+CFUN=1', 'AT+CFUN=4', 'AT+CFUN=1']);
  await r.close();
});

test("credentialRestore 'after-each' goes back online right after every write", async () => {
  const { a, b } = createMemoryPortPair();
  const sim = createSimModem();
  const emulator = new SlmEmulator({ port: b, modem: sim, dialect: 'legacy', initialCfun: 1 });
  const channel = new AtChannel(a, realClock);
  const modem = new SlmModem({ channel, dialect: 'legacy', credentialRestore: 'after-each' });
  await modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(SEC_TAG_AMAZON, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
  assert.equal(emulator.commands.filter((c) => c.startsWith('AT+CFUN=')), ['AT+CFUN=4', 'AT+CFUN=1', 'AT+CFUN=4', 'AT+CFUN=1']);
  await channel.close();
  await emulator.shutdown();
});

for (const dialect of ['legacy', 'serial-modem'] as const) {
  test(`${dialect}: a real TLS handshake and HTTP range GETs through the emulated SLM`, async () => {
    const r = rig(dialect);
    await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
    const res = await httpGet(`https://${DEFAULT_CDN_HOST}/image.bin`, {
      connect: connector(r.modem, SEC_TAG_G2),
      clock: realClock,
      headers: [['Range', 'bytes=1000-2023']],
    });
    assert.is(res.status, 206);
    assert.equal(res.body, BODY.subarray(1000, 2024));
    assert.is(r.sim.counters().handshakes, 1);
    await r.close();
  });

  test(`${dialect}: the wrong root is CERT_UNKNOWN_CA, a wrong host name CERT_HOSTNAME_MISMATCH`, async () => {
    const r = rig(dialect);
    await r.modem.credentials.write(SEC_TAG_AMAZON, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
    const e1 = await rejection(r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_AMAZON], peerVerify: 'required' } }));
    assert.is(e1.code, 'CERT_UNKNOWN_CA');
    assert.is(e1.name, 'TlsError');
    const e2 = await rejection(r.modem.connect({ host: BAD_HOSTS.wrongHost, port: 443, tls: { secTags: [SEC_TAG_AMAZON], peerVerify: 'required' } }));
    assert.is(e2.code, 'CERT_HOSTNAME_MISMATCH');
    // The failed sockets were closed: a good connect still works (legacy has only one).
    await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
    const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
    assert.is(s.info().validatedBy, SEC_TAG_G2);
    await s.close();
    await r.close();
  });

  test(`${dialect}: a server record over the modem's limit fails recv with EMSGSIZE, and stays failed`, async () => {
    const r = rig(dialect);
    await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
    const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
    await s.send(new TextEncoder().encode(`GET /big HTTP/1.1\r\nHost: ${DEFAULT_CDN_HOST}\r\n\r\n`));
    let err: NetError | undefined;
    for (let k = 0; k < 20 && !err; k++) {
      try {
        await s.recv(2048, 5000);
      } catch (e) {
        err = e as NetError;
      }
    }
    assert.is(err?.code, 'EMSGSIZE');
    assert.is((await rejection(s.recv(100))).code, 'EMSGSIZE');
    await s.close();
    await r.close();
  });

  test(`${dialect}: an unknown host is EHOSTUNREACH`, async () => {
    const r = rig(dialect);
    const e = await rejection(r.modem.connect({ host: 'nowhere.invalid', port: 443 }));
    assert.is(e.code, 'EHOSTUNREACH');
    await r.close();
  });
}

test('a modem that booted offline is put online and waited for (AT+CFUN=1, AT+CEREG?) before the first connect', async () => {
  const r = rig('legacy', 'legacy', 0);
  await r.channel.command('AT+CEREG=1');
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  assert.equal(r.emulator.commands.filter((c) => c.startsWith('AT+CFUN=')), []);
  const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
  assert.equal(r.emulator.commands.filter((c) => /^AT\+C(FUN=|EREG\?)/.test(c)), ['AT+CFUN=1', 'AT+CEREG?']);
  assert.equal(r.modem.urcs, ['+CEREG: 1']);
  await s.close();
  await r.close();
});

test('legacy: a data-mode send on a socket the modem lost ends #XDATAMODE: -128 → ENOTCONN', async () => {
  const r = rig('legacy');
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
  await r.sim.closeAll();
  const e = await rejection(s.send(new TextEncoder().encode('If-Range: "x"\r\n')));
  assert.is(e.code, 'ENOTCONN');
  assert.is((await rejection(s.send(new TextEncoder().encode('GET')))).code, 'ENOTCONN');
  await s.close();
  await r.close();
});

test('the legacy SLM has one socket: a second connect is ENOMEM', async () => {
  const r = rig('legacy');
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
  assert.is((await rejection(r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443 }))).code, 'ENOMEM');
  await s.close();
  await r.close();
});

test('a sec_tag list is refused with EINVAL (the SLM takes one sec_tag per socket)', async () => {
  const r = rig('serial-modem');
  const e = await rejection(r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [1, 2], peerVerify: 'required' } }));
  assert.is(e.code, 'EINVAL');
  await r.close();
});

test('legacy: bytes a quoted string cannot carry go through data mode (AT#XSEND, raw, +++)', async () => {
  const r = rig('legacy');
  await r.modem.credentials.write(SEC_TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  const s = await r.modem.connect({ host: DEFAULT_CDN_HOST, port: 443, tls: { secTags: [SEC_TAG_G2], peerVerify: 'required' } });
  await s.send(new TextEncoder().encode(`GET /x HTTP/1.1\r\nHost: ${DEFAULT_CDN_HOST}\r\nRange: bytes=0-9\r\nIf-Range: "etag"\r\n\r\n`));
  assert.ok(r.emulator.commands.includes('AT#XSEND'));
  let text = '';
  while (!text.includes('\r\n\r\n')) text += String.fromCharCode(...(await s.recv(2048, 5000)));
  assert.match(text, /^HTTP\/1\.1 206/);
  assert.is(s.info().bytesSent > 0, true);
  assert.is((await rejection(s.send(new TextEncoder().encode('a"+++b')))).code, 'EINVAL');
  await s.close();
  await r.close();
});

test.run();

import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE, MODEM_MAX_SOCKETS, type Socket } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { createDuplexPair } from '../../../src/hal/sim/duplex-pair.ts';
import { BAD_HOSTS, DEFAULT_API_HOST, DEFAULT_CDN_HOST, sharedTestPki, type PkiIdentity, type TestPki } from '../../../src/server/pki.ts';

/** Memfault's sec_tags: G2 = 1001, Amazon = 1002; two more for the other roots. */
const TAG_G2 = 1001;
const TAG_AMAZON = 1002;
const TAG_BALTIMORE = 1003;
const TAG_DIGICERT_CA = 1004;

type Handler = (s: tls.TLSSocket) => void;

interface TlsTestServer {
  port: number;
  close(): Promise<void>;
}

/** A TLS server presenting the PKI identity chosen by SNI; `onSocket` plays the server. Not listening. */
function tlsServer(pki: TestPki, onSocket: Handler): tls.Server {
  const byName = new Map<string, PkiIdentity>();
  for (const id of [pki.api, pki.cdn, pki.expired, pki.notYetValid, pki.unknownCa]) for (const n of id.names) byName.set(n, id);
  byName.set(BAD_HOSTS.wrongHost, pki.wrongHost);
  const contexts = new Map([...byName].map(([n, id]) => [n, tls.createSecureContext({ key: id.keyPem, cert: id.chainPem })]));
  const server = tls.createServer({ key: pki.api.keyPem, cert: pki.api.chainPem, SNICallback: (name, cb) => cb(null, contexts.get(name)) }, onSocket);
  server.on('tlsClientError', () => {});
  return server;
}

/** A TLS server on loopback presenting the PKI identity chosen by SNI; `onSocket` plays the server. */
async function startTlsServer(pki: TestPki, onSocket: Handler): Promise<TlsTestServer> {
  const sockets = new Set<net.Socket>();
  const server = tlsServer(pki, onSocket);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function startTcpServer(onSocket: (s: net.Socket) => void): Promise<TlsTestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const HOSTS = Object.fromEntries([DEFAULT_API_HOST, DEFAULT_CDN_HOST, ...Object.values(BAD_HOSTS)].map((h) => [h, '127.0.0.1']));

/** The address of the in-memory peer a virtual-time modem reaches (see memoryDial). */
const MEMORY_PEER = '10.0.0.1';
/** Every name of the test PKI, on the in-memory peer. */
const MEMORY_HOSTS = Object.fromEntries(Object.keys(HOSTS).map((h) => [h, MEMORY_PEER]));

/**
 * An in-memory connect for a modem on a virtual clock: MEMORY_PEER:443 answers, its end of a duplex
 * pair handed to `serve` (bytes moving keep the clock from jumping); any other address is refused.
 */
function memoryDial(clock: VirtualClock, serve: (peer: Duplex) => void): (address: string, port: number) => Duplex | undefined {
  return (address, port) => {
    if (address !== MEMORY_PEER || port !== 443) return undefined;
    const [device, peer] = createDuplexPair(() => clock.touch());
    peer.on('error', () => {});
    serve(peer);
    return device;
  };
}

/**
 * Turns of the event loop without activity before virtual time jumps: TLS over in-memory streams
 * hops across a few (as sim --virtual-time, src/boards/sim-run.ts).
 */
const IDLE_TURNS = 3;

async function modemWithRoots(pki: TestPki, extra: Parameters<typeof createSimModem>[0] = {}): Promise<SimModem> {
  const modem = createSimModem({ hosts: HOSTS, ...extra });
  await modem.credentials.write(TAG_G2, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(TAG_AMAZON, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
  await modem.credentials.write(TAG_BALTIMORE, CREDENTIAL_TYPE.rootCa, pki.roots.baltimoreCyberTrust.pem);
  await modem.credentials.write(TAG_DIGICERT_CA, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootCa.pem);
  return modem;
}

async function rejects(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError, `not a FotaError: ${String(e)}`);
    return e as FotaError;
  }
  throw new Error('expected a rejection');
}

/** Reads until `n` bytes or end of stream. */
async function recvAll(s: Socket, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const b = await s.recv(n - have, 2000);
    if (b.length === 0) break;
    parts.push(b);
    have += b.length;
  }
  const out = new Uint8Array(have);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

let pki: TestPki;
let echo: TlsTestServer;

test.before(async () => {
  pki = await sharedTestPki();
  echo = await startTlsServer(pki, (s) => {
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
  });
});
test.after(async () => {
  await echo.close();
});

test('handshake with the right root succeeds, speaks TLS 1.2 and reports the validating sec_tag', async () => {
  const modem = await modemWithRoots(pki);
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  await s.send(utf8Encode('ping'));
  assert.is(utf8Decode(await recvAll(s, 4)), 'ping');
  const info = s.info();
  assert.is(info.validatedBy, TAG_AMAZON);
  assert.is(info.protocol, 'TLSv1.2');
  assert.is(info.bytesSent, 4);
  assert.is(info.bytesReceived, 4);
  await s.close();
  const c = modem.counters();
  assert.is(c.handshakes, 1);
  assert.is(c.socketsOpen, 0);
});

test('a root that did not sign the chain fails with CERT_UNKNOWN_CA (the CDN with only Amazon)', async () => {
  const modem = await modemWithRoots(pki);
  const e = await rejects(modem.connect({ host: DEFAULT_CDN_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } }));
  assert.is(e.code, 'CERT_UNKNOWN_CA');
  assert.match(e.message, /^modem\.connect: /);
  assert.is(modem.counters().handshakeFailures, 1);
  assert.is(modem.counters().socketsOpen, 0);
});

test('a chain from a root no sec_tag holds fails with CERT_UNKNOWN_CA even with every root', async () => {
  const modem = await modemWithRoots(pki);
  const e = await rejects(modem.connect({ host: BAD_HOSTS.unknownCa, port: echo.port, tls: { secTags: [TAG_G2, TAG_AMAZON, TAG_BALTIMORE, TAG_DIGICERT_CA], peerVerify: 'required' } }));
  assert.is(e.code, 'CERT_UNKNOWN_CA');
});

test('a certificate for another name fails with CERT_HOSTNAME_MISMATCH', async () => {
  const modem = await modemWithRoots(pki);
  const e = await rejects(modem.connect({ host: BAD_HOSTS.wrongHost, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } }));
  assert.is(e.code, 'CERT_HOSTNAME_MISMATCH');
});

test('TLS_HOSTNAME other than the host is what gets checked', async () => {
  const modem = await modemWithRoots(pki);
  const e = await rejects(modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required', hostname: 'other.fotakit.test' } }));
  // SNI other.fotakit.test gets the server's default (API) certificate, whose name does not match.
  assert.is(e.code, 'CERT_HOSTNAME_MISMATCH');
});

test('an expired leaf fails with CERT_EXPIRED, a future one with CERT_NOT_YET_VALID', async () => {
  const modem = await modemWithRoots(pki);
  const tlsOpts = { secTags: [TAG_AMAZON], peerVerify: 'required' as const };
  assert.is((await rejects(modem.connect({ host: BAD_HOSTS.expired, port: echo.port, tls: tlsOpts }))).code, 'CERT_EXPIRED');
  assert.is((await rejects(modem.connect({ host: BAD_HOSTS.notYetValid, port: echo.port, tls: tlsOpts }))).code, 'CERT_NOT_YET_VALID');
});

test('a server that never answers the ClientHello fails with TLS_HANDSHAKE_TIMEOUT', async () => {
  const silent = await startTcpServer(() => {});
  try {
    const modem = await modemWithRoots(pki);
    const e = await rejects(modem.connect({ host: DEFAULT_API_HOST, port: silent.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required', handshakeTimeoutMs: 150 } }));
    assert.is(e.code, 'TLS_HANDSHAKE_TIMEOUT');
    assert.is(e.context.handshakeTimeoutMs, 150);
    assert.is(modem.counters().socketsOpen, 0);
  } finally {
    await silent.close();
  }
});

test('with a sec_tag list, validatedBy names the root that validates, not the first in the list', async () => {
  const modem = await modemWithRoots(pki);
  const list = [TAG_AMAZON, TAG_DIGICERT_CA, TAG_BALTIMORE, TAG_G2];
  const cdn = await modem.connect({ host: DEFAULT_CDN_HOST, port: echo.port, tls: { secTags: list, peerVerify: 'required' } });
  assert.is(cdn.info().validatedBy, TAG_G2);
  await cdn.close();
  const api = await modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [...list].reverse(), peerVerify: 'required' } });
  assert.is(api.info().validatedBy, TAG_AMAZON);
  await api.close();
});

test('the server certificate chain is measured; over 4 KiB the handshake fails with CERT_CHAIN_TOO_LARGE', async () => {
  const modem = await modemWithRoots(pki);
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  // certificate_list = each certificate's DER with a 3-byte length: leaf + intermediate.
  const ders = pki.api.chainPem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((p) => new X509Certificate(p).raw.length);
  assert.is(s.info().certChainBytes, ders.reduce((n, d) => n + 3 + d, 0));
  await s.close();
  // Padding the chain with every root (sent as extra certificates) takes it over 4 KiB.
  const padded = pki.api.chainPem + Object.values(pki.roots).map((r) => r.pem).join('').repeat(2);
  const fat = tls.createServer({ key: pki.api.keyPem, cert: padded }, (c) => c.on('error', () => {}));
  fat.on('tlsClientError', () => {});
  await new Promise<void>((r) => fat.listen(0, '127.0.0.1', r));
  try {
    const e = await rejects(modem.connect({ host: DEFAULT_API_HOST, port: (fat.address() as net.AddressInfo).port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } }));
    assert.is(e.code, 'CERT_CHAIN_TOO_LARGE');
    assert.ok((e.context.chainBytes as number) > 4096);
    assert.is(e.context.maxChainBytes, 4096);
    assert.is(modem.counters().socketsOpen, 0);
  } finally {
    await new Promise<void>((r) => fat.close(() => r()));
  }
});

test('a sec_tag without a root CA is refused before connecting', async () => {
  const modem = await modemWithRoots(pki);
  const e = await rejects(modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [4242], peerVerify: 'required' } }));
  assert.is(e.code, 'TLS_NO_CREDENTIAL');
  assert.is(e.context.secTag, 4242);
  assert.is(modem.counters().connects, 0);
});

test('record gate: a 16 KiB record fails recv with EMSGSIZE after the small record before it is handed up', async () => {
  const big = await startTlsServer(pki, (s) => {
    s.on('error', () => {});
    s.write('hello');
    setTimeout(() => s.write(new Uint8Array(16384).fill(0x41)), 20);
  });
  try {
    const modem = await modemWithRoots(pki);
    const s = await modem.connect({ host: DEFAULT_API_HOST, port: big.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
    assert.is(utf8Decode(await s.recv(100, 2000)), 'hello');
    const e = await rejects(s.recv(100, 2000));
    assert.is(e.code, 'EMSGSIZE');
    assert.match(e.message, /^socket\.recv: /);
    assert.ok((e.context.recordBytes as number) > 16384);
    assert.is(e.context.maxRecordBytes, 2303);
    assert.ok(s.info().refusedRecordBytes! > 16384);
    assert.ok(s.info().maxRecordBytes <= 2303, 'the refused record is not the largest accepted');
    assert.is(modem.counters().emsgsize, 1);
    await s.close();
  } finally {
    await big.close();
  }
});

test('record gate: small records pass and the largest is measured (1000-byte writes)', async () => {
  const small = await startTlsServer(pki, (s) => {
    s.on('error', () => {});
    // One write at a time: Node coalesces writes queued together into one record.
    const next = (i: number): void => {
      if (i === 4) s.end();
      else s.write(new Uint8Array(1000).fill(i), () => setTimeout(() => next(i + 1), 5));
    };
    next(0);
  });
  try {
    const modem = await modemWithRoots(pki);
    const s = await modem.connect({ host: DEFAULT_API_HOST, port: small.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
    const got = await recvAll(s, 5000);
    assert.is(got.length, 4000);
    assert.is(got[3999], 3);
    const info = s.info();
    // AES-GCM in TLS 1.2: 5-byte header + 8-byte explicit nonce + 1000 bytes + 16-byte tag.
    assert.is(info.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
    assert.is(info.maxRecordBytes, 1029);
    assert.is(modem.counters().emsgsize, 0);
    await s.close();
  } finally {
    await small.close();
  }
});

test('the record limit is configurable per modem', async () => {
  const small = await startTlsServer(pki, (s) => {
    s.on('error', () => {});
    s.write(new Uint8Array(1000));
  });
  try {
    const modem = await modemWithRoots(pki, { maxRecordBytes: 1024 });
    const s = await modem.connect({ host: DEFAULT_API_HOST, port: small.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
    const e = await rejects(s.recv(2000, 2000));
    assert.is(e.code, 'EMSGSIZE');
    assert.is(e.context.recordBytes, 1029);
    await s.close();
  } finally {
    await small.close();
  }
});

test('at most 8 sockets: the ninth fails with ENOMEM, and closing one frees a slot', async () => {
  const idle = await startTcpServer(() => {});
  try {
    const modem = createSimModem();
    const socks: Socket[] = [];
    for (let i = 0; i < MODEM_MAX_SOCKETS; i++) socks.push(await modem.connect({ host: '127.0.0.1', port: idle.port }));
    assert.is((await rejects(modem.connect({ host: '127.0.0.1', port: idle.port }))).code, 'ENOMEM');
    await socks.pop()!.close();
    socks.push(await modem.connect({ host: '127.0.0.1', port: idle.port }));
    assert.is(modem.counters().peakSockets, MODEM_MAX_SOCKETS);
    await modem.closeAll();
    assert.is(modem.counters().socketsOpen, 0);
  } finally {
    await idle.close();
  }
});

test('TCP errors: refused port → ECONNREFUSED, unknown name → EHOSTUNREACH', async () => {
  const gone = await startTcpServer(() => {});
  const port = gone.port;
  await gone.close();
  const modem = createSimModem({ hosts: HOSTS });
  assert.is((await rejects(modem.connect({ host: '127.0.0.1', port }))).code, 'ECONNREFUSED');
  assert.is((await rejects(modem.connect({ host: 'nowhere.fotakit.test', port }))).code, 'EHOSTUNREACH');
  assert.is((await rejects(modem.connect({ host: '127.0.0.1', port: 0 }))).code, 'EINVAL');
});

test('a TCP connect slower than connectTimeoutMs fails with ETIMEDOUT at the timeout and frees the slot', async () => {
  const clock = new VirtualClock({ idleTurns: IDLE_TURNS });
  const modem = createSimModem({
    clock,
    dial: memoryDial(clock, (peer) => peer.resume()),
    link: { oneWayLatencyMs: 200, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity },
  });
  const e = await rejects(modem.connect({ host: MEMORY_PEER, port: 443, connectTimeoutMs: 50 }));
  assert.is(e.code, 'ETIMEDOUT');
  assert.is(clock.now(), 50, 'the timeout fired at 50 ms, before the 400 ms round trip');
  assert.match(e.message, /^modem\.connect: TCP connect/);
  assert.is(modem.counters().socketsOpen, 0);
});

test('peerVerify optional connects to an unknown CA without validatedBy; none needs no sec_tag', async () => {
  const modem = await modemWithRoots(pki);
  const s = await modem.connect({ host: BAD_HOSTS.unknownCa, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'optional' } });
  assert.is(s.info().validatedBy, undefined);
  await s.close();
  const n = await modem.connect({ host: BAD_HOSTS.expired, port: echo.port, tls: { secTags: [], peerVerify: 'none' } });
  await n.send(utf8Encode('ok'));
  assert.is(utf8Decode(await recvAll(n, 2)), 'ok');
  await n.close();
});

test('setHosts adds names and setLink applies to the next connection', async () => {
  const clock = new VirtualClock({ idleTurns: IDLE_TURNS });
  const modem = await modemWithRoots(pki, { hosts: {}, clock, dial: memoryDial(clock, (peer) => peer.resume()) });
  assert.is((await rejects(modem.connect({ host: DEFAULT_API_HOST, port: 443 }))).code, 'EHOSTUNREACH');
  modem.setHosts({ [DEFAULT_API_HOST]: MEMORY_PEER });
  const before = await modem.connect({ host: DEFAULT_API_HOST, port: 443 });
  assert.is(clock.now(), 0, 'no link: the connect takes no time');
  await before.close();
  modem.setLink({ oneWayLatencyMs: 30, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity });
  const t0 = clock.now();
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: 443 });
  // The SYN round trip: 2 × 30 ms of virtual time.
  assert.is(clock.now() - t0, 60);
  await s.close();
  assert.throws(() => modem.setLink('5g' as 'none'), /link: unknown profile/);
});

test('host table ports map a URL port to the local server', async () => {
  const modem = await modemWithRoots(pki, { hosts: { [DEFAULT_API_HOST]: { address: '127.0.0.1', ports: { 443: echo.port } } } });
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: 443, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  assert.is(s.info().validatedBy, TAG_AMAZON);
  await s.close();
});

test('recv times out with ETIMEDOUT and the socket stays usable', async () => {
  const modem = await modemWithRoots(pki);
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  assert.is((await rejects(s.recv(10, 30))).code, 'ETIMEDOUT');
  await s.send(utf8Encode('x'));
  assert.is(utf8Decode(await s.recv(10, 2000)), 'x');
  await s.close();
  assert.is((await rejects(s.recv(10))).code, 'ENOTCONN');
  assert.is((await rejects(s.send(utf8Encode('x')))).code, 'ENOTCONN');
});

test('two recvs waiting at once both get served; bad timeouts are EINVAL, Infinity is allowed', async () => {
  const modem = await modemWithRoots(pki);
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  const a = s.recv(1, 2000);
  const b = s.recv(1, Infinity);
  await s.send(utf8Encode('xy'));
  assert.equal([utf8Decode(await a), utf8Decode(await b)].sort(), ['x', 'y']);
  assert.is((await rejects(s.recv(1, -1))).code, 'EINVAL');
  await s.close();
  assert.is((await rejects(modem.connect({ host: '127.0.0.1', port: echo.port, connectTimeoutMs: NaN }))).code, 'EINVAL');
  assert.is(modem.counters().connects, 1);
});

test('with tlsSessionCache the second connect resumes the session and still reports validatedBy', async () => {
  const modem = await modemWithRoots(pki, { tlsSessionCache: true });
  const opts = { host: DEFAULT_CDN_HOST, port: echo.port, tls: { secTags: [TAG_AMAZON, TAG_G2], peerVerify: 'required' as const } };
  const first = await modem.connect(opts);
  assert.is(first.info().sessionReused, false);
  await first.close();
  const second = await modem.connect(opts);
  assert.is(second.info().sessionReused, true);
  assert.is(second.info().validatedBy, TAG_G2);
  await second.send(utf8Encode('r'));
  assert.is(utf8Decode(await recvAll(second, 1)), 'r');
  await second.close();
  assert.is(modem.counters().resumedHandshakes, 1);
  // Off by default: a modem without the cache never resumes.
  const plain = await modemWithRoots(pki);
  for (let i = 0; i < 2; i++) await (await plain.connect(opts)).close();
  assert.is(plain.counters().resumedHandshakes, 0);
});

test('link: latency is paid by the TCP connect and every TLS round trip', async () => {
  const clock = new VirtualClock({ idleTurns: IDLE_TURNS });
  // The TLS echo in memory: the handshake and the echo run in virtual time, so their times are exact.
  const server = tlsServer(pki, (s) => {
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
  });
  const modem = await modemWithRoots(pki, {
    hosts: MEMORY_HOSTS,
    clock,
    dial: memoryDial(clock, (peer) => server.emit('connection', peer)),
    link: { oneWayLatencyMs: 40, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity },
  });
  const t0 = clock.now();
  const s = await modem.connect({ host: DEFAULT_API_HOST, port: 443, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  // TCP (1 RTT) + TLS 1.2 full handshake (2 RTT) at 80 ms a round trip.
  assert.is(clock.now() - t0, 3 * 80, 'handshake time');
  assert.is(s.info().validatedBy, TAG_AMAZON);
  const t1 = clock.now();
  await s.send(utf8Encode('ping'));
  assert.is(utf8Decode(await recvAll(s, 4)), 'ping');
  assert.is(clock.now() - t1, 80, 'echo time');
  await s.close();
  await modem.closeAll();
});

test('link: downlink bandwidth paces delivery (8 kB at 400 kbit/s = 160 ms)', async () => {
  const clock = new VirtualClock({ idleTurns: IDLE_TURNS });
  const modem = createSimModem({
    clock,
    dial: memoryDial(clock, (peer) => peer.end(new Uint8Array(8000))),
    link: { oneWayLatencyMs: 0, downlinkBitsPerS: 400_000, uplinkBitsPerS: Infinity },
  });
  const s = await modem.connect({ host: MEMORY_PEER, port: 443 });
  const t0 = clock.now();
  assert.is((await recvAll(s, 10_000)).length, 8000);
  const took = clock.now() - t0;
  // 8000 bytes × 8 bits / 400 kbit/s, serialised segment by segment (float sums: to within 1 ns).
  assert.ok(Math.abs(took - 160) < 1e-6, `took ${took} virtual ms`);
  assert.is(modem.counters().rawBytesDown, 8000);
  await s.close();
});

test('link: a drop after N bytes hands up exactly N bytes, then ECONNRESET', async () => {
  const src = await startTcpServer((s) => s.write(new Uint8Array(5000).fill(7)));
  try {
    const modem = createSimModem({ link: { oneWayLatencyMs: 0, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity, dropAfterBytes: 1000 } });
    const s = await modem.connect({ host: '127.0.0.1', port: src.port });
    let got = 0;
    let err: FotaError | undefined;
    try {
      for (;;) got += (await s.recv(4096, 2000)).length;
    } catch (e) {
      err = e as FotaError;
    }
    assert.is(got, 1000);
    assert.is(err?.code, 'ECONNRESET');
    await s.close();
  } finally {
    await src.close();
  }
});

test('link: a stall after N bytes leaves recv to time out', async () => {
  const src = await startTcpServer((s) => s.write(new Uint8Array(500)));
  try {
    const modem = createSimModem({ link: { oneWayLatencyMs: 0, downlinkBitsPerS: Infinity, uplinkBitsPerS: Infinity, stallAfterBytes: 100 } });
    const s = await modem.connect({ host: '127.0.0.1', port: src.port });
    assert.is((await s.recv(4096, 2000)).length, 100);
    assert.is((await rejects(s.recv(4096, 50))).code, 'ETIMEDOUT');
    await s.close();
  } finally {
    await src.close();
  }
});

test.run();

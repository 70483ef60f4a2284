import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CertSelector, type CertCandidate, type CertProbe } from '../../src/fota/cert-select.ts';
import { TlsError, NetError, FotaError, type NetErrorCode } from '../../src/hal/errors.ts';
import type { ConnectOptions, CredentialInfo, CredentialType, Modem, Socket } from '../../src/hal/net.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';

const candidates: CertCandidate[] = [
  { secTag: 1002, name: 'Amazon Root CA 1', pem: 'PEM-A' },
  { secTag: 2001, name: 'Baltimore CyberTrust Root', pem: 'PEM-B' },
  { secTag: 1001, name: 'DigiCert Global Root G2', pem: 'PEM-G2' },
];

/** A modem whose handshakes succeed only with the sec_tag each host chains to. */
class ScriptedModem implements Modem {
  connects: ConnectOptions[] = [];
  writes: [number, CredentialType, string][] = [];
  stored: CredentialInfo[] = [];
  constructor(readonly chains: Record<string, number | NetErrorCode>) {}
  credentials = {
    list: async () => this.stored,
    write: async (secTag: number, type: CredentialType, content: string) => void this.writes.push([secTag, type, content]),
    delete: async () => {},
  };
  async connect(o: ConnectOptions): Promise<Socket> {
    this.connects.push(o);
    const want = this.chains[o.host];
    if (typeof want === 'string') throw new NetError(want, `connect: ${want}`);
    const hit = o.tls!.secTags.find((t) => t === want);
    if (hit === undefined) throw new TlsError('CERT_UNKNOWN_CA', 'handshake: unknown CA');
    return {
      send: async () => {},
      recv: async () => new Uint8Array(0),
      close: async () => {},
      info: () => ({ validatedBy: hit, maxRecordBytes: 0, bytesReceived: 0, bytesSent: 0 }),
    };
  }
}

function selector(modem: Modem, settings = new MemorySettings(), mode: 'probe' | 'list' = 'probe') {
  const probes: CertProbe[] = [];
  const s = new CertSelector({ modem, candidates, settings, clock: { now: () => 0, sleep: async () => {} }, crypto: nodeCrypto, mode, onProbe: (p) => probes.push(p) });
  return { s, probes, settings };
}

test('tries candidates in order with a real handshake each, and the last one can win', async () => {
  const modem = new ScriptedModem({ 'cdn.fotakit.test': 1001 });
  const { s, probes } = selector(modem);
  const socket = await s.connect('cdn.fotakit.test', 443);
  assert.is(socket.info().validatedBy, 1001);
  assert.equal(probes.map((p) => [p.secTag, p.ok, p.code ?? null]), [[1002, false, 'CERT_UNKNOWN_CA'], [2001, false, 'CERT_UNKNOWN_CA'], [1001, true, null]]);
  assert.equal(modem.connects.map((c) => [c.tls!.secTags, c.tls!.hostname, c.tls!.peerVerify]), [
    [[1002], 'cdn.fotakit.test', 'required'],
    [[2001], 'cdn.fotakit.test', 'required'],
    [[1001], 'cdn.fotakit.test', 'required'],
  ]);
});

test('chooses per host, and remembers the winner across restarts', async () => {
  const modem = new ScriptedModem({ 'api.fotakit.test': 1002, 'cdn.fotakit.test': 1001 });
  const { s, settings } = selector(modem);
  await s.connect('api.fotakit.test', 443);
  await s.connect('cdn.fotakit.test', 443);
  assert.is(await s.winner('api.fotakit.test'), 1002);
  assert.is(await s.winner('cdn.fotakit.test'), 1001);
  const again = selector(modem, settings);
  modem.connects = [];
  await again.s.connect('cdn.fotakit.test', 443);
  assert.equal(modem.connects.map((c) => c.tls!.secTags[0]), [1001]);
  assert.is(again.probes[0]!.via, 'remembered');
});

test('when the remembered root stops working, the others are probed again', async () => {
  const modem = new ScriptedModem({ 'cdn.fotakit.test': 1001 });
  const { s, settings } = selector(modem);
  await s.connect('cdn.fotakit.test', 443);
  modem.chains['cdn.fotakit.test'] = 2001; // the CDN moved to another root
  const again = selector(modem, settings);
  await again.s.connect('cdn.fotakit.test', 443);
  assert.equal(again.probes.map((p) => [p.secTag, p.ok]), [[1001, false], [1002, false], [2001, true]]);
  assert.is(await again.s.winner('cdn.fotakit.test'), 2001);
});

test('no candidate validating is CERT_NO_CANDIDATE with every reason', async () => {
  const { s } = selector(new ScriptedModem({ 'x.test': 9999 }));
  try {
    await s.connect('x.test', 443);
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'CERT_NO_CANDIDATE');
    assert.equal(((e as FotaError).context.probes as CertProbe[]).map((p) => p.code), ['CERT_UNKNOWN_CA', 'CERT_UNKNOWN_CA', 'CERT_UNKNOWN_CA']);
  }
});

test('a refused connection stops probing: no root can help', async () => {
  const modem = new ScriptedModem({ 'down.test': 'ECONNREFUSED' });
  const { s, probes } = selector(modem);
  try {
    await s.connect('down.test', 443);
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'ECONNREFUSED');
  }
  assert.is(probes.length, 1);
});

test('list mode makes one handshake with every sec_tag and reports which validated', async () => {
  const modem = new ScriptedModem({ 'cdn.fotakit.test': 1001 });
  const { s, probes } = selector(modem, new MemorySettings(), 'list');
  await s.connect('cdn.fotakit.test', 443);
  assert.equal(modem.connects.map((c) => c.tls!.secTags), [[1002, 2001, 1001]]);
  assert.equal([probes[0]!.secTag, probes[0]!.name, probes[0]!.via], [1001, 'DigiCert Global Root G2', 'list']);
});

test('provisions each root once and skips ones the modem already holds unchanged', async () => {
  const modem = new ScriptedModem({ 'cdn.fotakit.test': 1001 });
  modem.stored = [{ secTag: 1002, type: 0, sha256: sha256Hex('PEM-A').toUpperCase() }, { secTag: 2001, type: 0, sha256: '00' }];
  const { s } = selector(modem);
  await s.connect('cdn.fotakit.test', 443);
  await s.connect('cdn.fotakit.test', 443);
  assert.equal(modem.writes.map((w) => [w[0], w[1]]), [[2001, 0], [1001, 0]]);
});

function sha256Hex(text: string): string {
  const h = nodeCrypto.createHash('sha256');
  h.update(new TextEncoder().encode(text));
  return Buffer.from(h.digest()).toString('hex');
}

test('prove() chooses the root now and hands its socket to the next connect: no extra handshake', async () => {
  const modem = new ScriptedModem({ 'cdn.fotakit.test': 1001 });
  const { s } = selector(modem);
  await s.prove('cdn.fotakit.test', 443);
  assert.is(modem.connects.length, 3);
  const socket = await s.connect('cdn.fotakit.test', 443);
  assert.is(socket.info().validatedBy, 1001);
  assert.is(modem.connects.length, 3);
  await s.connect('cdn.fotakit.test', 443);
  assert.is(modem.connects.length, 4, 'a second connect makes a new (remembered) handshake');
});

test.run();

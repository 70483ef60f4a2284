/**
 * Certificate selection over real TLS: the simulated modem's handshakes (Node TLS, host-name check)
 * against the local update server's test PKI on loopback, with leaves that are good, expired, not yet
 * valid, for another host, or from an unknown root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CertSelector, type CertCandidate, type CertProbe } from '../../src/fota/cert-select.ts';
import { createSimModem, type SimModem } from '../../src/hal/sim/modem.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { BAD_HOSTS, sharedTestPki } from '../../src/server/pki.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import type { FotaError } from '../../src/hal/errors.ts';

let server: UpdateServer;
let modem: SimModem;
let candidates: CertCandidate[];

test.before(async () => {
  const pki = await sharedTestPki();
  server = await startUpdateServer({ image: new Uint8Array(4096), version: '1.0.0', pki });
  modem = createSimModem({ hosts: server.hosts });
  const r = pki.roots;
  candidates = [
    { secTag: 1002, name: r.amazonRootCa1.name, pem: r.amazonRootCa1.pem },
    { secTag: 1004, name: r.baltimoreCyberTrust.name, pem: r.baltimoreCyberTrust.pem },
    { secTag: 1001, name: r.digicertGlobalRootG2.name, pem: r.digicertGlobalRootG2.pem },
  ];
});

test.after(async () => {
  await modem.closeAll();
  await server.close();
});

function selector(mode: 'probe' | 'list' = 'probe') {
  const probes: CertProbe[] = [];
  const s = new CertSelector({ modem, candidates, settings: new MemorySettings(), clock: realClock, crypto: nodeCrypto, mode, onProbe: (p) => probes.push(p) });
  return { s, probes };
}

test('API and CDN chain to different roots: each host gets its own, proven by a handshake', async () => {
  const { s, probes } = selector();
  const api = await s.connect(server.apiHost, server.port);
  const cdn = await s.connect(server.cdnHost, server.port);
  assert.is(api.info().validatedBy, 1002);
  assert.is(cdn.info().validatedBy, 1001);
  await api.close();
  await cdn.close();
  assert.equal(probes.map((p) => [p.host, p.secTag, p.ok, p.code ?? null]), [
    [server.apiHost, 1002, true, null],
    [server.cdnHost, 1002, false, 'CERT_UNKNOWN_CA'],
    [server.cdnHost, 1004, false, 'CERT_UNKNOWN_CA'],
    [server.cdnHost, 1001, true, null],
  ]);
});

test('list mode: one handshake with every sec_tag, and the modem tells which root validated', async () => {
  const { s, probes } = selector('list');
  const cdn = await s.connect(server.cdnHost, server.port);
  await cdn.close();
  assert.equal(probes.map((p) => [p.secTag, p.ok, p.via]), [[1001, true, 'list']]);
});

test('bad leaves fail every candidate with the real reason', async () => {
  const cases: [string, string][] = [
    [BAD_HOSTS.expired, 'CERT_EXPIRED'],
    [BAD_HOSTS.notYetValid, 'CERT_NOT_YET_VALID'],
    [BAD_HOSTS.wrongHost, 'CERT_HOSTNAME_MISMATCH'],
    [BAD_HOSTS.unknownCa, 'CERT_UNKNOWN_CA'],
  ];
  for (const [host, code] of cases) {
    const { s, probes } = selector();
    try {
      await s.connect(host, server.port);
      assert.unreachable(host);
    } catch (e) {
      assert.is((e as FotaError).code, 'CERT_NO_CANDIDATE', host);
    }
    // The candidate that chains to the leaf's root reports the leaf's own fault; the others the unknown CA.
    assert.ok(probes.some((p) => p.code === code), `${host}: ${probes.map((p) => p.code).join(', ')}`);
    assert.is(probes.length, candidates.length, host);
  }
});

test.run();

/**
 * The agent's real download port (range downloader over the simulated modem) against hostile CDNs on
 * 127.0.0.1: a redirect out of TLS fails the cycle typed and writes nothing; a good CDN behind a
 * keepalive_requests-style limit still confirms.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaAgent } from '../../../src/fota/agent/agent.ts';
import { rangeDownloadPort } from '../../../src/fota/agent/network-ports.ts';
import { silentLog } from '../../../src/hal/log.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { sharedTestPki, type TestPki } from '../../../src/server/pki.ts';
import { HttpClient } from '../../../src/transport/http/client.ts';
import { loopbackHosts, rangeAnswer, startHostileServer, type HostileServer } from '../../transport/hostile-server.ts';
import { FakeSlot, FakeVerifier, MemorySettings, fakeImage } from './fakes.ts';

const TAG = 1001;
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const v100 = fakeImage([1, 0, 0], 500);
const v110 = fakeImage([1, 1, 0], 20_000);
let pki: TestPki;
let modem: SimModem;
const servers: HostileServer[] = [];

function agentFor(url: string, slot: FakeSlot) {
  const connect = (host: string, port: number, scheme: 'http' | 'https') =>
    modem.connect({ host, port, ...(scheme === 'https' ? { tls: { secTags: [TAG], peerVerify: 'required' as const, hostname: host } } : {}) });
  const settings = new MemorySettings();
  return new FotaAgent({
    settings,
    clock,
    log: silentLog,
    slot,
    release: { check: async () => ({ kind: 'update' as const, url }) },
    downloader: rangeDownloadPort({ client: new HttpClient({ connect, clock }), clock, settings }),
    createVerifier: () => new FakeVerifier(),
    selfTest: async () => true,
  });
}

test.before(async () => {
  pki = await sharedTestPki();
  modem = createSimModem({ hosts: loopbackHosts(pki.cdn) });
  await modem.credentials.write(TAG, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
});

test.after.each(async () => {
  await modem.closeAll();
  for (const s of servers.splice(0)) await s.close();
});

test('a CDN redirecting the image to http: the cycle fails with HTTP_REDIRECT_INSECURE, nothing written, no plaintext request', async () => {
  const plain = await startHostileServer((q, c) => c.write(rangeAnswer(q, v110)));
  servers.push(plain);
  const cdn = await startHostileServer((_q, c) => c.write(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${plain.port}/app.bin\r\nContent-Length: 0\r\n\r\n`), {
    identities: [pki.cdn],
  });
  servers.push(cdn);
  const slot = new FakeSlot(v100);
  const r = await agentFor(`https://cdn.fotakit.test:${cdn.port}/app.bin`, slot).run();
  assert.is(r.state, 'failed');
  assert.is(r.reason?.code, 'HTTP_REDIRECT_INSECURE');
  assert.is(slot.writes, 0);
  assert.is(plain.requests.length, 0);
  assert.is(r.running, '1.0.0');
});

test('a CDN that answers 3 requests per connection: the agent still confirms', async () => {
  const cdn = await startHostileServer(
    (q, c) => {
      if (q.onConnection > 3) return;
      const last = q.onConnection === 3;
      c.write(rangeAnswer(q, v110, { etag: '"a"', extra: last ? ['Connection: close'] : [] }));
      if (last) c.end();
    },
    { identities: [pki.cdn] },
  );
  servers.push(cdn);
  const r = await agentFor(`https://cdn.fotakit.test:${cdn.port}/app.bin`, new FakeSlot(v100)).run();
  assert.is(r.state, 'confirmed');
  assert.is(r.running, '1.1.0');
});

test.run();

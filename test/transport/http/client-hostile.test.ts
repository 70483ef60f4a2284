/**
 * The HTTP client through the simulated modem against hostile servers on 127.0.0.1: a redirect may
 * never leave TLS, and a response that never starts ends at its first-byte deadline.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectionOf } from '../../support/rejection.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { sharedTestPki, type TestPki } from '../../../src/server/pki.ts';
import { HttpClient, httpGet } from '../../../src/transport/http/client.ts';
import { loopbackHosts, startHostileServer, type HostileServer } from '../hostile-server.ts';

const TAG = 1001;
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

let pki: TestPki;
let modem: SimModem;
const servers: HostileServer[] = [];

const connect = (host: string, port: number, scheme: 'http' | 'https') =>
  modem.connect({ host, port, ...(scheme === 'https' ? { tls: { secTags: [TAG], peerVerify: 'required' as const, hostname: host } } : {}) });

test.before(async () => {
  pki = await sharedTestPki();
  modem = createSimModem({ hosts: loopbackHosts(pki.cdn) });
  await modem.credentials.write(TAG, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
});

test.after.each(async () => {
  await modem.closeAll();
  for (const s of servers.splice(0)) await s.close();
});

test('client.request: a 301 from https to http is HTTP_REDIRECT_INSECURE and the http server sees nothing', async () => {
  const plain = await startHostileServer((_q, c) => c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
  servers.push(plain);
  const secure = await startHostileServer((_q, c) => c.write(`HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:${plain.port}/x\r\nContent-Length: 0\r\n\r\n`), {
    identities: [pki.cdn],
  });
  servers.push(secure);
  const e = await rejectionOf(httpGet(`https://cdn.fotakit.test:${secure.port}/latest`, { connect, clock }));
  assert.is(e.code, 'HTTP_REDIRECT_INSECURE');
  assert.is(e.context.to, `http://127.0.0.1:${plain.port}/x`);
  assert.is(plain.requests.length, 0);
});

test('client.request: https to https redirects are followed', async () => {
  const secure = await startHostileServer(
    (q, c) => {
      if (q.path === '/a') c.write('HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n');
      else c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    },
    { identities: [pki.cdn] },
  );
  servers.push(secure);
  const r = await httpGet(`https://cdn.fotakit.test:${secure.port}/a`, { connect, clock });
  assert.is(r.status, 200);
  assert.is(r.redirects, 1);
});

test('client.request: no first byte within firstByteTimeoutMs is HTTP_RESPONSE_TIMEOUT', async () => {
  const silent = await startHostileServer(() => undefined, { identities: [pki.cdn] });
  servers.push(silent);
  const client = new HttpClient({ connect, clock, firstByteTimeoutMs: 50 });
  const e = await rejectionOf(client.request(`https://cdn.fotakit.test:${silent.port}/x`));
  await client.close();
  assert.is(e.code, 'HTTP_RESPONSE_TIMEOUT');
  assert.is(e.context.phase, 'first-byte');
});

test.run();

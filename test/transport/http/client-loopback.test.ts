/**
 * The HTTP client through the simulated modem (real TLS, record gate) against the local update server:
 * the release API check with httpGet, then the CDN on another host with its own connection.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Decode } from '../../../src/hal/bytes.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { DEFAULT_PROJECT_KEY, startUpdateServer, type UpdateServer } from '../../../src/server/update-server.ts';
import { HttpClient, httpGet } from '../../../src/transport/http/client.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';

const TAGS = [1001, 1002];
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
let server: UpdateServer;
let modem: SimModem;
const connects: string[] = [];
const connect = (host: string, port: number) => {
  connects.push(host);
  return modem.connect({ host, port, tls: { secTags: TAGS, peerVerify: 'required', hostname: host } });
};

function checkUrl(current: string): string {
  const q = `&device_serial=SN1&hardware_version=nrf9160dk&software_type=app&current_version=${current}`;
  return `${server.apiUrl}/api/v0/releases/latest/url?${q}`;
}

test.before(async () => {
  server = await startUpdateServer({ image: new Uint8Array(5000).fill(7), version: '1.1.0' });
  modem = createSimModem({ hosts: server.hosts });
  await modem.credentials.write(TAGS[0]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(TAGS[1]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.amazonRootCa1.pem);
});

test.after(async () => {
  await modem.closeAll();
  await server.close();
});

test('release check: 200 with the payload URL, 204 when up to date', async () => {
  const headers: Array<[string, string]> = [['Memfault-Project-Key', DEFAULT_PROJECT_KEY]];
  const res = await httpGet(checkUrl('1.0.0'), { connect, clock, headers, userAgent: 'MemfaultSDK/1.5.0', okStatuses: [200, 204] });
  assert.is(res.status, 200);
  assert.is(utf8Decode(res.body), server.imageUrl);
  const none = await httpGet(checkUrl('1.1.0'), { connect, clock, headers, okStatuses: [200, 204] });
  assert.is(none.status, 204);
  assert.is(none.body.length, 0);
});

test('a wrong project key is HTTP_STATUS 401, not "up to date"', async () => {
  try {
    await httpGet(checkUrl('1.0.0'), { connect, clock, headers: [['Memfault-Project-Key', 'nope']], okStatuses: [200, 204] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, HttpError);
    assert.is((e as HttpError).code, 'HTTP_STATUS');
    assert.is((e as HttpError).context.status, 401);
  }
});

test('one client: API and CDN hosts each get their own connection, reused per host', async () => {
  connects.length = 0;
  const client = new HttpClient({ connect, clock });
  const headers: Array<[string, string]> = [['Memfault-Project-Key', DEFAULT_PROJECT_KEY]];
  const url = utf8Decode((await client.request(checkUrl('1.0.0'), { headers })).body);
  const part = await client.request(url, { headers: [['Range', 'bytes=0-99']] });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), 'bytes 0-99/5000');
  await client.request(url, { headers: [['Range', 'bytes=100-199']] });
  assert.equal(connects, [server.apiHost, server.cdnHost]);
  await client.close();
});

test.run();

/**
 * The release check (releasePort over the HTTP client and the simulated modem) against plain servers on
 * 127.0.0.1: what a 401 says, how long a payload URL may be, and a redirect out of TLS.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectionOf } from '../support/rejection.ts';
import { releasePort } from '../../src/fota/agent/network-ports.ts';
import { RELEASE_URL_MAX_BYTES } from '../../src/fota/update-check.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../src/hal/sim/modem.ts';
import { sharedTestPki, type TestPki } from '../../src/server/pki.ts';
import { HttpClient } from '../../src/transport/http/client.ts';
import { loopbackHosts, startHostileServer, type HostileServer } from '../transport/hostile-server.ts';

const TAG = 1002;
const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
let pki: TestPki;
let modem: SimModem;
const servers: HostileServer[] = [];

/** Each write of at most this many bytes is its own TLS record: under the modem's 2303-byte limit. */
const RECORD_PIECE_BYTES = 1500;

async function api(answer: (path: string) => string, pieceBytes = RECORD_PIECE_BYTES, clientOptions: { responseTimeoutMs?: number } = {}): Promise<ReturnType<typeof releasePort>> {
  const s = await startHostileServer(
    async (q, c) => {
      const text = answer(q.path);
      if (pieceBytes > 1) return c.writePieces(text, pieceBytes);
      // One byte at a time, a few ms apart: a trickling server.
      for (let i = 0; i < text.length && !c.socket.destroyed; i++) {
        c.write(text.slice(i, i + 1));
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    { identities: [pki.api] },
  );
  servers.push(s);
  const connect = (host: string, port: number, scheme: 'http' | 'https') =>
    modem.connect({ host, port, ...(scheme === 'https' ? { tls: { secTags: [TAG], peerVerify: 'required' as const, hostname: host } } : {}) });
  return releasePort({
    newClient: () => new HttpClient({ connect, clock, ...clientOptions }),
    api: { baseUrl: `https://api.fotakit.test:${s.port}`, projectKey: 'wrong-key' },
    identity: { deviceSerial: 'sn1', hardwareVersion: 'hw', softwareType: 'app' },
  });
}

function answer(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test.before(async () => {
  pki = await sharedTestPki();
  modem = createSimModem({ hosts: loopbackHosts(pki.api) });
  await modem.credentials.write(TAG, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
});

test.after.each(async () => {
  await modem.closeAll();
  for (const s of servers.splice(0)) await s.close();
});

test('401: the message names the project key and quotes the first line of the body', async () => {
  const port = await api(() => answer('401 Unauthorized', '\r\nInvalid project key\r\nsee docs\r\n'));
  const e = await rejectionOf(port.check('1.0.0'));
  assert.is(e.code, 'RELEASE_API_STATUS');
  assert.is(e.context.status, 401);
  assert.match(e.message, /project key/);
  assert.match(e.message, /Memfault-Project-Key/);
  assert.match(e.message, /the server said: 'Invalid project key'/);
  assert.is(e.context.body, 'Invalid project key');
});

test('a 4 KiB signed payload URL (sent in records under the modem limit) is accepted; one byte more is RELEASE_API_BAD_BODY naming the limit', async () => {
  assert.is(RELEASE_URL_MAX_BYTES, 4096);
  const head = 'https://cdn.fotakit.test/fw/app.bin?sig=';
  const url = head + 'a'.repeat(RELEASE_URL_MAX_BYTES - head.length);
  let port = await api(() => answer('200 OK', url));
  assert.equal(await port.check('1.0.0'), { kind: 'update', url });
  port = await api(() => answer('200 OK', url + 'a'));
  const e = await rejectionOf(port.check('1.0.0'));
  assert.is(e.code, 'RELEASE_API_BAD_BODY');
  assert.match(e.message, /4096/);
});

test('a redirect of the release check to http is HTTP_REDIRECT_INSECURE', async () => {
  const port = await api(() => 'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/latest\r\nContent-Length: 0\r\n\r\n');
  assert.is((await rejectionOf(port.check('1.0.0'))).code, 'HTTP_REDIRECT_INSECURE');
});

test('a release API trickling its answer ends at the response deadline: HTTP_RESPONSE_TIMEOUT', async () => {
  const port = await api(() => answer('200 OK', 'https://cdn.fotakit.test/fw/app.bin'), 1, { responseTimeoutMs: 60 });
  const e = await rejectionOf(port.check('1.0.0'));
  assert.is(e.code, 'HTTP_RESPONSE_TIMEOUT');
  assert.is(e.context.phase, 'response');
});

test.run();

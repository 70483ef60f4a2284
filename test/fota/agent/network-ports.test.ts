/**
 * The agent's network ports against the real simulated modem and the local server on loopback: the
 * range downloader behind the agent's sink contract (resume from the sink's persisted bytes, open with
 * size and ETag before the first write, the sink's refusal ends the download), and the release check.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startUpdateServer, type UpdateServer } from '../../../src/server/update-server.ts';
import { sharedTestPki } from '../../../src/server/pki.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { HttpClient } from '../../../src/transport/http/client.ts';
import { rangeDownloadPort, releasePort } from '../../../src/fota/agent/network-ports.ts';
import type { DownloadSink } from '../../../src/fota/agent/ports.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../../src/boards/smp-device.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';
import { concatBytes } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';

const SEC_TAG = 1001;
let image: Uint8Array;
let server: UpdateServer;
let modem: SimModem;

test.before(async () => {
  const pki = await sharedTestPki();
  image = await buildTestImage(nodeCrypto, 12 * 1024, '1.4.0', 3);
  server = await startUpdateServer({ image, version: '1.4.0', pki });
  modem = createSimModem({ hosts: server.hosts });
  await modem.credentials.write(SEC_TAG, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(SEC_TAG + 1, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
});

test.after(async () => {
  await modem.closeAll();
  await server.close();
});

function client(secTag = SEC_TAG): HttpClient {
  return new HttpClient({ connect: (host, port) => modem.connect({ host, port, tls: { secTags: [secTag], peerVerify: 'required' } }), clock: realClock });
}

function recordingSink(persisted = 0): DownloadSink & { calls: string[]; parts: Uint8Array[] } {
  const calls: string[] = [];
  const parts: Uint8Array[] = [];
  let next = persisted;
  return {
    calls,
    parts,
    persistedBytes: async () => persisted,
    open: async (f) => void calls.push(`open ${f.size} ${f.etag !== undefined}`),
    write: async (offset, bytes) => {
      assert.is(offset, next);
      next += bytes.length;
      parts.push(Uint8Array.from(bytes));
    },
    reset: async () => void calls.push('reset'),
  };
}

test('opens the sink once with size and ETag before any write, then writes every byte in order', async () => {
  const http = client();
  const sink = recordingSink();
  const summary = await rangeDownloadPort({ client: http, clock: realClock, settings: new MemorySettings() }).download(server.imageUrl, sink, () => undefined);
  await http.close();
  assert.equal(sink.calls, [`open ${image.length} true`]);
  assert.equal(concatBytes(...sink.parts), image);
  assert.is(summary.total, image.length);
  assert.ok(summary.requests > 1);
});

test('a second run resumes from what the sink persisted, fetching only the rest', async () => {
  const settings = new MemorySettings();
  const first = recordingSink();
  let http = client();
  await rangeDownloadPort({ client: http, clock: realClock, settings }).download(server.imageUrl, first, () => undefined);
  await http.close();
  const resumed = recordingSink(5000);
  http = client();
  const summary = await rangeDownloadPort({ client: http, clock: realClock, settings }).download(server.imageUrl, resumed, () => undefined);
  await http.close();
  assert.equal(concatBytes(...resumed.parts), image.subarray(5000));
  assert.is(summary.bytes, image.length - 5000);
});

test("the sink's refusal (an image too big for the slot) fails the download with its error", async () => {
  const http = client();
  const sink = recordingSink();
  sink.open = async (f) => {
    throw new FotaError('DFU_IMAGE_TOO_BIG', `test: ${f.size} bytes do not fit`);
  };
  sink.write = async () => assert.unreachable('no write after a refused open');
  try {
    await rangeDownloadPort({ client: http, clock: realClock, settings: new MemorySettings() }).download(server.imageUrl, sink, () => undefined);
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'DFU_IMAGE_TOO_BIG');
  } finally {
    await http.close();
  }
});

test('the release port: 200 with the payload URL, 204 once the device runs the release', async () => {
  const port = releasePort({
    newClient: () => client(SEC_TAG + 1),
    api: { baseUrl: server.apiUrl, projectKey: server.projectKey },
    identity: { deviceSerial: 'SN1', hardwareVersion: 'hw', softwareType: 'app' },
  });
  assert.equal(await port.check('1.0.0'), { kind: 'update', url: server.imageUrl });
  assert.equal(await port.check('1.4.0'), { kind: 'up-to-date' });
});

test.run();

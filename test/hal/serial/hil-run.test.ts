/**
 * The HIL runner's adapters: the range downloader behind the agent's DownloadPort (open once with the
 * size, then in-order writes from the offset the sink returns) and the MCUboot verifier port. The
 * end-to-end runs over ptys are in test/cli/hil.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startUpdateServer, type UpdateServer } from '../../../src/server/update-server.ts';
import { sharedTestPki } from '../../../src/server/pki.ts';
import { createSimModem, type SimModem } from '../../../src/hal/sim/modem.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { HttpClient } from '../../../src/transport/http/client.ts';
import { mcubootVerifier, rangeDownloadPort } from '../../../src/hal/serial/hil-run.ts';
import { realClock } from '../../../src/hal/serial/real-clock.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../../src/hal/sim/smp-device.ts';
import { silentLog } from '../../../src/hal/log.ts';
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
});

test.after(async () => {
  await modem.closeAll();
  await server.close();
});

function client(): HttpClient {
  return new HttpClient({ connect: (host, port) => modem.connect({ host, port, tls: { secTags: [SEC_TAG], peerVerify: 'required' } }), clock: realClock });
}

test('opens the sink once with the size before any write, then writes every byte in order', async () => {
  const calls: string[] = [];
  const parts: Uint8Array[] = [];
  let next = 0;
  const http = client();
  const summary = await rangeDownloadPort(http, realClock, silentLog).download(
    server.imageUrl,
    {
      async open(size) {
        calls.push(`open ${size}`);
        return 0;
      },
      async write(offset, bytes) {
        assert.is(offset, next);
        next += bytes.length;
        parts.push(bytes);
      },
    },
    () => undefined,
  );
  await http.close();
  assert.equal(calls, [`open ${image.length}`]);
  assert.equal(concatBytes(...parts), image);
  assert.is(summary.bytes, image.length);
  assert.ok(summary.requests > 1);
});

test('writes start at the offset the sink resumes from', async () => {
  const http = client();
  let first = -1;
  await rangeDownloadPort(http, realClock, silentLog).download(
    server.imageUrl,
    {
      open: async () => 5000,
      async write(offset) {
        if (first < 0) first = offset;
      },
    },
    () => undefined,
  );
  await http.close();
  assert.is(first, 5000);
});

test("the sink's refusal (an image too big for the slot) fails the download with its error", async () => {
  const http = client();
  try {
    await rangeDownloadPort(http, realClock, silentLog).download(
      server.imageUrl,
      {
        open: async (size) => {
          throw new FotaError('DFU_IMAGE_TOO_BIG', `test: ${size} bytes do not fit`);
        },
        write: async () => assert.unreachable('no write after a refused open'),
      },
      () => undefined,
    );
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'DFU_IMAGE_TOO_BIG');
  } finally {
    await http.close();
  }
});

test('the MCUboot verifier port reports version, hash and validity', async () => {
  const v = mcubootVerifier(nodeCrypto, undefined)();
  v.update(image.subarray(0, 100));
  assert.equal(v.header(), { version: '1.4.0+0' });
  v.update(image.subarray(100));
  const verdict = await v.finish();
  assert.is(verdict.valid, true);
  assert.is(verdict.version, '1.4.0+0');
  assert.match(verdict.hashHex!, /^[0-9a-f]{64}$/);
  const bad = Uint8Array.from(image);
  bad[200] ^= 1;
  const v2 = mcubootVerifier(nodeCrypto, undefined)();
  v2.update(bad);
  const verdict2 = await v2.finish();
  assert.is(verdict2.valid, false);
  assert.is(verdict2.code, 'IMAGE_BAD_HASH');
});

test.run();

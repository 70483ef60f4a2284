import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { SmpClient } from '../../../src/transport/smp/client.ts';
import { createUartPair } from '../../../src/transport/smp/sim-links.ts';
import { SerialSmpTransport } from '../../../src/transport/smp/transport.ts';
import { uploadChunkBytes, uploadImage, uploadMessageBytes } from '../../../src/transport/smp/upload.ts';
import { decodeMessage, encodeMessage } from '../../../src/transport/smp/message.ts';
import { IMG_MGMT_ERR_HASH_NOT_FOUND, IMG_MGMT_ID_UPLOAD, MGMT_GROUP_ID_IMAGE } from '../../../src/transport/smp/constants.ts';
import type { SmpError } from '../../../src/transport/smp/errors.ts';
import { toHex } from '../../../src/hal/bytes.ts';

async function setup(bufSize?: number) {
  const clock = new VirtualClock();
  const initial = await buildTestImage(nodeCrypto, 1200, '1.0.0', 4);
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, ...(bufSize ? { bufSize } : {}) });
  const [host, board] = createUartPair({ clock, baud: 1_000_000 });
  device.server.attachSerial(board);
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  return { clock, device, client };
}

test('chunk sizing fills the message exactly, across every CBOR length-header boundary', () => {
  const sha = new Uint8Array(32);
  for (const fields of [{ off: 5 }, { off: 70000 }, { off: 0, len: 200000, sha }]) {
    for (let max = 80; max <= 70000; max += max < 600 ? 1 : 997) {
      const n = uploadChunkBytes(fields, max, 1 << 20);
      assert.ok(uploadMessageBytes(fields, n) <= max, `fits at ${max}`);
      assert.ok(uploadMessageBytes(fields, n + 1) > max, `largest at ${max}`);
    }
  }
  assert.is(uploadMessageBytes({ off: 1000 }, uploadChunkBytes({ off: 1000 }, 380, 1 << 20)), 380);
  assert.is(uploadChunkBytes({ off: 1000 }, 380, 10), 10);
});

test('chunk sizing refuses a buffer that cannot carry one data byte', () => {
  try {
    uploadChunkBytes({ off: 0, len: 5, sha: new Uint8Array(32) }, 40, 5);
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_MSGSIZE');
  }
});

test('restarts from offset 0 when the device resets mid-upload, and still matches', async () => {
  const { device, client } = await setup();
  const image = await buildTestImage(nodeCrypto, 12000, '2.0.0', 8);
  let resetDone = false;
  const r = await uploadImage(client, image, {
    onProgress: (sent) => {
      if (sent > 5000 && !resetDone) {
        resetDone = true;
        void device.reset();
      }
    },
  });
  assert.is(r.restarts, 1);
  assert.is(r.match, true);
  await client.close();
});

test('resumes from the offset the device already holds for the same sha', async () => {
  const { device, client } = await setup();
  const image = await buildTestImage(nodeCrypto, 6000, '2.0.0', 8);
  const first = encodeMessage(
    { version: 1, op: 2, flags: 0, group: MGMT_GROUP_ID_IMAGE, sequence: 99, command: IMG_MGMT_ID_UPLOAD },
    { off: 0, len: image.length, sha: sha256(image), data: image.subarray(0, 300) },
  );
  await device.server.handle(first);
  const r = await uploadImage(client, image);
  assert.is(r.resumedFrom, 300);
  assert.is(r.offsetJumps, 1);
  assert.is(r.match, true);
  await client.close();
});

test('pipelines up to buf_count - 1 requests', async () => {
  const { client } = await setup();
  const image = await buildTestImage(nodeCrypto, 8000, '2.0.0', 8);
  let peak = 0;
  const r = await uploadImage(client, image, { onProgress: () => (peak = Math.max(peak, client.inFlight())) });
  assert.is(r.window, 3);
  assert.is(peak, 2); // measured right after one of the three answers arrived
  await client.close();
});

test('lost requests and responses on a lossy UART: timeouts resend from the acknowledged offset, image matches', async () => {
  const clock = new VirtualClock();
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1200, '1.0.0', 4) });
  // Every 7th request and every 5th response vanish; one in 11 requests arrives with a flipped byte.
  const [host, board] = createUartPair({
    clock,
    baud: 1_000_000,
    faultAtoB: (b, i) => (i > 1 && i % 7 === 0 ? undefined : i % 11 === 5 ? b.map((x, k) => (k === 20 ? x ^ 0xff : x)) : b),
    faultBtoA: (b, i) => (i > 1 && i % 5 === 0 ? undefined : b),
  });
  device.server.attachSerial(board);
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  const image = await buildTestImage(nodeCrypto, 15000, '2.0.0', 12);
  const r = await uploadImage(client, image, { retries: 10, firstChunkTimeoutMs: 5000 });
  assert.is(r.match, true);
  assert.ok(r.timeouts > 3, `timeouts ${r.timeouts}`);
  assert.equal(toHex(await device.secondary.read(0, image.length)), toHex(image));
  await client.close();
});

test('a device that keeps moving the offset fails the upload instead of looping', async () => {
  const clock = new VirtualClock();
  const [host, board] = createUartPair({ clock });
  const boardSide = new SerialSmpTransport(board);
  // A broken device: always answers "off 100", whatever was sent.
  boardSide.onMessage((m) => {
    const h = decodeMessage(m).header;
    const body = h.command === 6 && h.group === 0 ? { buf_size: 384, buf_count: 4 } : { off: 100 };
    void boardSide.send(encodeMessage({ ...h, op: h.op + 1 }, body));
  });
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  try {
    await uploadImage(client, await buildTestImage(nodeCrypto, 5000, '2.0.0'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_UPLOAD_FAILED');
  }
  await client.close();
});

test('a silent device gives SMP_TIMEOUT after the timeout', async () => {
  const clock = new VirtualClock();
  const [host] = createUartPair({ clock, baud: 115200 });
  const client = new SmpClient(new SerialSmpTransport(host), { clock, timeoutMs: 500 });
  const t0 = clock.now();
  try {
    await client.echo('anyone?');
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_TIMEOUT');
    assert.ok(clock.now() - t0 >= 500 && clock.now() - t0 < 520);
  }
  await client.close();
});

test('device errors become SMP_RC with {group, rc}: v2 err and v1 rc', async () => {
  const { client, clock, device } = await setup();
  try {
    await client.imageTest(new Uint8Array(32));
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_RC');
    assert.equal((e as SmpError).context, { group: 1, rc: IMG_MGMT_ERR_HASH_NOT_FOUND });
  }
  await client.close();
  const [host, board] = createUartPair({ clock });
  device.server.attachSerial(board);
  const v1 = new SmpClient(new SerialSmpTransport(host), { clock, version: 0 });
  try {
    await v1.imageErase(0);
    assert.unreachable();
  } catch (e) {
    // Slot 0 runs: NO_FREE_SLOT, which current Zephyr translates to EBADSTATE for v1.
    assert.equal((e as SmpError).context, { group: 1, rc: 6 });
  }
  await v1.close();
});

test.run();

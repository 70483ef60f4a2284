import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { SmpClient } from '../../../src/transport/smp/client.ts';
import { createUartPair } from '../../../src/transport/smp/sim-links.ts';
import { SerialSmpTransport } from '../../../src/transport/smp/transport.ts';
import { uploadImage } from '../../../src/transport/smp/upload.ts';
import { fromHex, toHex } from '../../../src/hal/bytes.ts';
import { decodeMessage } from '../../../src/transport/smp/message.ts';
import type { SmpTransport } from '../../../src/transport/smp/transport.ts';
import { smpVectors } from './vectors.ts';

async function serialSetup(o: { bufSize?: number; baud?: number } = {}) {
  const clock = new VirtualClock();
  const initial = await buildTestImage(nodeCrypto, 3000, '1.0.0', 7);
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, ...(o.bufSize ? { bufSize: o.bufSize } : {}) });
  const [host, board] = createUartPair({ clock, baud: o.baud ?? 115200 });
  device.server.attachSerial(board);
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  return { clock, device, client, host, board, initial };
}

test('echo, params and image list over the simulated UART', async () => {
  const { client } = await serialSetup();
  assert.is(await client.echo('Hello world!'), 'Hello world!');
  assert.equal(await client.params(), { bufSize: 384, bufCount: 4, reported: true });
  const images = await client.imageState();
  assert.is(images.length, 1);
  assert.equal({ ...images[0], hash: undefined }, { image: 0, slot: 0, version: '1.0.0', hash: undefined, bootable: true, pending: false, confirmed: true, active: true, permanent: false });
  assert.is(images[0]!.hash!.length, 32);
  await client.close();
});

test('uploads an image with full chunks, tests it, resets into it and confirms it', async () => {
  const { client, device } = await serialSetup();
  const image = await buildTestImage(nodeCrypto, 20000, '2.0.0', 9);
  const r = await uploadImage(client, image);
  assert.is(r.match, true);
  assert.is(r.timeouts, 0);
  assert.is(r.maxMessageBytes, 380);
  const written = await device.secondary.read(0, image.length);
  assert.equal(toHex(written), toHex(image));
  let images = await client.imageState();
  assert.equal(images.map((i) => [i.slot, i.version, i.pending, i.confirmed, i.active]), [[0, '1.0.0', false, true, true], [1, '2.0.0', false, false, false]]);
  images = await client.imageTest(images[1]!.hash!);
  assert.equal(images.map((i) => [i.slot, i.pending, i.permanent]), [[0, false, false], [1, true, false]]);
  await client.reset();
  await device.server.idle();
  assert.is(device.boots.at(-1)!.swap, 'test');
  images = await client.imageState();
  assert.equal(images.map((i) => [i.slot, i.version, i.confirmed, i.active]), [[0, '2.0.0', false, true], [1, '1.0.0', true, false]]);
  images = await client.imageConfirm();
  assert.equal(images.map((i) => [i.slot, i.version, i.confirmed, i.active]), [[0, '2.0.0', true, true], [1, '1.0.0', false, false]]);
  await client.close();
});

test('the client (what `fotakit smp` sends) and the emulated board agree with the shared SMP vectors', async () => {
  const { device, host } = await serialSetup();
  const sent: Uint8Array[] = [];
  const inner = new SerialSmpTransport(host);
  const tap: SmpTransport = {
    kind: 'serial',
    maxMessageBytes: (b) => inner.maxMessageBytes(b),
    send: (m) => {
      sent.push(m);
      return inner.send(m);
    },
    onMessage: (l) => inner.onMessage(l),
    onError: (l) => inner.onError(l),
    close: () => inner.close(),
  };
  const client = new SmpClient(tap, { clock: new VirtualClock() });
  await client.echo('Hello world!');
  await client.imageState();
  await client.params();
  await client.reset();
  const vector = (prefix: string) => fromHex(smpVectors.find((v) => v.name.startsWith(prefix))!.hex!);
  // Same bytes but the sequence number (byte 6), which is the client's own count.
  const withoutSeq = (m: Uint8Array) => toHex(Uint8Array.from(m).fill(0, 6, 7));
  assert.equal(sent.map(withoutSeq), [vector('os echo write request'), vector('image state read request'), vector('os mcumgr params read request'), vector('os reset write request')].map(withoutSeq));
  // The board answers each request vector; headers as the response vectors, bodies as Zephyr's.
  const echo = decodeMessage((await device.server.handle(vector('os echo write request')))!);
  assert.equal([echo.header.op, echo.header.sequence, echo.body], [3, 139, { r: 'Hello world!' }]);
  const params = decodeMessage((await device.server.handle(vector('os mcumgr params read request')))!);
  const paramsVector = decodeMessage(fromHex(smpVectors.find((v) => v.name.startsWith('os mcumgr params read response'))!.hex!));
  assert.equal([params.header.version, params.header.op, params.header.group, params.header.command], [paramsVector.header.version, paramsVector.header.op, paramsVector.header.group, paramsVector.header.command]);
  assert.equal(Object.keys(params.body), Object.keys(paramsVector.body));
  const resetVector = smpVectors.find((v) => v.name.startsWith('os reset write request'))!;
  const reset = decodeMessage((await device.server.handle(fromHex(resetVector.hex!)))!);
  assert.equal([reset.header.op, reset.header.command, reset.body], [decodeMessage(fromHex(resetVector.response_hex!)).header.op, 5, {}]);
  await client.close();
});

test.run();

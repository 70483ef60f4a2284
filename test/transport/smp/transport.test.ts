/** Client and server interoperating over each transport: serial framing, BLE framing, UDP on loopback. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex, utf8Encode } from '../../../src/hal/bytes.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { SimClock } from '../../../src/hal/sim/clock.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { serveSmpUdp, UdpSmpTransport } from '../../../src/boards/smp-udp.ts';
import { SmpClient } from '../../../src/transport/smp/client.ts';
import { createBleLinkPair, createUartPair } from '../../../src/transport/smp/sim-links.ts';
import { BleSmpTransport, SerialSmpTransport } from '../../../src/transport/smp/transport.ts';
import { uploadImage } from '../../../src/transport/smp/upload.ts';
import { encodeSerialMessage } from '../../../src/transport/smp/serial-framing.ts';
import { encodeMessage } from '../../../src/transport/smp/message.ts';
import { createSocket } from 'node:dgram';

async function board(bufSize?: number) {
  const initial = await buildTestImage(nodeCrypto, 1500, '1.0.0', 5);
  return SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, ...(bufSize ? { bufSize } : {}) });
}

test('serial: malformed frames and CBOR get typed errors and the server keeps serving', async () => {
  const clock = new VirtualClock();
  const device = await board();
  const [host, dev] = createUartPair({ clock, baud: 115200 });
  device.server.attachSerial(dev);
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  await host.write(utf8Encode('\x06\x09!!!!\n'));
  await host.write(Uint8Array.of(0x06, 0x09, ...new Uint8Array(300).fill(0x41), 0x0a));
  const badCbor = encodeMessage({ version: 1, op: 2, flags: 0, group: 0, sequence: 200, command: 0 }, {});
  badCbor[8] = 0xff; // a break outside any map
  await host.write(encodeSerialMessage(badCbor));
  assert.is(await client.echo('still here'), 'still here');
  assert.is(device.server.stats.dropped, 2);
  assert.is(device.server.lastError!.code, 'SMP_BAD_CBOR');
  await client.close();
});

test('BLE (MTU 498, 7.5 ms interval, buf_size 384, nRF52 flash timing): pipelined upload matches, at least 2.5x window 1', async () => {
  const clock = new VirtualClock();
  const initial = await buildTestImage(nodeCrypto, 1500, '1.0.0', 5);
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, flashTiming: { clock } });
  const image = await buildTestImage(nodeCrypto, 30000, '2.0.0', 11);
  const timings: number[] = [];
  for (const window of [1, 3]) {
    await device.reset();
    const [central, peripheral] = createBleLinkPair({ clock, mtu: 498, connectionIntervalMs: 7.5, packetsPerInterval: 4 });
    device.server.attachBle(peripheral);
    const client = new SmpClient(new BleSmpTransport(central), { clock });
    const r = await uploadImage(client, image, { window });
    assert.is(r.match, true);
    assert.is(r.window, window);
    timings.push(r.elapsedMs - r.firstChunkMs);
    await client.close();
  }
  assert.equal(toHex(await device.secondary.read(0, image.length)), toHex(image));
  assert.ok(timings[1]! * 2.5 <= timings[0]!, `pipelined ${timings[1]} ms vs window-1 ${timings[0]} ms`);
});

test('BLE: a fragment without a whole header is a typed error and the next request is answered', async () => {
  const clock = new VirtualClock();
  const device = await board();
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 23, connectionIntervalMs: 15, packetsPerInterval: 2 });
  device.server.attachBle(peripheral);
  const client = new SmpClient(new BleSmpTransport(central), { clock });
  await central.write(Uint8Array.of(0x0a, 0x00, 0x00));
  assert.is(await client.echo('after junk'), 'after junk');
  assert.is(device.server.lastError!.code, 'SMP_BAD_FRAME');
  await client.close();
});

test('UDP on loopback: echo, upload, and a garbage datagram does not stop the server', async () => {
  const device = await board(1024);
  const server = await serveSmpUdp(device.server, '127.0.0.1', 0);
  const transport = await UdpSmpTransport.open('127.0.0.1', server.port);
  const client = new SmpClient(transport, { clock: new SimClock() });
  try {
    const junk = createSocket('udp4');
    await new Promise<void>((r) => junk.send(Uint8Array.of(1, 2, 3), server.port, '127.0.0.1', () => r()));
    junk.close();
    assert.is(await client.echo('over udp'), 'over udp');
    const image = await buildTestImage(nodeCrypto, 8000, '3.0.0', 2);
    const r = await uploadImage(client, image);
    assert.is(r.match, true);
    assert.is(r.maxMessageBytes, 1024);
    assert.is(device.server.stats.dropped, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

test.run();

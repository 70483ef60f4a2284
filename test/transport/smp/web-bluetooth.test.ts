import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { SimClock } from '../../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { SmpClient } from '../../../src/transport/smp/client.ts';
import { connectWebBluetoothSmp, type WebBluetooth, type WebBluetoothCharacteristic } from '../../../src/transport/smp/web-bluetooth.ts';
import { SMP_BT_CHARACTERISTIC_UUID, SMP_BT_SERVICE_UUID } from '../../../src/transport/smp/constants.ts';
import type { SmpPacketLink } from '../../../src/transport/smp/transport.ts';
import { uploadImage } from '../../../src/transport/smp/upload.ts';

/** A fake navigator.bluetooth whose one device is the simulated board's GATT SMP service. */
function fakeBluetooth(device: SimSmpDevice, asked: string[], writes: number[]): WebBluetooth {
  let notify: (event: { target: unknown }) => void = () => {};
  let toServer: (packet: Uint8Array) => void = () => {};
  const ch: WebBluetoothCharacteristic & { value: DataView | null } = {
    value: null,
    async writeValueWithoutResponse(v) {
      writes.push(v.length);
      queueMicrotask(() => toServer(Uint8Array.from(v)));
    },
    async startNotifications() {},
    addEventListener(_type, listener) {
      notify = listener;
    },
  };
  const peripheral: SmpPacketLink = {
    mtu: 247,
    async write(packet) {
      ch.value = new DataView(Uint8Array.from(packet).buffer);
      notify({ target: ch });
    },
    onData(listener) {
      toServer = listener;
    },
    async close() {},
  };
  device.server.attachBle(peripheral);
  return {
    async requestDevice(options) {
      asked.push(...options.filters.flatMap((f) => f.services));
      return {
        name: 'nrf52833',
        gatt: {
          async connect() {
            return {
              async getPrimaryService(uuid: string) {
                asked.push(uuid);
                return {
                  async getCharacteristic(c: string) {
                    asked.push(c);
                    return ch;
                  },
                };
              },
            };
          },
          disconnect() {},
        },
      };
    },
  };
}

test('Web Bluetooth: finds the SMP service and characteristic, segments writes at the MTU, uploads', async () => {
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1000, '1.0.0') });
  const asked: string[] = [];
  const writes: number[] = [];
  const transport = await connectWebBluetoothSmp(fakeBluetooth(device, asked, writes));
  assert.equal(asked, [SMP_BT_SERVICE_UUID, SMP_BT_SERVICE_UUID, SMP_BT_CHARACTERISTIC_UUID]);
  const client = new SmpClient(transport, { clock: new SimClock() });
  assert.is(await client.echo('from a browser'), 'from a browser');
  const r = await uploadImage(client, await buildTestImage(nodeCrypto, 3000, '1.1.0'));
  assert.is(r.match, true);
  assert.ok(writes.every((n) => n <= 20), 'segmented at the default MTU 23');
  await client.close();
});

test.run();

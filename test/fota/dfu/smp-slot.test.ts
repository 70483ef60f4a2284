import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { SmpSlotTarget } from '../../../src/fota/dfu/smp-slot.ts';
import { SmpClient } from '../../../src/transport/smp/client.ts';
import { createBleLinkPair } from '../../../src/transport/smp/sim-links.ts';
import { BleSmpTransport } from '../../../src/transport/smp/transport.ts';
import type { FotaError } from '../../../src/hal/errors.ts';
import { slotVersion } from '../../../src/fota/dfu/smp-slot.ts';
import { FotaAgent } from '../../../src/fota/agent/agent.ts';
import { silentLog } from '../../../src/hal/log.ts';
import { mcubootVerifier } from '../../../src/fota/agent/mcuboot-verifier.ts';
import { FakeDownloader, MemorySettings } from '../agent/fakes.ts';

async function setup() {
  const clock = new VirtualClock();
  const initial = await buildTestImage(nodeCrypto, 4000, '1.0.0', 1);
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, flashTiming: { clock } });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 247, connectionIntervalMs: 15, packetsPerInterval: 4 });
  device.server.attachBle(peripheral);
  const client = new SmpClient(new BleSmpTransport(central), { clock });
  return { clock, device, client, slot: new SmpSlotTarget(client, { name: 'nrf52833 over BLE' }) };
}

test('upload → test → reset → confirm on the nRF52833 over BLE', async () => {
  const { slot, device, client } = await setup();
  const image = await buildTestImage(nodeCrypto, 25000, '1.1.0', 2);
  assert.is(await slot.begin(image.length, 'release-1.1.0'), 0);
  for (let o = 0; o < image.length; o += 4096) await slot.write(o, image.subarray(o, Math.min(image.length, o + 4096)));
  assert.is(await slot.flush(), image.length);
  assert.is(slot.lastUpload!.match, true);
  await slot.requestUpgrade('test');
  let s = await slot.state();
  assert.equal(s.map((x) => [x.version, x.active, x.pending, x.confirmed]), [['1.0.0+0', true, false, true], ['1.1.0+0', false, true, false]]);
  await slot.reset();
  s = await slot.state();
  assert.equal(s.map((x) => [x.version, x.active, x.confirmed]), [['1.1.0+0', true, false], ['1.0.0+0', false, true]]);
  await slot.confirm();
  s = await slot.state();
  assert.equal(s.map((x) => [x.version, x.active, x.confirmed]), [['1.1.0+0', true, true], ['1.0.0+0', false, false]]);
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test']);
  await client.close();
});

test('an unconfirmed test image is reverted by the next reset', async () => {
  const { slot, device, client } = await setup();
  const image = await buildTestImage(nodeCrypto, 9000, '1.2.0', 3);
  await slot.begin(image.length, 'r');
  await slot.write(0, image);
  await slot.flush();
  await slot.requestUpgrade('test');
  await slot.reset();
  await slot.reset();
  const s = await slot.state();
  assert.equal(s[0]!.version, '1.0.0+0');
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test', 'revert']);
  await client.close();
});

test('an encrypted image over SMP: the board MCUboot decrypts it on test, a revert leaves it encrypted again', async () => {
  const { createSignedImage } = await import('../../../src/fota/mcuboot/sign.ts');
  const { portableEncryption } = await import('../../../src/hal/portable/crypto-enc.ts');
  const { decryptionKeyFromPem, encryptionKeyFromPem } = await import('../../../src/boards/image-keys.ts');
  const { generateKeyPairSync } = await import('node:crypto');
  const { seededBytes } = await import('../../../src/hal/prng.ts');
  const pem = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const clock = new VirtualClock();
  const device = await SimSmpDevice.create({
    crypto: nodeCrypto,
    initialImage: await buildTestImage(nodeCrypto, 4000, '1.0.0', 1),
    flashTiming: { clock },
    encryption: { crypto: portableEncryption, key: decryptionKeyFromPem(pem) },
  });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 247, connectionIntervalMs: 15, packetsPerInterval: 4 });
  device.server.attachBle(peripheral);
  const client = new SmpClient(new BleSmpTransport(central), { clock });
  const slot = new SmpSlotTarget(client, { name: 'nrf52833 over BLE' });
  const signed = await createSignedImage(seededBytes(9000, 7), {
    crypto: nodeCrypto,
    headerSize: 32,
    padHeader: true,
    version: '1.3.0',
    align: 4,
    encryption: { crypto: portableEncryption, key: encryptionKeyFromPem(pem) },
  });
  const image = signed.bytes;
  await slot.begin(image.length, 'enc');
  await slot.write(0, image);
  assert.is(await slot.flush(), image.length);
  await slot.requestUpgrade('test');
  await slot.reset();
  assert.is((await slot.state())[0]!.version, '1.3.0+0');
  await slot.reset();
  assert.is((await slot.state())[0]!.version, '1.0.0+0');
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test', 'revert']);
  assert.equal(await device.secondary.read(0, image.length), image);
  await client.close();
});

test('begin refuses an image larger than the slot before any write; flush before the end persists nothing', async () => {
  const { slot, client } = await setup();
  try {
    await slot.begin(10_000_000, 'big');
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'DFU_IMAGE_TOO_BIG');
  }
  await slot.begin(5000, 'x');
  await slot.write(0, new Uint8Array(100));
  assert.is(await slot.flush(), 0);
  await client.close();
});

test('the FOTA agent rolls the nRF52833 back when the self-test fails', async () => {
  const { slot, device, client, clock } = await setup();
  const image = await buildTestImage(nodeCrypto, 12000, '1.4.0', 6);
  const agent = new FotaAgent({
    settings: new MemorySettings(),
    clock,
    log: silentLog,
    slot,
    release: { check: async () => ({ kind: 'update' as const, url: 'https://cdn.fotakit.test/nrf52833-1.4.0.bin' }) },
    downloader: new FakeDownloader(image, 4096),
    createVerifier: mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [], allowUnsigned: true }),
    selfTest: async () => false,
  });
  const r = await agent.run();
  assert.is(r.state, 'rolled-back', JSON.stringify(r.reason));
  assert.is(r.running, '1.0.0+0');
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test', 'revert']);
  await client.close();
});

test('the FOTA agent installs an encrypted image over SMP: verified decrypted with the device key, decrypted by the board MCUboot, confirmed', async () => {
  const { portableEncryption } = await import('../../../src/hal/portable/crypto-enc.ts');
  const { decryptionKeyFromPem, encryptionKeyFromPem } = await import('../../../src/boards/image-keys.ts');
  const { signImage } = await import('../../../src/fota/mcuboot/sign.ts');
  const { seededBytes } = await import('../../../src/hal/prng.ts');
  const { generateKeyPairSync } = await import('node:crypto');
  const pem = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const decryption = { crypto: portableEncryption, key: decryptionKeyFromPem(pem) };
  const clock = new VirtualClock();
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 4000, '1.0.0', 1), flashTiming: { clock }, encryption: decryption });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 247, connectionIntervalMs: 15, packetsPerInterval: 4 });
  device.server.attachBle(peripheral);
  const client = new SmpClient(new BleSmpTransport(central), { clock });
  const slot = new SmpSlotTarget(client, { name: 'nrf52833 over BLE' });
  const image = await signImage(seededBytes(12000, 9), {
    crypto: nodeCrypto,
    headerSize: 32,
    padHeader: true,
    version: '1.5.0',
    align: 4,
    encryption: { crypto: portableEncryption, key: encryptionKeyFromPem(pem) },
  });
  const agent = new FotaAgent({
    settings: new MemorySettings(),
    clock,
    log: silentLog,
    slot,
    release: { check: async () => ({ kind: 'update' as const, url: 'https://cdn.fotakit.test/nrf52833-1.5.0.bin' }) },
    downloader: new FakeDownloader(image, 4096),
    createVerifier: mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [], allowUnsigned: true, decryption }),
    selfTest: async () => true,
  });
  const r = await agent.run();
  assert.is(r.state, 'confirmed', JSON.stringify(r.reason));
  assert.is(r.running, '1.5.0+0');
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test']);
  await client.close();
});

test('device version text becomes maj.min.rev+build', () => {
  assert.is(slotVersion('1.2.3'), '1.2.3+0');
  assert.is(slotVersion('1.2.3.4'), '1.2.3+4');
  assert.is(slotVersion('weird'), 'weird');
});

test('the FOTA agent pushes an image to the nRF52833 over SMP: download, verify, test, reset, self-test, confirm', async () => {
  const { slot, device, client, clock } = await setup();
  const image = await buildTestImage(nodeCrypto, 20000, '1.3.0', 5);
  const agent = new FotaAgent({
    settings: new MemorySettings(),
    clock,
    log: silentLog,
    slot,
    release: { check: async () => ({ kind: 'update' as const, url: 'https://cdn.fotakit.test/nrf52833-1.3.0.bin' }) },
    downloader: new FakeDownloader(image, 4096),
    createVerifier: mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [], allowUnsigned: true }),
    selfTest: async () => true,
  });
  const r = await agent.run();
  assert.is(r.state, 'confirmed', JSON.stringify(r.reason));
  assert.is(r.running, '1.3.0+0');
  assert.equal(device.boots.map((b) => b.swap), ['none', 'test']);
  const s = await slot.state();
  assert.equal([s[0]!.version, s[0]!.confirmed], ['1.3.0+0', true]);
  await client.close();
});

test.run();

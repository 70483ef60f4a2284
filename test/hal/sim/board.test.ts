import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex, utf8Encode } from '../../../src/hal/bytes.ts';
import { hash } from '../../../src/hal/crypto.ts';
import type { FotaError } from '../../../src/hal/errors.ts';
import { FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../../src/hal/flash.ts';
import type { Modem } from '../../../src/hal/net.ts';
import { createSimBoard } from '../../../src/hal/sim/board.ts';
import { NRF52833_PROFILE, NRF9160_PROFILE } from '../../../src/hal/sim/profiles.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as FotaError).code;
  }
  return 'no error';
}

function fakeModem(): Modem & { closed: number } {
  return {
    closed: 0,
    credentials: { list: async () => [], write: async () => undefined, delete: async () => undefined },
    connect: async () => {
      throw new Error('not used');
    },
    async closeAll() {
      this.closed++;
    },
  } as Modem & { closed: number };
}

test('an nRF9160 board bundles its HAL parts over the profile flash map', async () => {
  const net = fakeModem();
  const b = await createSimBoard({ board: 'nrf9160', net });
  assert.is(b.name, 'nrf9160');
  assert.is(b.profile, NRF9160_PROFILE);
  assert.is(b.net, net);
  assert.equal(b.flash.labels(), NRF9160_PROFILE.partitions.map((p) => p.label));
  assert.is(b.system.resetReason(), 'power-on');
  assert.is(toHex(hash(b.crypto, 'sha256', utf8Encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  await b.settings.set('fota/state', utf8Encode('idle'));
  assert.equal(await b.settings.get('fota/state'), utf8Encode('idle'));
});

test('an nRF52833 board has no modem, and refuses one', async () => {
  const b = await createSimBoard({ board: 'nrf52833' });
  assert.is(b.net, undefined);
  assert.is(b.flash.open(FLASH_AREA_SECONDARY).size, NRF52833_PROFILE.partitions[2]!.size);
  assert.is(await code(createSimBoard({ board: 'nrf52833', net: fakeModem() })), 'SIM_NO_MODEM');
  assert.is(await code(createSimBoard({ board: 'esp32' as never })), 'FLASH_NO_BOARD');
});

test('run reports done, reset and power cut', async () => {
  const b = await createSimBoard({ board: 'nrf52833' });
  assert.equal(await b.run(async () => 42), { kind: 'done', value: 42 });
  assert.equal(await b.run(async (board) => board.system.reboot('fota')), { kind: 'reset', reason: 'fota' });
  assert.is(await b.boot(), 'fota');
  b.flash.cutAtOperation(b.flash.operationCount + 1);
  const out = await b.run(async (board) => {
    await board.settings.set('k', utf8Encode('new'));
  });
  assert.equal(out, { kind: 'power-cut', operationIndex: b.flash.operationCount - 1 });
});

test('run counts a cut the device code swallowed as a power cut', async () => {
  const b = await createSimBoard({ board: 'nrf52833' });
  b.flash.cutAtOperation(b.flash.operationCount);
  const out = await b.run(async (board) => {
    await board.settings.set('k', utf8Encode('v')).catch(() => undefined);
    return 'pretended fine';
  });
  assert.is(out.kind, 'power-cut');
});

test('boot after a cut: reset reason power-cut, settings remounted with old or new value', async () => {
  const b = await createSimBoard({ board: 'nrf9160', seed: 9 });
  await b.settings.set('k', utf8Encode('old'));
  b.flash.cutAtOperation(b.flash.operationCount + 1);
  assert.is((await b.run((board) => board.settings.set('k', utf8Encode('new')))).kind, 'power-cut');
  assert.is(await code(b.settings.get('k')), 'POWER_CUT');
  assert.is(await b.boot(), 'power-cut');
  const v = await b.settings.get('k');
  assert.ok(toHex(v!) === toHex(utf8Encode('old')) || toHex(v!) === toHex(utf8Encode('new')));
  await b.settings.set('k', utf8Encode('after'));
  assert.equal(await b.settings.get('k'), utf8Encode('after'));
});

test('powerCut between operations stops flash access and resets the modem on boot', async () => {
  const net = fakeModem();
  const b = await createSimBoard({ board: 'nrf9160', net });
  const ops = b.flash.operationCount;
  await b.powerCut();
  assert.is(net.closed, 1);
  assert.is(await code(b.flash.open(FLASH_AREA_STORAGE).read(0, 4)), 'POWER_CUT');
  assert.is(b.flash.operationCount, ops);
  assert.is(await b.boot(), 'power-cut');
  assert.is(net.closed, 2);
  assert.is(b.system.bootCount, 2);
});

test('with a state directory the board survives a process restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-board-'));
  try {
    const b1 = await createSimBoard({ board: 'nrf9160', statePath: dir });
    await b1.settings.set('fota/state', utf8Encode('staged'));
    await b1.flash.open(FLASH_AREA_SECONDARY).write(0, Uint8Array.of(0x3d, 0xb8, 0xf3, 0x96));
    assert.equal((await b1.run((board) => board.system.reboot('fota'))).kind, 'reset');
    assert.equal(readdirSync(dir).sort(), ['nrf9160.flash.bin', 'nrf9160.system.json']);
    const b2 = await createSimBoard({ board: 'nrf9160', statePath: dir });
    assert.is(b2.system.pendingReset, 'fota');
    assert.is(await b2.boot(), 'fota');
    assert.equal(await b2.settings.get('fota/state'), utf8Encode('staged'));
    assert.equal(await b2.flash.open(FLASH_AREA_SECONDARY).read(0, 4), Uint8Array.of(0x3d, 0xb8, 0xf3, 0x96));
    const b3 = await createSimBoard({ board: 'nrf9160', statePath: dir });
    assert.is(b3.system.resetReason(), 'fota');
    assert.is(b3.system.bootCount, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

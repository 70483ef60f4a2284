import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDevice } from '../../src/fota/device-runner.ts';
import { FotaError, PowerCutError } from '../../src/hal/errors.ts';
import { BoardResetSignal } from '../../src/hal/system.ts';

test('a software reset and a power cut each start the board over, MCUboot first', async () => {
  const log: string[] = [];
  let runs = 0;
  let powered = 0;
  const r = await runDevice({
    boot: async () => (log.push('boot'), { booted: true, version: '1.0.0' }),
    app: async () => {
      runs++;
      log.push('app');
      if (runs === 1) throw new BoardResetSignal('fota');
      if (runs === 2) throw new PowerCutError(7, 'flash.write');
      return 'done';
    },
    powerOn: () => powered++,
    maxBoots: 5,
    onBoot: (reason) => log.push(reason),
  });
  assert.equal(r, { result: 'done', boots: 3, powerCuts: 1 });
  assert.equal(log, ['boot', 'power-on', 'app', 'boot', 'fota', 'app', 'boot', 'power-cut', 'app']);
  assert.is(powered, 1);
});

test('no valid image is BOOT_NO_VALID_IMAGE', async () => {
  try {
    await runDevice({ boot: async () => ({ booted: false, code: 'BOOT_NO_VALID_IMAGE' }), app: async () => 1, powerOn: () => {}, maxBoots: 3 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'BOOT_NO_VALID_IMAGE');
  }
});

test('a reset loop ends with DEVICE_RESET_LOOP', async () => {
  try {
    await runDevice({ boot: async () => ({ booted: true }), app: async () => { throw new BoardResetSignal('software'); }, powerOn: () => {}, maxBoots: 4 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'DEVICE_RESET_LOOP');
  }
});

test.run();

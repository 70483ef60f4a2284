import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FotaError } from '../../../src/hal/errors.ts';
import { SimSystem } from '../../../src/hal/sim/system.ts';
import type { SimSystemState } from '../../../src/hal/sim/system.ts';
import { BoardResetSignal } from '../../../src/hal/system.ts';

test('a new board reports power-on', () => {
  const s = new SimSystem();
  assert.is(s.resetReason(), 'power-on');
  assert.is(s.bootCount, 1);
});

test('reboot rejects with BoardResetSignal and records the reason; boot takes it', async () => {
  const s = new SimSystem();
  try {
    await s.reboot('fota');
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof BoardResetSignal);
    assert.is((e as BoardResetSignal).reason, 'fota');
  }
  assert.is(s.pendingReset, 'fota');
  assert.equal(s.reboots, ['fota']);
  assert.is(s.boot(), 'fota');
  assert.is(s.resetReason(), 'fota');
  assert.is(s.pendingReset, undefined);
  assert.is(s.bootCount, 2);
});

test('boot with an explicit reason wins over the pending one; none pending means power-on', async () => {
  const s = new SimSystem();
  await s.reboot('software').catch(() => undefined);
  assert.is(s.boot('power-cut'), 'power-cut');
  assert.is(s.boot(), 'power-on');
});

test('an unknown reset reason is SYSTEM_BAD_RESET_REASON', async () => {
  const s = new SimSystem();
  try {
    await s.reboot('nap' as never);
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'SYSTEM_BAD_RESET_REASON');
  }
});

test('state is reported on each change and restored by a new SimSystem', async () => {
  const seen: SimSystemState[] = [];
  const s = new SimSystem({ onChange: (st) => seen.push(st) });
  await s.reboot('fota').catch(() => undefined);
  assert.equal(seen, [{ resetReason: 'power-on', pendingReset: 'fota', bootCount: 1 }]);
  const again = new SimSystem({ state: seen[0]! });
  assert.is(again.pendingReset, 'fota');
  assert.is(again.boot(), 'fota');
  assert.is(again.bootCount, 2);
});

test.run();

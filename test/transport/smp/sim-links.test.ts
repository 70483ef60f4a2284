import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { createBleLinkPair, createUartPair } from '../../../src/transport/smp/sim-links.ts';
import type { SmpError } from '../../../src/transport/smp/errors.ts';

test('virtual clock: sleepers wake in deadline order, time jumps only when idle', async () => {
  const clock = new VirtualClock();
  const woke: Array<[string, number]> = [];
  await Promise.all([
    clock.sleep(30).then(() => woke.push(['b', clock.now()])),
    clock.sleep(10).then(() => woke.push(['a', clock.now()])),
    clock.sleep(30).then(() => woke.push(['c', clock.now()])),
  ]);
  assert.equal(woke, [['a', 10], ['b', 30], ['c', 30]]);
  assert.is(clock.pending(), 0);
});

test('UART: bytes arrive after their transmission time at the baud rate, back to back', async () => {
  const clock = new VirtualClock();
  const [a, b] = createUartPair({ clock, baud: 115200 });
  const arrivals: Array<[number, number]> = [];
  b.onData((bytes) => arrivals.push([bytes.length, clock.now()]));
  await Promise.all([a.write(new Uint8Array(1152)), a.write(new Uint8Array(576))]);
  assert.equal(arrivals, [[1152, 100], [576, 150]]);
  assert.is(a.bytesSent, 1728);
});

test('BLE: packets leave at connection events, at most N per event, and over-MTU writes are refused', async () => {
  const clock = new VirtualClock();
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 23, connectionIntervalMs: 15, packetsPerInterval: 2 });
  const arrivals: number[] = [];
  peripheral.onData(() => arrivals.push(clock.now()));
  for (let i = 0; i < 5; i++) await central.write(new Uint8Array(20));
  await clock.sleep(100);
  assert.equal(arrivals, [15, 15, 30, 30, 45]);
  try {
    await central.write(new Uint8Array(21));
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_MSGSIZE');
  }
});

test('a closed link refuses writes with SMP_CLOSED', async () => {
  const [a] = createUartPair();
  await a.close();
  try {
    await a.write(Uint8Array.of(1));
    assert.unreachable();
  } catch (e) {
    assert.is((e as SmpError).code, 'SMP_CLOSED');
  }
});

test.run();

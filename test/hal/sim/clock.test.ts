import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FotaError } from '../../../src/hal/errors.ts';
import { SimClock, VirtualClock } from '../../../src/hal/sim/clock.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as FotaError).code;
  }
  return 'no error';
}

test('SimClock counts from startMs at the pace of its base time; a timer cancelled does not fire', async () => {
  const base = new VirtualClock();
  const c = new SimClock({ startMs: 1000, base });
  assert.is(c.now(), 1000);
  await c.sleep(20);
  assert.is(c.now(), 1020);
  assert.is(base.now(), 20);
  const fired: number[] = [];
  const cancel = c.timer(50, () => fired.push(-1));
  c.timer(30, () => fired.push(c.now()));
  cancel();
  await base.sleep(100);
  assert.equal(fired, [1050]);
  assert.is(base.pending(), 0);
});

test('SimClock with speed 100 sleeps 1 s of board time in 10 ms of its base time', async () => {
  const base = new VirtualClock();
  const c = new SimClock({ speed: 100, base });
  await c.sleep(1000);
  assert.is(c.now(), 1000);
  assert.is(base.now(), 10);
  let at = -1;
  c.timer(500, () => (at = base.now()));
  await base.sleep(100);
  assert.is(at, 15, 'a 500 ms timer fires 5 ms of base time later');
});

// The one real-time test: SimClock's default base is the host's performance.now and setTimeout, and only
// a real run can show that wiring works. The bound is a lower one (a timer never fires much early), with
// 5 ms of slack for timer rounding; nothing bounds it from above, as a loaded machine may run late.
test('SimClock on real time: a sleep really waits and now() moves with it', async () => {
  const c = new SimClock();
  const t0 = c.now();
  await c.sleep(20);
  const dt = c.now() - t0;
  assert.ok(dt >= 15, `slept ${dt} ms`);
});

test('SimClock rejects a non-finite duration and a bad speed; a negative sleep does not wait', async () => {
  const c = new SimClock();
  assert.is(await code(c.sleep(Number.NaN)), 'CLOCK_BAD_DURATION');
  await c.sleep(-5);
  try {
    new SimClock({ speed: 0 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'CLOCK_BAD_SPEED');
  }
});

test('VirtualClock stepped by hand wakes sleepers in deadline order as time is advanced', async () => {
  const c = new VirtualClock({ autoAdvance: false });
  const woke: string[] = [];
  void c.sleep(300).then(() => woke.push(`b@${c.now()}`));
  void c.sleep(100).then(() => woke.push(`a@${c.now()}`));
  await c.advance(50);
  assert.equal(woke, []);
  assert.is(c.now(), 50);
  await c.advance(1000);
  assert.equal(woke, ['a@100', 'b@300']);
  assert.is(c.now(), 1050);
  assert.is(c.pending(), 0);
});

test('VirtualClock stepped by hand lets a woken task sleep again within the same advance', async () => {
  const c = new VirtualClock({ autoAdvance: false });
  const ticks: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await c.sleep(10);
      ticks.push(c.now());
    }
  })();
  await c.advance(100);
  await loop;
  assert.equal(ticks, [10, 20, 30]);
});

test('VirtualClock jumps to the earliest sleeper when idle: exact virtual times, no waiting', async () => {
  const c = new VirtualClock({ startMs: 1000 });
  const woke: string[] = [];
  const a = c.sleep(250).then(() => woke.push(`a@${c.now()}`));
  const b = c.sleep(60_000).then(() => woke.push(`b@${c.now()}`));
  await Promise.all([a, b]);
  assert.equal(woke, ['a@1250', 'b@61000']);
  assert.is(c.pending(), 0);
});

test('VirtualClock: time stands still while work is runnable; a zero sleep yields and wakes at the same time', async () => {
  const c = new VirtualClock();
  const order: string[] = [];
  const z = c.sleep(0).then(() => order.push(`zero@${c.now()}`));
  await Promise.resolve();
  order.push(`sync@${c.now()}`);
  await z;
  assert.equal(order, ['sync@0', 'zero@0']);
});

test('VirtualClock refuses NaN and Infinity (CLOCK_BAD_DURATION) instead of taking them for 0', async () => {
  for (const auto of [true, false]) {
    const c = new VirtualClock({ autoAdvance: auto });
    assert.is(await code(c.sleep(Number.NaN)), 'CLOCK_BAD_DURATION');
    assert.is(await code(c.sleep(Infinity)), 'CLOCK_BAD_DURATION');
    assert.is(await code(c.advance(Number.NaN)), 'CLOCK_BAD_DURATION');
    assert.is(c.pending(), 0);
  }
  const c = new VirtualClock();
  await c.sleep(-5);
  assert.is(c.now(), 0, 'a negative sleep does not move time');
});

test.run();

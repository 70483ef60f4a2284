import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LINK_LTE_M, LINK_NB_IOT, LINK_NONE, LINK_SEGMENT_BYTES, ShapedPipe, resolveLink } from '../../../src/hal/sim/link.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';

test('profiles: lte-m 300 kbit/s 100 ms, nb-iot 25 kbit/s 400 ms, none', () => {
  assert.is(resolveLink('lte-m'), LINK_LTE_M);
  assert.equal([LINK_LTE_M.downlinkBitsPerS, LINK_LTE_M.oneWayLatencyMs], [300_000, 100]);
  assert.equal([LINK_NB_IOT.downlinkBitsPerS, LINK_NB_IOT.oneWayLatencyMs], [25_000, 400]);
  assert.is(resolveLink(undefined), LINK_NONE);
});

test('bad link options are refused', () => {
  assert.throws(() => resolveLink('5g' as 'none'), /link: unknown profile/);
  assert.throws(() => resolveLink({ ...LINK_NONE, oneWayLatencyMs: -1 }), /link: oneWayLatencyMs/);
  assert.throws(() => resolveLink({ ...LINK_NONE, downlinkBitsPerS: 0 }), /link: a bandwidth of 0/);
});

test('a transparent pipe delivers synchronously, in order', () => {
  const got: (number | null)[] = [];
  const p = new ShapedPipe(0, Infinity, (b) => got.push(b ? b[0]! : null));
  p.push(Uint8Array.of(1));
  p.push(Uint8Array.of(2));
  p.push(null);
  assert.equal(got, [1, 2, null]);
});

test('a shaped pipe keeps order and delivers after latency + serialisation, on the Clock', async () => {
  const clock = new VirtualClock();
  const got: { v: number; at: number }[] = [];
  // 1000 bytes at 400 kbit/s = 20 ms each, plus 10 ms latency.
  const p = new ShapedPipe(10, 400_000, (b) => got.push({ v: b![0]!, at: clock.now() }), clock);
  p.push(new Uint8Array(1000).fill(1));
  p.push(new Uint8Array(1000).fill(2));
  await clock.sleep(1000);
  assert.equal(got, [
    { v: 1, at: 30 },
    { v: 2, at: 50 },
  ]);
  p.close();
});

test('a large push is cut into LINK_SEGMENT_BYTES segments that arrive progressively', async () => {
  const clock = new VirtualClock();
  const got: { n: number; at: number }[] = [];
  // 25 kbit/s (NB-IoT downlink): a 1460-byte segment takes 467.2 ms; 400 ms one way.
  const p = new ShapedPipe(LINK_NB_IOT.oneWayLatencyMs, LINK_NB_IOT.downlinkBitsPerS, (b) => got.push({ n: b!.length, at: clock.now() }), clock);
  p.push(new Uint8Array(2 * LINK_SEGMENT_BYTES + 80));
  await clock.sleep(5000);
  const seg = (LINK_SEGMENT_BYTES * 8 * 1000) / LINK_NB_IOT.downlinkBitsPerS;
  assert.equal(
    got.map((g) => g.n),
    [LINK_SEGMENT_BYTES, LINK_SEGMENT_BYTES, 80],
  );
  assert.is(got[0]!.at, seg + 400);
  assert.is(got[1]!.at, 2 * seg + 400);
  assert.is(got[2]!.at, 2 * seg + (80 * 8 * 1000) / LINK_NB_IOT.downlinkBitsPerS + 400);
});

test('a stall holds bytes until it ends; a stall for good holds them; close drops what is queued', async () => {
  const clock = new VirtualClock();
  const got: { v: number; at: number }[] = [];
  const p = new ShapedPipe(0, Infinity, (b) => got.push({ v: b![0]!, at: clock.now() }), clock);
  p.stall(300);
  p.push(Uint8Array.of(7));
  await clock.sleep(1000);
  assert.equal(got, [{ v: 7, at: 300 }]);
  p.stall(Infinity);
  p.push(Uint8Array.of(9));
  await clock.sleep(60_000);
  assert.equal(got.length, 1);
  p.close();
  assert.is(clock.pending(), 0, 'nothing sleeps for a stall for good');
});

test('close while a delivery is due: nothing more is delivered', async () => {
  const clock = new VirtualClock();
  const got: number[] = [];
  const p = new ShapedPipe(100, Infinity, (b) => got.push(b![0]!), clock);
  p.push(Uint8Array.of(1));
  p.close();
  await clock.sleep(1000);
  assert.equal(got, []);
});

test.run();

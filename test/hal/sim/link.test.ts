import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LINK_LTE_M, LINK_NB_IOT, LINK_NONE, ShapedPipe, resolveLink } from '../../../src/hal/sim/link.ts';

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

test('a shaped pipe keeps order and delivers after latency + serialisation', async () => {
  const got: { v: number; at: number }[] = [];
  const t0 = Date.now();
  // 1000 bytes at 400 kbit/s = 20 ms each, plus 10 ms latency.
  const p = new ShapedPipe(10, 400_000, (b) => got.push({ v: b![0]!, at: Date.now() - t0 }));
  p.push(new Uint8Array(1000).fill(1));
  p.push(new Uint8Array(1000).fill(2));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(got.map((g) => g.v), [1, 2]);
  assert.ok(got[0]!.at >= 30 - 2, `first at ${got[0]!.at}`);
  assert.ok(got[1]!.at >= 50 - 2, `second at ${got[1]!.at}`);
  p.close();
});

test('a stall holds bytes; close drops what is queued', async () => {
  const got: number[] = [];
  const p = new ShapedPipe(0, Infinity, (b) => got.push(b![0]!));
  p.stall(Infinity);
  p.push(Uint8Array.of(9));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(got, []);
  p.close();
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import { PortError } from '../../../src/hal/port.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

test('bytes written on one side arrive on the other, later and as a copy', async () => {
  const { a, b } = createMemoryPortPair();
  const got: number[] = [];
  b.onData((bytes) => got.push(...bytes));
  const data = Uint8Array.from([1, 2, 3]);
  const written = a.write(data);
  data[0] = 9;
  assert.equal(got, []); // never delivered inside the writer's call
  await written;
  await tick();
  assert.equal(got, [1, 2, 3]);
});

test('bytes that arrive before a receiver is set are kept for it', async () => {
  const { a, b } = createMemoryPortPair();
  await b.write(Uint8Array.from([7]));
  await tick();
  const got: number[] = [];
  a.onData((bytes) => got.push(...bytes));
  assert.equal(got, [7]);
});

test('the rewrite hooks split, garble or drop what crosses', async () => {
  const { a, b } = createMemoryPortPair({ aToB: (bytes) => [bytes.subarray(0, 1), bytes.subarray(1)], bToA: () => [] });
  const atB: number[][] = [];
  const atA: number[][] = [];
  b.onData((bytes) => atB.push([...bytes]));
  a.onData((bytes) => atA.push([...bytes]));
  await a.write(Uint8Array.from([1, 2, 3]));
  await b.write(Uint8Array.from([4]));
  await tick();
  assert.equal(atB, [[1], [2, 3]]);
  assert.equal(atA, []);
});

test('closing one side closes both, tells the listeners, and a later write is PORT_CLOSED', async () => {
  const { a, b } = createMemoryPortPair();
  const closed: string[] = [];
  a.onClose(() => closed.push('a'));
  b.onClose(() => closed.push('b'));
  await a.close();
  assert.equal(closed, ['a', 'b']);
  try {
    await b.write(Uint8Array.from([1]));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PortError);
    assert.is((e as PortError).code, 'PORT_CLOSED');
  }
});

test.run();

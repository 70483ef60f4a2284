import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortReceiver } from '../../src/hal/port.ts';

test('queues bytes until a data listener is set, then hands them over in order', () => {
  const rx = new PortReceiver();
  rx.deliver(Uint8Array.of(1));
  rx.deliver(Uint8Array.of(2, 3));
  const got: number[][] = [];
  rx.onData((b) => got.push([...b]));
  rx.deliver(Uint8Array.of(4));
  assert.equal(got, [[1], [2, 3], [4]]);
});

test('tells the close listener once, with the error, and drops bytes after', () => {
  const rx = new PortReceiver();
  const closes: (string | undefined)[] = [];
  const got: number[] = [];
  rx.onData((b) => got.push(...b));
  rx.onClose((e) => closes.push(e?.message));
  assert.is(rx.end(new Error('unplugged')), true);
  assert.is(rx.end(), false);
  rx.deliver(Uint8Array.of(9));
  assert.equal(closes, ['unplugged']);
  assert.equal(got, []);
  assert.is(rx.closed, true);
});

test.run();

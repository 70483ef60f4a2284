/** The boundary's frame codec (src/engine/wire.ts): JSON with byte arrays as blobs beside it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeWire, encodeWire, WIRE_MAX_FRAME_BYTES } from '../../src/engine/wire.ts';
import { FotaError } from '../../src/hal/errors.ts';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof FotaError ? e.code : 'not a FotaError';
  }
  return undefined;
}

test('round-trips JSON values with byte arrays nested anywhere', () => {
  const value = { t: 'call', op: 'flash.write', args: ['slot1_partition', 4096, new Uint8Array([1, 2, 3])], nested: [{ b: new Uint8Array(0) }, null, true, 'é✓'] };
  const back = decodeWire(encodeWire(value)) as typeof value;
  assert.equal(back.op, 'flash.write');
  assert.equal(back.args[2], new Uint8Array([1, 2, 3]));
  assert.ok(back.args[2] instanceof Uint8Array);
  assert.equal((back.nested[0] as { b: Uint8Array }).b, new Uint8Array(0));
  assert.equal(back.nested.slice(1), [null, true, 'é✓']);
});

test('keeps bytes as bytes: the frame is JSON plus raw blobs, not hex', () => {
  const blob = new Uint8Array(4096).fill(0xab);
  const frame = encodeWire({ ok: blob });
  assert.ok(frame.length < blob.length + 64, `frame ${frame.length} bytes`);
});

test('rejects frames that do not parse, with ENGINE_WIRE', () => {
  assert.is(code(() => decodeWire(new Uint8Array(2))), 'ENGINE_WIRE');
  assert.is(code(() => decodeWire(new Uint8Array([200, 0, 0, 0, 0x7b]))), 'ENGINE_WIRE');
  const good = encodeWire({ ok: new Uint8Array([9, 9]) });
  assert.is(code(() => decodeWire(good.subarray(0, good.length - 1))), 'ENGINE_WIRE');
  assert.is(code(() => encodeWire({ ok: new Uint8Array(WIRE_MAX_FRAME_BYTES) })), 'ENGINE_WIRE');
});

test.run();

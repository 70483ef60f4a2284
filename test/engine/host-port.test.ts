/** The device side's door to its host (src/engine/device/host-port.ts): errors keep class and code, halt stops the guest, completions resolve. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineHaltSignal, HostPort, errorFromWire, errorToWire } from '../../src/engine/device/host-port.ts';
import { decodeWire, encodeWire, type WireValue } from '../../src/engine/wire.ts';
import { FotaError, NetError, TlsError } from '../../src/hal/errors.ts';

test('a host error crosses as the same class with the same code and context', () => {
  const back = errorFromWire(errorToWire(new TlsError('CERT_UNKNOWN_CA', 'tls: unknown CA', { secTag: 1002 })));
  assert.ok(back instanceof TlsError && back instanceof NetError);
  assert.is(back.code, 'CERT_UNKNOWN_CA');
  assert.is(back.message, 'tls: unknown CA');
  assert.equal(back.context, { secTag: 1002 });
});

test('an error that is not a FotaError crosses as ENGINE_UNCAUGHT', () => {
  const back = errorFromWire(errorToWire(new TypeError('x is not a function')));
  assert.ok(back instanceof FotaError);
  assert.is(back.code, 'ENGINE_UNCAUGHT');
});

test('start resolves when the host delivers the completion, and rejects with the delivered error', async () => {
  let next = 1;
  const port = new HostPort(() => encodeWire({ id: next++ }));
  const a = port.start('flash.read', 'slot1_partition', 0, 4);
  const b = port.start('socket.recv', 7, 2048, null);
  port.deliver(encodeWire({ t: 'settle', id: 1, ok: new Uint8Array([1, 2, 3, 4]) }));
  port.deliver(encodeWire({ t: 'settle', id: 2, err: errorToWire(new NetError('EMSGSIZE', 'socket.recv: record over the limit')) as unknown as WireValue }));
  assert.equal(await a, new Uint8Array([1, 2, 3, 4]));
  const e = await b.then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof NetError);
  assert.is((e as NetError).code, 'EMSGSIZE');
});

test('halt stops the guest: the call throws EngineHaltSignal and nothing else reaches the host', () => {
  let sent = 0;
  const port = new HostPort((frame) => {
    sent++;
    assert.is((decodeWire(frame) as { op: string }).op, 'system.reboot');
    return encodeWire({ halt: true });
  });
  assert.throws(() => port.call('system.reboot', 'fota'), (e: unknown) => e instanceof EngineHaltSignal);
  assert.throws(() => port.call('clock.now'), (e: unknown) => e instanceof EngineHaltSignal);
  assert.is(sent, 1);
});

test.run();

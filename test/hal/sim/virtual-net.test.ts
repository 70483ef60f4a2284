/**
 * The pieces of a run in virtual time: the VirtualClock's cancellable timer and its idle turns, the
 * in-memory duplex pair, and the simulated modem reaching a peer in memory with its timeouts and its
 * link on the virtual clock. Times asserted are virtual.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Duplex } from 'node:stream';
import { utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';
import { isFotaError } from '../../../src/hal/errors.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { createDuplexPair } from '../../../src/hal/sim/duplex-pair.ts';
import { createSimModem } from '../../../src/hal/sim/modem.ts';
import { rejectionOf } from '../../support/rejection.ts';

test('VirtualClock.timer fires at its deadline; a cancelled one is forgotten and moves no time', async () => {
  const c = new VirtualClock();
  const fired: number[] = [];
  const cancel = c.timer(5000, () => fired.push(-1));
  c.timer(200, () => fired.push(c.now()));
  cancel();
  await c.sleep(300);
  assert.equal(fired, [200]);
  assert.is(c.now(), 300);
  assert.is(c.pending(), 0);
});

test('VirtualClock with idleTurns waits for work hopping across event-loop turns before it jumps', async () => {
  for (const [turns, finishedFirst] of [[1, false], [4, true]] as const) {
    const c = new VirtualClock({ idleTurns: turns });
    let done = false;
    // Work that takes three turns of the event loop, as TLS over JavaScript streams does.
    setImmediate(() => setImmediate(() => setImmediate(() => (done = true))));
    await c.sleep(1000);
    assert.is(done, finishedFirst, `idleTurns ${turns}`);
    assert.is(c.now(), 1000);
  }
  assert.throws(() => new VirtualClock({ idleTurns: 0 }), /idleTurns/);
});

test('a duplex pair: bytes in order, end is a FIN, destroying one end ends the other', async () => {
  let activity = 0;
  const [a, b] = createDuplexPair(() => activity++);
  const got: string[] = [];
  b.on('data', (d: Buffer) => got.push(d.toString()));
  const ended = new Promise<void>((r) => b.once('end', () => r()));
  a.write('one ');
  a.write('two');
  a.end();
  await ended;
  assert.is(got.join(''), 'one two');
  assert.ok(activity > 0);

  const [c, d] = createDuplexPair();
  d.resume();
  const dEnded = new Promise<void>((r) => d.once('end', () => r()));
  c.destroy();
  await dEnded;
});

/** A modem on a virtual clock whose only peer is an in-memory echo at 10.0.0.1:7. */
function echoModem(clock: VirtualClock, o: { echo?: boolean; link?: 'none' | 'nb-iot' } = {}) {
  const peers: Duplex[] = [];
  const modem = createSimModem({
    hosts: { 'echo.test': '10.0.0.1' },
    clock,
    link: o.link ?? 'none',
    dial: (address, port) => {
      if (address !== '10.0.0.1' || port !== 7) return undefined;
      const [device, peer] = createDuplexPair(() => clock.touch());
      if (o.echo !== false) peer.on('data', (d: Buffer) => peer.write(d));
      peers.push(peer);
      return device;
    },
  });
  return { modem, peers };
}

test('the modem over an in-memory connect: an echo on nb-iot takes its link time in virtual time', async () => {
  const clock = new VirtualClock({ idleTurns: 3 });
  const { modem } = echoModem(clock, { link: 'nb-iot' });
  const s = await modem.connect({ host: 'echo.test', port: 7 });
  // TCP connect: one round trip of 2 × 400 ms.
  assert.is(clock.now(), 800);
  await s.send(utf8Encode('ping'));
  assert.is(utf8Decode(await s.recv(64)), 'ping');
  // 4 bytes up at 20 kbit/s (1.6 ms) + 400 ms, 4 bytes down at 25 kbit/s (1.28 ms) + 400 ms.
  assert.ok(Math.abs(clock.now() - 800 - (800 + 1.6 + 1.28)) < 1e-6, `echo at ${clock.now()}`);
  await s.close();
  await modem.closeAll();
});

test('the modem\'s recv timeout runs on the virtual clock; nothing listening is ECONNREFUSED', async () => {
  const clock = new VirtualClock({ idleTurns: 3 });
  const { modem } = echoModem(clock, { echo: false });
  const s = await modem.connect({ host: 'echo.test', port: 7 });
  const t0 = clock.now();
  const e = await rejectionOf(s.recv(64, 30_000));
  assert.ok(isFotaError(e, 'ETIMEDOUT'), String(e));
  assert.is(clock.now() - t0, 30_000);
  await s.close();
  const refused = await rejectionOf(modem.connect({ host: 'echo.test', port: 8 }));
  assert.ok(isFotaError(refused, 'ECONNREFUSED'), String(refused));
  await modem.closeAll();
});

test.run();

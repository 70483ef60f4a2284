/**
 * SMP over a serial line under noise, truncation and wrong replies, both ways: the client sees only
 * typed SmpErrors (never a hang, never an untyped throw), the board keeps serving, and once the line
 * is clean again requests succeed.
 */
import { mulberry32, unitInterval } from '../../src/hal/prng.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryPortPair } from '../../src/hal/portable/memory-port.ts';
import { VirtualClock } from '../../src/hal/sim/clock.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from '../../src/boards/smp-device.ts';
import { SmpClient } from '../../src/transport/smp/client.ts';
import { SmpError } from '../../src/transport/smp/errors.ts';
import { SerialSmpTransport } from '../../src/transport/smp/transport.ts';

const ROUNDS = 30;
const REQUEST_TIMEOUT_MS = 60;

function rng(seed: number): () => number {
  return unitInterval(mulberry32(seed));
}

/** Corrupts a chunk crossing the line: truncation, flipped bytes, noise lines, or a wrong frame. */
function garble(r: () => number, bytes: Uint8Array): Uint8Array[] {
  const kind = Math.floor(r() * 6);
  if (kind === 0) return [bytes.subarray(0, Math.floor(r() * bytes.length))];
  if (kind === 1) {
    const copy = Uint8Array.from(bytes);
    copy[Math.floor(r() * copy.length)] ^= 1 << Math.floor(r() * 8);
    return [copy];
  }
  const noise = new Uint8Array(1 + Math.floor(r() * 60)).map(() => Math.floor(r() * 256));
  if (kind === 2) return [noise, bytes];
  if (kind === 3) return [Uint8Array.from([0x06, 0x09, ...noise.map((b) => 0x41 + (b % 26)), 0x0a]), bytes]; // a frame start with junk base64
  if (kind === 4) return [];
  return [bytes];
}

test('a garbled line both ways gives typed SmpErrors only, and requests succeed once it is clean', async () => {
  const r = rng(3);
  let noisy = true;
  const { a, b } = createMemoryPortPair({
    aToB: (bytes) => (noisy ? garble(r, bytes) : [bytes]),
    bToA: (bytes) => (noisy ? garble(r, bytes) : [bytes]),
  });
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1024, '1.0.0') });
  device.server.attachSerial(b);
  // Virtual time: a timeout costs nothing and fires exactly when no answer can come any more.
  const clock = new VirtualClock();
  const client = new SmpClient(new SerialSmpTransport(a), { clock, timeoutMs: REQUEST_TIMEOUT_MS });
  const codes = new Map<string, number>();
  let ok = 0;
  for (let k = 0; k < ROUNDS; k++) {
    try {
      const text = `ping ${k}`;
      assert.is(await client.echo(text), text);
      ok++;
    } catch (e) {
      assert.instance(e, SmpError, String(e));
      codes.set((e as SmpError).code, (codes.get((e as SmpError).code) ?? 0) + 1);
    }
  }
  assert.ok(codes.has('SMP_TIMEOUT'), `codes: ${[...codes.keys()]}`);
  assert.ok(ok > 0, 'some requests got through the noise');
  noisy = false;
  await clock.sleep(REQUEST_TIMEOUT_MS);
  // A frame cut short by the noise may still sit in the board's line buffer: the first clean request
  // can be lost with it (a typed timeout); from the next frame start on, the line is in sync.
  let resyncAttempts = 0;
  for (;;) {
    try {
      await client.echo('resync');
      break;
    } catch (e) {
      assert.instance(e, SmpError);
      assert.ok(++resyncAttempts < 3, 'the line did not recover');
    }
  }
  for (let k = 0; k < 5; k++) assert.is(await client.echo(`clean ${k}`), `clean ${k}`);
  assert.is((await client.imageState())[0]!.version, '1.0.0');
  assert.ok(client.stats.dropped + device.server.stats.dropped > 0);
  await client.close();
  await device.server.idle();
});

test.run();

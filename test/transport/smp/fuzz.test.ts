/**
 * Bad input through every SMP parser: mutated serial frames, BLE fragments and raw messages. Every
 * failure must be a typed SmpError (or a dropped frame), never an untyped exception, and the server
 * must still answer afterwards. Small deterministic samples; big sweeps belong in campaigns.
 */
import { unitInterval, xorshift32 } from '../../../src/hal/prng.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { SerialFrameDecoder, encodeSerialMessage } from '../../../src/transport/smp/serial-framing.ts';
import { BleReassembler, fragmentMessage } from '../../../src/transport/smp/ble-framing.ts';
import { decodeMessage, encodeMessage } from '../../../src/transport/smp/message.ts';
import { SmpError } from '../../../src/transport/smp/errors.ts';
import { fromHex } from '../../../src/hal/bytes.ts';
import { smpVectors } from './vectors.ts';

const SAMPLES = 1500;

function rng(seed: number): () => number {
  return unitInterval(xorshift32(seed));
}

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + Math.floor(r() * 4);
  for (let k = 0; k < edits; k++) {
    const i = Math.floor(r() * (out.length + 1));
    const what = r();
    if (what < 0.4 && out.length > 0) out[Math.min(i, out.length - 1)] = Math.floor(r() * 256);
    else if (what < 0.7) out.splice(i, 1);
    else if (what < 0.85) out.splice(i, 0, Math.floor(r() * 256));
    else out.length = Math.floor(r() * out.length);
  }
  return Uint8Array.from(out);
}

const messages = [
  ...smpVectors.filter((v) => v.hex).map((v) => fromHex(v.hex!)),
  encodeMessage({ version: 1, op: 2, flags: 0, group: 1, sequence: 7, command: 1 }, { off: 0, len: 5000, sha: new Uint8Array(32), data: new Uint8Array(200).fill(0x3d) }),
  encodeMessage({ version: 1, op: 2, flags: 0, group: 1, sequence: 8, command: 0 }, { hash: new Uint8Array(32), confirm: false }),
];

test('mutated messages: decodeMessage throws only SmpError; the server answers or drops, never throws', async () => {
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1000, '1.0.0'), bufSize: 1024 });
  const r = rng(42);
  let answered = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const m = mutate(messages[i % messages.length]!, r);
    try {
      decodeMessage(m);
    } catch (e) {
      assert.ok(e instanceof SmpError, `untyped ${String(e)}`);
    }
    if ((await device.server.handle(m)) !== undefined) answered++;
  }
  assert.ok(answered > 0);
  const echo = await device.server.handle(fromHex(smpVectors[0]!.hex!));
  assert.equal(decodeMessage(echo!).body, { r: 'Hello world!' });
});

test('mutated serial frames and BLE fragments: only typed errors, and a clean message still decodes after', () => {
  const r = rng(7);
  for (let i = 0; i < SAMPLES; i++) {
    const msg = messages[i % messages.length]!;
    const errors: unknown[] = [];
    const got: Uint8Array[] = [];
    const serial = new SerialFrameDecoder((m) => got.push(m), (e) => errors.push(e), { lineBufferBytes: 128, maxMessageBytes: 1020 });
    serial.push(mutate(encodeSerialMessage(msg), r));
    serial.push(Uint8Array.of(0x0a));
    serial.push(encodeSerialMessage(msg));
    assert.ok(errors.every((e) => e instanceof SmpError));
    assert.equal(got.at(-1), msg);
    const ble = new BleReassembler((m) => got.push(m), (e) => errors.push(e), 1024);
    for (const f of fragmentMessage(mutate(msg, r), 23)) ble.push(f);
    ble.reset(); // what a transport does when a fragment set is abandoned (reconnect)
    for (const f of fragmentMessage(msg, 23)) ble.push(f);
    assert.ok(errors.every((e) => e instanceof SmpError));
    assert.equal(got.at(-1), msg);
  }
});

test.run();

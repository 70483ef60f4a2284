import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concatBytes, fromHex, toHex, utf8Encode } from '../../../src/hal/bytes.ts';
import { crc16Xmodem } from '../../../src/transport/smp/crc16.ts';
import { base64DecodeBytes, base64EncodeBytes } from '../../../src/transport/smp/base64.ts';
import {
  encodeSerialFrames,
  encodeSerialMessage,
  SerialFrameDecoder,
  serialWireBytes,
} from '../../../src/transport/smp/serial-framing.ts';
import { SMP_SERIAL_LINE_MAX_BYTES } from '../../../src/transport/smp/constants.ts';
import type { SmpError } from '../../../src/transport/smp/errors.ts';
import { crcCheck, latin1, smpVectors } from './vectors.ts';

function collect(options = {}) {
  const messages: string[] = [];
  const errors: string[] = [];
  const d = new SerialFrameDecoder((m) => messages.push(toHex(m)), (e: SmpError) => errors.push(e.code), options);
  return { d, messages, errors };
}

test('CRC-16/XMODEM check value of "123456789" is the shared 0x31c3', () => {
  assert.is(crc16Xmodem(utf8Encode(crcCheck.input_ascii)), Number(crcCheck.crc));
});

test('base64 round-trips 0..5 bytes and matches RFC 4648', () => {
  assert.is(String.fromCharCode(...base64EncodeBytes(utf8Encode('foobar'))), 'Zm9vYmFy');
  assert.is(String.fromCharCode(...base64EncodeBytes(utf8Encode('fooba'))), 'Zm9vYmE=');
  assert.is(String.fromCharCode(...base64EncodeBytes(utf8Encode('foob'))), 'Zm9vYg==');
  for (let n = 0; n < 6; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => 250 - i);
    assert.equal(base64DecodeBytes(base64EncodeBytes(b)), b);
  }
});

test('base64 rejects bad length, characters and inner padding', () => {
  for (const s of ['Zm9', 'Zm9v!mFy', 'Zm==Zm9v']) {
    try {
      base64DecodeBytes(latin1(s));
      assert.unreachable(s);
    } catch (e) {
      assert.is((e as SmpError).code, 'SMP_BAD_FRAME');
    }
  }
});

test('frames every shared serial vector byte for byte', () => {
  let n = 0;
  for (const v of smpVectors) {
    if (!v.serial_ascii) continue;
    const payload = v.hex ? fromHex(v.hex) : utf8Encode(v.raw_ascii!);
    assert.equal(encodeSerialMessage(payload), latin1(v.serial_ascii), v.name);
    n++;
  }
  assert.is(n, 3);
});

test('decodes every shared serial vector back to its message', () => {
  for (const v of smpVectors) {
    if (!v.serial_ascii) continue;
    const { d, messages, errors } = collect();
    d.push(latin1(v.serial_ascii));
    assert.equal(errors, []);
    assert.equal(messages, [v.hex ?? toHex(utf8Encode(v.raw_ascii!))]);
  }
});

test('a 600-byte message takes 127-byte lines, start then continuations, and decodes byte by byte', () => {
  const msg = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
  const lines = encodeSerialFrames(msg);
  assert.is(lines.length, 7); // 604 raw bytes / 93 per line
  assert.equal([...lines[0]!.subarray(0, 2)], [0x06, 0x09]);
  for (const l of lines.slice(1)) assert.equal([...l.subarray(0, 2)], [0x04, 0x14]);
  for (const l of lines.slice(0, -1)) assert.is(l.length, SMP_SERIAL_LINE_MAX_BYTES);
  const wire = concatBytes(...lines);
  assert.is(serialWireBytes(600), wire.length);
  const { d, messages } = collect();
  for (const b of wire) d.push(Uint8Array.of(b));
  assert.equal(messages, [toHex(msg)]);
});

test('ignores console noise and a continuation with nothing started, then decodes the next frame', () => {
  const { d, messages, errors } = collect();
  d.push(utf8Encode('*** Booting Zephyr OS ***\r\n'));
  d.push(Uint8Array.of(0x04, 0x14, ...utf8Encode('AAAA\n')));
  d.push(latin1(smpVectors[1]!.serial_ascii!));
  assert.equal(errors, []);
  assert.equal(messages, [smpVectors[1]!.hex]);
  assert.is(d.stats.droppedContinuations, 1);
  assert.is(d.stats.noiseLines, 1);
});

test('a start marker drops an unfinished message (partial frame) and the new one decodes', () => {
  const msg = new Uint8Array(200).fill(0x55);
  const lines = encodeSerialFrames(msg);
  const { d, messages } = collect();
  d.push(lines[0]!);
  d.push(latin1(smpVectors[0]!.serial_ascii!));
  assert.equal(messages, [smpVectors[0]!.hex]);
});

test('reports a corrupted CRC as SMP_BAD_CRC and keeps decoding', () => {
  const wire = latin1(smpVectors[0]!.serial_ascii!);
  const bad = Uint8Array.from(wire);
  bad[10] = bad[10] === 0x41 ? 0x42 : 0x41;
  const { d, messages, errors } = collect();
  d.push(bad);
  d.push(wire);
  assert.equal(errors, ['SMP_BAD_CRC']);
  assert.equal(messages, [smpVectors[0]!.hex]);
});

test('reports bad base64, overlong lines and oversize lengths as SMP_BAD_FRAME', () => {
  const { d, messages, errors } = collect({ lineBufferBytes: 128, maxMessageBytes: 380 });
  d.push(Uint8Array.of(0x06, 0x09, ...utf8Encode('AB!D\n')));
  d.push(Uint8Array.of(0x06, 0x09, ...new Uint8Array(200).fill(0x41), 0x0a));
  d.push(encodeSerialMessage(new Uint8Array(381)));
  d.push(latin1(smpVectors[1]!.serial_ascii!));
  assert.equal(errors, ['SMP_BAD_FRAME', 'SMP_BAD_FRAME', 'SMP_BAD_FRAME']);
  assert.equal(messages, [smpVectors[1]!.hex]);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { looksLikeIntelHex, readIntelHex, writeIntelHex } from '../../../src/fota/mcuboot/intel-hex.ts';
import { utf8Encode } from '../../../src/hal/bytes.ts';
import { flagsFile, flagsText } from './imgtool-flags.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.instance(e, ImageError);
    return (e as ImageError).code;
  }
}

test('reads payload.hex as the payload bytes at its lowest address (0x10000)', () => {
  const h = readIntelHex(flagsText('payload.hex'));
  assert.is(h.baseAddr, 0x10000);
  assert.equal(h.bytes, flagsFile('payload.bin'));
});

test('writes what Python IntelHex (imgtool) writes, ELA record only when the data passes 64 KiB', () => {
  const ref = flagsText('img/ed_hex_in_out.hex');
  const h = readIntelHex(ref);
  assert.is(writeIntelHex([[h.baseAddr, h.bytes]]), ref);
  const low = writeIntelHex([[0x8000, Uint8Array.of(1, 2, 3)]]);
  assert.is(low, ':0380000001020377\n:00000001FF\n');
});

test('fills gaps between records with 0xff and reads sparse trailers', () => {
  const text = writeIntelHex([[0x100, Uint8Array.of(0xaa)], [0x104, Uint8Array.of(0xbb)]]);
  assert.equal(readIntelHex(text).bytes, Uint8Array.of(0xaa, 0xff, 0xff, 0xff, 0xbb));
});

test('refuses what cannot be read with IMAGE_BAD_HEX: bad checksum, garbage, no data, a huge span', () => {
  assert.is(codeOf(() => readIntelHex(':0380000001020378\n:00000001FF\n')), 'IMAGE_BAD_HEX');
  assert.is(codeOf(() => readIntelHex('hello')), 'IMAGE_BAD_HEX');
  assert.is(codeOf(() => readIntelHex(':00000001FF\n')), 'IMAGE_BAD_HEX');
  const far = writeIntelHex([[0, Uint8Array.of(1)], [0x8000000, Uint8Array.of(2)]]);
  assert.is(codeOf(() => readIntelHex(far)), 'IMAGE_BAD_HEX');
});

test('looksLikeIntelHex: a colon first', () => {
  assert.ok(looksLikeIntelHex(utf8Encode('\n:00000001FF')));
  assert.not.ok(looksLikeIntelHex(flagsFile('payload.bin')));
});

test.run();

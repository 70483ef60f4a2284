import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeHeader, flagNames, hashedRegionLength, parseHeader, tlvAreaOffset } from '../../../src/fota/mcuboot/header.ts';
import { IMAGE_MAGIC } from '../../../src/fota/mcuboot/constants.ts';
import { imageErrorCodeOf, vector } from './vectors.ts';

const codeOf = imageErrorCodeOf;

test('parses the reference header (hdr 0x200, img 100000, version 1.2.3+4)', () => {
  const h = parseHeader(vector('img/ed25519_basic.bin'));
  assert.equal(h, {
    magic: IMAGE_MAGIC,
    loadAddr: 0,
    hdrSize: 0x200,
    protectTlvSize: 0,
    imgSize: 100000,
    flags: 0,
    version: { major: 1, minor: 2, revision: 3, build: 4 },
    pad1: 0,
  });
  assert.is(tlvAreaOffset(h), 100512);
  assert.is(hashedRegionLength(h), 100512);
});

test('encodes back the same 32 bytes', () => {
  const bytes = vector('img/ed25519_basic.bin').subarray(0, 32);
  const h = parseHeader(bytes);
  assert.equal(encodeHeader(h), Uint8Array.from(bytes));
});

test('reports a short header as IMAGE_TRUNCATED and a wrong magic as IMAGE_BAD_MAGIC', () => {
  const bytes = vector('img/ed25519_basic.bin');
  assert.is(codeOf(() => parseHeader(bytes.subarray(0, 31))), 'IMAGE_TRUNCATED');
  assert.is(codeOf(() => parseHeader(vector('neg/ed25519_basic_badmagic.bin'))), 'IMAGE_BAD_MAGIC');
});

test('rejects hdr_size below 32 and protect_tlv_size 1..3 with IMAGE_BAD_HEADER', () => {
  const h = parseHeader(vector('img/ed25519_basic.bin'));
  assert.is(codeOf(() => parseHeader(encodeHeader({ ...h, hdrSize: 31 }))), 'IMAGE_BAD_HEADER');
  for (const p of [1, 2, 3]) assert.is(codeOf(() => parseHeader(encodeHeader({ ...h, protectTlvSize: p }))), 'IMAGE_BAD_HEADER');
  assert.is(codeOf(() => parseHeader(encodeHeader({ ...h, protectTlvSize: 4 }))), undefined);
});

test('names flags, unknown bits as hex', () => {
  assert.equal(flagNames(0x21), ['PIC', 'RAM_LOAD']);
  assert.equal(flagNames(0x100 | 0x8000), ['ROM_FIXED', '0x8000']);
  assert.equal(flagNames(0), []);
});

test.run();

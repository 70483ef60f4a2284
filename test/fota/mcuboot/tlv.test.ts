import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeTlvArea, parseTlvArea, parseTlvInfo, tlvTypeName } from '../../../src/fota/mcuboot/tlv.ts';
import { IMAGE_MAX_TLV_COUNT } from '../../../src/fota/mcuboot/constants.ts';
import { toHex } from '../../../src/hal/bytes.ts';
import { imageErrorCodeOf, vector } from './vectors.ts';

const TLV_OFFSET = 100512;

const codeOf = imageErrorCodeOf;

test('parses the reference unprotected area: SHA256, KEYHASH, ED25519', () => {
  const area = parseTlvArea(vector('img/ed25519_basic.bin').subarray(TLV_OFFSET), 'unprotected', TLV_OFFSET);
  assert.is(area.magic, 0x6907);
  assert.is(area.tlvTot, 144);
  assert.equal(area.entries.map((t) => [t.type, t.offset, t.value.length]), [
    [0x10, TLV_OFFSET + 4, 32],
    [0x01, TLV_OFFSET + 40, 32],
    [0x24, TLV_OFFSET + 76, 64],
  ]);
  assert.is(toHex(area.entries[1]!.value), '4a25f4cc9b2dc556567fe129d95b471fe75bbf645020f376bff075c3bbbdcaad');
});

test('encodes an area that parses back to the same entries', () => {
  const entries = [
    { type: 0x50, value: Uint8Array.of(1, 0, 0, 0) },
    { type: 0xa0, value: new Uint8Array(0) },
  ];
  const bytes = encodeTlvArea('protected', entries);
  assert.is(toHex(bytes), '0869' + '1000' + '50000400' + '01000000' + 'a0000000');
  const area = parseTlvArea(bytes, 'protected', 0);
  assert.equal(area.entries.map((t) => ({ type: t.type, value: Uint8Array.from(t.value) })), entries);
});

test('rejects the wrong area magic with IMAGE_BAD_TLV_MAGIC', () => {
  const prot = encodeTlvArea('protected', []);
  assert.is(codeOf(() => parseTlvArea(prot, 'unprotected', 0)), 'IMAGE_BAD_TLV_MAGIC');
  assert.is(codeOf(() => parseTlvInfo(encodeTlvArea('unprotected', []), 'protected', 0)), 'IMAGE_BAD_TLV_MAGIC');
});

test('rejects a TLV whose length runs past the area', () => {
  const bytes = encodeTlvArea('unprotected', [{ type: 0x10, value: new Uint8Array(32) }]);
  bytes[6] = 33;
  assert.is(codeOf(() => parseTlvArea(bytes, 'unprotected', 0)), 'IMAGE_TLV_OVERRUN');
});

test('rejects a TLV header cut by the end of the area and an area total under 4', () => {
  const bytes = encodeTlvArea('unprotected', [{ type: 0x10, value: new Uint8Array(2) }]);
  bytes[2] = 6; // total 6: only 2 bytes of the entry header inside the area
  assert.is(codeOf(() => parseTlvArea(bytes, 'unprotected', 0)), 'IMAGE_TLV_OVERRUN');
  bytes[2] = 3;
  assert.is(codeOf(() => parseTlvArea(bytes, 'unprotected', 0)), 'IMAGE_TLV_OVERRUN');
});

test('reports an area longer than the bytes as IMAGE_TRUNCATED', () => {
  const bytes = encodeTlvArea('unprotected', [{ type: 0x10, value: new Uint8Array(32) }]);
  assert.is(codeOf(() => parseTlvArea(bytes.subarray(0, bytes.length - 1), 'unprotected', 0)), 'IMAGE_TRUNCATED');
  assert.is(codeOf(() => parseTlvInfo(bytes.subarray(0, 3), 'unprotected', 0)), 'IMAGE_TRUNCATED');
});

test('refuses types outside the allow-list in the unprotected area only', () => {
  const entries = [{ type: 0x50, value: new Uint8Array(4) }];
  const unprot = encodeTlvArea('unprotected', entries);
  assert.is(codeOf(() => parseTlvArea(unprot, 'unprotected', 0)), 'IMAGE_TLV_NOT_ALLOWED');
  assert.is(codeOf(() => parseTlvArea(encodeTlvArea('protected', entries), 'protected', 0)), undefined);
});

test('refuses more than IMAGE_MAX_TLV_COUNT entries', () => {
  const n = 3000;
  const bytes = new Uint8Array(4 + 4 * n);
  bytes.set([0x08, 0x69, bytes.length & 0xff, bytes.length >> 8]);
  for (let i = 0; i < n; i++) bytes[4 + 4 * i] = 0xa0;
  assert.is(codeOf(() => parseTlvArea(bytes, 'protected', 0)), 'IMAGE_TOO_MANY_TLVS');
  const ok = bytes.slice(0, 4 + 4 * IMAGE_MAX_TLV_COUNT);
  ok[2] = ok.length & 0xff;
  ok[3] = ok.length >> 8;
  assert.is(parseTlvArea(ok, 'protected', 0).entries.length, IMAGE_MAX_TLV_COUNT);
  assert.is(codeOf(() => encodeTlvArea('protected', Array.from({ length: IMAGE_MAX_TLV_COUNT + 1 }, () => ({ type: 0xa0, value: new Uint8Array(0) })))), 'IMAGE_TOO_MANY_TLVS');
});

test('names known types and shows unknown ones in hex', () => {
  assert.is(tlvTypeName(0x24), 'ED25519');
  assert.is(tlvTypeName(0x74), 'UUID_VID');
  assert.is(tlvTypeName(0xa5), '0xa5');
});

test.run();

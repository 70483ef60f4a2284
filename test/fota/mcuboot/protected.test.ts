import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeDependency, decodeProtected, encodeDependency, encodeSecurityCounter } from '../../../src/fota/mcuboot/protected.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { toHex } from '../../../src/hal/bytes.ts';

const DEP = { imageId: 2, version: { major: 1, minor: 2, revision: 0x0304, build: 0x05060708 } };

test('encodes DEPENDENCY as u8 id, 3 pad, u8 major, u8 minor, u16 rev, u32 build', () => {
  assert.is(toHex(encodeDependency(DEP)), '020000000102040308070605');
  assert.equal(decodeDependency(encodeDependency(DEP)), DEP);
});

test('decodes SEC_CNT and DEPENDENCY from protected TLVs', () => {
  const info = decodeProtected([
    { type: 0x50, offset: 0, value: encodeSecurityCounter(0x01020003) },
    { type: 0x40, offset: 8, value: encodeDependency(DEP) },
    { type: 0xa0, offset: 24, value: new Uint8Array(3) },
  ]);
  assert.equal(info, { securityCounter: 0x01020003, dependencies: [DEP] });
});

test('refuses wrong lengths and a second SEC_CNT with IMAGE_BAD_TLV_LENGTH', () => {
  const cases = [
    [{ type: 0x50, offset: 0, value: new Uint8Array(3) }],
    [{ type: 0x40, offset: 0, value: new Uint8Array(11) }],
    [
      { type: 0x50, offset: 0, value: new Uint8Array(4) },
      { type: 0x50, offset: 8, value: new Uint8Array(4) },
    ],
  ];
  for (const entries of cases) {
    try {
      decodeProtected(entries);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ImageError);
      assert.is((e as ImageError).code, 'IMAGE_BAD_TLV_LENGTH');
    }
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeBootRecord } from '../../../src/fota/mcuboot/boot-record.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { parseImage } from '../../../src/fota/mcuboot/image.ts';
import { fromHex } from '../../../src/hal/bytes.ts';
import { flagsFile } from './imgtool-flags.ts';

test('encodes the BOOT_RECORD TLV imgtool wrote for --boot-record BL2', () => {
  const img = parseImage(flagsFile('img/ed_bootrecord.bin'));
  const tlv = img.protectedArea!.entries.find((t) => t.type === 0x60)!;
  const signer = fromHex('26002e6d2623066228de086e255b691063cbcbdd06391193ae0b3daa2cf0c799');
  assert.equal(encodeBootRecord('BL2', { major: 2, minor: 7, revision: 1, build: 99 }, 'sha256', signer), tlv.value);
});

test('refuses an empty sw_type and one over 12 characters', () => {
  for (const t of ['', 'ABCDEFGHIJKLM']) {
    try {
      encodeBootRecord(t, { major: 1, minor: 0, revision: 0, build: 0 }, 'sha256', new Uint8Array(32));
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ImageError);
      assert.is((e as ImageError).code, 'IMAGE_BAD_OPTIONS');
    }
  }
});

test.run();

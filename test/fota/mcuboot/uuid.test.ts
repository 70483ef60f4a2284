import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { imgtoolUuid, UUID_NAMESPACE_DNS } from '../../../src/fota/mcuboot/uuid.ts';
import { fromHex, toHex } from '../../../src/hal/bytes.ts';
import { sha1 } from '../../../src/boards/image-keys.ts';

test('vendor and class names become imgtool UUID v5 values (from img/ed_vid_cid.bin)', () => {
  const vid = imgtoolUuid(sha1, UUID_NAMESPACE_DNS, '0x1234abcd');
  assert.is(toHex(vid), 'e04f09b557115c6695133bf09a9facdc');
  assert.is(toHex(imgtoolUuid(sha1, vid, '0x00ff00ff')), 'fd66c2de74f55c238c3b54bb182d0e9d');
});

test('raw UUIDs pass through; a class name without a vendor and unprintable text are refused', () => {
  assert.equal(imgtoolUuid(sha1, undefined, '12345678-1234-5678-1234-567812345678'), fromHex('12345678123456781234567812345678'));
  assert.equal(imgtoolUuid(sha1, undefined, 'ABCDEF0123456789abcdef0123456789'), fromHex('abcdef0123456789abcdef0123456789'));
  for (const [ns, v] of [[undefined, 'class'], [UUID_NAMESPACE_DNS, 'a\u0001b']] as const) {
    try {
      imgtoolUuid(sha1, ns, v);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ImageError);
      assert.is((e as ImageError).code, 'IMAGE_BAD_OPTIONS');
    }
  }
});

test.run();

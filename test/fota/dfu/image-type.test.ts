import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectImageType, requireImageType } from '../../../src/fota/dfu/image-type.ts';
import { FotaError } from '../../../src/hal/errors.ts';

function head(bytes: number[], at = 0): Uint8Array {
  const h = new Uint8Array(32);
  h.set(bytes, at);
  return h;
}

test('detects MCUboot, modem delta and full modem images from the first 32 bytes', () => {
  assert.is(detectImageType(head([0x3d, 0xb8, 0xf3, 0x96])), 'mcuboot');
  assert.is(detectImageType(head([0x6d, 0x65, 0x44, 0x75], 4)), 'modem-delta');
  assert.is(detectImageType(head([0xd2, 0x84])), 'modem-full');
  assert.is(detectImageType(head([1, 2, 3, 4])), 'unknown');
});

test('needs 32 bytes before deciding', () => {
  assert.is(detectImageType(new Uint8Array(31)), undefined);
});

test('an unsupported type is IMAGE_TYPE_UNSUPPORTED', () => {
  try {
    requireImageType(head([0xd2, 0x84]), ['mcuboot']);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'IMAGE_TYPE_UNSUPPORTED');
    assert.equal((e as FotaError).context, { type: 'modem-full' });
  }
});

test.run();

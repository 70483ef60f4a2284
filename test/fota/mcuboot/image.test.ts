import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseImage } from '../../../src/fota/mcuboot/image.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { REFERENCE_IMAGES, vector } from './vectors.ts';

test('parses every reference image: one unprotected area, padding counted after it', () => {
  for (const { name, padded } of REFERENCE_IMAGES) {
    const bytes = vector(`img/${name}.bin`);
    const img = parseImage(bytes);
    assert.is(img.header.hdrSize, 0x200, name);
    assert.is(img.protectedArea, undefined);
    assert.is(img.unprotectedArea.offset, 100512);
    assert.is(img.imageSize + img.trailingBytes, bytes.length);
    assert.is(img.trailingBytes > 0, padded === true, name);
  }
});

test('reports an image cut in the body as IMAGE_TRUNCATED with the offset', () => {
  try {
    parseImage(vector('img/ed25519_basic.bin').subarray(0, 5000));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ImageError);
    assert.is((e as ImageError).code, 'IMAGE_TRUNCATED');
    assert.is((e as ImageError).context.offset, 5000);
  }
});

test.run();

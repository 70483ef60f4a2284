import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageKeyFromDer, imageKeyFromTrusted, keyHash, signatureAlgorithm, signatureTlvType } from '../../../src/fota/mcuboot/keys.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { generateKeyPairSync } from 'node:crypto';
import { vector } from './vectors.ts';

test('KEYHASH of each reference key is SHA-256 of its MCUboot DER (the .pubhash.bin files)', () => {
  for (const t of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    const key = imageKeyFromDer(vector(`keys/${t}.pub.der`));
    assert.is(key.type, t);
    assert.equal(keyHash(nodeCrypto, key, 'sha256'), Uint8Array.from(vector(`keys/${t}.pubhash.bin`)), t);
  }
});

test('maps key types to signature TLVs and crypto algorithms', () => {
  assert.equal(
    (['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072'] as const).map((t) => [signatureTlvType(t), signatureAlgorithm(t)]),
    [
      [0x24, 'ed25519'],
      [0x22, 'ecdsa-p256'],
      [0x22, 'ecdsa-p384'],
      [0x20, 'rsa-pss'],
      [0x23, 'rsa-pss'],
    ],
  );
});

test('refuses RSA sizes MCUboot cannot check and non-keys with IMAGE_BAD_KEY', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'pkcs1', format: 'der' });
  for (const der of [new Uint8Array(rsa1024), new Uint8Array(3), vector('payload_small.bin')]) {
    try {
      imageKeyFromDer(der);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ImageError);
      assert.is((e as ImageError).code, 'IMAGE_BAD_KEY');
    }
  }
});

test('keeps the name of a named trusted key', () => {
  assert.is(imageKeyFromTrusted({ der: vector('keys/ed25519.pub.der'), name: 'prod' }).name, 'prod');
});

test.run();

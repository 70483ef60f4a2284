import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mcubootVerifier } from '../../../src/fota/agent/mcuboot-verifier.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../../src/boards/image-keys.ts';
import { signImage } from '../../../src/fota/mcuboot/sign.ts';
import { FotaError } from '../../../src/hal/errors.ts';

const payload = new Uint8Array(5000).map((_, i) => (i * 13) & 0xff);

test('reports version, hash and validity of a signed image fed in pieces', async () => {
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const image = await signImage(payload, { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version: '1.4.0+7' });
  const v = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [signer.publicKeyDer] })();
  v.update(image.subarray(0, 100));
  assert.equal(v.header(), { version: '1.4.0+7' });
  v.update(image.subarray(100));
  const verdict = await v.finish();
  assert.is(verdict.valid, true);
  assert.is(verdict.version, '1.4.0+7');
  assert.match(verdict.hashHex!, /^[0-9a-f]{64}$/);
});

test('an image signed by another key is IMAGE_UNKNOWN_KEY; a flipped body byte IMAGE_BAD_HASH', async () => {
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const other = createPemSigner(generateImageKeyPem('ed25519'));
  const image = await signImage(payload, { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version: '2.0.0' });
  const v = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [other.publicKeyDer] })();
  v.update(image);
  assert.is((await v.finish()).code, 'IMAGE_UNKNOWN_KEY');
  const bad = Uint8Array.from(image);
  bad[0x300] ^= 1;
  const v2 = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [signer.publicKeyDer] })();
  v2.update(bad);
  assert.is((await v2.finish()).code, 'IMAGE_BAD_HASH');
});

test('an unsigned image passes only when hash-only is asked for', async () => {
  const image = await signImage(payload, { crypto: nodeCrypto, headerSize: 0x200, padHeader: true, version: '2.0.0' });
  const v = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [], allowUnsigned: true })();
  v.update(image);
  assert.is((await v.finish()).valid, true);
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const v2 = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [signer.publicKeyDer] })();
  v2.update(image);
  assert.is((await v2.finish()).code, 'IMAGE_NO_SIGNATURE');
  try {
    mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [] });
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'AGENT_NO_TRUSTED_KEYS');
  }
});

test('an encrypted image is checked decrypted with the device key; without it the hash fails, a wrong key is IMAGE_BAD_ENC_KEY', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { decryptionKeyFromPem, encryptionKeyFromPem } = await import('../../../src/boards/image-keys.ts');
  const { portableEncryption } = await import('../../../src/hal/portable/crypto-enc.ts');
  const pem = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const other = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const payload = new Uint8Array(20000).map((_, i) => (i * 7) & 0xff);
  const img = await signImage(payload, {
    crypto: nodeCrypto,
    signer,
    headerSize: 0x200,
    padHeader: true,
    version: '3.1.0',
    encryption: { crypto: portableEncryption, key: encryptionKeyFromPem(pem) },
  });
  const feed = async (decryptionPem?: string) => {
    const v = mcubootVerifier({
      crypto: nodeCrypto,
      trustedKeys: [signer.publicKeyDer],
      ...(decryptionPem ? { decryption: { crypto: portableEncryption, key: decryptionKeyFromPem(decryptionPem) } } : {}),
    })();
    for (let o = 0; o < img.length; o += 999) v.update(img.subarray(o, o + 999));
    assert.is(v.header()?.version, '3.1.0+0');
    return v.finish();
  };
  const ok = await feed(pem);
  assert.is(ok.valid, true);
  assert.is(ok.signed, true);
  assert.is((await feed()).code, 'IMAGE_BAD_HASH');
  assert.is((await feed(other)).code, 'IMAGE_BAD_ENC_KEY');
});

test.run();

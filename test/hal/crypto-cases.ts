/**
 * Test helper (not a test file): the one crypto HAL suite both implementations must pass
 * (test/hal/node/crypto.test.ts, test/hal/portable/crypto.test.ts).
 */
import { createHash, generateKeyPairSync, sign, constants } from 'node:crypto';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex, utf8Encode } from '../../src/hal/bytes.ts';
import { hash, type Crypto } from '../../src/hal/crypto.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { parseImage } from '../../src/fota/mcuboot/image.ts';
import { vector } from '../fota/mcuboot/vectors.ts';

const ABC = utf8Encode('abc');
/** FIPS 180-2 "abc" digests. */
const ABC_DIGESTS = {
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
} as const;

/** Digest, signature and key DER of a reference image. */
function referenceSignature(name: string, key: string): { digest: Uint8Array; signature: Uint8Array; der: Uint8Array } {
  const img = parseImage(vector(`img/${name}.bin`));
  const tlvs = img.unprotectedArea.entries;
  return { digest: tlvs[0]!.value, signature: tlvs[2]!.value, der: vector(`keys/${key}.pub.der`) };
}

function flipped(b: Uint8Array, i = 5): Uint8Array {
  const c = Uint8Array.from(b);
  c[i] = c[i]! ^ 1;
  return c;
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function cryptoSuite(test: Test, crypto: Crypto): void {
  test('hashes "abc" to the FIPS 180-2 digests', () => {
    for (const [alg, hex] of Object.entries(ABC_DIGESTS)) assert.is(toHex(hash(crypto, alg as keyof typeof ABC_DIGESTS, ABC)), hex, alg);
  });

  test('hashes in pieces the same as in one go', () => {
    const data = vector('payload_small.bin');
    for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
      const h = crypto.createHash(alg);
      for (let i = 0; i < data.length; i += 77) h.update(data.subarray(i, i + 77));
      assert.is(toHex(h.digest()), createHash(alg).update(data).digest('hex'), alg);
    }
  });

  test('verifies the reference ed25519 signature over the image digest', () => {
    const { digest, signature, der } = referenceSignature('ed25519_basic', 'ed25519');
    assert.is(crypto.verify('ed25519', der, digest, signature), true);
    assert.is(crypto.verify('ed25519', der, flipped(digest), signature), false);
    assert.is(crypto.verify('ed25519', der, digest, flipped(signature)), false);
    assert.is(crypto.verify('ed25519', der, digest, signature.subarray(0, 63)), false);
  });

  test('verifies the reference ECDSA P-256 DER signature on the prehashed digest', () => {
    const { digest, signature, der } = referenceSignature('ecdsa-p256_basic', 'ecdsa-p256');
    assert.is(crypto.verify('ecdsa-p256', der, digest, signature), true);
    assert.is(crypto.verify('ecdsa-p256', der, flipped(digest), signature), false);
    assert.is(crypto.verify('ecdsa-p256', der, digest, flipped(signature, 40)), false);
    assert.is(crypto.verify('ecdsa-p256', der, digest, signature.subarray(0, 10)), false);
  });

  test('verifies the reference RSA-2048 PSS signature on the digest', () => {
    const { digest, signature, der } = referenceSignature('rsa-2048_basic', 'rsa-2048');
    assert.is(crypto.verify('rsa-pss', der, digest, signature), true);
    assert.is(crypto.verify('rsa-pss', der, flipped(digest), signature), false);
    assert.is(crypto.verify('rsa-pss', der, digest, flipped(signature, 100)), false);
    assert.is(crypto.verify('rsa-pss', der, digest, new Uint8Array(256).fill(0xff)), false);
    assert.is(crypto.verify('rsa-pss', der, digest, signature.subarray(1)), false);
  });

  test('verifies RSA-3072 PSS and ECDSA P-384 made by node:crypto', () => {
    const data = vector('payload_small.bin');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const rsaDer = toBytes(rsa.publicKey.export({ type: 'pkcs1', format: 'der' }));
    const rsaSig = toBytes(sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
    const d256 = hash(crypto, 'sha256', data);
    assert.is(crypto.verify('rsa-pss', rsaDer, d256, rsaSig), true);
    assert.is(crypto.verify('rsa-pss', rsaDer, flipped(d256), rsaSig), false);
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ecDer = toBytes(ec.publicKey.export({ type: 'spki', format: 'der' }));
    const ecSig = toBytes(sign('sha384', data, { key: ec.privateKey, dsaEncoding: 'der' }));
    const d384 = hash(crypto, 'sha384', data);
    assert.is(crypto.verify('ecdsa-p384', ecDer, d384, ecSig), true);
    assert.is(crypto.verify('ecdsa-p384', ecDer, flipped(d384), ecSig), false);
  });

  test('returns false when the key is of another algorithm', () => {
    const { digest, signature } = referenceSignature('ed25519_basic', 'ed25519');
    assert.is(crypto.verify('ed25519', vector('keys/rsa-2048.pub.der'), digest, signature), false);
    assert.is(crypto.verify('rsa-pss', vector('keys/ed25519.pub.der'), digest, signature), false);
  });

  test('throws CRYPTO_BAD_KEY for a malformed key', () => {
    for (const der of [new Uint8Array(0), fromHex('3003020101'), vector('keys/ed25519.pub.der').subarray(0, 40), fromHex('300a300506032b65710301ff')]) {
      try {
        crypto.verify('ed25519', der, new Uint8Array(32), new Uint8Array(64));
        assert.unreachable();
      } catch (e) {
        assert.instance(e, FotaError);
        assert.is((e as FotaError).code, 'CRYPTO_BAD_KEY');
      }
    }
  });

  test('gives random bytes of the asked length', () => {
    const a = crypto.randomBytes(32);
    assert.is(a.length, 32);
    assert.not.equal(a, crypto.randomBytes(32));
  });
}

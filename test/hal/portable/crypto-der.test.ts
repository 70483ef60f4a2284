import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicKey } from 'node:crypto';
import { encodeEd25519PublicKey, encodeRsaPublicKey, parsePublicKeyDer, toMcubootPublicKeyDer } from '../../../src/hal/portable/crypto-der.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { fromHex, toHex } from '../../../src/hal/bytes.ts';
import { vector } from '../../fota/mcuboot/vectors.ts';

test('reads the type of each reference key', () => {
  const ed = parsePublicKeyDer(vector('keys/ed25519.pub.der'));
  assert.is(ed.type, 'ed25519');
  const ec = parsePublicKeyDer(vector('keys/ecdsa-p256.pub.der'));
  assert.is(ec.type, 'ecdsa-p256');
  assert.is(ec.type === 'ecdsa-p256' && ec.point.length, 65);
  const rsa = parsePublicKeyDer(vector('keys/rsa-2048.pub.der'));
  assert.is(rsa.type === 'rsa' && rsa.bits, 2048);
  assert.is(rsa.type === 'rsa' && toHex(rsa.exponent), '010001');
});

test('re-encodes ed25519 and RSA keys to the same DER', () => {
  const ed = parsePublicKeyDer(vector('keys/ed25519.pub.der'));
  assert.equal(encodeEd25519PublicKey(ed.type === 'ed25519' ? ed.raw : new Uint8Array(0)), Uint8Array.from(vector('keys/ed25519.pub.der')));
  const rsa = parsePublicKeyDer(vector('keys/rsa-2048.pub.der'));
  if (rsa.type !== 'rsa') throw new Error('not rsa');
  assert.equal(encodeRsaPublicKey(rsa.modulus, rsa.exponent), Uint8Array.from(vector('keys/rsa-2048.pub.der')));
});

test('unwraps an RSA SubjectPublicKeyInfo to the PKCS#1 MCUboot embeds', () => {
  const spki = createPublicKey({ key: Buffer.from(vector('keys/rsa-2048.pub.der')), format: 'der', type: 'pkcs1' }).export({ type: 'spki', format: 'der' });
  assert.equal(toMcubootPublicKeyDer(new Uint8Array(spki)), Uint8Array.from(vector('keys/rsa-2048.pub.der')));
  assert.equal(toMcubootPublicKeyDer(vector('keys/ed25519.pub.der')), vector('keys/ed25519.pub.der'));
});

test('refuses malformed DER with CRYPTO_BAD_KEY', () => {
  const bad = [
    '',
    '30',
    '3085ffffffffff',
    '3080',
    '300302010100', // trailing byte
    '30030201ff', // negative INTEGER alone
    '3000',
    '300a300506032b6570030100', // ed25519 key of 0 bytes
    '301a301306072a8648ce3d020106082a8648ce3d030108030100', // unknown curve
    '300d300b06092a864886f70d010101', // RSA SPKI without key
  ];
  for (const hex of bad) {
    try {
      parsePublicKeyDer(fromHex(hex));
      assert.unreachable(hex);
    } catch (e) {
      assert.instance(e, FotaError, hex);
      assert.is((e as FotaError).code, 'CRYPTO_BAD_KEY', hex);
    }
  }
});

test('survives every truncation and single-byte change of the reference keys without untyped errors', () => {
  for (const name of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    const der = vector(`keys/${name}.pub.der`);
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < der.length; i++) inputs.push(der.subarray(0, i));
    for (let i = 0; i < Math.min(der.length, 40); i++) {
      const b = Uint8Array.from(der);
      b[i] = b[i]! ^ 0xff;
      inputs.push(b);
    }
    for (const input of inputs) {
      try {
        parsePublicKeyDer(input);
      } catch (e) {
        assert.instance(e, FotaError);
      }
    }
  }
});

test.run();

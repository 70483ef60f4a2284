import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  decryptImage,
  unwrapImageKey,
  wrapImageKey,
  type ImageDecryptionKey,
  type ImageEncryptionKey,
} from '../../../src/fota/mcuboot/encryption.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { createSignedImage, type SignEncryption } from '../../../src/fota/mcuboot/sign.ts';
import { verifyImage } from '../../../src/fota/mcuboot/verify.ts';
import { nodeCrypto as crypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner, decryptionKeyFromPem, encryptionKeyFromPem, publicKeyFromPem } from '../../../src/boards/image-keys.ts';
import { portableEncryption as enc } from '../../../src/hal/portable/crypto-enc.ts';
import { flagsFile, flagsText, nodeDecryptImage, walkImage } from './imgtool-flags.ts';

const payload = flagsFile('payload.bin');
const signer = createPemSigner(flagsText('keys/ed25519.pem'));
const trusted = [publicKeyFromPem(flagsText('keys/ed25519.pub.pem')).der];
const BASE = { crypto, signer, headerSize: 0x200, padHeader: true, slotSize: 0x40000, version: '2.7.1+99' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.instance(e, ImageError);
    return (e as ImageError).code;
  }
}

const KEYS: Array<{ name: string; pem: string; tlv: number; hmac?: 'sha256' | 'sha512'; keyBits?: 128 | 256 }> = [
  { name: 'x25519 aes128', pem: 'keys/x25519.pem', tlv: 0x33 },
  { name: 'x25519 aes256', pem: 'keys/x25519.pem', tlv: 0x33, keyBits: 256 },
  { name: 'x25519 hmac-sha512', pem: 'keys/x25519.pem', tlv: 0x34, hmac: 'sha512' },
  { name: 'ec256 aes128', pem: 'keys/enc-ec256.pem', tlv: 0x32 },
  { name: 'ec256 aes256', pem: 'keys/enc-ec256.pem', tlv: 0x32, keyBits: 256 },
  { name: 'rsa-oaep', pem: 'keys/enc-rsa2048.pem', tlv: 0x30 },
];

test('images fotakit encrypts decrypt with an independent node:crypto implementation and verify over the plaintext', async () => {
  const plain = await createSignedImage(payload, BASE);
  for (const k of KEYS) {
    const encryption: SignEncryption = { crypto: enc, key: encryptionKeyFromPem(flagsText(k.pem)) };
    if (k.hmac) encryption.hmac = k.hmac;
    if (k.keyBits) encryption.keyBits = k.keyBits;
    const s = k.name.startsWith('rsa') ? createPemSigner(flagsText('keys/rsa-2048.pem')) : k.name.startsWith('ec256') ? createPemSigner(flagsText('keys/ecdsa-p256.pem')) : signer;
    const keys = [s.publicKeyDer];
    const img = (await createSignedImage(payload, { ...BASE, signer: s, encryption })).bytes;
    const w = walkImage(img);
    assert.is(w.flags, k.keyBits === 256 ? 0x08 : 0x04, k.name);
    assert.ok(w.tlvs.some((t) => t.type === k.tlv), `${k.name}: key TLV 0x${k.tlv.toString(16)}`);
    // The ciphertext is not the image: the hash fails until it is decrypted.
    assert.is((await verifyImage(img, { crypto, trustedKeys: keys })).code, 'IMAGE_BAD_HASH', k.name);
    const independent = nodeDecryptImage(img, { pem: flagsText(k.pem) });
    const v = await verifyImage(independent, { crypto, trustedKeys: keys });
    assert.ok(v.valid, `${k.name}: ${v.code}`);
    // Same plaintext body as the unencrypted image (padded with zeros to whole AES blocks).
    assert.equal(independent.subarray(0x200, 0x200 + payload.length), plain.image.subarray(0x200, 0x200 + payload.length));
    // fotakit's own decryption agrees.
    assert.equal(decryptImage(enc, img, decryptionKeyFromPem(flagsText(k.pem))), independent, k.name);
  }
});

test('AES key wrap (MCUBOOT_ENCRYPT_KW): fotakit wraps, node:crypto id-aes128-wrap opens; a wrong KEK is IMAGE_BAD_ENC_KEY', async () => {
  for (const kekBytes of [16, 32]) {
    const kek = new Uint8Array(randomBytes(kekBytes));
    const img = (await createSignedImage(payload, { ...BASE, encryption: { crypto: enc, key: { kind: 'kw', kek } } })).bytes;
    const tlv = walkImage(img).tlvs.find((t) => t.type === 0x31);
    assert.is(tlv?.len, 24);
    const plain = nodeDecryptImage(img, { kek });
    assert.ok((await verifyImage(plain, { crypto, trustedKeys: trusted })).valid);
    assert.equal(decryptImage(enc, img, { kind: 'kw', kek }), plain);
    const wrong = new Uint8Array(kekBytes).fill(7);
    assert.is(codeOf(() => decryptImage(enc, img, { kind: 'kw', kek: wrong })), 'IMAGE_BAD_ENC_KEY');
  }
});

test('the imgtool-encrypted reference images open with fotakit and with node:crypto alike', () => {
  const cases: Array<[string, string]> = [
    ['img/ed_enc_x25519_aes128.bin', 'keys/x25519.pem'],
    ['img/ed_enc_x25519_aes256.bin', 'keys/x25519.pem'],
    ['img/ed_enc_x25519_hmac512.bin', 'keys/x25519.pem'],
    ['img/ed_enc_x25519_save_enctlv.bin', 'keys/x25519.pem'],
    ['img/p256_enc_ec256_aes128.bin', 'keys/enc-ec256.pem'],
    ['img/p256_enc_ec256_aes256.bin', 'keys/enc-ec256.pem'],
    ['img/rsa_enc_rsa2048.bin', 'keys/enc-rsa2048.pem'],
  ];
  for (const [img, key] of cases) {
    const bytes = flagsFile(img);
    assert.equal(decryptImage(enc, bytes, decryptionKeyFromPem(flagsText(key))), nodeDecryptImage(bytes, { pem: flagsText(key) }), img);
  }
});

test('a wrong device key, a tampered MAC and a key of the wrong kind are IMAGE_BAD_ENC_KEY', () => {
  const img = flagsFile('img/ed_enc_x25519_aes128.bin');
  const other = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.is(codeOf(() => decryptImage(enc, img, decryptionKeyFromPem(other))), 'IMAGE_BAD_ENC_KEY');
  const tampered = Uint8Array.from(img);
  const tlv = walkImage(img).tlvs.find((t) => t.type === 0x33)!;
  tampered[tlv.off + 40] ^= 1; // inside the MAC
  assert.is(codeOf(() => decryptImage(enc, tampered, decryptionKeyFromPem(flagsText('keys/x25519.pem')))), 'IMAGE_BAD_ENC_KEY');
  assert.is(codeOf(() => decryptImage(enc, img, decryptionKeyFromPem(flagsText('keys/enc-ec256.pem')))), 'IMAGE_BAD_ENC_KEY');
});

test('an image without ENCRYPTED flags comes back unchanged; -c keeps the body in clear with flag and key TLV', async () => {
  const clear = flagsFile('img/ed_enc_clear.bin');
  const w = walkImage(clear);
  assert.is(w.flags, 0x04);
  assert.ok((await verifyImage(clear, { crypto, trustedKeys: trusted })).valid);
  const plain = flagsFile('img/ed_test.bin');
  assert.is(decryptImage(enc, plain, decryptionKeyFromPem(flagsText('keys/x25519.pem'))), plain);
});

test('wrap/unwrap round trip for every kind, and the options imgtool refuses', () => {
  const imageKey = new Uint8Array(randomBytes(16));
  const x = encryptionKeyFromPem(flagsText('keys/x25519.pub.pem'));
  const dx = decryptionKeyFromPem(flagsText('keys/x25519.pem'));
  for (const hmac of ['sha256', 'sha512'] as const) {
    const t = wrapImageKey(enc, x, imageKey, { hmac });
    assert.equal(unwrapImageKey(enc, dx, t, 16), imageKey);
  }
  const ec: ImageEncryptionKey = encryptionKeyFromPem(flagsText('keys/enc-ec256.pub.pem'));
  assert.is(codeOf(() => wrapImageKey(enc, ec, imageKey, { hmac: 'sha512' })), 'IMAGE_BAD_OPTIONS');
  const dr: ImageDecryptionKey = decryptionKeyFromPem(flagsText('keys/enc-rsa2048.pem'));
  const tr = wrapImageKey(enc, encryptionKeyFromPem(flagsText('keys/enc-rsa2048.pub.pem')), imageKey);
  assert.is(tr.value.length, 256);
  assert.equal(unwrapImageKey(enc, dr, tr, 16), imageKey);
  assert.is(codeOf(() => unwrapImageKey(enc, dr, tr, 32)), 'IMAGE_BAD_ENC_KEY');
  assert.is(codeOf(() => wrapImageKey(enc, x, new Uint8Array(24))), 'IMAGE_BAD_OPTIONS');
});

test.run();

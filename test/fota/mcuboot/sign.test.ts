import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { imgtoolTrailerBytes, signImage, type SignOptions } from '../../../src/fota/mcuboot/sign.ts';
import { parseImage } from '../../../src/fota/mcuboot/image.ts';
import { verifyImage } from '../../../src/fota/mcuboot/verify.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';
import { nodeCrypto as crypto } from '../../../src/hal/node/crypto.ts';
import { portableCrypto } from '../../../src/hal/portable/crypto.ts';
import { createPemSigner, publicKeyFromPem } from '../../../src/boards/image-keys.ts';
import { toHex } from '../../../src/hal/bytes.ts';
import { vector, vectorText } from './vectors.ts';
import { createSignedImage } from '../../../src/fota/mcuboot/sign.ts';
import { flagsFile, flagsText, walkImage } from './imgtool-flags.ts';

/** The reference images' imgtool flags: --pad-header -H 0x200 -S 0x70000 -v 1.2.3+4. */
const BASE = { crypto, headerSize: 0x200, padHeader: true, slotSize: 0x70000, version: '1.2.3+4' } satisfies Partial<SignOptions>;
const payload = vector('payload.bin');
const signer = (t: string) => createPemSigner(vectorText(`keys/${t}.pem`));

function pemOf(type: 'ec' | 'rsa', opts: object): string {
  const k = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
  return k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    assert.instance(e, ImageError);
    return (e as ImageError).code;
  }
}

test('reproduces the three ed25519 reference images byte for byte', async () => {
  const s = signer('ed25519');
  assert.equal(await signImage(payload, { ...BASE, signer: s }), vector('img/ed25519_basic.bin'));
  assert.equal(await signImage(payload, { ...BASE, signer: s, pad: true }), vector('img/ed25519_pad.bin'));
  assert.equal(await signImage(payload, { ...BASE, signer: s, confirm: true }), vector('img/ed25519_confirm.bin'));
});

test('reproduces the unsigned reference image byte for byte', async () => {
  assert.equal(await signImage(payload, BASE), vector('img/unsigned_basic.bin'));
});

test('builds with the portable crypto HAL the same bytes', async () => {
  assert.equal(await signImage(payload, { ...BASE, crypto: portableCrypto, signer: signer('ed25519') }), vector('img/ed25519_basic.bin'));
});

test('ECDSA and RSA images differ from the reference only in the signature TLV', async () => {
  for (const t of ['ecdsa-p256', 'rsa-2048']) {
    const ref = vector(`img/${t}_basic.bin`);
    const out = await signImage(payload, { ...BASE, signer: signer(t) });
    const a = parseImage(out);
    const b = parseImage(ref);
    // Header, body; then the TLV entries up to the signature (an ECDSA DER signature is 70-72 bytes, so it_tlv_tot may differ).
    const tlvAt = a.unprotectedArea.offset;
    assert.ok(Buffer.from(out.subarray(0, tlvAt)).equals(ref.subarray(0, tlvAt)), t);
    const sigAt = a.unprotectedArea.entries[2]!.offset;
    assert.ok(Buffer.from(out.subarray(tlvAt + 4, sigAt + 2)).equals(ref.subarray(tlvAt + 4, sigAt + 2)), t);
    assert.equal(a.unprotectedArea.entries.slice(0, 2).map((x) => toHex(x.value)), b.unprotectedArea.entries.slice(0, 2).map((x) => toHex(x.value)));
    assert.is((await verifyImage(out, { crypto, trustedKeys: [vector(`keys/${t}.pub.der`)] })).valid, true, t);
  }
});

test('writes SEC_CNT and DEPENDENCY TLVs in the protected area, covered by the hash', async () => {
  const out = await signImage(payload, {
    ...BASE,
    signer: signer('ed25519'),
    securityCounter: 'auto',
    dependencies: [{ imageId: 1, version: { major: 2, minor: 3, revision: 4, build: 5 } }],
  });
  const img = parseImage(out);
  assert.is(img.header.protectTlvSize, 4 + 8 + 16);
  assert.equal(img.protectedArea!.entries.map((t) => [t.type, toHex(t.value)]), [
    [0x50, '03000201'],
    [0x40, '010000000203040005000000'],
  ]);
  const v = await verifyImage(out, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] });
  assert.is(v.valid, true);
  assert.is(v.securityCounter, 0x01020003);
  assert.equal(v.dependencies, [{ imageId: 1, version: { major: 2, minor: 3, revision: 4, build: 5 } }]);
  const tampered = Uint8Array.from(out);
  tampered[img.protectedArea!.offset + 8] = 9; // security counter
  assert.is((await verifyImage(tampered, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] })).code, 'IMAGE_BAD_HASH');
});

test('--public-key-format full embeds the key (PUBKEY) and still verifies', async () => {
  const out = await signImage(payload, { ...BASE, signer: signer('ecdsa-p256'), publicKeyFormat: 'full' });
  const img = parseImage(out);
  assert.equal(img.unprotectedArea.entries.map((t) => t.type), [0x10, 0x02, 0x22]);
  assert.equal(Uint8Array.from(img.unprotectedArea.entries[1]!.value), vector('keys/ecdsa-p256.pub.der'));
  assert.is((await verifyImage(out, { crypto, trustedKeys: [vector('keys/ecdsa-p256.pub.der')] })).valid, true);
  assert.is((await verifyImage(out, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] })).code, 'IMAGE_UNKNOWN_KEY');
});

test('--pure signs the whole region: SHA512, SIG_PURE, 64-byte KEYHASH', async () => {
  const out = await signImage(payload, { ...BASE, signer: signer('ed25519'), pure: true });
  const img = parseImage(out);
  assert.equal(img.unprotectedArea.entries.map((t) => [t.type, t.value.length]), [
    [0x12, 64],
    [0x25, 1],
    [0x01, 64],
    [0x24, 64],
  ]);
  for (const c of [crypto, portableCrypto]) {
    const v = await verifyImage(out, { crypto: c, trustedKeys: [vector('keys/ed25519.pub.der')] });
    assert.is(v.valid, true);
    assert.is(v.pure, true);
    assert.is(v.hashAlgorithm, 'sha512');
  }
});

test('--sha 512 with ed25519 signs the SHA-512 digest', async () => {
  const out = await signImage(payload, { ...BASE, signer: signer('ed25519'), hashAlgorithm: 'sha512' });
  const v = await verifyImage(out, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] });
  assert.is(v.valid, true);
  assert.is(v.hashAlgorithm, 'sha512');
  assert.is(v.keyHash!.length, 64);
});

test('signs with RSA-3072 (TLV 0x23) and ECDSA P-384 (SHA384)', async () => {
  const rsa = createPemSigner(pemOf('rsa', { modulusLength: 3072 }));
  const r = await signImage(payload, { ...BASE, signer: rsa });
  assert.equal(parseImage(r).unprotectedArea.entries.map((t) => [t.type, t.value.length]), [
    [0x10, 32],
    [0x01, 32],
    [0x23, 384],
  ]);
  assert.is((await verifyImage(r, { crypto, trustedKeys: [rsa.publicKeyDer] })).valid, true);
  const ec = createPemSigner(pemOf('ec', { namedCurve: 'secp384r1' }));
  const e = await signImage(payload, { ...BASE, signer: ec });
  const v = await verifyImage(e, { crypto: portableCrypto, trustedKeys: [ec.publicKeyDer] });
  assert.is(v.valid, true);
  assert.is(v.hashAlgorithm, 'sha384');
  assert.is(v.keyType, 'ecdsa-p384');
});

test('pads with the erased value 0 and writes image_ok at the right place for max-align 16 and 32', async () => {
  for (const maxAlign of [16, 32]) {
    const out = await signImage(payload, { ...BASE, signer: signer('ed25519'), confirm: true, erasedVal: 0, maxAlign });
    assert.is(out.length, 0x70000);
    assert.is(toHex(out.subarray(0x70000 - 16)), `${maxAlign.toString(16)}00` + '2de15d29410b8d77679c110f1f8a');
    const imageOk = 0x70000 - Math.max(16, maxAlign) - maxAlign;
    assert.is(out[imageOk], 1);
    assert.ok(out.subarray(100656, imageOk).every((b) => b === 0));
    // header padding is the erased value too
    assert.ok(out.subarray(32, 0x200).every((b) => b === 0));
  }
});

test('without --pad-header the input must start with header-size zeros', async () => {
  assert.is(await codeOf(signImage(payload, { ...BASE, padHeader: false })), 'IMAGE_BAD_OPTIONS');
  const zeroed = new Uint8Array(0x200 + payload.length);
  zeroed.set(payload, 0x200);
  const out = await signImage(zeroed, { ...BASE, padHeader: false });
  assert.ok(out.subarray(32, 0x200).every((b) => b === 0));
  assert.is(parseImage(out).header.imgSize, payload.length);
});

test('refuses an image that does not fit the slot with its trailer', async () => {
  const trailer = imgtoolTrailerBytes(1, 8);
  assert.is(trailer, 128 * 3 + 32 + 16);
  assert.is(await codeOf(signImage(payload, { ...BASE, slotSize: 100656 + trailer - 1, signer: signer('ed25519') })), 'IMAGE_TOO_LARGE');
  assert.is(await codeOf(signImage(payload, { ...BASE, slotSize: 100656 + trailer, signer: signer('ed25519') })), undefined);
});

test('refuses option combinations imgtool refuses', async () => {
  const cases: Array<Partial<SignOptions>> = [
    { pure: true, signer: signer('ecdsa-p256') },
    { hashAlgorithm: 'sha384', signer: signer('ed25519') },
    { hashAlgorithm: 'sha512', signer: signer('rsa-2048') },
    { align: 3 },
    { maxAlign: 4 },
    { erasedVal: 0x7f },
    { headerSize: 16 },
    { pad: true, slotSize: undefined },
  ];
  for (const c of cases) {
    const opts = { ...BASE, ...c } as SignOptions;
    if ('slotSize' in c && c.slotSize === undefined) delete opts.slotSize;
    assert.is(await codeOf(signImage(payload, opts)), 'IMAGE_BAD_OPTIONS', JSON.stringify(Object.keys(c)));
  }
  assert.is(await codeOf(signImage(payload, { ...BASE, version: '1.2.3.4' })), 'IMAGE_BAD_VERSION');
});

test('the Node signer reads imgtool key files and gives the MCUboot public key', () => {
  for (const t of ['ed25519', 'ecdsa-p256', 'rsa-2048']) {
    assert.equal(signer(t).publicKeyDer, vector(`keys/${t}.pub.der`), t);
    assert.equal(publicKeyFromPem(vectorText(`keys/${t}.pub.pem`)).der, vector(`keys/${t}.pub.der`), t);
  }
});

test('imgtool-flags options: ROM_FIXED/RAM_LOAD/NON_BOOTABLE flags and load address, --pad-sig lengths, trailer writes', async () => {
  const p = flagsFile('payload.bin');
  const ed = createPemSigner(flagsText('keys/ed25519.pem'));
  const base = { crypto, signer: ed, headerSize: 0x200, padHeader: true, slotSize: 0x40000, version: '2.7.1+99' } as const;
  const hdr = async (o: Partial<SignOptions>) => new DataView((await signImage(p, { ...base, ...o })).buffer);
  let h = await hdr({ romFixed: 0x10000 });
  assert.is(h.getUint32(4, true), 0x10000);
  assert.is(h.getUint32(16, true), 0x100);
  h = await hdr({ loadAddr: 0x20000000 });
  assert.is(h.getUint32(16, true), 0x20);
  h = await hdr({ nonBootable: true });
  assert.is(h.getUint32(16, true), 0x10);
  for (const [key, len] of [['ecdsa-p256', 72], ['ecdsa-p384', 103]] as const) {
    const img = await signImage(p, { ...base, signer: createPemSigner(flagsText(`keys/${key}.pem`)), padSig: true });
    // imgtool pads up to 72 / 103; a P-384 DER of 104 bytes (both integers with a sign byte) stays as is.
    const got = walkImage(img).tlvs.find((t) => t.type === 0x22)!.len;
    assert.ok(got === len || (key === 'ecdsa-p384' && got === 104), `${key}: ${got}`);
  }
  const t = await createSignedImage(p, { ...base, test: true, maxAlign: 16 });
  assert.equal(t.trailerWrites.map(([o, b]) => [o, b.length, b[0]]), [[0x40000 - 32, 16, 0xff], [0x40000 - 16, 16, 0x10]]);
  const o = await createSignedImage(p, { ...base, confirm: true, overwriteOnly: true });
  assert.is(o.trailerWrites.length, 1);
});

test('imgtool-flags options imgtool refuses: -L with -F, custom TLV clashing or twice, --vector-to-sign outputs', async () => {
  const p = flagsFile('payload.bin');
  const base = { crypto, signer: createPemSigner(flagsText('keys/ed25519.pem')), headerSize: 0x200, padHeader: true, version: '2.7.1+99' } as const;
  assert.is(await codeOf(signImage(p, { ...base, loadAddr: 0x20000000, romFixed: 0x10000 })), 'IMAGE_BAD_OPTIONS');
  assert.is(await codeOf(signImage(p, { ...base, customTlvs: [{ type: 0xa0, value: Uint8Array.of(1) }, { type: 0xa0, value: Uint8Array.of(2) }] })), 'IMAGE_BAD_OPTIONS');
  assert.is(await codeOf(signImage(p, { ...base, customTlvs: [{ type: 0x74, value: Uint8Array.of(1) }] })), 'IMAGE_BAD_OPTIONS');
  const d = await createSignedImage(p, { ...base, vectorToSign: 'digest' });
  assert.is(toHex(d.bytes), '0b3d5bb2b6a6fb5c56cbdd9408d94003bfadcf0d9816582792d41b4661c84c12');
  const pl = await createSignedImage(p, { ...base, vectorToSign: 'payload' });
  assert.is(pl.bytes.length, 0x200 + p.length);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStreamVerifier, type StreamVerifierOptions } from '../../../src/fota/mcuboot/stream-verifier.ts';
import { signImage } from '../../../src/fota/mcuboot/sign.ts';
import { nodeCrypto as crypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner } from '../../../src/boards/image-keys.ts';
import { REFERENCE_IMAGES, imageErrorCodeOf, imageErrorCodeOfAsync, vector, vectorText } from './vectors.ts';

const ed25519Key = () => [vector('keys/ed25519.pub.der')];

function feed(img: Uint8Array, options: StreamVerifierOptions, chunks: number | number[]) {
  const v = createStreamVerifier(options);
  let o = 0;
  let i = 0;
  while (o < img.length) {
    const n = typeof chunks === 'number' ? chunks : chunks[i++ % chunks.length]!;
    v.update(img.subarray(o, o + n));
    o += n;
  }
  return v;
}

const codeOfSync = imageErrorCodeOf;

const codeOf = imageErrorCodeOfAsync;

test('gives the same valid verdict whatever the chunk boundaries', async () => {
  for (const { name, key } of REFERENCE_IMAGES) {
    const img = vector(`img/${name}.bin`);
    const options = { crypto, trustedKeys: key ? [vector(`keys/${key}.pub.der`)] : [], allowUnsigned: !key };
    for (const chunks of [3, 31, 32, 33, 4096, [1, 2, 500, 7, 65536], img.length]) {
      const v = await feed(img, options, chunks).finish();
      assert.is(v.valid, true, `${name} ${chunks}`);
      assert.is(v.imageSize, 100000 + 512 + (img.length === 458752 ? 144 : img.length - 100512));
    }
  }
});

test("keeps nothing of the caller's buffer: one receive buffer reused for every chunk still verifies", async () => {
  const img = vector('img/ed25519_basic.bin');
  const v = createStreamVerifier({ crypto, trustedKeys: ed25519Key() });
  const buffer = new Uint8Array(64); // smaller than the TLV area, so it spans chunks
  for (let o = 0; o < img.length; o += buffer.length) {
    const n = Math.min(buffer.length, img.length - o);
    buffer.set(img.subarray(o, o + n));
    v.update(buffer.subarray(0, n));
    buffer.fill(0xee);
  }
  assert.is((await v.finish()).valid, true);
});

test('takes one byte at a time', async () => {
  const img = vector('img/ed25519_basic.bin');
  const v = await feed(img, { crypto, trustedKeys: ed25519Key() }, 1).finish();
  assert.is(v.valid, true);
});

test('knows the header at byte 32 and the image length once the TLV info arrived', () => {
  const img = vector('img/ed25519_basic.bin');
  const v = createStreamVerifier({ crypto, trustedKeys: ed25519Key() });
  v.update(img.subarray(0, 31));
  assert.is(v.header, undefined);
  v.update(img.subarray(31, 32));
  assert.is(v.header!.imgSize, 100000);
  assert.is(v.expectedLength, undefined);
  v.update(img.subarray(32, 100512 + 4));
  assert.is(v.expectedLength, 100656);
  assert.is(v.complete, false);
  v.update(img.subarray(100512 + 4));
  assert.is(v.complete, true);
  assert.is(v.received, img.length);
});

test('rejects a bad magic at the first 32 bytes', () => {
  const v = createStreamVerifier({ crypto });
  assert.is(codeOfSync(() => v.update(vector('neg/ed25519_basic_badmagic.bin').subarray(0, 32))), 'IMAGE_BAD_MAGIC');
});

test('rejects an image larger than maxImageBytes at the header', () => {
  const v = createStreamVerifier({ crypto, maxImageBytes: 65536 });
  assert.is(codeOfSync(() => v.update(vector('img/ed25519_basic.bin').subarray(0, 32))), 'IMAGE_TOO_LARGE');
});

test('rejects a bad TLV area as soon as it arrived, before finish()', () => {
  const img = Uint8Array.from(vector('img/ed25519_basic.bin'));
  img[100512 + 40] = 0x50; // KEYHASH -> SEC_CNT, not allowed unprotected
  const v = createStreamVerifier({ crypto });
  v.update(img.subarray(0, 100600));
  assert.is(codeOfSync(() => v.update(img.subarray(100600))), 'IMAGE_TLV_NOT_ALLOWED');
});

test('finish() before the end is IMAGE_TRUNCATED; misuse is IMAGE_STREAM_STATE', async () => {
  const img = vector('img/ed25519_basic.bin');
  const cut = createStreamVerifier({ crypto, allowUnsigned: true });
  cut.update(img.subarray(0, img.length - 1));
  assert.is(await codeOf(cut.finish()), 'IMAGE_TRUNCATED');
  assert.is(await codeOf(createStreamVerifier({ crypto }).finish()), 'IMAGE_TRUNCATED');
  const v = feed(img, { crypto, allowUnsigned: true }, 65536);
  assert.is((await v.finish()).valid, true);
  assert.is(codeOfSync(() => v.update(new Uint8Array(1))), 'IMAGE_STREAM_STATE');
  assert.is(await codeOf(v.finish()), 'IMAGE_STREAM_STATE');
});

test('a pure image needs a re-read of the signed region', async () => {
  const s = createPemSigner(vectorText('keys/ed25519.pem'));
  const img = await signImage(vector('payload.bin'), { crypto, signer: s, headerSize: 0x200, padHeader: true, pure: true });
  const opts = { crypto, trustedKeys: ed25519Key(), hashAlgorithms: ['sha512'] as const };
  const without = await feed(img, opts, 4096).finish();
  assert.is(without.valid, false);
  assert.is(without.code, 'IMAGE_PURE_NEEDS_REREAD');
  const reads: number[][] = [];
  const reread = async (o: number, n: number) => {
    reads.push([o, n]);
    return img.subarray(o, o + n);
  };
  const withRead = await feed(img, { ...opts, reread }, 4096).finish();
  assert.is(withRead.valid, true);
  assert.equal(reads, [[0, 100512]]);
});

test('an image hashed with an algorithm not computed on the way needs reread, or computes both', async () => {
  const s = createPemSigner(vectorText('keys/ed25519.pem'));
  const img = await signImage(vector('payload.bin'), { crypto, signer: s, headerSize: 0x200, padHeader: true, hashAlgorithm: 'sha512' });
  const opts = { crypto, trustedKeys: ed25519Key() };
  assert.is((await feed(img, opts, 4096).finish()).code, 'IMAGE_NO_HASH');
  assert.is((await feed(img, { ...opts, hashAlgorithms: ['sha256', 'sha512'] }, 4096).finish()).valid, true);
  assert.is((await feed(img, { ...opts, reread: async (o, n) => img.subarray(o, o + n) }, 4096).finish()).valid, true);
});

test.run();

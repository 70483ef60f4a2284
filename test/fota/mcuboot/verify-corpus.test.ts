/**
 * The bad-input corpus: every single-byte change in the header and TLV areas of the reference
 * images (and of an image with protected TLVs), truncation at every TLV boundary, lying sizes, TLV
 * lengths past the area, thousands of TLVs. Every outcome must be a verdict or an ImageError with a
 * known code, never an untyped exception; exact codes are asserted where the change decides them.
 * verifyImage, the stream verifier and parseImage must agree on structural errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyImage } from '../../../src/fota/mcuboot/verify.ts';
import { createStreamVerifier } from '../../../src/fota/mcuboot/stream-verifier.ts';
import { parseImage } from '../../../src/fota/mcuboot/image.ts';
import { signImage } from '../../../src/fota/mcuboot/sign.ts';
import { ImageError, isImageErrorCode } from '../../../src/fota/mcuboot/errors.ts';
import { writeU16LE, writeU32LE } from '../../../src/hal/bytes.ts';
import { nodeCrypto as crypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner } from '../../../src/boards/image-keys.ts';
import type { VerifyOptions } from '../../../src/fota/mcuboot/verdict.ts';
import { vector, vectorText } from './vectors.ts';

/** Byte changes tried at every position. */
const MUTATIONS: Array<(b: number) => number> = [(b) => b ^ 0x01, (b) => b ^ 0x80, (b) => b ^ 0xff, () => 0x00];
const STREAM_CHUNK_BYTES = 4096;

type Outcome = string; // 'VALID' or an ImageError code

const untyped: string[] = [];
test.before.each(() => {
  untyped.length = 0;
});

async function outcome(bytes: Uint8Array, options: VerifyOptions, label: string): Promise<Outcome> {
  let viaVerify: Outcome;
  try {
    const v = await verifyImage(bytes, options);
    viaVerify = v.valid ? 'VALID' : v.code!;
    if (!v.valid && !isImageErrorCode(v.code!)) untyped.push(`${label}: verdict code ${v.code}`);
  } catch (e) {
    if (e instanceof ImageError && isImageErrorCode(e.code)) viaVerify = e.code;
    else {
      untyped.push(`${label}: ${(e as Error)?.stack ?? String(e)}`);
      return 'UNTYPED';
    }
  }
  // The stream verifier, fed in order, reaches the same outcome.
  let viaStream: Outcome;
  try {
    const s = createStreamVerifier({ ...options, reread: async (o, n) => bytes.subarray(o, o + n) });
    for (let o = 0; o < bytes.length && !s.complete; o += STREAM_CHUNK_BYTES) s.update(bytes.subarray(o, o + STREAM_CHUNK_BYTES));
    const v = await s.finish();
    viaStream = v.valid ? 'VALID' : v.code!;
  } catch (e) {
    if (e instanceof ImageError && isImageErrorCode(e.code)) viaStream = e.code;
    else {
      untyped.push(`${label} (stream): ${(e as Error)?.stack ?? String(e)}`);
      return 'UNTYPED';
    }
  }
  if (viaStream !== viaVerify) untyped.push(`${label}: verifyImage ${viaVerify} but stream ${viaStream}`);
  // The structural parser throws only ImageErrors, and the same one when the verdict was structural.
  try {
    parseImage(bytes);
  } catch (e) {
    if (!(e instanceof ImageError)) untyped.push(`${label} (parse): ${String(e)}`);
    else if (e.code !== viaVerify) untyped.push(`${label}: parseImage ${e.code} but verify ${viaVerify}`);
  }
  return viaVerify;
}

interface Region {
  from: number;
  to: number;
  /** Exact expected outcome, or the set it must fall in. */
  expect: Outcome | ReadonlySet<Outcome>;
}

const STRUCTURAL = new Set([
  'IMAGE_BAD_HEADER',
  'IMAGE_TRUNCATED',
  'IMAGE_BAD_TLV_MAGIC',
  'IMAGE_TLV_OVERRUN',
  'IMAGE_TLV_NOT_ALLOWED',
  'IMAGE_BAD_TLV_LENGTH',
  'IMAGE_PROTECTED_SIZE_MISMATCH',
  'IMAGE_NO_HASH',
  'IMAGE_BAD_HASH',
  'IMAGE_UNKNOWN_KEY',
  'IMAGE_NO_SIGNATURE',
  'IMAGE_BAD_SIGNATURE',
]);

/** The header regions of any image: what a change there must give. */
function headerRegions(sizeChange: ReadonlySet<Outcome>): Region[] {
  return [
    { from: 0, to: 4, expect: 'IMAGE_BAD_MAGIC' },
    { from: 4, to: 8, expect: 'IMAGE_BAD_HASH' },
    { from: 8, to: 16, expect: sizeChange },
    { from: 16, to: 32, expect: 'IMAGE_BAD_HASH' },
    { from: 32, to: 40, expect: 'IMAGE_BAD_HASH' }, // header padding is hashed
    { from: 0x1f8, to: 0x200, expect: 'IMAGE_BAD_HASH' },
    { from: 0x200, to: 0x208, expect: 'IMAGE_BAD_HASH' }, // body
  ];
}

/** The unprotected TLV regions: info header, each entry's header, each value. */
function tlvRegions(bytes: Uint8Array, signed: boolean, padded: boolean): Region[] {
  const img = parseImage(bytes);
  const a = img.unprotectedArea;
  const regions: Region[] = [
    { from: a.offset, to: a.offset + 2, expect: new Set(['IMAGE_BAD_TLV_MAGIC', 'IMAGE_PROTECTED_SIZE_MISMATCH']) },
    { from: a.offset + 2, to: a.offset + 4, expect: new Set(['IMAGE_TRUNCATED', 'IMAGE_TLV_OVERRUN', ...(padded ? ['IMAGE_TLV_NOT_ALLOWED'] : [])]) },
  ];
  for (const t of a.entries) {
    regions.push({ from: t.offset, to: t.offset + 4, expect: STRUCTURAL });
    const v = t.offset + 4;
    const e = v + t.value.length;
    if (t.type === 0x10) regions.push({ from: v, to: e, expect: 'IMAGE_BAD_HASH' });
    else if (t.type === 0x01 && signed) regions.push({ from: v, to: e, expect: 'IMAGE_UNKNOWN_KEY' });
    else if (signed) regions.push({ from: v, to: e, expect: 'IMAGE_BAD_SIGNATURE' });
  }
  return regions;
}

async function runMutations(name: string, bytes: Uint8Array, options: VerifyOptions, regions: Region[]): Promise<number> {
  let n = 0;
  for (const r of regions) {
    for (let i = r.from; i < r.to; i++) {
      for (const m of MUTATIONS) {
        const b = Uint8Array.from(bytes);
        const changed = m(b[i]!) & 0xff;
        if (changed === b[i]) continue;
        b[i] = changed;
        const label = `${name} byte ${i} ${bytes[i]!.toString(16)}->${changed.toString(16)}`;
        const got = await outcome(b, options, label);
        n++;
        if (typeof r.expect === 'string') assert.is(got, r.expect, label);
        else assert.ok(r.expect.has(got), `${label}: ${got}`);
      }
    }
  }
  return n;
}

const SIZE_FIELDS = new Set(['IMAGE_BAD_HEADER', 'IMAGE_TRUNCATED', 'IMAGE_BAD_TLV_MAGIC', 'IMAGE_PROTECTED_SIZE_MISMATCH']);

const SIGNED = [
  ['ed25519_basic', 'ed25519'],
  ['ecdsa-p256_basic', 'ecdsa-p256'],
  ['rsa-2048_basic', 'rsa-2048'],
] as const;

test('every single-byte change in header and TLVs of the signed reference images fails with the expected code', async () => {
  for (const [name, key] of SIGNED) {
    const bytes = vector(`img/${name}.bin`);
    const options = { crypto, trustedKeys: [vector(`keys/${key}.pub.der`)] };
    const n = await runMutations(name, bytes, options, [...headerRegions(SIZE_FIELDS), ...tlvRegions(bytes, true, false)]);
    assert.ok(n > 600, `${name}: ${n} mutations`);
  }
  assert.equal(untyped, []);
});

test('every single-byte change of the unsigned and the padded image fails with the expected code', async () => {
  const unsigned = vector('img/unsigned_basic.bin');
  await runMutations('unsigned_basic', unsigned, { crypto, allowUnsigned: true }, [...headerRegions(SIZE_FIELDS), ...tlvRegions(unsigned, false, false)]);
  const padded = vector('img/ed25519_pad.bin');
  const padSize = new Set([...SIZE_FIELDS, 'IMAGE_TLV_OVERRUN', 'IMAGE_TLV_NOT_ALLOWED', 'IMAGE_BAD_TLV_LENGTH']);
  await runMutations('ed25519_pad', padded, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] }, [
    ...headerRegions(padSize),
    ...tlvRegions(padded, true, true),
  ]);
  assert.equal(untyped, []);
});

async function protectedImage(): Promise<Uint8Array> {
  return signImage(vector('payload_small.bin'), {
    crypto,
    signer: createPemSigner(vectorText('keys/ed25519.pem')),
    headerSize: 0x200,
    padHeader: true,
    version: '1.2.3+4',
    securityCounter: 7,
    dependencies: [{ imageId: 1, version: { major: 1, minor: 0, revision: 0, build: 0 } }],
  });
}

test('every single-byte change of an image with protected TLVs fails with the expected code', async () => {
  const bytes = await protectedImage();
  const img = parseImage(bytes);
  const p = img.protectedArea!;
  const regions: Region[] = [
    ...headerRegions(SIZE_FIELDS).filter((r) => r.from < 0x200),
    { from: p.offset, to: p.offset + 2, expect: 'IMAGE_BAD_TLV_MAGIC' },
    { from: p.offset + 2, to: p.offset + 4, expect: new Set(['IMAGE_PROTECTED_SIZE_MISMATCH', 'IMAGE_TLV_OVERRUN']) },
    { from: p.offset + 4, to: p.offset + p.tlvTot, expect: new Set(['IMAGE_BAD_HASH', 'IMAGE_TLV_OVERRUN', 'IMAGE_BAD_TLV_LENGTH']) },
    ...tlvRegions(bytes, true, false),
  ];
  await runMutations('protected', bytes, { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] }, regions);
  assert.equal(untyped, []);
});

test('truncation at every TLV boundary is IMAGE_TRUNCATED', async () => {
  const images = [vector('img/ed25519_basic.bin'), vector('img/rsa-2048_basic.bin'), await protectedImage()];
  for (const bytes of images) {
    const img = parseImage(bytes);
    const cuts = new Set([0, 1, 31, 32, 100, img.header.hdrSize, img.header.hdrSize + 1, bytes.length - 1]);
    for (const area of [img.protectedArea, img.unprotectedArea]) {
      if (!area) continue;
      for (const d of [-1, 0, 1, 2, 3, 4]) cuts.add(area.offset + d);
      for (const t of area.entries) for (const d of [0, 1, 2, 3, 4, 5]) cuts.add(t.offset + d);
      cuts.add(area.offset + area.tlvTot - 1);
    }
    for (const cut of cuts) {
      assert.is(await outcome(bytes.subarray(0, cut), { crypto, allowUnsigned: true }, `cut at ${cut}`), 'IMAGE_TRUNCATED', `cut at ${cut}`);
    }
  }
  assert.equal(untyped, []);
});

function withU16(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const b = Uint8Array.from(bytes);
  writeU16LE(b, offset, value);
  return b;
}

function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const b = Uint8Array.from(bytes);
  writeU32LE(b, offset, value);
  return b;
}

test('lying protect_tlv_size, hdr_size and img_size give their codes', async () => {
  const opts = { crypto, trustedKeys: [vector('keys/ed25519.pub.der')] };
  const basic = vector('img/ed25519_basic.bin');
  const cases: Array<[string, Uint8Array, Outcome]> = [
    ['prot 1', withU16(basic, 10, 1), 'IMAGE_BAD_HEADER'],
    ['prot 3', withU16(basic, 10, 3), 'IMAGE_BAD_HEADER'],
    ['prot 4', withU16(basic, 10, 4), 'IMAGE_BAD_TLV_MAGIC'],
    ['prot 144', withU16(basic, 10, 144), 'IMAGE_BAD_TLV_MAGIC'],
    ['prot 0xffff', withU16(basic, 10, 0xffff), 'IMAGE_BAD_TLV_MAGIC'],
    ['hdr 0', withU16(basic, 8, 0), 'IMAGE_BAD_HEADER'],
    ['hdr 31', withU16(basic, 8, 31), 'IMAGE_BAD_HEADER'],
    ['hdr 0x100', withU16(basic, 8, 0x100), 'IMAGE_BAD_TLV_MAGIC'],
    ['hdr 0xffff', withU16(basic, 8, 0xffff), 'IMAGE_TRUNCATED'],
    ['img 0', withU32(basic, 12, 0), 'IMAGE_BAD_TLV_MAGIC'],
    ['img +1', withU32(basic, 12, 100001), 'IMAGE_BAD_TLV_MAGIC'],
    ['img +144', withU32(basic, 12, 100144), 'IMAGE_TRUNCATED'],
    ['img 0xffffffff', withU32(basic, 12, 0xffffffff), 'IMAGE_TRUNCATED'],
  ];
  const prot = await protectedImage();
  const protSize = parseImage(prot).header.protectTlvSize;
  cases.push(
    ['prot -4', withU16(prot, 10, protSize - 4), 'IMAGE_PROTECTED_SIZE_MISMATCH'],
    ['prot +4', withU16(prot, 10, protSize + 4), 'IMAGE_PROTECTED_SIZE_MISMATCH'],
    ['prot 0 with a protected area', withU16(prot, 10, 0), 'IMAGE_PROTECTED_SIZE_MISMATCH'],
  );
  for (const [label, bytes, expected] of cases) assert.is(await outcome(bytes, opts, label), expected, label);
  assert.equal(untyped, []);
});

test('TLV lengths past the area are IMAGE_TLV_OVERRUN', async () => {
  const basic = vector('img/ed25519_basic.bin');
  const a = parseImage(basic).unprotectedArea;
  for (const t of a.entries) {
    const room = a.offset + a.tlvTot - (t.offset + 4);
    for (const len of [room + 1, 0x7fff, 0xffff]) {
      assert.is(await outcome(withU16(basic, t.offset + 2, len), { crypto, allowUnsigned: true }, `len ${len}`), 'IMAGE_TLV_OVERRUN');
    }
  }
  assert.equal(untyped, []);
});

test('thousands of TLVs are IMAGE_TOO_MANY_TLVS in either area', async () => {
  const unsigned = vector('img/unsigned_basic.bin');
  const at = 100512;
  const n = 3000;
  // Unprotected: 3000 empty SHA256 entries.
  const many = new Uint8Array(at + 4 + 4 * n);
  many.set(unsigned.subarray(0, at));
  writeU16LE(many, at, 0x6907);
  writeU16LE(many, at + 2, 4 + 4 * n);
  for (let i = 0; i < n; i++) writeU16LE(many, at + 4 + 4 * i, 0x10);
  assert.is(await outcome(many, { crypto, allowUnsigned: true }, 'unprotected x3000'), 'IMAGE_TOO_MANY_TLVS');
  // Protected: 5000 empty custom entries, announced by the header.
  const m = 5000;
  const protTot = 4 + 4 * m;
  const prot = new Uint8Array(at + protTot + 40);
  prot.set(unsigned.subarray(0, at));
  writeU16LE(prot, 10, protTot);
  writeU16LE(prot, at, 0x6908);
  writeU16LE(prot, at + 2, protTot);
  for (let i = 0; i < m; i++) writeU16LE(prot, at + 4 + 4 * i, 0xa0);
  prot.set(unsigned.subarray(at, at + 40), at + protTot);
  assert.is(await outcome(prot, { crypto, allowUnsigned: true }, 'protected x5000'), 'IMAGE_TOO_MANY_TLVS');
  assert.equal(untyped, []);
});

test('random multi-byte damage to header and TLVs, fed in random chunks, gives only typed outcomes', async () => {
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const sources = [vector('img/ed25519_basic.bin'), vector('img/ecdsa-p256_basic.bin'), await protectedImage()];
  const seen = new Set<string>();
  for (let round = 0; round < 300; round++) {
    const src = sources[round % sources.length]!;
    const tlvAt = parseImage(src).header.hdrSize + parseImage(src).header.imgSize;
    const b = Uint8Array.from(src);
    const changes = 1 + rand(4);
    for (let k = 0; k < changes; k++) {
      const i = rand(2) === 0 ? rand(32) : tlvAt + rand(src.length - tlvAt);
      b[i] = rand(256);
    }
    const options = { crypto, trustedKeys: [vector('keys/ed25519.pub.der'), vector('keys/ecdsa-p256.pub.der')] };
    const label = `round ${round}`;
    const whole = await outcome(b, options, label);
    // The same bytes in random chunk sizes reach the same outcome.
    let chunked: string;
    try {
      const s = createStreamVerifier(options);
      for (let o = 0; o < b.length && !s.complete; ) {
        const n = 1 + rand(rand(2) === 0 ? 64 : 20000);
        s.update(b.subarray(o, o + n));
        o += n;
      }
      const v = await s.finish();
      chunked = v.valid ? 'VALID' : v.code!;
    } catch (e) {
      assert.instance(e, ImageError, label);
      chunked = (e as ImageError).code;
    }
    assert.is(chunked, whole, label);
    seen.add(whole);
  }
  assert.equal(untyped, []);
  assert.ok(seen.size >= 5, [...seen].join(' '));
});

test.run();

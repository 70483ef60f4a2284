import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import {
  BOOT_FLAG_BAD,
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_BAD,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_TEST,
  bootMagic,
  readTrailerState,
  trailerLayout,
  trailerStateFromBytes,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  writeSwapSize,
  areaTrailerLayout,
} from '../../../src/fota/mcuboot/trailer.ts';
import { MemArea } from './mem-flash.ts';
import { vector } from './vectors.ts';
import { maxAlignFromMagic } from '../../../src/fota/mcuboot/trailer.ts';
import { flagsFile } from './imgtool-flags.ts';

const SLOT = 0x70000;

// Golden layouts: [maxAlign, imageOk, copyDone, swapInfo, swapSize, magicBlock] for S = 0x70000.
const LAYOUTS: Array<[number, number, number, number, number, number]> = [
  [8, SLOT - 24, SLOT - 32, SLOT - 40, SLOT - 48, SLOT - 16],
  [16, SLOT - 32, SLOT - 48, SLOT - 64, SLOT - 80, SLOT - 16],
  [32, SLOT - 64, SLOT - 96, SLOT - 128, SLOT - 160, SLOT - 32],
];

for (const [a, imageOk, copyDone, swapInfo, swapSize, magicBlock] of LAYOUTS) {
  test(`layout for max-align ${a} puts each field where MCUboot does`, () => {
    const l = trailerLayout(SLOT, { maxAlign: a, writeAlignBytes: 4, maxImgSectors: 112 });
    assert.is(l.imageOkOff, imageOk);
    assert.is(l.copyDoneOff, copyDone);
    assert.is(l.swapInfoOff, swapInfo);
    assert.is(l.swapSizeOff, swapSize);
    assert.is(l.magicBlockOff, magicBlock);
    assert.is(l.magicOff, SLOT - 16);
    assert.is(l.statusBytes, 112 * 3 * 4);
    assert.is(l.statusOff, swapSize - 112 * 3 * 4);
    assert.is(l.trailerBytes, 112 * 3 * 4 + 4 * a + Math.max(16, a));
  });
}

test('trailer size matches imgtool size check (M=128, align 1, A=8): 432 bytes', () => {
  assert.is(trailerLayout(SLOT).trailerBytes, 128 * 3 + 32 + 16);
});

test('boot magic for each max-align', () => {
  assert.equal(bootMagic(8), fromHex('77c295f360d2ef7f3552500f2cb67980'));
  assert.equal(bootMagic(16), fromHex('10002de15d29410b8d77679c110f1f8a'));
  assert.equal(bootMagic(32), fromHex('20002de15d29410b8d77679c110f1f8a'));
});

test('rejects unsupported max-align, write unit and a slot too small', () => {
  for (const bad of [
    () => bootMagic(4),
    () => trailerLayout(SLOT, 12),
    () => trailerLayout(SLOT, { maxAlign: 8, writeAlignBytes: 16 }),
    () => trailerLayout(SLOT, { writeAlignBytes: 3 }),
    () => trailerLayout(100),
  ]) {
    try {
      bad();
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, FotaError);
      assert.is((e as FotaError).code, 'TRAILER_BAD_ARGUMENT');
    }
  }
});

test('reads imgtool --pad trailer: magic good, flags unset, swap_size erased', () => {
  const img = vector('img/ed25519_pad.bin');
  assert.is(img.length, SLOT);
  const s = trailerStateFromBytes(img);
  assert.equal(s, { magic: BOOT_MAGIC_GOOD, imageOk: BOOT_FLAG_UNSET, copyDone: BOOT_FLAG_UNSET, swapType: BOOT_SWAP_TYPE_NONE, imageNum: 0, swapSize: null });
  assert.equal(img.subarray(trailerLayout(SLOT).magicOff), bootMagic(8));
});

test('reads imgtool --confirm trailer: image_ok set at S-24', () => {
  const img = vector('img/ed25519_confirm.bin');
  const s = trailerStateFromBytes(img);
  assert.is(s.magic, BOOT_MAGIC_GOOD);
  assert.is(s.imageOk, BOOT_FLAG_SET);
  assert.is(s.copyDone, BOOT_FLAG_UNSET);
  assert.is(img[SLOT - 24], 0x01);
});

test('the padded reference image read with max-align 16 has a BAD magic', () => {
  const img = vector('img/ed25519_pad.bin');
  assert.is(trailerStateFromBytes(img, { maxAlign: 16 }).magic, BOOT_MAGIC_BAD);
});

test('image_ok 0x02 reads BAD, swap_info type above REVERT reads NONE image 0', () => {
  const l = trailerLayout(4096);
  const slot = new Uint8Array(4096).fill(0xff);
  slot[l.imageOkOff] = 0x02;
  slot[l.swapInfoOff] = 0x17;
  const s = trailerStateFromBytes(slot);
  assert.is(s.imageOk, BOOT_FLAG_BAD);
  assert.is(s.swapType, BOOT_SWAP_TYPE_NONE);
  assert.is(s.imageNum, 0);
  assert.is(s.magic, BOOT_MAGIC_UNSET);
});

for (const erased of [0xff, 0x00]) {
  for (const a of [8, 16, 32]) {
    test(`writes and reads back every field (erased 0x${erased.toString(16)}, max-align ${a})`, async () => {
      const area = new MemArea({ size: 16384, erasedValue: erased, writeAlignBytes: 4 });
      const l = areaTrailerLayout(area, { maxAlign: a });
      let s = await readTrailerState(area, { maxAlign: a });
      assert.equal(s, { magic: BOOT_MAGIC_UNSET, imageOk: BOOT_FLAG_UNSET, copyDone: BOOT_FLAG_UNSET, swapType: BOOT_SWAP_TYPE_NONE, imageNum: 0, swapSize: null });
      await writeSwapInfo(area, l, BOOT_SWAP_TYPE_PERM, 1);
      await writeSwapSize(area, l, 0x12345);
      await writeImageOk(area, l);
      await writeMagic(area, l);
      s = await readTrailerState(area, { maxAlign: a });
      assert.equal(s, { magic: BOOT_MAGIC_GOOD, imageOk: BOOT_FLAG_SET, copyDone: BOOT_FLAG_UNSET, swapType: BOOT_SWAP_TYPE_PERM, imageNum: 1, swapSize: 0x12345 });
      // The flag write is one write unit: 0x01 then erased padding.
      assert.equal(area.bytes.subarray(l.imageOkOff, l.imageOkOff + 4), Uint8Array.of(1, erased, erased, erased));
      assert.equal(area.bytes.subarray(l.magicOff), bootMagic(a));
      // Reading the same bytes as a slot image gives the same state.
      assert.equal(trailerStateFromBytes(area.bytes, { maxAlign: a, erasedValue: erased }), s);
    });
  }
}

test('swap_info TEST for image 0 reads back as TEST', async () => {
  const area = new MemArea({ size: 8192 });
  const l = areaTrailerLayout(area);
  await writeSwapInfo(area, l, BOOT_SWAP_TYPE_TEST, 0);
  assert.is(area.bytes[l.swapInfoOff], 0x02);
  assert.is((await readTrailerState(area)).swapType, BOOT_SWAP_TYPE_TEST);
});

test('maxAlignFromMagic: 8 for the historic magic, 16 and 32 from the u16 before the tail, undefined otherwise', () => {
  assert.is(maxAlignFromMagic(flagsFile('img/ed_test.bin')), 8);
  assert.is(maxAlignFromMagic(flagsFile('img/ed_align16_confirm.bin')), 16);
  assert.is(maxAlignFromMagic(flagsFile('img/ed_align8_maxalign32_confirm.bin')), 32);
  assert.is(maxAlignFromMagic(new Uint8Array(64).fill(0xff)), undefined);
  const odd = Uint8Array.from(flagsFile('img/ed_align16_confirm.bin'));
  odd[odd.length - 16] = 12; // an alignment MCUboot does not support
  assert.is(maxAlignFromMagic(odd), undefined);
  assert.is(maxAlignFromMagic(new Uint8Array(4)), undefined);
});

test('MCUBOOT_ENC_IMAGES trailer: two key fields of align_up(key, A) below swap_size, the status area below them', () => {
  const plain = trailerLayout(0x2000, { maxAlign: 8, writeAlignBytes: 4 });
  const enc = trailerLayout(0x2000, { maxAlign: 8, writeAlignBytes: 4, encKeyBytes: 16 });
  assert.equal(enc.encKeyOffs, [enc.swapSizeOff - 16, enc.swapSizeOff - 32]);
  assert.is(enc.statusOff, plain.statusOff - 32);
  assert.is(enc.trailerBytes, plain.trailerBytes + 32);
  const enc32 = trailerLayout(0x2000, { maxAlign: 32, writeAlignBytes: 4, encKeyBytes: 32 });
  assert.is(enc32.encKeyFieldBytes, 32);
  assert.equal(plain.encKeyOffs, []);
  assert.throws(() => trailerLayout(0x2000, { encKeyBytes: 24 }), (e: unknown) => (e as FotaError).code === 'TRAILER_BAD_ARGUMENT');
});

test.run();

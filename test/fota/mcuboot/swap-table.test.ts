import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlashError } from '../../../src/hal/errors.ts';
import type { FlashArea } from '../../../src/hal/flash.ts';
import {
  BOOT_SWAP_TABLES,
  EMPTY_TRAILER_STATE,
  matchSwapTable,
  swapType,
  swapTypeFromStates,
} from '../../../src/fota/mcuboot/swap-table.ts';
import {
  areaTrailerLayout,
  BOOT_FLAG_BAD,
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_BAD,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PANIC,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  type TrailerState,
  writeCopyDone,
  writeMagic,
} from '../../../src/fota/mcuboot/trailer.ts';
import { MemArea } from './mem-flash.ts';

const st = (magic: number, imageOk = BOOT_FLAG_UNSET, copyDone = BOOT_FLAG_UNSET): TrailerState => ({
  ...EMPTY_TRAILER_STATE,
  magic,
  imageOk,
  copyDone,
});

// [name, primary, secondary, expected]
const CASES: Array<[string, TrailerState, TrailerState, number]> = [
  ['row TEST: secondary magic good, image_ok unset', st(BOOT_MAGIC_UNSET), st(BOOT_MAGIC_GOOD), BOOT_SWAP_TYPE_TEST],
  ['row TEST ignores the primary entirely', st(BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET), st(BOOT_MAGIC_GOOD), BOOT_SWAP_TYPE_TEST],
  ['row PERM: secondary magic good, image_ok set', st(BOOT_MAGIC_BAD), st(BOOT_MAGIC_GOOD, BOOT_FLAG_SET), BOOT_SWAP_TYPE_PERM],
  ['row REVERT: primary good, image_ok unset, copy_done set', st(BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET), st(BOOT_MAGIC_UNSET), BOOT_SWAP_TYPE_REVERT],
  ['REVERT row does not care about a BAD secondary magic', st(BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET), st(BOOT_MAGIC_BAD), BOOT_SWAP_TYPE_REVERT],
  ['confirmed primary after a swap: NONE', st(BOOT_MAGIC_GOOD, BOOT_FLAG_SET, BOOT_FLAG_SET), st(BOOT_MAGIC_UNSET), BOOT_SWAP_TYPE_NONE],
  ['primary good, copy_done unset (imgtool --pad image): NONE', st(BOOT_MAGIC_GOOD), st(BOOT_MAGIC_UNSET), BOOT_SWAP_TYPE_NONE],
  ['BAD secondary image_ok (0x02) matches neither TEST nor PERM: NONE', st(BOOT_MAGIC_UNSET), st(BOOT_MAGIC_GOOD, BOOT_FLAG_BAD), BOOT_SWAP_TYPE_NONE],
  ['secondary magic BAD: NONE', st(BOOT_MAGIC_UNSET), st(BOOT_MAGIC_BAD, BOOT_FLAG_SET), BOOT_SWAP_TYPE_NONE],
  ['primary copy_done BAD: no REVERT', st(BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_BAD), st(BOOT_MAGIC_UNSET), BOOT_SWAP_TYPE_NONE],
  ['both erased: NONE', st(BOOT_MAGIC_UNSET), st(BOOT_MAGIC_UNSET), BOOT_SWAP_TYPE_NONE],
];

for (const [name, p, s, want] of CASES) {
  test(name, () => {
    assert.is(swapTypeFromStates(p, s), want);
  });
}

test('the table is data: three rows for swap builds, the offset row first', () => {
  assert.is(BOOT_SWAP_TABLES.length, 4);
  assert.equal(BOOT_SWAP_TABLES.filter((r) => !r.swapUsingOffsetOnly).map((r) => r.swapType), [BOOT_SWAP_TYPE_TEST, BOOT_SWAP_TYPE_PERM, BOOT_SWAP_TYPE_REVERT]);
  assert.ok(BOOT_SWAP_TABLES[0]!.swapUsingOffsetOnly);
});

test('offset row: secondary good, image_ok unset, copy_done set is REVERT only in offset mode', () => {
  const s = st(BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET);
  assert.is(swapTypeFromStates(st(BOOT_MAGIC_UNSET), s), BOOT_SWAP_TYPE_TEST);
  assert.is(swapTypeFromStates(st(BOOT_MAGIC_UNSET), s, { swapUsingOffset: true }), BOOT_SWAP_TYPE_REVERT);
  assert.is(matchSwapTable(st(BOOT_MAGIC_UNSET), st(BOOT_MAGIC_UNSET)), undefined);
});

test('swapType over flash: pending secondary gives TEST', async () => {
  const p = new MemArea({ size: 16384 });
  const s = new MemArea({ size: 16384 });
  await writeMagic(s, areaTrailerLayout(s));
  assert.is(await swapType(p, s), BOOT_SWAP_TYPE_TEST);
  await writeMagic(p, areaTrailerLayout(p));
  await writeCopyDone(p, areaTrailerLayout(p));
  assert.is(await swapType(p, new MemArea({ size: 16384 })), BOOT_SWAP_TYPE_REVERT);
});

function failingArea(base: MemArea): FlashArea {
  return Object.assign(Object.create(base) as FlashArea, {
    read: async () => {
      throw new FlashError('FLASH_READ_FAILED', 'test.read: failed');
    },
  });
}

test('swapType: read error on the primary is PANIC, on the secondary reads as empty', async () => {
  const p = new MemArea({ size: 16384 });
  const s = new MemArea({ size: 16384 });
  await writeMagic(s, areaTrailerLayout(s));
  assert.is(await swapType(failingArea(p), s), BOOT_SWAP_TYPE_PANIC);
  await writeMagic(p, areaTrailerLayout(p));
  await writeCopyDone(p, areaTrailerLayout(p));
  assert.is(await swapType(p, failingArea(s)), BOOT_SWAP_TYPE_REVERT);
});

test.run();

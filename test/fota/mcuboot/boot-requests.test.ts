import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootSetConfirmed, bootSetPending } from '../../../src/fota/mcuboot/boot-requests.ts';
import { swapType } from '../../../src/fota/mcuboot/swap-table.ts';
import {
  areaTrailerLayout,
  BOOT_EBADIMAGE,
  BOOT_EBADVECT,
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
  writeCopyDone,
  writeMagic,
} from '../../../src/fota/mcuboot/trailer.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import { MemArea } from './mem-flash.ts';

const SIZE = 16384;

for (const erased of [0xff, 0x00]) {
  test(`set_pending test: magic, then swap_info TEST for the image, no image_ok (erased 0x${erased.toString(16)})`, async () => {
    const s = new MemArea({ size: SIZE, erasedValue: erased });
    const ops0 = s.rail.ops;
    assert.is(await bootSetPending(s, 0, false), 0);
    assert.is(s.rail.ops - ops0, 2);
    const t = await readTrailerState(s);
    assert.is(t.magic, BOOT_MAGIC_GOOD);
    assert.is(t.imageOk, BOOT_FLAG_UNSET);
    assert.is(t.swapType, BOOT_SWAP_TYPE_TEST);
    assert.is(s.bytes[areaTrailerLayout(s).swapInfoOff], 0x02);
    assert.is(await swapType(new MemArea({ size: SIZE, erasedValue: erased }), s), BOOT_SWAP_TYPE_TEST);
  });
}

test('set_pending permanent for image 1: image_ok set, swap_info 0x13', async () => {
  const s = new MemArea({ size: SIZE });
  assert.is(await bootSetPending(s, 1, true), 0);
  const l = areaTrailerLayout(s);
  assert.is(s.bytes[l.swapInfoOff], 0x13);
  assert.equal(s.bytes.subarray(l.imageOkOff, l.imageOkOff + 4), Uint8Array.of(1, 0xff, 0xff, 0xff));
  const t = await readTrailerState(s);
  assert.is(t.imageOk, BOOT_FLAG_SET);
  assert.is(t.swapType, BOOT_SWAP_TYPE_PERM);
});

test('set_pending on an already pending slot writes nothing and returns 0', async () => {
  const s = new MemArea({ size: SIZE });
  await bootSetPending(s, 0, false);
  const ops = s.rail.ops;
  assert.is(await bootSetPending(s, 0, true), 0);
  assert.is(s.rail.ops, ops);
  assert.is((await readTrailerState(s)).swapType, BOOT_SWAP_TYPE_TEST);
});

test('set_pending on a BAD magic returns BOOT_EBADIMAGE and writes nothing', async () => {
  const s = new MemArea({ size: SIZE });
  s.bytes[SIZE - 1] = 0x00;
  const ops = s.rail.ops;
  assert.is(await bootSetPending(s, 0, false), BOOT_EBADIMAGE);
  assert.is(BOOT_EBADIMAGE, 3);
  assert.is(s.rail.ops, ops);
});

test('set_confirmed writes image_ok when magic good and image_ok unset, without looking at copy_done', async () => {
  const p = new MemArea({ size: SIZE });
  await writeMagic(p, areaTrailerLayout(p));
  assert.is(await bootSetConfirmed(p), 0);
  assert.is((await readTrailerState(p)).imageOk, BOOT_FLAG_SET);
  const ops = p.rail.ops;
  assert.is(await bootSetConfirmed(p), 0);
  assert.is(p.rail.ops, ops, 'already confirmed: nothing written');
});

test('set_confirmed after a test swap (copy_done set) confirms', async () => {
  const p = new MemArea({ size: SIZE });
  await writeMagic(p, areaTrailerLayout(p));
  await writeCopyDone(p, areaTrailerLayout(p));
  assert.is(await bootSetConfirmed(p, 0), 0);
  assert.is((await readTrailerState(p)).imageOk, BOOT_FLAG_SET);
});

test('set_confirmed with magic unset does nothing and returns 0', async () => {
  const p = new MemArea({ size: SIZE });
  assert.is(await bootSetConfirmed(p), 0);
  assert.is(p.rail.ops, 0);
});

test('set_confirmed with BAD magic returns BOOT_EBADVECT', async () => {
  const p = new MemArea({ size: SIZE });
  p.bytes[SIZE - 16] = 0x12;
  assert.is(await bootSetConfirmed(p), BOOT_EBADVECT);
  assert.is(BOOT_EBADVECT, 4);
  assert.is(p.rail.ops, 0);
});

test('rejects an image index that does not fit swap_info', async () => {
  try {
    await bootSetPending(new MemArea({ size: SIZE }), 16, false);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'BOOT_BAD_ARGUMENT');
  }
});

test.run();

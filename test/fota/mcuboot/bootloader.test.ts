import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootSetConfirmed, bootSetPending } from '../../../src/fota/mcuboot/boot-requests.ts';
import { Bootloader, bootloaderFromFlashMap, bootMaxImageBytes, type BootStrategyName } from '../../../src/fota/mcuboot/bootloader.ts';
import { SimFlash } from '../../../src/hal/sim/flash.ts';
import { NRF52833_PROFILE } from '../../../src/hal/sim/profiles.ts';
import {
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_FAIL,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PANIC,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
} from '../../../src/fota/mcuboot/trailer.ts';
import { FlashError, FotaError } from '../../../src/hal/errors.ts';
import { makeImage, stageImage, validate } from './boot-fixtures.ts';
import { MemArea, memSlots } from './mem-flash.ts';

const SECTOR = 4096;
const SLOT = 12 * SECTOR;

async function board(strategy: BootStrategyName = 'swap-move', erasedValue = 0xff, maxAlign = 8) {
  const { primary, secondary, rail } = memSlots(SLOT, { eraseBlockBytes: SECTOR, writeAlignBytes: 4, erasedValue });
  const scratch = new MemArea({ label: 'scratch_partition', size: 2 * SECTOR, eraseBlockBytes: SECTOR, writeAlignBytes: 4, erasedValue, rail });
  const old = await makeImage('1.0.0', 9000, 1);
  const neu = await makeImage('2.0.0', 11000, 2);
  await stageImage(primary, old);
  const bl = new Bootloader({ primary, secondary, scratch, strategy, validate, maxAlign });
  return { primary, secondary, rail, old, neu, bl };
}

test('nothing pending: boots the primary, swap NONE', async () => {
  const b = await board();
  const r = await b.bl.boot();
  assert.equal(r, { booted: true, slot: 'primary', version: '1.0.0+0', swapType: BOOT_SWAP_TYPE_NONE, swap: 'none', resumed: false });
});

for (const erased of [0xff, 0x00]) {
  test(`swap-move test upgrade boots the new image, then reverts when not confirmed (erased 0x${erased.toString(16)})`, async () => {
    const b = await board('swap-move', erased);
    await stageImage(b.secondary, b.neu);
    assert.is(await bootSetPending(b.secondary, 0, false), 0);
    let r = await b.bl.boot();
    assert.is(r.version, '2.0.0+0');
    assert.is(r.swapType, BOOT_SWAP_TYPE_TEST);
    const p = await readTrailerState(b.primary);
    assert.equal([p.magic, p.imageOk, p.copyDone], [BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET]);
    assert.is((await readTrailerState(b.secondary)).magic, BOOT_MAGIC_UNSET);
    assert.is((await validate(b.secondary)).version, '1.0.0+0', 'the old image now lives in the secondary');
    r = await b.bl.boot();
    assert.is(r.version, '1.0.0+0');
    assert.is(r.swapType, BOOT_SWAP_TYPE_REVERT);
    r = await b.bl.boot();
    assert.is(r.version, '1.0.0+0');
    assert.is(r.swapType, BOOT_SWAP_TYPE_NONE);
    assert.is((await validate(b.secondary)).version, '2.0.0+0');
  });
}

for (const [strategy, maxAlign] of [['swap-scratch', 8], ['swap-move', 32], ['swap-scratch', 16]] as const) {
  test(`${strategy} (max-align ${maxAlign}): test upgrade, revert, then a permanent upgrade`, async () => {
    const b = await board(strategy, 0xff, maxAlign);
    await stageImage(b.secondary, b.neu);
    assert.is(await bootSetPending(b.secondary, 0, false, { maxAlign }), 0);
    let r = await b.bl.boot();
    assert.equal([r.version, r.swap], ['2.0.0+0', 'test']);
    const p = await readTrailerState(b.primary, { maxAlign });
    assert.equal([p.magic, p.imageOk, p.copyDone], [BOOT_MAGIC_GOOD, BOOT_FLAG_UNSET, BOOT_FLAG_SET]);
    r = await b.bl.boot();
    assert.equal([r.version, r.swap], ['1.0.0+0', 'revert']);
    await stageImage(b.secondary, b.neu);
    assert.is(await bootSetPending(b.secondary, 0, true, { maxAlign }), 0);
    r = await b.bl.boot();
    assert.equal([r.version, r.swap], ['2.0.0+0', 'perm']);
    r = await b.bl.boot();
    assert.equal([r.version, r.swap], ['2.0.0+0', 'none']);
  });
}

test('swap-scratch without a scratch partition is refused with BOOT_NO_SCRATCH', () => {
  const { primary, secondary } = memSlots(SLOT, { eraseBlockBytes: SECTOR });
  try {
    new Bootloader({ primary, secondary, strategy: 'swap-scratch', validate });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'BOOT_NO_SCRATCH');
  }
});

test('a swap cut by a power failure resumes at the next boot', async () => {
  const b = await board();
  await stageImage(b.secondary, b.neu);
  await bootSetPending(b.secondary, 0, false);
  b.rail.cutAt = b.rail.ops + 20;
  try {
    await b.bl.boot();
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'POWER_CUT');
  }
  b.rail.powerOn();
  const r = await b.bl.boot();
  assert.equal([r.version, r.swap, r.resumed], ['2.0.0+0', 'test', true]);
  assert.is((await validate(b.secondary)).version, '1.0.0+0');
});

test('swap-move test upgrade confirmed by the app stays', async () => {
  const b = await board();
  await stageImage(b.secondary, b.neu);
  await bootSetPending(b.secondary, 0, false);
  assert.is((await b.bl.boot()).version, '2.0.0+0');
  assert.is(await bootSetConfirmed(b.primary), 0);
  for (let i = 0; i < 2; i++) {
    const r = await b.bl.boot();
    assert.is(r.version, '2.0.0+0');
    assert.is(r.swapType, BOOT_SWAP_TYPE_NONE);
  }
});

test('swap-move permanent upgrade: image_ok carried into the primary, no revert', async () => {
  const b = await board();
  await stageImage(b.secondary, b.neu);
  await bootSetPending(b.secondary, 0, true);
  const r = await b.bl.boot();
  assert.is(r.swapType, BOOT_SWAP_TYPE_PERM);
  assert.is((await readTrailerState(b.primary)).imageOk, BOOT_FLAG_SET);
  assert.is((await b.bl.boot()).version, '2.0.0+0');
});

test('invalid secondary (body byte flipped): erased, swap FAIL, old image boots', async () => {
  const b = await board();
  const bad = b.neu.slice();
  bad[0x200 + 100] ^= 0x01;
  await stageImage(b.secondary, bad);
  await bootSetPending(b.secondary, 0, false);
  const r = await b.bl.boot();
  assert.equal(r, { booted: true, slot: 'primary', version: '1.0.0+0', swapType: BOOT_SWAP_TYPE_FAIL, swap: 'fail', resumed: false, reason: 'IMAGE_BAD_HASH' });
  assert.ok(b.secondary.bytes.every((x) => x === 0xff), 'secondary erased');
  assert.is((await b.bl.boot()).swapType, BOOT_SWAP_TYPE_NONE);
});

test('secondary signed by an untrusted key is rejected with IMAGE_UNKNOWN_KEY', async () => {
  const b = await board();
  const bad = b.neu.slice();
  bad[bad.length - 70] ^= 0x40; // inside the KEYHASH TLV
  await stageImage(b.secondary, bad);
  await bootSetPending(b.secondary, 0, true);
  const r = await b.bl.boot();
  assert.is(r.swapType, BOOT_SWAP_TYPE_FAIL);
  assert.is(r.reason, 'IMAGE_UNKNOWN_KEY');
  assert.is(r.version, '1.0.0+0');
});

test('image larger than the strategy allows is rejected before any swap', async () => {
  const b = await board();
  const big = await makeImage('3.0.0', SLOT - 2 * SECTOR, 3);
  assert.ok(big.length > b.bl.maxImageBytes());
  await stageImage(b.secondary, big);
  await bootSetPending(b.secondary, 0, false);
  const r = await b.bl.boot();
  assert.is(r.swapType, BOOT_SWAP_TYPE_FAIL);
  assert.is(r.reason, 'IMAGE_TOO_LARGE');
  assert.is(r.version, '1.0.0+0');
});

test('no valid image anywhere: the board does not boot (BOOT_NO_VALID_IMAGE)', async () => {
  const { primary, secondary } = memSlots(SLOT, { eraseBlockBytes: SECTOR });
  const r = await new Bootloader({ primary, secondary, strategy: 'swap-move', validate }).boot();
  assert.equal(r, { booted: false, code: 'BOOT_NO_VALID_IMAGE', swapType: BOOT_SWAP_TYPE_NONE, swap: 'none', resumed: false, reason: 'IMAGE_BAD_MAGIC' });
});

test('a read error on the primary: the bootloader panics and boots nothing (BOOT_PANIC)', async () => {
  const b = await board();
  const broken = Object.assign(Object.create(b.primary) as MemArea, {
    read: async () => {
      throw new FlashError('FLASH_READ_FAILED', 'test.read: failed');
    },
  });
  const r = await new Bootloader({ primary: broken, secondary: b.secondary, strategy: 'swap-move', validate }).boot();
  assert.equal(r, { booted: false, code: 'BOOT_PANIC', swapType: BOOT_SWAP_TYPE_PANIC, swap: 'panic', resumed: false, reason: 'FLASH_READ_FAILED' });
});

test('overwrite-only: a test request is installed for good, no revert, confirm is a no-op', async () => {
  const b = await board('overwrite-only');
  await stageImage(b.secondary, b.neu);
  await bootSetPending(b.secondary, 0, false);
  let r = await b.bl.boot();
  assert.is(r.version, '2.0.0+0');
  assert.is(r.swapType, BOOT_SWAP_TYPE_TEST);
  assert.is((await readTrailerState(b.secondary)).magic, BOOT_MAGIC_UNSET);
  const ops = b.rail.ops;
  assert.is(await bootSetConfirmed(b.primary), 0);
  assert.is(b.rail.ops, ops);
  r = await b.bl.boot();
  assert.is(r.version, '2.0.0+0');
  assert.is(r.swapType, BOOT_SWAP_TYPE_NONE);
});

test('slots of different sizes are refused with BOOT_BAD_GEOMETRY', () => {
  try {
    new Bootloader({ primary: new MemArea({ size: SLOT }), secondary: new MemArea({ size: SLOT + SECTOR }), strategy: 'swap-move', validate });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'BOOT_BAD_GEOMETRY');
  }
});

test('max image bytes per strategy on the nRF52833 profile (216 KiB slots, 4 KiB pages)', () => {
  const flash = new SimFlash({ profile: NRF52833_PROFILE, persist: 'manual' });
  const p = flash.open('slot0_partition');
  const s = flash.open('slot1_partition');
  // 54 sectors, trailer (1584 bytes) in the last one.
  assert.is(bootMaxImageBytes('swap-move', p, s), 52 * 4096);
  assert.is(bootMaxImageBytes('overwrite-only', p, s), 53 * 4096);
  assert.is(bootMaxImageBytes('swap-scratch', p, s, { scratch: flash.open('scratch_partition') }), 53 * 4096);
  const bl = bootloaderFromFlashMap(flash, { strategy: 'swap-scratch', validate });
  assert.is(bl.slots.scratch?.label, 'scratch_partition');
  assert.is(bl.maxImageBytes(), 53 * 4096);
});

test.run();

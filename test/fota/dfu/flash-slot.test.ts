import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../../src/hal/errors.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SECONDARY } from '../../../src/hal/flash.ts';
import { SimFlash } from '../../../src/hal/sim/flash.ts';
import { NRF52833_PROFILE } from '../../../src/hal/sim/profiles.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { FLASH_SLOT_PROGRESS_KEY, FlashSlotTarget } from '../../../src/fota/dfu/flash-slot.ts';
import { bootMaxImageBytes } from '../../../src/fota/mcuboot/bootloader.ts';
import { BOOT_MAGIC_GOOD, BOOT_SWAP_TYPE_TEST, readTrailerState } from '../../../src/fota/mcuboot/trailer.ts';
import { buildTestImage } from '../../../src/boards/smp-device.ts';

const PAGE = 4096;

function setup(flash = new SimFlash({ profile: NRF52833_PROFILE }), settings = new MemorySettings()) {
  const reboots: string[] = [];
  const slot = new FlashSlotTarget({
    flash,
    settings,
    strategy: 'swap-move',
    reboot: async (r) => {
      reboots.push(r);
      throw new Error('rebooted');
    },
  });
  return { flash, settings, slot, reboots, secondary: flash.open(FLASH_AREA_SECONDARY), primary: flash.open(FLASH_AREA_PRIMARY) };
}

async function rejects(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FotaError, `expected a FotaError, got ${String(e)}`);
    return e as FotaError;
  }
  return assert.unreachable('expected a rejection') as never;
}

async function stage(slot: FlashSlotTarget, image: Uint8Array, id = 'img#1'): Promise<void> {
  assert.is(await slot.begin(image.length, id), 0);
  for (let off = 0; off < image.length; off += 1000) await slot.write(off, image.subarray(off, Math.min(off + 1000, image.length)));
  assert.is(await slot.flush(), image.length);
}

test('capacity is what the board\'s MCUboot strategy installs (swap-move keeps a sector free)', async () => {
  const { slot, primary, secondary } = setup();
  const capacity = await slot.capacityBytes();
  assert.is(capacity, bootMaxImageBytes('swap-move', primary, secondary, { maxAlign: 8, writeAlignBytes: secondary.writeAlignBytes }));
  assert.ok(capacity < secondary.size - PAGE);
});

test('an image over capacity is refused before any flash operation', async () => {
  const { slot, flash } = setup();
  const ops = flash.operationCount;
  const e = await rejects(slot.begin((await slot.capacityBytes()) + 1, 'big'));
  assert.is(e.code, 'DFU_IMAGE_TOO_BIG');
  assert.is(flash.operationCount, ops);
});

test('a fresh begin erases the trailer sectors, so a stale request cannot decide the swap', async () => {
  const { slot, secondary } = setup();
  await secondary.write(secondary.size - 16, new Uint8Array(16).fill(0x00));
  await slot.begin(1000, 'img#1');
  assert.ok((await secondary.read(secondary.size - PAGE, PAGE)).every((b) => b === 0xff));
});

test('staged bytes are on the secondary slot; requestUpgrade(test) marks it pending for MCUboot', async () => {
  const { slot, secondary } = setup();
  const image = await buildTestImage(nodeCrypto, 10_000, '1.2.3', 4);
  await stage(slot, image);
  assert.equal(await secondary.read(0, image.length), image);
  await slot.requestUpgrade('test');
  const t = await readTrailerState(secondary, { maxAlign: 8 });
  assert.is(t.magic, BOOT_MAGIC_GOOD);
  assert.is(t.swapType, BOOT_SWAP_TYPE_TEST);
  const [, second] = await slot.state();
  assert.equal({ version: second!.version, pending: second!.pending, active: second!.active }, { version: '1.2.3+0', pending: true, active: false });
});

test('progress survives a new target (a reboot): the same image resumes at its last committed page', async () => {
  const { slot, flash, settings } = setup();
  const image = await buildTestImage(nodeCrypto, 3 * PAGE, '1.1.0', 2);
  await slot.begin(image.length, 'img#1');
  await slot.write(0, image.subarray(0, PAGE + 500));
  const after = setup(flash, settings).slot;
  assert.is(await after.begin(image.length, 'img#1'), PAGE);
  await after.write(PAGE, image.subarray(PAGE));
  await after.flush();
  assert.equal(await flash.open(FLASH_AREA_SECONDARY).read(0, image.length), image);
});

test('discard forgets the progress and invalidates the header; the secondary then shows no image', async () => {
  const { slot, settings, secondary } = setup();
  await stage(slot, await buildTestImage(nodeCrypto, 5000, '1.1.0', 2));
  assert.ok((await settings.get(FLASH_SLOT_PROGRESS_KEY)) !== undefined);
  await slot.discard();
  assert.is(await settings.get(FLASH_SLOT_PROGRESS_KEY), undefined);
  assert.ok((await secondary.read(0, 32)).every((b) => b === 0xff));
  const [, second] = await slot.state();
  assert.is(second!.version, undefined);
  assert.is(await slot.begin(5000, 'img#1'), 0, 'nothing resumes after a discard');
});

test('the primary image without a trailer counts as confirmed; reset asks the board to reboot', async () => {
  const { slot, primary, reboots } = setup();
  const image = await buildTestImage(nodeCrypto, 2000, '1.0.0', 1);
  await primary.write(0, image.subarray(0, Math.floor(image.length / 4) * 4));
  const [first] = await slot.state();
  assert.equal({ version: first!.version, active: first!.active, confirmed: first!.confirmed }, { version: '1.0.0+0', active: true, confirmed: true });
  await slot.reset().catch(() => undefined);
  assert.equal(reboots, ['fota']);
});

test.run();

/**
 * Test helper: cuts the power at every flash operation of one bootloader run that installs a pending
 * image (MemArea flash, so erased 0x00 and odd geometries are covered too), then boots again and checks
 * the new image starts and, for swap strategies, that the following boot reverts to the old image.
 */
import * as assert from 'uvu/assert';
import { bootSetPending } from '../../../src/fota/mcuboot/boot-requests.ts';
import { Bootloader, type BootStrategyName } from '../../../src/fota/mcuboot/bootloader.ts';
import { PowerCutError } from '../../../src/hal/errors.ts';
import { makeImage, stageImage, validate } from './boot-fixtures.ts';
import { MemArea, memSlots } from './mem-flash.ts';

export const SWEEP_SECTOR_BYTES = 1024;
export const SWEEP_SLOT_BYTES = 16 * SWEEP_SECTOR_BYTES;

let images: Promise<[Uint8Array, Uint8Array]> | undefined;
function sweepImages(): Promise<[Uint8Array, Uint8Array]> {
  images ??= Promise.all([makeImage('1.0.0', 3000, 11), makeImage('2.0.0', 4500, 12)]);
  return images;
}

async function freshBoard(strategy: BootStrategyName, erasedValue: number, permanent: boolean) {
  const [old, neu] = await sweepImages();
  const o = { eraseBlockBytes: SWEEP_SECTOR_BYTES, writeAlignBytes: 8, erasedValue };
  const { primary, secondary, rail } = memSlots(SWEEP_SLOT_BYTES, o);
  const scratch = new MemArea({ ...o, label: 'scratch_partition', size: 2 * SWEEP_SECTOR_BYTES, rail });
  await stageImage(primary, old);
  await stageImage(secondary, neu);
  assert.is(await bootSetPending(secondary, 0, permanent), 0);
  rail.ops = 0;
  const bl = new Bootloader({ primary, secondary, scratch, strategy, validate });
  return { rail, bl };
}

/** Returns how many operations the install took (all of them were cut once). */
export async function sweepInstall(strategy: BootStrategyName, erasedValue: number, permanent = false): Promise<number> {
  const clean = await freshBoard(strategy, erasedValue, permanent);
  const first = await clean.bl.boot();
  assert.is(first.version, '2.0.0+0');
  const total = clean.rail.ops;
  for (let cut = 0; cut < total; cut++) {
    const b = await freshBoard(strategy, erasedValue, permanent);
    b.rail.cutAt = cut;
    let threw = false;
    try {
      await b.bl.boot();
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
      threw = true;
    }
    assert.ok(threw, `cut at ${cut} reached`);
    b.rail.powerOn();
    const r = await b.bl.boot();
    assert.ok(r.booted, `cut at ${cut}: boots`);
    if (r.version === '1.0.0+0') {
      // Only a cut in the very last operation (copy_done, whose first byte got written) may do this:
      // the swap is complete, so MCUboot takes the test image as tried and reverts it, as on hardware.
      assert.is(cut, total - 1, `cut at ${cut}: old image only after a cut copy_done write`);
      assert.is(r.swap, 'revert');
      assert.ok(!permanent && strategy !== 'overwrite-only');
      continue;
    }
    assert.is(r.version, '2.0.0+0', `cut at ${cut}: new image after the resumed install`);
    const next = await b.bl.boot();
    const want = strategy === 'overwrite-only' || permanent ? '2.0.0+0' : '1.0.0+0';
    assert.is(next.version, want, `cut at ${cut}: boot after that`);
  }
  return total;
}

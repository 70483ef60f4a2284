import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepInstall } from './boot-sweep.ts';

for (const erased of [0xff, 0x00]) {
  test(`swap-scratch: a power cut at any operation of a test install resumes to the new image (erased 0x${erased.toString(16)})`, async () => {
    const ops = await sweepInstall('swap-scratch', erased);
    assert.ok(ops > 10, `${ops} operations`);
  });
}

test('swap-scratch: a power cut at any operation of a permanent install ends on the new image for good', async () => {
  await sweepInstall('swap-scratch', 0xff, true);
});

test('swap-scratch: images may use every sector below the trailer', async () => {
  const { makeBootSlots } = await import('../../../src/fota/mcuboot/boot-slots.ts');
  const { swapScratch } = await import('../../../src/fota/mcuboot/swap-scratch.ts');
  const { MemArea, memSlots } = await import('./mem-flash.ts');
  const { primary, secondary, rail } = memSlots(16 * 1024, { eraseBlockBytes: 1024 });
  const scratch = new MemArea({ size: 2048, eraseBlockBytes: 1024, rail });
  assert.is(swapScratch.maxImageBytes(makeBootSlots(primary, secondary, { maxImgSectors: 16, scratch })), 15 * 1024);
});

test('swap-scratch: a scratch of another page size is refused (BOOT_BAD_GEOMETRY)', async () => {
  const { makeBootSlots } = await import('../../../src/fota/mcuboot/boot-slots.ts');
  const { MemArea, memSlots } = await import('./mem-flash.ts');
  const { primary, secondary } = memSlots(16 * 1024, { eraseBlockBytes: 1024 });
  try {
    makeBootSlots(primary, secondary, { scratch: new MemArea({ size: 4096, eraseBlockBytes: 4096 }) });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, 'BOOT_BAD_GEOMETRY');
  }
});

test.run();

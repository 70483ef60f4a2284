import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepInstall } from './boot-sweep.ts';

for (const erased of [0xff, 0x00]) {
  test(`overwrite-only: a power cut at any operation of a test install resumes to the new image (erased 0x${erased.toString(16)})`, async () => {
    const ops = await sweepInstall('overwrite-only', erased);
    assert.ok(ops > 10, `${ops} operations`);
  });
}

test('overwrite-only: a power cut at any operation of a permanent install ends on the new image for good', async () => {
  await sweepInstall('overwrite-only', 0xff, true);
});

test('overwrite-only cannot revert: BOOT_NO_REVERT', async () => {
  const { overwriteOnly } = await import('../../../src/fota/mcuboot/overwrite-only.ts');
  assert.is(overwriteOnly.canRevert, false);
  try {
    await overwriteOnly.revert({} as never, {} as never, 0);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, 'BOOT_NO_REVERT');
  }
});

test.run();

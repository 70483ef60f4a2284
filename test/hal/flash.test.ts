import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flashAreaView } from '../../src/hal/flash.ts';
import { SimFlash } from '../../src/hal/sim/flash.ts';
import { NRF52833_PROFILE } from '../../src/hal/sim/profiles.ts';

test('flashAreaView keeps the area\'s label, offset and geometry, and its operations unless overridden', async () => {
  const area = new SimFlash({ profile: NRF52833_PROFILE }).open('slot1_partition');
  const writes: number[] = [];
  const view = flashAreaView(area, {
    async write(offset, bytes) {
      writes.push(offset);
      await area.write(offset, bytes);
    },
  });
  assert.equal(
    [view.label, view.deviceOffset, view.size, view.eraseBlockBytes, view.writeAlignBytes, view.erasedValue],
    [area.label, area.deviceOffset, area.size, area.eraseBlockBytes, area.writeAlignBytes, area.erasedValue],
  );
  await view.erase(0, area.eraseBlockBytes);
  await view.write(8, Uint8Array.of(1, 2, 3, 4));
  assert.equal(writes, [8]);
  assert.equal(await view.read(8, 4), Uint8Array.of(1, 2, 3, 4));
  assert.equal(await area.read(8, 4), Uint8Array.of(1, 2, 3, 4));
});

test.run();

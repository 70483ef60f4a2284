import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NRF52833_PROFILE } from '../../../src/hal/sim/profiles.ts';
import { sweepSettingsPowerCuts } from '../../../src/hal/sim/settings-sweep.ts';

test('a cut at every operation of a seeded sequence (and of each recovery) leaves old or new values', async () => {
  const r = await sweepSettingsPowerCuts({ profile: NRF52833_PROFILE, seed: 3, steps: 70, nested: true });
  assert.equal(r.failures, []);
  assert.ok(r.rotations >= 1, `rotations ${r.rotations}`);
  assert.is(r.cutPoints, r.operations);
  assert.ok(r.operations > 100, `operations ${r.operations}`);
  assert.ok(r.nestedCutPoints > 0, 'some recoveries wrote to flash');
});

test('the sequence and its operation count are the same for the same seed', async () => {
  const a = await sweepSettingsPowerCuts({ profile: NRF52833_PROFILE, seed: 11, steps: 20 });
  const b = await sweepSettingsPowerCuts({ profile: NRF52833_PROFILE, seed: 11, steps: 20 });
  assert.is(a.operations, b.operations);
  assert.equal(a.failures, []);
});

test.run();

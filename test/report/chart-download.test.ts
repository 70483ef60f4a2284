import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findStalls, splitAtBoots } from '../../src/report/chart-download.ts';
import type { ProgressPoint } from '../../src/report/model.ts';

function points(...tb: [number, number][]): ProgressPoint[] {
  return tb.map(([t, bytes]) => ({ t, bytes, total: 10_000, requests: 1, retries: 0, rangeBytes: 1000 }));
}

test('a reboot between two progress reports starts a new curve', () => {
  const p = points([100, 1000], [200, 2000], [900, 1500], [1000, 2500]);
  const runs = splitAtBoots(p, [{ t: 0, reason: 'power-on', version: '1.0.0' }, { t: 500, reason: 'power-cut', version: '1.0.0' }]);
  assert.equal(runs.map((r) => r.map((q) => q.t)), [[100, 200], [900, 1000]]);
});

test('without reboots during the download there is one curve', () => {
  const p = points([100, 1000], [200, 2000]);
  assert.is(splitAtBoots(p, [{ t: 5000, reason: 'software-reset', version: '1.1.0' }]).length, 1);
  assert.equal(splitAtBoots([], []), []);
});

test('a stall is a gap much longer than usual, longest first', () => {
  const p = points([0, 0], [300, 1000], [600, 2000], [10_600, 2000], [10_900, 3000], [15_000, 4000]);
  assert.equal(findStalls(p), [
    { t0: 600, t1: 10_600, bytes: 2000 },
    { t0: 10_900, t1: 15_000, bytes: 3000 },
  ]);
  assert.equal(findStalls(points([0, 0], [2000, 1000], [4000, 2000])), []);
});

test.run();

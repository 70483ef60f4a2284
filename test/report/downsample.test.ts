import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterByPixel, downsampleMinMax, groupConsecutive } from '../../src/report/downsample.ts';

test('a short series comes back unchanged', () => {
  const pts = [1, 2, 3].map((x) => ({ x, y: x }));
  assert.equal(downsampleMinMax(pts, (p) => p.x, (p) => p.y, 10), pts);
});

test('a long series keeps first, lowest, highest and last of each bucket, in order', () => {
  const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 5_000 ? -50 : i === 7_000 ? 99_999 : i }));
  const out = downsampleMinMax(pts, (p) => p.x, (p) => p.y, 100);
  assert.ok(out.length <= 400, `${out.length} points`);
  assert.equal(out[0], { x: 0, y: 0 });
  assert.equal(out[out.length - 1], { x: 9_999, y: 9_999 });
  assert.ok(out.some((p) => p.y === -50), 'dip kept');
  assert.ok(out.some((p) => p.y === 99_999), 'peak kept');
  assert.ok(out.every((p, i) => i === 0 || p.x > out[i - 1]!.x), 'x strictly increasing');
});

test('groupConsecutive makes at most maxGroups groups of equal size', () => {
  assert.equal(groupConsecutive([1, 2, 3, 4, 5], 2), [[1, 2, 3], [4, 5]]);
  assert.equal(groupConsecutive([], 3), []);
  assert.is(groupConsecutive(Array.from({ length: 60_000 }, (_, i) => i), 346).length, 345);
});

test('clusterByPixel merges marks within the gap of the cluster start', () => {
  assert.equal(clusterByPixel([0, 1, 2.9, 3, 10], (v) => v, 3), [[0, 1, 2.9], [3], [10]]);
});

test.run();

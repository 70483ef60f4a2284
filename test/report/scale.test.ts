import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byteUnit, linearScale, niceMax, niceStep, niceTicks, timeUnit, unitTicks } from '../../src/report/scale.ts';

test('linearScale maps the domain onto the range, a zero-width domain to the middle', () => {
  const s = linearScale(0, 10, 100, 200);
  assert.equal([s(0), s(5), s(10)], [100, 150, 200]);
  assert.is(linearScale(3, 3, 0, 100)(3), 50);
});

test('niceStep picks 1, 2, 2.5 or 5 times a power of ten', () => {
  assert.equal([niceStep(100, 10), niceStep(62_100, 10), niceStep(2303, 6), niceStep(0, 5)], [10, 10_000, 500, 1]);
});

test('niceMax rounds up to a whole step; niceTicks stay within the count', () => {
  assert.is(niceMax(2580, 6), 3000);
  assert.is(niceMax(0, 6), 1);
  assert.equal(niceTicks(0, 3000, 6), [0, 500, 1000, 1500, 2000, 2500, 3000]);
  assert.equal(niceTicks(5, 5, 6), [5]);
});

test('axis units follow the span', () => {
  assert.equal([timeUnit(1500).suffix, timeUnit(62_000).suffix, timeUnit(3_600_000).suffix, timeUnit(36_000_000).suffix], ['ms', 's', 'min', 'h']);
  assert.equal([byteUnit(3000).suffix, byteUnit(190_464).suffix, byteUnit(100_000_000).suffix], ['B', 'KiB', 'MiB']);
  assert.equal(unitTicks(0, 200 * 1024, byteUnit(200 * 1024), 4), [
    { value: 0, label: '0 KiB' },
    { value: 51_200, label: '50 KiB' },
    { value: 102_400, label: '100 KiB' },
    { value: 153_600, label: '150 KiB' },
    { value: 204_800, label: '200 KiB' },
  ]);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ifRangeMatches, planRange } from '../../src/server/range.ts';

const SIZE = 1000;
/** [Range header, expected plan] on a 1000-byte file. */
const CASES: [string | undefined, ReturnType<typeof planRange>][] = [
  [undefined, { kind: 'whole' }],
  ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
  ['bytes=990-', { kind: 'partial', start: 990, end: 999 }],
  ['bytes=900-5000', { kind: 'partial', start: 900, end: 999 }],
  ['bytes=-10', { kind: 'partial', start: 990, end: 999 }],
  ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
  ['BYTES=1-1', { kind: 'partial', start: 1, end: 1 }],
  ['bytes=1000-', { kind: 'unsatisfiable' }],
  ['bytes=1000-1001', { kind: 'unsatisfiable' }],
  ['bytes=-0', { kind: 'unsatisfiable' }],
  ['bytes=5-4', { kind: 'whole' }],
  ['bytes=0-1,5-6', { kind: 'whole' }],
  ['items=0-1', { kind: 'whole' }],
  ['bytes=-', { kind: 'whole' }],
];

test('single ranges, suffixes, clamping, 416 past the end, malformed ignored', () => {
  for (const [header, plan] of CASES) assert.equal(planRange(header, SIZE), plan, String(header));
});

test('If-Range: strong ETag or equal date match; weak, other ETag or date do not', () => {
  const etag = '"abc"';
  const date = 'Fri, 27 Nov 2026 02:00:00 GMT';
  assert.ok(ifRangeMatches(undefined, etag, date));
  assert.ok(ifRangeMatches('"abc"', etag, date));
  assert.ok(ifRangeMatches(date, etag, date));
  assert.not.ok(ifRangeMatches('W/"abc"', etag, date));
  assert.not.ok(ifRangeMatches('"abd"', etag, date));
  assert.not.ok(ifRangeMatches('Fri, 27 Nov 2026 02:00:01 GMT', etag, date));
  assert.not.ok(ifRangeMatches('garbage', etag, date));
});

test.run();

/**
 * Internal helpers that keep a report of a huge run small: a time series is reduced to the first,
 * lowest, highest and last point of each pixel column (so peaks, drops and restarts stay visible),
 * responses are grouped into at most one bar per few pixels, and marks closer than a pixel merge.
 */

/**
 * At most about 4 × `buckets` points of a series sorted by x: per bucket of equal x-width, the first,
 * the lowest, the highest and the last point, in their original order. Short series come back as is.
 */
export function downsampleMinMax<P>(points: readonly P[], xOf: (p: P) => number, yOf: (p: P) => number, buckets: number): P[] {
  const POINTS_PER_BUCKET = 4;
  if (points.length <= buckets * POINTS_PER_BUCKET || buckets < 1) return points.slice();
  const x0 = xOf(points[0]!);
  const x1 = xOf(points[points.length - 1]!);
  const width = (x1 - x0) / buckets;
  if (!(width > 0)) return [points[0]!, points[points.length - 1]!];
  const out: P[] = [];
  let start = 0;
  while (start < points.length) {
    const bucket = Math.min(buckets - 1, Math.floor((xOf(points[start]!) - x0) / width));
    let end = start + 1;
    while (end < points.length && Math.min(buckets - 1, Math.floor((xOf(points[end]!) - x0) / width)) === bucket) end++;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (yOf(points[i]!) < yOf(points[lo]!)) lo = i;
      if (yOf(points[i]!) > yOf(points[hi]!)) hi = i;
    }
    const keep = [...new Set([start, lo, hi, end - 1])].sort((a, b) => a - b);
    for (const i of keep) out.push(points[i]!);
    start = end;
  }
  return out;
}

/** Consecutive items grouped into at most `maxGroups` groups of equal size (the last may be shorter). */
export function groupConsecutive<T>(items: readonly T[], maxGroups: number): T[][] {
  if (items.length === 0) return [];
  const size = Math.max(1, Math.ceil(items.length / Math.max(1, maxGroups)));
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/** Sorted marks merged while each is within `minGapPx` of the group's first: one mark per cluster. */
export function clusterByPixel<T>(items: readonly T[], px: (item: T) => number, minGapPx: number): T[][] {
  const clusters: T[][] = [];
  let startPx = -Infinity;
  for (const item of items) {
    const p = px(item);
    const current = clusters[clusters.length - 1];
    if (current && p - startPx < minGapPx) {
      current.push(item);
    } else {
      clusters.push([item]);
      startPx = p;
    }
  }
  return clusters;
}

/**
 * HTTP byte ranges as the CDN answers them. Spec: RFC 9110 §14 (Range, Content-Range, If-Range; 416).
 * One range only (`bytes=a-b`, `bytes=a-`, `bytes=-n`); a multi-range or malformed header is ignored
 * (the whole file, 200), which RFC 9110 allows; a well-formed range past the end is 416.
 */

export type RangePlan =
  | { kind: 'whole' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/** What to send for `Range: <header>` on a representation of `size` bytes. */
export function planRange(header: string | undefined, size: number): RangePlan {
  if (header === undefined) return { kind: 'whole' };
  const m = SINGLE_RANGE.exec(header.trim());
  if (!m) return { kind: 'whole' };
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'whole' };
  if (a === '') {
    const suffix = Number(b);
    if (!Number.isSafeInteger(suffix)) return { kind: 'whole' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const last = b === '' ? Infinity : Number(b);
  if (!Number.isSafeInteger(start) || (b !== '' && (!Number.isSafeInteger(last) || last < start))) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/**
 * True when `If-Range` lets the range apply: a strong ETag equal to the current one, or an HTTP date
 * equal to Last-Modified. A weak ETag never matches (RFC 9110 §13.1.5).
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('W/')) return false;
  if (v.startsWith('"')) return v === etag;
  const t = Date.parse(v);
  return !Number.isNaN(t) && t === Date.parse(lastModified);
}

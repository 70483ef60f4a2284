/**
 * The CDN's answer to a request for the release's image: the whole file, one byte range, or 416, with
 * the validators a resuming client needs (ETag, Last-Modified) and If-Range honoured; and the faults
 * that bend it (`ignoreRange`, `wrongContentRange`). Spec: RFC 9110 §14 (src/server/range.ts).
 */
import type { Answer } from './answer.ts';
import type { ServerFaults } from './faults.ts';
import { ifRangeMatches, planRange } from './range.ts';
import type { Release } from './server-state.ts';

/**
 * The answer to `Range: rangeHeader` / `If-Range: ifRange` (each absent when not given) on the current
 * release, under the faults this request took. A range whose If-Range no longer matches gets the whole
 * (new) file, so a client resuming across a release change starts over.
 */
export function answerImage(release: Release, rangeHeader: string | undefined, ifRange: string | undefined, f: ServerFaults): Answer {
  const { image, etag, lastModified } = release;
  const size = image.length;
  const common = { 'Content-Type': 'application/octet-stream', ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes' };
  let fault: string | undefined;
  let plan = planRange(rangeHeader, size);
  if (plan.kind !== 'whole' && !ifRangeMatches(ifRange, etag, lastModified)) plan = { kind: 'whole' };
  if (plan.kind !== 'whole' && f.ignoreRange) {
    fault = 'ignore-range';
    plan = { kind: 'whole' };
  }
  if (plan.kind === 'unsatisfiable') return { status: 416, body: new Uint8Array(0), headers: { ...common, 'Content-Range': `bytes */${size}` } };
  if (plan.kind === 'whole') return { status: 200, body: image, headers: common, fault };
  const { start, end } = plan;
  const headers: Record<string, string | number> = { ...common };
  if (f.wrongContentRange === 'missing') fault = 'content-range missing';
  else if (f.wrongContentRange === 'shifted') {
    fault = 'content-range shifted';
    headers['Content-Range'] = `bytes ${start + 1}-${end + 1}/${size}`;
  } else headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  return { status: 206, body: image.subarray(start, end + 1), headers, fault };
}

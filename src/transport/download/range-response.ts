/**
 * Checks on what came back for a range request (RFC 9110 sections 14.4 and 15.3.7), kept apart from
 * the downloader's loop as pure functions: the fields of a 206, whether it answers exactly the range
 * asked for, and whether a record the modem refused can be an answer to our ranges at all.
 */
import { HttpError } from '../http/errors.ts';
import { parseContentRange } from '../http/headers.ts';
import type { ResponseHead } from '../http/response-parser.ts';
import { DOWNLOAD_FIRST_HEAD_BUDGET_BYTES, DOWNLOAD_RECORD_MARGIN_BYTES, DOWNLOAD_RECORD_OVERHEAD_BYTES } from './planner.ts';

/** A refused record over this many times the response expected is not an answer to our range. */
export const DOWNLOAD_FOREIGN_RECORD_FACTOR = 2;

export interface PartialResponse {
  first: number;
  last: number;
  /** The file size after the `/` of Content-Range. */
  size: number;
  etag?: string;
  lastModified?: string;
  /** The Content-Range value, for messages. */
  contentRange: string;
}

/** The fields of a 206: Content-Range (required, with a byte range and a size) and the validators. */
export function parsePartial(head: ResponseHead, askedFirst: number): PartialResponse {
  const value = head.headers.get('content-range');
  if (value === undefined) throw new HttpError('HTTP_BAD_CONTENT_RANGE', 'download: 206 without Content-Range', { first: askedFirst });
  const cr = parseContentRange(value);
  if (cr.unsatisfied || cr.size === undefined) {
    throw new HttpError('HTTP_BAD_CONTENT_RANGE', `download: 206 with Content-Range '${value}' (no byte range or size)`, { value });
  }
  return {
    first: cr.first,
    last: cr.last,
    size: cr.size,
    etag: head.headers.get('etag'),
    lastModified: head.headers.get('last-modified'),
    contentRange: value,
  };
}

/**
 * Checks that a 206 answers exactly [first, last] (the last byte clamped to the file's end) with a
 * matching Content-Length; returns the body length. HTTP_BAD_CONTENT_RANGE / HTTP_BAD_CONTENT_LENGTH.
 */
export function checkPartialMatches(p: PartialResponse, head: ResponseHead, first: number, last: number): number {
  const wantLast = Math.min(last, p.size - 1);
  if (p.first !== first || p.last !== wantLast) {
    throw new HttpError('HTTP_BAD_CONTENT_RANGE', `download: asked bytes ${first}-${wantLast}, got '${p.contentRange}'`, {
      first,
      last: wantLast,
      value: p.contentRange,
    });
  }
  const length = p.last - p.first + 1;
  if (head.framing === 'length' && head.contentLength !== length) {
    throw new HttpError('HTTP_BAD_CONTENT_LENGTH', `download: Content-Length ${head.contentLength} for a ${length}-byte range`, { length });
  }
  return length;
}

export interface RefusedRecord {
  recordBytes: number;
  /** Head + body planned for the oldest request in flight (the one the record belonged to). */
  plannedBytes: number;
  /** Head + body planned for every request in flight together. */
  inFlightPlannedBytes: number;
  inFlight: number;
  /** The record refused before this one, if the range did not make progress in between. */
  previousRecordBytes?: number;
}

/**
 * Whether a refused record cannot be our answer(s): bigger than everything in flight together, more
 * than DOWNLOAD_FOREIGN_RECORD_FACTOR times the one response expected, or the same size as the record
 * refused before although the range shrank in between. Such a record is most likely a 200 carrying the
 * whole file (Range ignored, or If-Range no longer matching).
 */
export function isForeignRecord(r: RefusedRecord): boolean {
  if (r.recordBytes === r.previousRecordBytes) return true;
  const plaintext = r.recordBytes - DOWNLOAD_RECORD_OVERHEAD_BYTES;
  if (r.inFlight > 1) return plaintext > r.inFlightPlannedBytes + DOWNLOAD_RECORD_MARGIN_BYTES;
  return plaintext > DOWNLOAD_FOREIGN_RECORD_FACTOR * Math.max(r.plannedBytes, DOWNLOAD_FIRST_HEAD_BUDGET_BYTES);
}

/**
 * Response header fields, looked up case-insensitively (RFC 9110 section 5.1), and the parsers of the
 * fields the downloader acts on: Content-Length, Content-Range (RFC 9110 section 14.4), ETag.
 */
import { HttpError, type HttpErrorCode } from './errors.ts';

/** Largest byte position or length accepted in Content-Length / Content-Range (2^53 - 1). */
const HTTP_MAX_SAFE_LENGTH = Number.MAX_SAFE_INTEGER;
/** Longest digit string accepted for a length (16 digits is already past 2^53). */
const HTTP_LENGTH_MAX_DIGITS = 15;

export class HttpHeaders {
  /** Fields in arrival order, names lower-cased. */
  readonly entries: ReadonlyArray<readonly [string, string]>;

  constructor(entries: Array<[string, string]> = []) {
    this.entries = entries.map(([n, v]) => [n.toLowerCase(), v] as const);
  }

  /** The field's value; repeated fields joined with `, ` as RFC 9110 5.3 allows. */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    const values = this.entries.filter(([n]) => n === key).map(([, v]) => v);
    return values.length === 0 ? undefined : values.join(', ');
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.entries.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** True when a comma-separated field (Connection, Transfer-Encoding) lists `token`. */
  hasToken(name: string, token: string): boolean {
    const v = this.get(name);
    if (v === undefined) return false;
    return v.split(',').some((t) => t.trim().toLowerCase() === token.toLowerCase());
  }
}

/** Parses a decimal length (no sign, no spaces); throws `code` otherwise. */
export function parseLength(text: string, code: HttpErrorCode, op: string): number {
  if (!/^\d+$/.test(text) || text.length > HTTP_LENGTH_MAX_DIGITS) {
    throw new HttpError(code, `${op}: '${text.slice(0, 40)}' is not a valid length`, { value: text.slice(0, 40) });
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > HTTP_MAX_SAFE_LENGTH) {
    throw new HttpError(code, `${op}: length '${text}' too large`, { value: text });
  }
  return n;
}

/** Content-Length: one value, or a list of identical values (RFC 9112 6.3 item 5). */
export function parseContentLength(values: string[]): number | undefined {
  if (values.length === 0) return undefined;
  const all = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  const first = parseLength(all[0]!, 'HTTP_BAD_CONTENT_LENGTH', 'http.contentLength');
  for (const v of all) {
    if (parseLength(v, 'HTTP_BAD_CONTENT_LENGTH', 'http.contentLength') !== first) {
      throw new HttpError('HTTP_BAD_CONTENT_LENGTH', `http.contentLength: conflicting values ${all.join(', ')}`, { values: all });
    }
  }
  return first;
}

/** `bytes first-last/size` (size may be `*`), or `bytes *\/size` for an unsatisfiable range (416). */
export type ContentRange =
  | { unsatisfied: false; first: number; last: number; size: number | undefined }
  | { unsatisfied: true; size: number };

const CONTENT_RANGE_RE = /^bytes[ ]+(?:(\d+)-(\d+)|(\*))\/(\d+|\*)$/i;

export function parseContentRange(value: string): ContentRange {
  const m = CONTENT_RANGE_RE.exec(value.trim());
  const bad = (why: string): never => {
    throw new HttpError('HTTP_BAD_CONTENT_RANGE', `http.contentRange: ${why} in '${value.slice(0, 80)}'`, { value: value.slice(0, 80) });
  };
  if (!m) return bad('not a byte range');
  const op = 'http.contentRange';
  if (m[3] === '*') {
    if (m[4] === '*') return bad('unsatisfied range without a size');
    return { unsatisfied: true, size: parseLength(m[4]!, 'HTTP_BAD_CONTENT_RANGE', op) };
  }
  const first = parseLength(m[1]!, 'HTTP_BAD_CONTENT_RANGE', op);
  const last = parseLength(m[2]!, 'HTTP_BAD_CONTENT_RANGE', op);
  const size = m[4] === '*' ? undefined : parseLength(m[4]!, 'HTTP_BAD_CONTENT_RANGE', op);
  if (last < first) bad('last byte before first');
  if (size !== undefined && last >= size) bad('range past the end of the representation');
  return { unsatisfied: false, first, last, size };
}

/** A validator for If-Range: a strong ETag, else Last-Modified (RFC 9110 13.1.5 forbids weak ETags). */
export function ifRangeValidator(etag: string | undefined, lastModified: string | undefined): string | undefined {
  if (etag !== undefined && /^"[^"]*"$/.test(etag.trim())) return etag.trim();
  if (lastModified !== undefined && lastModified.trim() !== '') return lastModified.trim();
  return undefined;
}

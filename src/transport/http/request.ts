/**
 * HTTP/1.1 request writer (RFC 9112 section 3). Refuses anything that would let a caller's value
 * break the framing (CR, LF or NUL in a name or value) with HTTP_BAD_REQUEST.
 */
import { utf8Encode } from '../../hal/bytes.ts';
import { HttpError } from './errors.ts';
import { hostHeader, type HttpUrl } from './url.ts';

export interface HttpRequest {
  method: string;
  url: HttpUrl;
  /** Extra header fields; Host is added, Content-Length too when a body is given. */
  headers?: Array<[string, string]>;
  body?: Uint8Array;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE_RE = /^[\t\u0020-\u007e\u0080-\uffff]*$/;

export function encodeRequest(req: HttpRequest): Uint8Array {
  if (!TOKEN_RE.test(req.method)) throw new HttpError('HTTP_BAD_REQUEST', `http.encodeRequest: bad method '${req.method}'`);
  if (!/^\/[\u0021-\u007e]*$/.test(req.url.target)) {
    throw new HttpError('HTTP_BAD_REQUEST', `http.encodeRequest: bad request target '${req.url.target.slice(0, 80)}'`);
  }
  const lines = [`${req.method} ${req.url.target} HTTP/1.1`, `Host: ${hostHeader(req.url)}`];
  for (const [name, value] of req.headers ?? []) {
    if (!TOKEN_RE.test(name)) throw new HttpError('HTTP_BAD_REQUEST', `http.encodeRequest: bad header name '${name}'`);
    if (!FIELD_VALUE_RE.test(value)) throw new HttpError('HTTP_BAD_REQUEST', `http.encodeRequest: bad value for header '${name}'`);
    if (name.toLowerCase() === 'host' || name.toLowerCase() === 'content-length') continue;
    lines.push(`${name}: ${value}`);
  }
  if (req.body !== undefined) lines.push(`Content-Length: ${req.body.length}`);
  const head = utf8Encode(lines.join('\r\n') + '\r\n\r\n');
  if (req.body === undefined || req.body.length === 0) return head;
  const out = new Uint8Array(head.length + req.body.length);
  out.set(head, 0);
  out.set(req.body, head.length);
  return out;
}

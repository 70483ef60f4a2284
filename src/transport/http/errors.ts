/**
 * HTTP client errors. Every malformed or unwanted response becomes an HttpError with a stable code:
 * HTTP_BAD_URL, HTTP_BAD_STATUS_LINE, HTTP_BAD_HEADER, HTTP_LINE_TOO_LONG, HTTP_HEADER_TOO_LARGE,
 * HTTP_BAD_CONTENT_LENGTH, HTTP_UNSUPPORTED_TRANSFER_ENCODING, HTTP_BAD_CHUNK, HTTP_BAD_CONTENT_RANGE,
 * HTTP_TRUNCATED, HTTP_BODY_TOO_LARGE, HTTP_TOO_MANY_REDIRECTS, HTTP_BAD_REDIRECT,
 * HTTP_REDIRECT_INSECURE (a redirect from https to http), HTTP_RESPONSE_TIMEOUT (no first byte, or no
 * whole response, within its deadline), HTTP_STATUS
 * (details.status), HTTP_BAD_REQUEST (a request the client refuses to write).
 * Socket failures stay NetErrors (ETIMEDOUT, ECONNRESET, EMSGSIZE) so callers can retry them.
 */
import { FotaError } from '../../hal/errors.ts';

/** HTTP client errors. */
export const HTTP_ERROR_CODES = {
  HTTP_BAD_URL: 'a URL the client cannot use (not http/https, bad host or port)',
  HTTP_BAD_STATUS_LINE: 'a status line that does not parse',
  HTTP_BAD_HEADER: 'a header line that does not parse',
  HTTP_LINE_TOO_LONG: 'a status or header line over HTTP_MAX_LINE_BYTES',
  HTTP_HEADER_TOO_LARGE: 'a response head over HTTP_MAX_HEAD_BYTES',
  HTTP_BAD_CONTENT_LENGTH: 'a Content-Length that is not a number, is too large, or appears twice differently',
  HTTP_UNSUPPORTED_TRANSFER_ENCODING: 'a Transfer-Encoding other than chunked',
  HTTP_BAD_CHUNK: 'a chunked body that does not parse',
  HTTP_BAD_CONTENT_RANGE: 'a 206 whose Content-Range does not parse or does not match the request',
  HTTP_TRUNCATED: 'the connection ended before the body did',
  HTTP_BODY_TOO_LARGE: 'a body over the limit the caller set',
  HTTP_TOO_MANY_REDIRECTS: 'more than HTTP_MAX_REDIRECTS redirects in a row',
  HTTP_BAD_REDIRECT: 'a redirect without a usable Location',
  HTTP_STATUS: 'a status the caller does not accept (context.status)',
  HTTP_BAD_REQUEST: 'a request the client refuses to write (line breaks in a header, bad method)',
  HTTP_REDIRECT_INSECURE: 'a redirect from https to plain http (a redirect never leaves TLS)',
  HTTP_RESPONSE_TIMEOUT: 'no first byte, or not the whole response, within its deadline',
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

export class HttpError extends FotaError {}

declare module '../../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof HTTP_ERROR_CODES, true> {}
}


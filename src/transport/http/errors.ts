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

export class HttpError extends FotaError {}

/**
 * HTTP/1.1 client over the HAL modem: keeps one idle keep-alive connection per origin, follows
 * redirects (301/302/303/307/308, RFC 9110 section 15.4; never from https to http), and reads bodies
 * with a byte limit.
 * Connections come from the caller's `connect(host, port, scheme)`: a redirect to another host opens a
 * new connection through it, so the FOTA agent's certificate selection decides per host.
 * `httpGet` is the one-call form for small bodies (the release API check).
 */
import type { Clock } from '../../hal/clock.ts';
import { isFotaError } from '../../hal/errors.ts';
import type { Socket } from '../../hal/net.ts';
import { HttpConnection } from './connection.ts';
import { HttpError } from './errors.ts';
import type { HttpHeaders } from './headers.ts';
import { formatUrl, parseUrl, resolveUrl, type HttpUrl, type Scheme } from './url.ts';

/** Redirects followed before HTTP_TOO_MANY_REDIRECTS (browsers allow 20; a device needs one or two). */
export const HTTP_MAX_REDIRECTS = 5;
/** Largest redirect body read and dropped to keep the connection; a larger one closes it instead. */
export const HTTP_REDIRECT_BODY_MAX_BYTES = 4096;
/** Default deadline of a response's first byte for request() (the modem's socket timeout). */
export const HTTP_FIRST_BYTE_TIMEOUT_DEFAULT_MS = 30_000;
/** Default deadline of one whole small response for request() (a release check answers in one record or two). */
export const HTTP_RESPONSE_TIMEOUT_DEFAULT_MS = 60_000;
/** Default body limit of httpGet (the release API answers with one URL). */
export const HTTP_GET_DEFAULT_MAX_BODY_BYTES = 16 * 1024;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * Where a redirect leads, refused when it leaves TLS: an https URL never hands its request (or the
 * firmware) to a plaintext http URL. HTTP_REDIRECT_INSECURE.
 */
export function redirectTarget(from: HttpUrl, location: string, status: number): HttpUrl {
  const to = resolveUrl(from, location);
  if (from.scheme === 'https' && to.scheme !== 'https') {
    throw new HttpError('HTTP_REDIRECT_INSECURE', `http.redirect: ${status} from ${formatUrl(from)} to ${formatUrl(to)} would leave TLS; refused`, {
      status,
      from: formatUrl(from),
      to: formatUrl(to),
    });
  }
  return to;
}

/** Opens a socket to host:port (TLS for https, with the caller's choice of certificates). */
export type Connector = (host: string, port: number, scheme: Scheme) => Promise<Socket>;

export interface HttpClientOptions {
  connect: Connector;
  clock: Clock;
  /** Sent as User-Agent on every request when given. */
  userAgent?: string;
  idleTimeoutMs?: number;
  /** Deadline of one whole response (HTTP_RESPONSE_TIMEOUT); default HTTP_RESPONSE_TIMEOUT_DEFAULT_MS. */
  responseTimeoutMs?: number;
  /** Deadline of a response's first byte (HTTP_RESPONSE_TIMEOUT); default HTTP_FIRST_BYTE_TIMEOUT_DEFAULT_MS. */
  firstByteTimeoutMs?: number;
  maxRedirects?: number;
}

export interface HttpResponse {
  /** The URL that gave this (final) response, after redirects. */
  url: string;
  status: number;
  reason: string;
  headers: HttpHeaders;
  body: Uint8Array;
  redirects: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Array<[string, string]>;
  body?: Uint8Array;
  /** Body bytes accepted before HTTP_BODY_TOO_LARGE. */
  maxBodyBytes?: number;
  /** Final statuses accepted; anything else is HTTP_STATUS with the status in details. Default: any. */
  okStatuses?: readonly number[];
}

export function originKey(u: HttpUrl): string {
  return `${u.scheme}://${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
}

export class HttpClient {
  readonly options: HttpClientOptions;
  private readonly idle = new Map<string, HttpConnection>();
  /** Connections opened so far (a figure the downloader reports). */
  connectionsOpened = 0;

  constructor(options: HttpClientOptions) {
    this.options = options;
  }

  /** An idle keep-alive connection to the URL's origin, or a new one. */
  async connection(url: HttpUrl): Promise<{ conn: HttpConnection; reused: boolean }> {
    const key = originKey(url);
    const idle = this.idle.get(key);
    if (idle !== undefined) {
      this.idle.delete(key);
      if (idle.reusable && idle.inFlight === 0) return { conn: idle, reused: true };
      await idle.close();
    }
    const socket = await this.options.connect(url.host, url.port, url.scheme);
    this.connectionsOpened++;
    const conn = new HttpConnection(socket, {
      clock: this.options.clock,
      idleTimeoutMs: this.options.idleTimeoutMs,
      responseTimeoutMs: this.options.responseTimeoutMs ?? HTTP_RESPONSE_TIMEOUT_DEFAULT_MS,
      firstByteTimeoutMs: this.options.firstByteTimeoutMs ?? HTTP_FIRST_BYTE_TIMEOUT_DEFAULT_MS,
    });
    return { conn, reused: false };
  }

  /** Hands a connection back: kept when reusable and idle, closed otherwise. */
  async release(url: HttpUrl, conn: HttpConnection): Promise<void> {
    const key = originKey(url);
    if (conn.reusable && conn.inFlight === 0 && !this.idle.has(key)) this.idle.set(key, conn);
    else if (this.idle.get(key) !== conn) await conn.close();
  }

  /** Headers every request carries (User-Agent) followed by the caller's. */
  requestHeaders(extra: Array<[string, string]> = []): Array<[string, string]> {
    const h: Array<[string, string]> = [];
    if (this.options.userAgent !== undefined) h.push(['User-Agent', this.options.userAgent]);
    return h.concat(extra);
  }

  /** One request with its whole body read, following redirects. */
  async request(url: string | HttpUrl, opts: RequestOptions = {}): Promise<HttpResponse> {
    let current = typeof url === 'string' ? parseUrl(url) : url;
    let method = (opts.method ?? 'GET').toUpperCase();
    let body = opts.body;
    const maxRedirects = this.options.maxRedirects ?? HTTP_MAX_REDIRECTS;
    const maxBody = opts.maxBodyBytes ?? HTTP_GET_DEFAULT_MAX_BODY_BYTES;
    for (let redirects = 0; ; redirects++) {
      const res = await this.exchange(current, method, opts.headers, body, maxBody);
      if (res.location === undefined) {
        if (opts.okStatuses !== undefined && !opts.okStatuses.includes(res.status)) {
          throw new HttpError('HTTP_STATUS', `http.request: ${method} ${formatUrl(current)} answered ${res.status} ${res.reason}`, {
            status: res.status,
            url: formatUrl(current),
          });
        }
        return { url: formatUrl(current), status: res.status, reason: res.reason, headers: res.headers, body: res.body, redirects };
      }
      if (redirects >= maxRedirects) {
        throw new HttpError('HTTP_TOO_MANY_REDIRECTS', `http.request: more than ${maxRedirects} redirects from ${formatUrl(current)}`, {
          limit: maxRedirects,
          url: formatUrl(current),
        });
      }
      current = redirectTarget(current, res.location, res.status);
      if (res.status === 303 && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
      }
    }
  }

  async close(): Promise<void> {
    const conns = [...this.idle.values()];
    this.idle.clear();
    for (const c of conns) await c.close();
  }

  /**
   * Sends one request and reads its response. A reused keep-alive connection the server had already
   * dropped fails before any response byte: that request is retried once on a fresh connection.
   */
  private async exchange(
    url: HttpUrl,
    method: string,
    headers: Array<[string, string]> | undefined,
    body: Uint8Array | undefined,
    maxBody: number,
  ): Promise<{ status: number; reason: string; headers: HttpHeaders; body: Uint8Array; location?: string }> {
    for (let attempt = 0; ; attempt++) {
      const { conn, reused } = await this.connection(url);
      let gotHead = false;
      try {
        await conn.send({ method, url, headers: this.requestHeaders(headers), body });
        const head = await conn.readHead();
        gotHead = true;
        if (isRedirect(head.status)) {
          const location = head.headers.get('location');
          if (location === undefined || location.trim() === '') {
            await conn.close();
            throw new HttpError('HTTP_BAD_REDIRECT', `http.request: ${head.status} from ${formatUrl(url)} without Location`, { status: head.status });
          }
          await conn.discardBody(HTTP_REDIRECT_BODY_MAX_BYTES);
          await this.release(url, conn);
          return { status: head.status, reason: head.reason, headers: head.headers, body: new Uint8Array(0), location };
        }
        const parts: Uint8Array[] = [];
        let n = 0;
        await conn.readBody((b) => {
          n += b.length;
          if (n > maxBody) {
            throw new HttpError('HTTP_BODY_TOO_LARGE', `http.request: body of ${formatUrl(url)} over ${maxBody} bytes`, { limit: maxBody });
          }
          parts.push(b.slice());
        });
        await this.release(url, conn);
        const out = new Uint8Array(n);
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        return { status: head.status, reason: head.reason, headers: head.headers, body: out };
      } catch (e) {
        await conn.close();
        const stale = reused && !gotHead && attempt === 0 && isFotaError(e, 'ECONNRESET', 'HTTP_TRUNCATED', 'ENOTCONN', 'EPIPE');
        if (!stale) throw e;
      }
    }
  }
}

/** GET a small body in one call (its own client, closed afterwards). */
export async function httpGet(url: string, options: HttpClientOptions & RequestOptions): Promise<HttpResponse> {
  const client = new HttpClient(options);
  try {
    return await client.request(url, { ...options, method: 'GET' });
  } finally {
    await client.close();
  }
}

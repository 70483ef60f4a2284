/**
 * URL parsing for the HTTP client: `http://` and `https://` absolute URLs, and resolution of a
 * redirect's `Location` against the URL it came from. Spec: RFC 3986 sections 3 and 5.2 (the subset
 * HTTP needs). Written here because the portable core has no WHATWG URL global.
 */
import { HttpError } from './errors.ts';

export type Scheme = 'http' | 'https';

export interface HttpUrl {
  scheme: Scheme;
  /** Host name or address as written, IPv6 without brackets, lower case. */
  host: string;
  port: number;
  /** Path and query, always starting with `/` (the request target). */
  target: string;
}

export const HTTP_DEFAULT_PORT = 80;
export const HTTPS_DEFAULT_PORT = 443;
/** Longest URL accepted (signed CDN URLs run to a kilobyte or two). */
export const HTTP_URL_MAX_BYTES = 4096;
const PORT_MAX = 65535;

const URL_RE = /^(https?):\/\/([^/?#]*)([^#]*)/i;

export function parseUrl(text: string): HttpUrl {
  if (typeof text !== 'string' || text.length === 0 || text.length > HTTP_URL_MAX_BYTES) {
    throw new HttpError('HTTP_BAD_URL', `url.parse: URL empty or longer than ${HTTP_URL_MAX_BYTES} characters`, { url: String(text).slice(0, 200) });
  }
  if (/[\s\u0000-\u001f\u007f]/.test(text)) {
    throw new HttpError('HTTP_BAD_URL', `url.parse: URL contains whitespace or control characters`, { url: text.slice(0, 200) });
  }
  const m = URL_RE.exec(text);
  if (!m) throw new HttpError('HTTP_BAD_URL', `url.parse: '${text.slice(0, 200)}' is not an http(s) URL`, { url: text.slice(0, 200) });
  const scheme = m[1]!.toLowerCase() as Scheme;
  let authority = m[2]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1); // userinfo is never sent
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw new HttpError('HTTP_BAD_URL', `url.parse: unclosed IPv6 literal in '${text}'`, { url: text });
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new HttpError('HTTP_BAD_URL', `url.parse: junk after IPv6 literal in '${text}'`, { url: text });
    portText = rest ? rest.slice(1) : undefined;
  } else {
    const colon = authority.indexOf(':');
    host = colon >= 0 ? authority.slice(0, colon) : authority;
    portText = colon >= 0 ? authority.slice(colon + 1) : undefined;
  }
  if (host === '' || !/^[A-Za-z0-9.\-_:%~]+$/.test(host)) {
    throw new HttpError('HTTP_BAD_URL', `url.parse: bad host in '${text}'`, { url: text });
  }
  let port = scheme === 'https' ? HTTPS_DEFAULT_PORT : HTTP_DEFAULT_PORT;
  if (portText !== undefined && portText !== '') {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > PORT_MAX) {
      throw new HttpError('HTTP_BAD_URL', `url.parse: bad port '${portText}' in '${text}'`, { url: text });
    }
    port = Number(portText);
  }
  let target = m[3]!;
  if (target === '') target = '/';
  else if (target.startsWith('?')) target = '/' + target;
  return { scheme, host: host.toLowerCase(), port, target };
}

/** The URL written back as text (default ports omitted). */
export function formatUrl(u: HttpUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  const dflt = u.scheme === 'https' ? HTTPS_DEFAULT_PORT : HTTP_DEFAULT_PORT;
  return `${u.scheme}://${host}${u.port === dflt ? '' : `:${u.port}`}${u.target}`;
}

/** The Host header value for a URL. */
export function hostHeader(u: HttpUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  const dflt = u.scheme === 'https' ? HTTPS_DEFAULT_PORT : HTTP_DEFAULT_PORT;
  return u.port === dflt ? host : `${host}:${u.port}`;
}

/** Resolves a Location header against the URL of the request that got it (RFC 3986 5.2, simplified). */
export function resolveUrl(base: HttpUrl, location: string): HttpUrl {
  const loc = location.trim();
  if (/^https?:\/\//i.test(loc)) return parseUrl(loc);
  if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) {
    throw new HttpError('HTTP_BAD_REDIRECT', `url.resolve: redirect to unsupported scheme '${loc.slice(0, 100)}'`, { location: loc.slice(0, 200) });
  }
  if (loc.startsWith('//')) return parseUrl(`${base.scheme}:${loc}`);
  const baseText = formatUrl({ ...base, target: '/' }).slice(0, -1);
  if (loc.startsWith('/')) return parseUrl(baseText + removeDotSegments(loc));
  const basePath = base.target.split('?')[0]!;
  if (loc === '' ) return base;
  if (loc.startsWith('?')) return parseUrl(baseText + basePath + loc);
  const dir = basePath.slice(0, basePath.lastIndexOf('/') + 1);
  return parseUrl(baseText + removeDotSegments(dir + loc));
}

function removeDotSegments(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  const path = q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery;
  const query = q >= 0 ? pathAndQuery.slice(q) : '';
  const out: string[] = [];
  const segs = path.split('/');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '.') { if (i === segs.length - 1) out.push(''); continue; }
    if (s === '..') { if (out.length > 1) out.pop(); if (i === segs.length - 1) out.push(''); continue; }
    out.push(s);
  }
  let p = out.join('/');
  if (!p.startsWith('/')) p = '/' + p;
  return p + query;
}

/**
 * Update check against a Memfault-compatible release API. Spec: docs/reference/nrf91-fota.md
 * ("Update check API"). `204` means up to date; `200` carries the payload URL; any other status is an
 * error with that status — never "up to date" (the field bug of Memfault's Zephyr port).
 */
import { utf8Decode } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';
import { HTTP_URL_MAX_BYTES } from '../transport/http/url.ts';

export const RELEASE_API_LATEST_URL_PATH = '/api/v0/releases/latest/url';
export const RELEASE_API_PROJECT_KEY_HEADER = 'Memfault-Project-Key';
/**
 * Longest payload URL accepted in a 200 body (4 KiB: signed CDN URLs run long; Memfault's SDK sets no
 * limit): the longest URL the HTTP client takes. The agent keeps it across reboots in several settings
 * entries.
 */
export const RELEASE_URL_MAX_BYTES = HTTP_URL_MAX_BYTES;

export interface DeviceIdentity {
  deviceSerial: string;
  hardwareVersion: string;
  softwareType: string;
  currentVersion: string;
}

export interface ReleaseApiConfig {
  /** `https://host[:port]` of the release API. */
  baseUrl: string;
  projectKey: string;
  /** Sent as `User-Agent: MemfaultSDK/<sdkVersion>`-style; fotakit sends `fotakit/<version>`. */
  userAgent?: string;
}

/** What the HTTP layer must provide for the check: a GET of a small body. */
export type HttpGetFn = (url: string, headers: Record<string, string>) => Promise<{ status: number; body: Uint8Array }>;

export type ReleaseCheck = { kind: 'up-to-date' } | { kind: 'update'; url: string };

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (UTF-8). */
function encodeQueryValue(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The request path, every parameter written with a leading `&` as Memfault's SDK does. */
export function releaseCheckPath(id: DeviceIdentity): string {
  const params: [string, string][] = [
    ['device_serial', id.deviceSerial],
    ['hardware_version', id.hardwareVersion],
    ['software_type', id.softwareType],
    ['current_version', id.currentVersion],
  ];
  return RELEASE_API_LATEST_URL_PATH + '?' + params.map(([k, v]) => `&${k}=${encodeQueryValue(v)}`).join('');
}

/** What an error status most likely means for this API, named in the error. */
const RELEASE_API_STATUS_CAUSES: Readonly<Record<number, string>> = {
  400: 'the request was refused (device serial, hardware version or software type malformed?)',
  401: `the project key was not accepted (check the ${RELEASE_API_PROJECT_KEY_HEADER} the device sends: --project-key)`,
  403: `the project key has no access to this project (check the ${RELEASE_API_PROJECT_KEY_HEADER}: --project-key)`,
  404: 'no such device, hardware version or software type in the project (or a wrong API URL)',
  429: 'rate-limited: check again later',
};
/** Characters of the server's answer quoted in an error. */
export const RELEASE_API_QUOTE_MAX_CHARS = 160;

/** The first non-empty line of a body, shortened, when it is text. */
function firstLine(body: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8Decode(body.subarray(0, 4 * RELEASE_API_QUOTE_MAX_CHARS));
  } catch {
    return undefined;
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  if (line === undefined) return undefined;
  // Printable characters only: the quote goes into logs and terminals.
  const clean = line.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > RELEASE_API_QUOTE_MAX_CHARS ? clean.slice(0, RELEASE_API_QUOTE_MAX_CHARS) + '…' : clean;
}

export async function checkForRelease(get: HttpGetFn, api: ReleaseApiConfig, id: DeviceIdentity): Promise<ReleaseCheck> {
  const url = api.baseUrl.replace(/\/+$/, '') + releaseCheckPath(id);
  const res = await get(url, {
    [RELEASE_API_PROJECT_KEY_HEADER]: api.projectKey,
    'User-Agent': api.userAgent ?? 'fotakit/0.1',
    Accept: 'text/plain',
  });
  if (res.status === 204) return { kind: 'up-to-date' };
  if (res.status !== 200) {
    const said = firstLine(res.body);
    const cause = RELEASE_API_STATUS_CAUSES[res.status];
    throw new FotaError(
      'RELEASE_API_STATUS',
      `updateCheck: release API answered ${res.status}, not 200 or 204` + (cause ? `: ${cause}` : '') + (said ? `; the server said: '${said}'` : ''),
      { status: res.status, ...(said ? { body: said } : {}) },
    );
  }
  if (res.body.length === 0 || res.body.length > RELEASE_URL_MAX_BYTES) {
    throw new FotaError('RELEASE_API_BAD_BODY', `updateCheck: a 200 body must hold one payload URL of 1 to ${RELEASE_URL_MAX_BYTES} bytes, got ${res.body.length}`);
  }
  let text: string;
  try {
    text = utf8Decode(res.body).trim();
  } catch {
    throw new FotaError('RELEASE_API_BAD_BODY', 'updateCheck: the 200 body is not UTF-8');
  }
  if (!/^https?:\/\/[^\s/]+\/\S*$/i.test(text)) {
    throw new FotaError('RELEASE_API_BAD_BODY', `updateCheck: the 200 body is not an http(s) URL: '${text.slice(0, 80)}'`);
  }
  return { kind: 'update', url: text };
}

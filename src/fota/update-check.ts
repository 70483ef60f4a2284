/**
 * Update check against a Memfault-compatible release API. Spec: docs/reference/nrf91-fota.md
 * ("Update check API"). `204` means up to date; `200` carries the payload URL; any other status is an
 * error with that status — never "up to date" (the field bug of Memfault's Zephyr port).
 */
import { utf8Decode } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';
import { SETTINGS_MAX_VALUE_BYTES } from '../hal/settings.ts';

export const RELEASE_API_LATEST_URL_PATH = '/api/v0/releases/latest/url';
export const RELEASE_API_PROJECT_KEY_HEADER = 'Memfault-Project-Key';
/** Longest payload URL accepted in a 200 body: the agent keeps it in one settings value across reboots. */
export const RELEASE_URL_MAX_BYTES = SETTINGS_MAX_VALUE_BYTES;

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

export async function checkForRelease(get: HttpGetFn, api: ReleaseApiConfig, id: DeviceIdentity): Promise<ReleaseCheck> {
  const url = api.baseUrl.replace(/\/+$/, '') + releaseCheckPath(id);
  const res = await get(url, {
    [RELEASE_API_PROJECT_KEY_HEADER]: api.projectKey,
    'User-Agent': api.userAgent ?? 'fotakit/0.1',
    Accept: 'text/plain',
  });
  if (res.status === 204) return { kind: 'up-to-date' };
  if (res.status !== 200) {
    throw new FotaError('RELEASE_API_STATUS', `updateCheck: release API answered ${res.status}, not 200 or 204`, { status: res.status });
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

/**
 * The release API of the local update server, compatible with Memfault's device API.
 * Spec: docs/reference/nrf91-fota.md ("Update check API (Memfault-compatible)"):
 * `GET /api/v0/releases/latest/url?&device_serial=S&hardware_version=H&software_type=T&current_version=V`
 * with `Memfault-Project-Key` → 200 with the payload URL (on the CDN host), 204 when the device already
 * runs the release, 401 for a missing or wrong key, 400 for a missing parameter.
 */

export const RELEASE_API_LATEST_URL_PATH = '/api/v0/releases/latest/url';
/** Header names are matched case-insensitively; Node lower-cases them. */
export const RELEASE_API_PROJECT_KEY_HEADER = 'memfault-project-key';
export const RELEASE_API_PARAMS = ['device_serial', 'hardware_version', 'software_type', 'current_version'] as const;
/** Longest parameter value accepted. */
export const RELEASE_API_PARAM_MAX_BYTES = 128;

export interface ReleaseInfo {
  version: string;
  /** Absolute URL of the payload on the CDN. */
  url: string;
}

export interface ApiAnswer {
  status: number;
  body: string;
}

/** Decides the answer to one release-check request. `search` is the query string (with `?`). */
export function answerReleaseCheck(search: string, projectKeyHeader: string | undefined, projectKey: string, release: ReleaseInfo): ApiAnswer {
  if (projectKeyHeader === undefined || projectKeyHeader !== projectKey) {
    return { status: 401, body: 'releaseApi: missing or wrong Memfault-Project-Key\n' };
  }
  const q = new URLSearchParams(search);
  for (const p of RELEASE_API_PARAMS) {
    const v = q.get(p);
    if (v === null || v.length === 0) return { status: 400, body: `releaseApi: parameter ${p} is missing\n` };
    if (v.length > RELEASE_API_PARAM_MAX_BYTES) return { status: 400, body: `releaseApi: parameter ${p} is longer than ${RELEASE_API_PARAM_MAX_BYTES}\n` };
  }
  if (sameVersion(q.get('current_version')!, release.version)) return { status: 204, body: '' };
  return { status: 200, body: release.url };
}

/**
 * Whether two version strings name the same release: MCUboot versions compare by number, so `4.0.0`,
 * `4.0.0+0` and `4.0` are one version; anything else (a software version that is not maj.min.rev+build)
 * compares as text.
 */
export function sameVersion(a: string, b: string): boolean {
  const parse = (v: string) => /^(\d+)(?:\.(\d+)(?:\.(\d+)(?:\+(\d+))?)?)?$/.exec(v)?.slice(1).map((x) => Number(x ?? 0));
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return a === b;
  return x.every((n, i) => n === y[i]);
}

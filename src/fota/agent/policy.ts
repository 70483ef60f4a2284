/**
 * Release policy: what an image must satisfy before anything is marked for MCUboot, beyond hash and
 * signature — no downgrade unless allowed, security counter not lower, size within the slot.
 */
import { FotaError } from '../../hal/errors.ts';

export interface ReleasePolicy {
  /** Accept an older version (MCUboot's downgrade prevention off). */
  allowDowngrade: boolean;
  /** Accept the version that is running (re-flash). */
  allowSameVersion: boolean;
}

export const DEFAULT_RELEASE_POLICY: ReleasePolicy = { allowDowngrade: false, allowSameVersion: false };

/** [major, minor, revision, build] of `maj[.min[.rev[+build]]]`; POLICY_BAD_VERSION otherwise. */
export function parseVersion(v: string): [number, number, number, number] {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+)(?:\+(\d+))?)?)?$/.exec(v);
  if (!m) throw new FotaError('POLICY_BAD_VERSION', `policy.parseVersion: '${v}' is not maj[.min[.rev[+build]]]`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
}

/** <0, 0, >0 like MCUboot's boot_version_cmp (build number included). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Throws IMAGE_DOWNGRADE / IMAGE_SAME_VERSION when `candidate` may not replace `running`. */
export function checkVersionPolicy(policy: ReleasePolicy, running: string, candidate: string): void {
  const c = compareVersions(candidate, running);
  if (c < 0 && !policy.allowDowngrade) {
    throw new FotaError('IMAGE_DOWNGRADE', `policy: ${candidate} is older than the running ${running}`, { running, candidate });
  }
  if (c === 0 && !policy.allowSameVersion) {
    throw new FotaError('IMAGE_SAME_VERSION', `policy: ${candidate} is already running`, { running, candidate });
  }
}

/** Throws IMAGE_SECURITY_COUNTER when the candidate's counter is below the running image's. */
export function checkSecurityCounter(running: number | undefined, candidate: number | undefined): void {
  if (running === undefined) return;
  if (candidate === undefined || candidate < running) {
    throw new FotaError('IMAGE_SECURITY_COUNTER', `policy: security counter ${candidate ?? 'absent'} is below the running ${running}`, { running, candidate });
  }
}

/**
 * Releases this device refused, remembered by the digest of their URL (urlId) next to the ones whose
 * trial failed: a release refused by verification (untrusted key, bad hash, downgrade, not an MCUboot
 * image, too big for the slot) is the same bytes at the next check, so it is reported as
 * AGENT_KNOWN_BAD_RELEASE without downloading it again. Failures of the way there (network, power) are
 * not the release's fault and are never remembered.
 */
/** Codes that condemn the release's bytes themselves. */
export const RELEASE_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'IMAGE_BAD_HASH',
  'IMAGE_BAD_HEADER',
  'IMAGE_BAD_KEY',
  'IMAGE_BAD_MAGIC',
  'IMAGE_BAD_SIGNATURE',
  'IMAGE_BAD_TLV_LENGTH',
  'IMAGE_BAD_TLV_MAGIC',
  'IMAGE_BAD_VERSION',
  'IMAGE_NO_HASH',
  'IMAGE_NO_SIGNATURE',
  'IMAGE_PROTECTED_SIZE_MISMATCH',
  'IMAGE_TLV_NOT_ALLOWED',
  'IMAGE_TLV_OVERRUN',
  'IMAGE_TOO_LARGE',
  'IMAGE_TOO_MANY_TLVS',
  'IMAGE_TRUNCATED',
  'IMAGE_UNKNOWN_KEY',
  'IMAGE_INVALID',
  'IMAGE_DOWNGRADE',
  'IMAGE_SAME_VERSION',
  'IMAGE_SECURITY_COUNTER',
  'IMAGE_TYPE_UNSUPPORTED',
  'DFU_IMAGE_TOO_BIG',
]);

/** States whose failure can be the release's own (its bytes were being fetched or checked). */
const JUDGING_STATES: ReadonlySet<string> = new Set(['downloading', 'verifying']);

export interface BadRelease {
  urlId: string;
  /** The version whose trial failed (refusals before a trial leave it out: the version is not to blame). */
  version?: string;
  /** Why it is bad: SELFTEST_FAILED or the refusal's code. */
  code?: string;
}

/** Whether an error in `state` refuses the release for good. */
export function isReleaseRefusal(state: string, code: string): boolean {
  return JUDGING_STATES.has(state) && RELEASE_REFUSAL_CODES.has(code);
}

/** The list with `entry` added last (replacing an older entry of the same URL), the oldest dropped past `max`. */
export function rememberBadRelease(list: readonly BadRelease[], entry: BadRelease, max: number): BadRelease[] {
  return [...list.filter((b) => b.urlId !== entry.urlId), entry].slice(-max);
}

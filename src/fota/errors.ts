/**
 * Error codes of the FOTA layer above MCUboot: the agent and its release policy, the update check,
 * certificate selection, and the DFU slot targets. Thrown as FotaError (the code is the contract);
 * MCUboot's own families are in ./mcuboot/errors.ts.
 */
/** The agent, its release policy, the update check and the device runner. */
export const AGENT_ERROR_CODES = {
  AGENT_BAD_STATE: 'a state with no action (the record names a state the agent cannot act in)',
  AGENT_BAD_TRANSITION: 'an event the transition table has no row for in this state',
  AGENT_NO_PROGRESS: 'no resting state after AGENT_MAX_STEPS_PER_RUN steps',
  AGENT_NO_RELEASE: 'a working state without a release in the record',
  AGENT_NO_RUNNING_IMAGE: 'the slot reports no active image',
  AGENT_NO_TRUSTED_KEYS: 'a verifier built without trusted keys and without allowUnsigned',
  AGENT_KNOWN_BAD_RELEASE: 'a release (URL or version) that failed its trial on this device before',
  AGENT_UPGRADE_NOT_APPLIED: 'the reset did not start the staged image, AGENT_MAX_STAGE_ATTEMPTS times',
  AGENT_TRIAL_INTERRUPTED: 'resets during the trial reverted the image, AGENT_MAX_STAGE_ATTEMPTS times',
  AGENT_REVERT_FAILED: 'after the revert the device does not run the version it came from',
  SELFTEST_FAILED: 'the self-test of the image on trial failed (MCUboot reverts)',
  UNKNOWN: 'a failure without a reason (should not happen)',
  IMAGE_INVALID: 'the verifier called the image invalid without a code',
  IMAGE_DOWNGRADE: 'the release is older than the running version (policy)',
  IMAGE_SAME_VERSION: 'the release is the running version (policy)',
  IMAGE_SECURITY_COUNTER: 'the release security counter is below the running image',
  POLICY_BAD_VERSION: 'a version string the release policy cannot compare',
  RELEASE_API_STATUS: 'the release API answered a status other than 200 or 204',
  RELEASE_API_BAD_BODY: 'the release API answered a body without a usable URL or version',
  DEVICE_RESET_LOOP: 'the device booted more than its limit without resting (a reset loop)',
} as const;

/** Root-CA selection. */
export const CERT_SELECT_ERROR_CODES = {
  CERT_NO_CANDIDATE: 'no root CA candidate completed a handshake with the host',
  CERT_DUPLICATE_SEC_TAG: 'two candidates share one sec_tag',
  CERT_NOT_IN_STORE: 'a root CA asked for by name is not in the root store',
} as const;

/** DFU slot targets: where the image is written. */
export const DFU_ERROR_CODES = {
  DFU_IMAGE_TOO_BIG: 'the image does not fit the slot (checked before any write)',
  DFU_NOT_STARTED: 'bytes, flush or verify before begin',
  DFU_BAD_OFFSET: 'bytes at an offset other than what the slot holds',
  DFU_OVERFLOW: 'more bytes than the size announced at begin',
  DFU_INCOMPLETE: 'the download ended with fewer bytes than the file has',
  DFU_NO_READ_BACK: 'a read-back asked of a slot that cannot be read (a remote slot)',
  DFU_NO_IMAGE: 'a remote slot asked to mark or confirm an image it does not hold',
  DFU_BAD_ARGUMENT: 'a slot target option that cannot work',
  IMAGE_TYPE_UNSUPPORTED: 'an image type the slot target does not take (modem firmware on an app slot)',
  BOOT_SET_PENDING_FAILED: 'boot_set_pending returned an MCUboot error (context.rc)',
  BOOT_SET_CONFIRMED_FAILED: 'boot_set_confirmed returned an MCUboot error (context.rc)',
} as const;

export type AgentErrorCode = keyof typeof AGENT_ERROR_CODES;
export type DfuErrorCode = keyof typeof DFU_ERROR_CODES;

declare module '../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof AGENT_ERROR_CODES, true>,
      Record<keyof typeof CERT_SELECT_ERROR_CODES, true>,
      Record<keyof typeof DFU_ERROR_CODES, true> {}
}

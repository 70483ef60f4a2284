/**
 * fotakit's error base. Every failure a caller can meet is a FotaError with a stable `code`
 * (`EMSGSIZE`, `IMAGE_BAD_HASH`, `CERT_UNKNOWN_CA`, ...) so tests, CLI exit codes and the C test
 * vectors can name it. The message starts with the operation: `'tlv.next: value runs past the TLV area'`.
 * Families subclass it so `instanceof` can route them; the code stays the contract.
 */
export class FotaError extends Error {
  readonly code: string;
  /**
   * Whatever a caller needs to act on the error: byte offset, SMP group/rc, HTTP status, sec_tag...
   * (Not named `details`: test runners such as uvu print an error's `details` as text.)
   */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message);
    // Set by hand: the core targets ES2020, whose Error constructor takes no options.
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
    this.code = code;
    this.context = details;
    this.name = new.target.name;
  }

  toJSON(): { name: string; code: string; message: string; context: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** True when `e` is a FotaError, optionally with one of the given codes. */
export function isFotaError(e: unknown, ...codes: string[]): e is FotaError {
  return e instanceof FotaError && (codes.length === 0 || codes.includes(e.code));
}

/** Flash area errors: out of bounds, misaligned, write to unerased bytes. */
export class FlashError extends FotaError {}

/**
 * The simulated board lost power in the middle of a flash operation. Nothing after it ran; the
 * harness reboots the board. Never caught by device logic (it is not a device-visible error).
 */
export class PowerCutError extends FotaError {
  constructor(operationIndex: number, op: string) {
    super('POWER_CUT', `${op}: power cut at flash operation ${operationIndex}`, { operationIndex, op });
  }
}

/** Settings store errors (corrupt record, key or value too large, storage full). */
export class SettingsError extends FotaError {}

/**
 * Network and modem errors, with the errno names the nRF9160 gives: EMSGSIZE, ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENOMEM (no free socket), ENOTCONN.
 */
export class NetError extends FotaError {}

/**
 * A TLS handshake that failed, and why: CERT_UNKNOWN_CA, CERT_HOSTNAME_MISMATCH, CERT_EXPIRED,
 * CERT_NOT_YET_VALID, TLS_HANDSHAKE_TIMEOUT, TLS_HANDSHAKE_FAILED.
 */
export class TlsError extends NetError {}

/** Bad command-line use or unusable input named on the command line (CLI exit code 2). */
export class UsageError extends FotaError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('USAGE', message, details);
  }
}

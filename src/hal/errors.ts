/**
 * fotakit's error base. Every failure a caller can meet is a FotaError with a stable `code`
 * (`EMSGSIZE`, `IMAGE_BAD_HASH`, `CERT_UNKNOWN_CA`, ...) so tests, CLI exit codes and the C test
 * vectors can name it. The message starts with the operation: `'tlv.next: value runs past the TLV area'`.
 * Families subclass it so `instanceof` can route them; the code stays the contract.
 */
/** Flash area and simulated flash errors. */
export const FLASH_ERROR_CODES = {
  FLASH_OUT_OF_BOUNDS: 'an offset or length runs outside the area',
  FLASH_READ_FAILED: 'a flash read that failed (driver or hardware error)',
  FLASH_MISALIGNED: 'a write not on the write alignment, or an erase not on whole erase blocks',
  FLASH_NOT_ERASED: 'a write over bytes that are not erased (NOR flash cannot set bits)',
  FLASH_NO_AREA: 'no partition with that label in the flash map',
  FLASH_BAD_ARGUMENT: 'a simulated-flash control called with a bad argument (cut index, image size)',
  FLASH_BAD_PROFILE: 'a board profile whose partitions overlap or do not fit the device',
  FLASH_NO_BOARD: 'no board profile of that name',
  FLASH_STATE_MISMATCH: 'a saved flash image does not match the board it is loaded into',
  POWER_CUT: 'the simulated board lost power during a flash operation (never caught by device logic)',
} as const;

/** Settings store errors. */
export const SETTINGS_ERROR_CODES = {
  SETTINGS_BAD_KEY: 'a key that is empty, too long or has characters settings keys may not',
  SETTINGS_BAD_VALUE: 'a value that is not bytes',
  SETTINGS_VALUE_TOO_LARGE: 'a value over SETTINGS_MAX_VALUE_BYTES',
  SETTINGS_CORRUPT: 'a stored record that does not parse (it is dropped, never trusted)',
  SETTINGS_FULL: 'no room left on the settings partition after garbage collection',
  SETTINGS_BAD_AREA: 'a settings partition too small or of a geometry the store cannot use',
} as const;

/** Socket and modem errors, with the errno names the nRF9160 modem library gives. */
export const NET_ERROR_CODES = {
  EMSGSIZE: 'a TLS record larger than the modem takes (MODEM_TLS_MAX_RECORD_BYTES)',
  ECONNREFUSED: 'the peer refused the connection',
  ECONNRESET: 'the connection was reset or dropped',
  ECONNABORTED: 'the connection was aborted locally',
  ETIMEDOUT: 'no answer within the time limit',
  EHOSTUNREACH: 'the host name does not resolve or the host cannot be reached',
  ENETUNREACH: 'no network (not registered)',
  ENOMEM: 'no free socket or buffer on the modem',
  ENOTCONN: 'an operation on a socket that is not connected',
  EISCONN: 'a connect on a socket that is already connected',
  EPIPE: 'a write on a connection the peer closed',
  EAGAIN: 'try again: the modem is busy',
  EBUSY: 'the resource is in use (credentials while the modem is online)',
  EINVAL: 'an argument the modem refuses',
  ENOENT: 'no such credential',
  EEXIST: 'a credential already stored under that sec_tag and type',
  EACCES: 'access to the credential store refused',
  EADDRNOTAVAIL: 'the local address is not available',
  EIO: 'the modem failed the operation',
} as const;

/** TLS handshake verdicts. */
export const TLS_ERROR_CODES = {
  CERT_UNKNOWN_CA: 'the server chain does not lead to the root CA tried',
  CERT_HOSTNAME_MISMATCH: 'the certificate does not name the host',
  CERT_EXPIRED: 'a certificate in the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not valid yet',
  CERT_CHAIN_TOO_LARGE: 'the server chain does not fit the modem',
  TLS_HANDSHAKE_TIMEOUT: 'the handshake did not finish in time',
  TLS_HANDSHAKE_FAILED: 'the handshake failed for another reason',
  TLS_NO_CREDENTIAL: 'no root CA stored under the sec_tag asked for',
  CERT_WEAK_KEY: 'a certificate key weaker than the modem takes (RSA under 2048 bits, EC other than P-256/P-384)',
  CERT_WEAK_SIGNATURE: 'a certificate signed with SHA-1 or MD5, which the modem refuses',
  TLS_VERSION_UNSUPPORTED: 'a server offering only TLS older than 1.2, which the modem does not speak',
} as const;

/** Errors of the other HAL parts and of the command line. */
export const HAL_ERROR_CODES = {
  BYTES_BAD_HEX: 'a hex string with an odd length or a non-hex character',
  BYTES_BAD_UTF8: 'bytes that are not valid UTF-8',
  CLOCK_BAD_DURATION: 'a sleep that is not a finite number of milliseconds',
  CLOCK_BAD_SPEED: 'a simulated clock speed that is not a positive number',
  CRYPTO_BAD_KEY: 'a DER public key that does not parse or is of an unsupported type',
  CRYPTO_BAD_INPUT: 'an encryption input of the wrong size or shape (key, nonce, wrapped key)',
  CRYPTO_NO_ECDSA: 'a crypto HAL built without ECDSA asked to verify an ECDSA signature',
  PORT_CLOSED: 'a byte port used after close',
  PORT_BAD_ARG: 'a byte port option that cannot work (a baud rate that is not a positive number)',
  PORT_OPEN_FAILED: 'a serial device that cannot be opened',
  PORT_WRITE_FAILED: 'a serial write that failed',
  PTY_FAILED: 'the pseudo-terminal pair could not be created (socat missing or failed)',
  SIM_BAD_STATE: 'a simulated board used out of order (run before boot, a saved state that does not match)',
  SIM_NO_MODEM: 'a simulated board asked for a network it was built without',
  SYSTEM_BAD_RESET_REASON: 'a reset reason the system HAL does not know',
  SYSTEM_BAD_STATE: 'a simulated system state that does not parse',
  SWEEP_NO_CUT: 'a power-cut sweep whose cut never happened',
  USAGE: 'bad command-line use or unusable input named on the command line (exit code 2)',
  INTERNAL: 'a bug: a state the code should never reach',
} as const;

export type FlashErrorCode = keyof typeof FLASH_ERROR_CODES;
export type SettingsErrorCode = keyof typeof SETTINGS_ERROR_CODES;
export type NetErrorCode = keyof typeof NET_ERROR_CODES;
export type TlsErrorCode = keyof typeof TLS_ERROR_CODES;

/**
 * Every error code there is, by family. Each family's registry (a `<FAMILY>_ERROR_CODES` table of code →
 * meaning, next to its error class) adds its codes to this interface by declaration merging:
 *
 *   declare module '../../hal/errors.ts' {
 *     interface FotaErrorCodeRegistry extends Record<keyof typeof HTTP_ERROR_CODES, true> {}
 *   }
 *
 * so `FotaErrorCode` is the union of them all and `isFotaError(e, 'EMSGSZE')` does not compile.
 * docs/errors.md lists every code (test/hal/error-codes.test.ts keeps it complete).
 */
export interface FotaErrorCodeRegistry
  extends Record<keyof typeof FLASH_ERROR_CODES, true>,
    Record<keyof typeof SETTINGS_ERROR_CODES, true>,
    Record<keyof typeof NET_ERROR_CODES, true>,
    Record<keyof typeof TLS_ERROR_CODES, true>,
    Record<keyof typeof HAL_ERROR_CODES, true> {}

/** A registered error code. */
export type FotaErrorCode = keyof FotaErrorCodeRegistry;

export class FotaError extends Error {
  readonly code: FotaErrorCode;
  /**
   * Whatever a caller needs to act on the error: byte offset, SMP group/rc, HTTP status, sec_tag...
   * (Not named `details`: test runners such as uvu print an error's `details` as text.)
   */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: FotaErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message);
    // Set by hand: the core targets ES2020, whose Error constructor takes no options.
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
    this.code = code;
    this.context = details;
    this.name = new.target.name;
  }

  toJSON(): { name: string; code: FotaErrorCode; message: string; context: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** True when `e` is a FotaError, optionally with one of the given codes. */
export function isFotaError(e: unknown, ...codes: FotaErrorCode[]): e is FotaError {
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

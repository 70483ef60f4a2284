/**
 * The exit status of every fotakit command, decided in one place: a table from error `code` to status.
 *   0  success
 *   1  a negative verdict or a failed operation: an invalid image, an update that failed or rolled back,
 *      a download that gave up, a device that refused or went away, a refused certificate
 *   2  a usage or input error: a bad flag, a missing or unreadable file, a PEM that does not parse
 *   3  an internal error (a bug): the stack goes to stderr, the JSON says `INTERNAL`
 * Rows are tried in order; a pattern ending in `*` matches every code with that prefix. A FotaError
 * whose code no row names is a failed operation (1); anything that is not a FotaError is internal (3).
 */
import { FotaError } from '../hal/errors.ts';

export const EXIT_OK = 0;
export const EXIT_NEGATIVE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export type ExitStatus = typeof EXIT_OK | typeof EXIT_NEGATIVE | typeof EXIT_USAGE | typeof EXIT_INTERNAL;

export interface ExitRow {
  /** An error code, or a prefix followed by `*`. */
  pattern: string;
  exit: ExitStatus;
  /** Why this status: what the user did or met. */
  why: string;
}

/** The socket errno names the modem (and Node) give; a network operation that failed. */
const NET_ERRNOS = ['EMSGSIZE', 'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOMEM', 'ENOTCONN', 'EPIPE', 'EADDRNOTAVAIL', 'EIO'];

export const EXIT_TABLE: readonly ExitRow[] = [
  { pattern: 'USAGE', exit: EXIT_USAGE, why: 'a bad flag, a missing or unwritable file, a value out of range' },
  { pattern: 'INTERNAL', exit: EXIT_INTERNAL, why: 'a bug in fotakit' },
  { pattern: 'CRYPTO_NO_ECDSA', exit: EXIT_INTERNAL, why: 'a bug: a crypto HAL without ECDSA met an ECDSA key' },
  // Input the user named that cannot be used.
  { pattern: 'IMAGE_BAD_KEY', exit: EXIT_USAGE, why: 'a key file that does not parse or is of an unsupported type' },
  { pattern: 'CRYPTO_BAD_KEY', exit: EXIT_USAGE, why: 'a key file that does not parse' },
  { pattern: 'IMAGE_BAD_VERSION', exit: EXIT_USAGE, why: 'a version string that is not maj[.min[.rev[+build]]]' },
  { pattern: 'IMAGE_BAD_OPTIONS', exit: EXIT_USAGE, why: 'signing options that cannot work together' },
  { pattern: 'IMAGE_TOO_LARGE', exit: EXIT_USAGE, why: 'the image does not fit the slot size given' },
  { pattern: 'IMAGE_BAD_HEX', exit: EXIT_USAGE, why: 'an input named .hex that is not readable Intel HEX' },
  { pattern: 'HTTP_BAD_URL', exit: EXIT_USAGE, why: 'a URL on the command line that does not parse' },
  { pattern: 'BYTES_BAD_HEX', exit: EXIT_USAGE, why: 'a hash on the command line that is not hex' },
  { pattern: 'REPORT_*', exit: EXIT_USAGE, why: 'a run log that cannot be drawn (bad line, bad entry, too large)' },
  { pattern: 'VECTORS_UNKNOWN_CATEGORY', exit: EXIT_USAGE, why: 'an unknown vector category' },
  // Negative verdicts and failed operations.
  { pattern: 'IMAGE_*', exit: EXIT_NEGATIVE, why: 'an invalid image (hash, signature, key, TLVs)' },
  { pattern: 'DOWNLOAD_*', exit: EXIT_NEGATIVE, why: 'a download that gave up or whose file kept changing' },
  { pattern: 'CERT_*', exit: EXIT_NEGATIVE, why: 'a refused certificate' },
  { pattern: 'TLS_*', exit: EXIT_NEGATIVE, why: 'a failed TLS handshake' },
  { pattern: 'HTTP_*', exit: EXIT_NEGATIVE, why: 'a server that answered wrongly' },
  { pattern: 'RELEASE_API_*', exit: EXIT_NEGATIVE, why: 'a release API that answered wrongly' },
  { pattern: 'SMP_*', exit: EXIT_NEGATIVE, why: 'the device refused (SMP_RC) or the SMP link failed' },
  { pattern: 'AT_*', exit: EXIT_NEGATIVE, why: 'the modem refused or stopped answering' },
  { pattern: 'PORT_*', exit: EXIT_NEGATIVE, why: 'the serial device could not be opened or went away' },
  { pattern: 'PTY_*', exit: EXIT_NEGATIVE, why: 'the pseudo-terminals went away' },
  { pattern: 'AGENT_*', exit: EXIT_NEGATIVE, why: 'the update failed' },
  { pattern: 'BOOT_*', exit: EXIT_NEGATIVE, why: 'MCUboot found nothing to boot or could not swap' },
  { pattern: 'DFU_*', exit: EXIT_NEGATIVE, why: 'the slot refused the image' },
  ...NET_ERRNOS.map((code): ExitRow => ({ pattern: code, exit: EXIT_NEGATIVE, why: 'a network operation failed' })),
];

/** The exit status for an error `code` (see EXIT_TABLE). */
export function exitStatusForCode(code: string): ExitStatus {
  for (const row of EXIT_TABLE) {
    if (row.pattern.endsWith('*') ? code.startsWith(row.pattern.slice(0, -1)) : code === row.pattern) return row.exit;
  }
  return EXIT_NEGATIVE;
}

/** The exit status for anything thrown: a FotaError by its code, anything else is internal. */
export function exitStatusFor(e: unknown): ExitStatus {
  return e instanceof FotaError ? exitStatusForCode(e.code) : EXIT_INTERNAL;
}

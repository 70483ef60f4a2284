/**
 * AT channel errors. Codes:
 * - AT_TIMEOUT: no final result code within the command's time limit;
 * - AT_ERROR: the modem answered `ERROR`;
 * - AT_CME_ERROR: the modem answered `+CME ERROR: <n>` (or `+CMS ERROR: <n>`), details `{ cme }`;
 * - AT_BAD_REPLY: a reply that is garbled, too long, or not what the command answers;
 * - AT_CLOSED: the port closed with a command outstanding, or a command sent after close;
 * - AT_BAD_COMMAND: a command the channel refuses to send (not `AT...`, or a line break outside quotes).
 */
import { FotaError } from '../../hal/errors.ts';

/** AT channel errors. */
export const AT_ERROR_CODES = {
  AT_TIMEOUT: 'no final result code within the command time limit',
  AT_ERROR: 'the modem answered ERROR',
  AT_CME_ERROR: 'the modem answered +CME ERROR: <n> (or +CMS ERROR), context {cme}',
  AT_BAD_REPLY: 'a reply that is garbled, too long, or not what the command answers',
  AT_CLOSED: 'the port closed with a command outstanding, or a command sent after close',
  AT_BAD_COMMAND: 'a command the channel refuses to send (not AT..., or a line break outside quotes)',
} as const;

export type AtErrorCode = keyof typeof AT_ERROR_CODES;

export class AtError extends FotaError {}

declare module '../../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof AT_ERROR_CODES, true> {}
}


/** 3GPP TS 27.007 / nRF91 AT%CMNG error numbers carried by `+CME ERROR: <n>`. */
export const CME_NOT_FOUND = 513;
export const CME_NO_ACCESS = 514;
export const CME_MEMORY_FULL = 515;
export const CME_NOT_ALLOWED_IN_ACTIVE_STATE = 518;
export const CME_ALREADY_EXISTS = 519;

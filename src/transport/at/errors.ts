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

export class AtError extends FotaError {}

/** 3GPP TS 27.007 / nRF91 AT%CMNG error numbers carried by `+CME ERROR: <n>`. */
export const CME_NOT_FOUND = 513;
export const CME_NO_ACCESS = 514;
export const CME_MEMORY_FULL = 515;
export const CME_NOT_ALLOWED_IN_ACTIVE_STATE = 518;
export const CME_ALREADY_EXISTS = 519;

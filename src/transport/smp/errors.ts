/**
 * SMP errors. One family with stable codes:
 * - SMP_RC: the device answered an error (`rc`, or v2 `err: {group, rc}`); details {group, rc, rsn?};
 * - SMP_BAD_HEADER / SMP_BAD_CBOR / SMP_BAD_BODY: a message we cannot parse;
 * - SMP_BAD_FRAME / SMP_BAD_CRC: serial or BLE framing that cannot be reassembled;
 * - SMP_TIMEOUT (ETIMEDOUT semantics), SMP_CLOSED, SMP_MSGSIZE, SMP_BAD_ARG, SMP_UPLOAD_FAILED.
 */
import { FotaError } from '../../hal/errors.ts';
import { MGMT_ERR_NAMES } from './constants.ts';

/** SMP errors. */
export const SMP_ERROR_CODES = {
  SMP_RC: 'the device answered an error: context {group, rc, rsn?}',
  SMP_BAD_HEADER: 'an SMP header that does not parse, or a response that does not match the request',
  SMP_BAD_CBOR: 'a body that is not the CBOR map SMP carries (or nests too deep)',
  SMP_BAD_BODY: 'a body without the fields the command answers with',
  SMP_BAD_FRAME: 'serial or BLE framing that cannot be reassembled',
  SMP_BAD_CRC: 'a serial frame whose CRC16 does not match',
  SMP_BAD_ARG: 'an argument the SMP layer refuses (MTU, chunk size, image)',
  SMP_TIMEOUT: 'no response within the time limit (ETIMEDOUT semantics)',
  SMP_CLOSED: 'the transport closed with a request outstanding, or was used after close',
  SMP_MSGSIZE: 'a message over the device buffer or the transport limit',
  SMP_BUSY: 'all of the device buffers busy: a request was dropped',
  SMP_LINK: 'the link under the transport failed',
  SMP_SEND_FAILED: 'a request could not be sent',
  SMP_UPLOAD_FAILED: 'an image upload that could not finish',
  SMP_HANDLER_FAILED: 'a group handler on the device side failed (answered EUNKNOWN)',
  SMP_SERVER_FAILED: 'the device-side server failed to answer',
} as const;

export type SmpErrorCode = keyof typeof SMP_ERROR_CODES;

export class SmpError extends FotaError {}

declare module '../../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof SMP_ERROR_CODES, true> {}
}


/**
 * The error for a device's rc. v1 `rc` errors carry the request's group; v2 `err` errors their own
 * group (img_mgmt's codes are group-specific, so the group is part of what the rc means).
 */
export function smpRcError(op: string, group: number, rc: number, rsn?: string): SmpError {
  const name = MGMT_ERR_NAMES[rc];
  const details: Record<string, unknown> = { group, rc };
  if (rsn !== undefined) details.rsn = rsn;
  const label = name !== undefined ? ` (${name})` : '';
  return new SmpError('SMP_RC', `${op}: device answered rc ${rc}${label} in group ${group}${rsn ? `: ${rsn}` : ''}`, details);
}

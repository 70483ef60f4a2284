/**
 * SMP errors. One family with stable codes:
 * - SMP_RC: the device answered an error (`rc`, or v2 `err: {group, rc}`); details {group, rc, rsn?};
 * - SMP_BAD_HEADER / SMP_BAD_CBOR / SMP_BAD_BODY: a message we cannot parse;
 * - SMP_BAD_FRAME / SMP_BAD_CRC: serial or BLE framing that cannot be reassembled;
 * - SMP_TIMEOUT (ETIMEDOUT semantics), SMP_CLOSED, SMP_MSGSIZE, SMP_BAD_ARG, SMP_UPLOAD_FAILED.
 */
import { FotaError } from '../../hal/errors.ts';
import { MGMT_ERR_NAMES } from './constants.ts';

export class SmpError extends FotaError {}

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

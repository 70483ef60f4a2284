/**
 * Fault injection of the local update server: the misbehaviours the field reports
 * (docs/reference/nrf91-fota.md, "Recurring complaints" and "EMSGSIZE"), settable at runtime.
 * A fault set is plain data; `parseFaults` reads the CLI form `drop-after=4096,ignore-range,status=503`.
 */
import { UsageError } from '../hal/errors.ts';

/** TLS plaintext fragment bounds Node accepts for setMaxSendFragment. */
export const TLS_MIN_SEND_FRAGMENT_BYTES = 512;
export const TLS_MAX_SEND_FRAGMENT_BYTES = 16384;

export type FaultTarget = 'cdn' | 'api' | 'both';

export interface ServerFaults {
  /**
   * TLS plaintext bytes per record the server writes (512..16384). Default 16384, like the field's
   * CDNs: a response bigger than ~2.2 KiB then arrives in records the modem refuses (EMSGSIZE).
   */
  recordPlaintextBytes?: number;
  /** Holds every write this long and sends the lot at once: pipelined responses share big records. */
  coalesceMs?: number;
  /** Per response: the connection is destroyed after this many body bytes. */
  dropAfterBytes?: number;
  /** Every request of the target is answered with this status (a 5xx, or any 4xx). */
  status?: number;
  /** A Range request is answered `200` with the whole file. */
  ignoreRange?: boolean;
  /** `206` with a Content-Range whose first and last byte are one too high, or none at all. */
  wrongContentRange?: 'shifted' | 'missing';
  /** The image changes (new content, ETag, Last-Modified) once this many CDN body bytes were served. */
  changeAfterBytes?: number;
  /** Per response: the body stops after this many bytes... */
  stallAfterBytes?: number;
  /** ...for this long (absent: until the connection closes). */
  stallMs?: number;
  /** The CDN answers image requests with this redirect to the same file on the mirror host. */
  redirect?: 301 | 302 | 303 | 307 | 308;
  /** Every response says `Connection: close` and the server closes after it. */
  connectionClose?: boolean;
  /** Which requests status/drop/stall/connectionClose apply to. Default `cdn`. */
  target?: FaultTarget;
  /** How many requests the per-request faults affect before they clear themselves. Default: all. */
  count?: number;
}

const FAULT_KEYS: readonly (keyof ServerFaults)[] = [
  'recordPlaintextBytes',
  'coalesceMs',
  'dropAfterBytes',
  'status',
  'ignoreRange',
  'wrongContentRange',
  'changeAfterBytes',
  'stallAfterBytes',
  'stallMs',
  'redirect',
  'connectionClose',
  'target',
  'count',
];

/** Redirect statuses a download client must follow (RFC 9110 §15.4). */
const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
/** HTTP status a fault may force. */
const FAULT_STATUS_MIN = 400;
const FAULT_STATUS_MAX = 599;

function nonNegativeInteger(op: string, name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)) {
    throw new UsageError(`${op}: ${name} must be a non-negative integer, got ${String(v)}`, { fault: name });
  }
}

/** Checks a fault set; UsageError (code USAGE) naming the bad field. */
export function validateFaults(f: ServerFaults, op = 'server.setFaults'): ServerFaults {
  if (typeof f !== 'object' || f === null) throw new UsageError(`${op}: faults must be an object`);
  for (const k of Object.keys(f)) {
    if (!FAULT_KEYS.includes(k as keyof ServerFaults)) throw new UsageError(`${op}: unknown fault '${k}'`, { fault: k });
  }
  for (const k of ['coalesceMs', 'dropAfterBytes', 'changeAfterBytes', 'stallAfterBytes', 'stallMs', 'count'] as const) nonNegativeInteger(op, k, f[k]);
  if (f.recordPlaintextBytes !== undefined) {
    const r = f.recordPlaintextBytes;
    if (!Number.isInteger(r) || r < TLS_MIN_SEND_FRAGMENT_BYTES || r > TLS_MAX_SEND_FRAGMENT_BYTES) {
      throw new UsageError(`${op}: recordPlaintextBytes must be ${TLS_MIN_SEND_FRAGMENT_BYTES}..${TLS_MAX_SEND_FRAGMENT_BYTES}, got ${String(r)}`, { fault: 'recordPlaintextBytes' });
    }
  }
  if (f.status !== undefined && (!Number.isInteger(f.status) || f.status < FAULT_STATUS_MIN || f.status > FAULT_STATUS_MAX)) {
    throw new UsageError(`${op}: status must be ${FAULT_STATUS_MIN}..${FAULT_STATUS_MAX}, got ${String(f.status)}`, { fault: 'status' });
  }
  if (f.redirect !== undefined && !REDIRECT_STATUSES.includes(f.redirect)) {
    throw new UsageError(`${op}: redirect must be one of ${REDIRECT_STATUSES.join(', ')}, got ${String(f.redirect)}`, { fault: 'redirect' });
  }
  if (f.wrongContentRange !== undefined && f.wrongContentRange !== 'shifted' && f.wrongContentRange !== 'missing') {
    throw new UsageError(`${op}: wrongContentRange must be 'shifted' or 'missing'`, { fault: 'wrongContentRange' });
  }
  if (f.target !== undefined && f.target !== 'cdn' && f.target !== 'api' && f.target !== 'both') {
    throw new UsageError(`${op}: target must be cdn, api or both`, { fault: 'target' });
  }
  for (const k of ['ignoreRange', 'connectionClose'] as const) {
    if (f[k] !== undefined && typeof f[k] !== 'boolean') throw new UsageError(`${op}: ${k} must be true or false`, { fault: k });
  }
  return { ...f };
}

/** CLI names → fault fields (numbers unless noted). */
const CLI_FAULTS: Readonly<Record<string, keyof ServerFaults>> = {
  'record-bytes': 'recordPlaintextBytes',
  coalesce: 'coalesceMs',
  'drop-after': 'dropAfterBytes',
  status: 'status',
  'ignore-range': 'ignoreRange',
  'wrong-content-range': 'wrongContentRange',
  'change-after': 'changeAfterBytes',
  'stall-after': 'stallAfterBytes',
  'stall-ms': 'stallMs',
  redirect: 'redirect',
  'connection-close': 'connectionClose',
  target: 'target',
  count: 'count',
};

/** The fault names `parseFaults` knows, for help texts. */
export const CLI_FAULT_NAMES = Object.keys(CLI_FAULTS);

/**
 * Parses `drop-after=4096,ignore-range,status=503,wrong-content-range=missing,target=both`.
 * Flags without a value are true; `wrong-content-range` alone means `shifted`.
 */
export function parseFaults(text: string): ServerFaults {
  const op = '--faults';
  const out: Record<string, unknown> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    const field = CLI_FAULTS[name];
    if (!field) throw new UsageError(`${op}: unknown fault '${name}' (known: ${CLI_FAULT_NAMES.join(', ')})`);
    if (field === 'ignoreRange' || field === 'connectionClose') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw new UsageError(`${op}: ${name} takes no value or true/false`);
      out[field] = value !== 'false';
    } else if (field === 'wrongContentRange') out[field] = value ?? 'shifted';
    else if (field === 'target') out[field] = value;
    else {
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${op}: ${name} needs a whole number, e.g. ${name}=1024`);
      out[field] = Number(value);
    }
  }
  return validateFaults(out as ServerFaults, op);
}

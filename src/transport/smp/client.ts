/**
 * MCUmgr SMP client: requests matched to responses by sequence number, timeouts through the Clock HAL,
 * OS (echo, reset, params) and IMAGE (state, test, confirm, erase, slot info, upload) commands.
 * Spec: smp.md "Groups used for FOTA"; the upload loop lives in ./upload.ts.
 */
import type { Clock } from '../../hal/clock.ts';
import { silentLog, type Log } from '../../hal/log.ts';
import type { SmpBody } from './cbor.ts';
import {
  IMAGE_ERASE_TIMEOUT_MS,
  IMG_MGMT_ID_ERASE,
  IMG_MGMT_ID_SLOT_INFO,
  IMG_MGMT_ID_STATE,
  MGMT_ERR_ENOTSUP,
  MGMT_GROUP_ID_IMAGE,
  MGMT_GROUP_ID_OS,
  MGMT_OP_READ,
  MGMT_OP_WRITE,
  OS_MGMT_ID_ECHO,
  OS_MGMT_ID_MCUMGR_PARAMS,
  OS_MGMT_ID_RESET,
  SMP_DEFAULT_BUF_COUNT,
  SMP_DEFAULT_BUF_SIZE_BYTES,
  SMP_DEFAULT_TIMEOUT_MS,
  SMP_TIMEOUT_POLL_MS,
  SMP_VERSION_2,
} from './constants.ts';
import { SmpError, smpRcError } from './errors.ts';
import { decodeHeader, decodeMessage, encodeMessage } from './message.ts';
import type { SmpTransport } from './transport.ts';

export interface SmpClientOptions {
  clock: Clock;
  /** SMP version of requests: 1 (v2, default) or 0 (v1). */
  version?: number;
  /** Response timeout per request, ms (default 2500). */
  timeoutMs?: number;
  log?: Log;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** What os_mgmt params reports. */
export interface SmpParams {
  bufSize: number;
  bufCount: number;
  /** False when the device does not implement params and the Zephyr defaults are assumed. */
  reported: boolean;
}

/** One entry of the image state response. */
export interface SmpImageState {
  image: number;
  slot: number;
  version: string;
  hash?: Uint8Array;
  bootable: boolean;
  pending: boolean;
  confirmed: boolean;
  active: boolean;
  permanent: boolean;
}

interface Pending {
  group: number;
  command: number;
  deadline: number;
  what: string;
  resolve: (body: SmpBody) => void;
  reject: (e: SmpError) => void;
}

const SEQUENCE_MODULO = 256;

export class SmpClient {
  readonly transport: SmpTransport;
  readonly clock: Clock;
  private readonly version: number;
  private readonly timeoutMs: number;
  private readonly log: Log;
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  private watchdogRunning = false;
  private closed = false;
  /** Counters: requests sent, responses matched, timeouts, responses dropped (unknown sequence or bad). */
  readonly stats = { requests: 0, responses: 0, timeouts: 0, dropped: 0, bytesSent: 0 };

  constructor(transport: SmpTransport, options: SmpClientOptions) {
    this.transport = transport;
    this.clock = options.clock;
    this.version = options.version ?? SMP_VERSION_2;
    this.timeoutMs = options.timeoutMs ?? SMP_DEFAULT_TIMEOUT_MS;
    this.log = options.log ?? silentLog;
    transport.onMessage((m) => this.onMessage(m));
    transport.onError((e) => {
      this.stats.dropped++;
      this.log.log('debug', 'smp client: framing error', { code: e.code, message: e.message });
    });
  }

  /**
   * Sends one request and resolves with the response body once it arrives; SMP_RC when the device
   * answers an error (`rc` ≠ 0, or v2 `err`), SMP_TIMEOUT after the timeout.
   */
  request(op: number, group: number, command: number, body: SmpBody, options: RequestOptions = {}): Promise<SmpBody> {
    const what = `smp.request(group ${group}, command ${command})`;
    if (this.closed) return Promise.reject(new SmpError('SMP_CLOSED', `${what}: the client is closed`));
    if (this.pending.size >= SEQUENCE_MODULO) {
      return Promise.reject(new SmpError('SMP_BUSY', `${what}: ${SEQUENCE_MODULO} requests already in flight`));
    }
    let seq = this.sequence;
    while (this.pending.has(seq)) seq = (seq + 1) % SEQUENCE_MODULO;
    this.sequence = (seq + 1) % SEQUENCE_MODULO;
    let message: Uint8Array;
    try {
      message = encodeMessage({ version: this.version, op, flags: 0, group, sequence: seq, command }, body);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.requestEncoded(message, seq, group, command, what, options.timeoutMs ?? this.timeoutMs);
  }

  /** Sends an already encoded request (the uploader sizes its messages itself). */
  sendRaw(message: Uint8Array, timeoutMs: number): Promise<SmpBody> {
    const h = decodeHeader(message);
    if (this.pending.has(h.sequence)) return Promise.reject(new SmpError('SMP_BUSY', `smp.sendRaw: sequence ${h.sequence} is in flight`));
    return this.requestEncoded(message, h.sequence, h.group, h.command, `smp.request(group ${h.group}, command ${h.command})`, timeoutMs);
  }

  /** The next free sequence number, reserved for a message built by the caller. */
  nextSequence(): number {
    let seq = this.sequence;
    while (this.pending.has(seq)) seq = (seq + 1) % SEQUENCE_MODULO;
    this.sequence = (seq + 1) % SEQUENCE_MODULO;
    return seq;
  }

  get smpVersion(): number {
    return this.version;
  }

  private requestEncoded(message: Uint8Array, seq: number, group: number, command: number, what: string, timeoutMs: number): Promise<SmpBody> {
    return new Promise<SmpBody>((resolve, reject) => {
      this.pending.set(seq, { group, command, deadline: this.clock.now() + timeoutMs, what, resolve, reject });
      this.stats.requests++;
      this.stats.bytesSent += message.length;
      this.startWatchdog();
      this.transport.send(message).catch((e: unknown) => {
        const p = this.pending.get(seq);
        if (!p) return;
        this.pending.delete(seq);
        const err = e instanceof SmpError ? e : new SmpError('SMP_SEND_FAILED', `${what}: send failed: ${(e as Error)?.message ?? e}`, {}, { cause: e });
        reject(err);
      });
    });
  }

  private onMessage(bytes: Uint8Array): void {
    let seq: number;
    try {
      seq = decodeHeader(bytes).sequence;
    } catch {
      this.stats.dropped++;
      return;
    }
    const p = this.pending.get(seq);
    if (!p) {
      this.stats.dropped++;
      return;
    }
    let body: SmpBody;
    try {
      const m = decodeMessage(bytes);
      if (m.header.group !== p.group || m.header.command !== p.command || (m.header.op & 1) !== 1) {
        this.stats.dropped++;
        return;
      }
      body = m.body;
    } catch (e) {
      this.pending.delete(seq);
      p.reject(e as SmpError);
      return;
    }
    this.pending.delete(seq);
    this.stats.responses++;
    const err = responseError(p.what, p.group, body);
    if (err) p.reject(err);
    else p.resolve(body);
  }

  /** One loop per client while requests are pending: the Clock HAL has no cancellable timers. */
  private startWatchdog(): void {
    if (this.watchdogRunning) return;
    this.watchdogRunning = true;
    void (async () => {
      while (this.pending.size > 0) {
        await this.clock.sleep(SMP_TIMEOUT_POLL_MS);
        const now = this.clock.now();
        for (const [seq, p] of this.pending) {
          if (now >= p.deadline) {
            this.pending.delete(seq);
            this.stats.timeouts++;
            p.reject(new SmpError('SMP_TIMEOUT', `${p.what}: no response within the timeout`, { sequence: seq }));
          }
        }
      }
      this.watchdogRunning = false;
    })();
  }

  /** Requests in flight. */
  inFlight(): number {
    return this.pending.size;
  }

  // ---- OS group ----

  /** os echo: the device returns the text. */
  async echo(text: string): Promise<string> {
    const r = await this.request(MGMT_OP_WRITE, MGMT_GROUP_ID_OS, OS_MGMT_ID_ECHO, { d: text });
    if (typeof r.r !== 'string') throw new SmpError('SMP_BAD_BODY', 'smp.echo: response has no text `r`');
    return r.r;
  }

  /** os reset: the device answers, then resets. */
  async reset(): Promise<void> {
    await this.request(MGMT_OP_WRITE, MGMT_GROUP_ID_OS, OS_MGMT_ID_RESET, {});
  }

  /** os mcumgr params; Zephyr's defaults (384 / 4) when the device answers ENOTSUP. */
  async params(): Promise<SmpParams> {
    try {
      const r = await this.request(MGMT_OP_READ, MGMT_GROUP_ID_OS, OS_MGMT_ID_MCUMGR_PARAMS, {});
      const bufSize = r.buf_size;
      const bufCount = r.buf_count;
      if (!isUint(bufSize) || !isUint(bufCount) || bufSize === 0 || bufCount === 0) {
        throw new SmpError('SMP_BAD_BODY', 'smp.params: buf_size and buf_count must be positive integers', { bufSize, bufCount });
      }
      return { bufSize, bufCount, reported: true };
    } catch (e) {
      if (e instanceof SmpError && e.code === 'SMP_RC' && e.context.rc === MGMT_ERR_ENOTSUP) {
        return { bufSize: SMP_DEFAULT_BUF_SIZE_BYTES, bufCount: SMP_DEFAULT_BUF_COUNT, reported: false };
      }
      throw e;
    }
  }

  // ---- IMAGE group ----

  /** image state read: every slot's image. */
  async imageState(): Promise<SmpImageState[]> {
    return parseImageStates(await this.request(MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, {}));
  }

  /** image state write `{hash, confirm: false}`: marks the image with that hash for a test boot. */
  async imageTest(hash: Uint8Array): Promise<SmpImageState[]> {
    return parseImageStates(await this.request(MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, { hash: Uint8Array.from(hash), confirm: false }));
  }

  /** image state write `{confirm: true}` (running image) or with a hash (permanent upgrade to it). */
  async imageConfirm(hash?: Uint8Array): Promise<SmpImageState[]> {
    const body: SmpBody = hash ? { hash: Uint8Array.from(hash), confirm: true } : { confirm: true };
    return parseImageStates(await this.request(MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, body));
  }

  /** image erase (secondary slot by default); waits IMAGE_ERASE_TIMEOUT_MS, the device erases the whole slot. */
  async imageErase(slot?: number): Promise<void> {
    await this.request(MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_ERASE, slot === undefined ? {} : { slot }, {
      timeoutMs: Math.max(this.timeoutMs, IMAGE_ERASE_TIMEOUT_MS),
    });
  }

  /** image slot info, as the device sends it. */
  async slotInfo(): Promise<SmpBody> {
    return this.request(MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_SLOT_INFO, {});
  }

  /** Rejects every pending request and closes the transport. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(new SmpError('SMP_CLOSED', `${p.what}: the client closed`));
    }
    await this.transport.close();
  }
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * The error a response body carries, if any: v1 `rc` (≠ 0), v2 `err: {group, rc}` (rc ≠ 0). SMP-layer
 * errors come as `rc` even in v2, so both are checked.
 */
export function responseError(what: string, requestGroup: number, body: SmpBody): SmpError | undefined {
  const rsn = typeof body.rsn === 'string' ? body.rsn : undefined;
  if (body.rc !== undefined) {
    if (!isUint(body.rc)) return new SmpError('SMP_BAD_BODY', `${what}: rc is not an unsigned integer`, { rc: body.rc });
    if (body.rc !== 0) return smpRcError(what, requestGroup, body.rc, rsn);
  }
  if (body.err !== undefined) {
    const err = body.err as Record<string, unknown>;
    if (err === null || typeof err !== 'object' || !isUint(err.group) || !isUint(err.rc)) {
      return new SmpError('SMP_BAD_BODY', `${what}: err is not {group, rc}`);
    }
    if (err.rc !== 0) return smpRcError(what, err.group, err.rc, rsn);
  }
  return undefined;
}

/** Parses an image state response (`images` array). */
export function parseImageStates(body: SmpBody): SmpImageState[] {
  const images = body.images;
  if (!Array.isArray(images)) throw new SmpError('SMP_BAD_BODY', 'smp.imageState: response has no `images` array');
  return images.map((raw, i) => {
    const e = raw as Record<string, unknown>;
    if (e === null || typeof e !== 'object' || !isUint(e.slot)) {
      throw new SmpError('SMP_BAD_BODY', `smp.imageState: images[${i}] has no slot`, { index: i });
    }
    const hash = e.hash instanceof Uint8Array ? e.hash : undefined;
    const out: SmpImageState = {
      image: isUint(e.image) ? e.image : 0,
      slot: e.slot,
      version: typeof e.version === 'string' ? e.version : '',
      bootable: e.bootable === true,
      pending: e.pending === true,
      confirmed: e.confirmed === true,
      active: e.active === true,
      permanent: e.permanent === true,
    };
    if (hash) out.hash = hash;
    return out;
  });
}

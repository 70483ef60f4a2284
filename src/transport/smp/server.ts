/**
 * Device side of SMP (a Zephyr MCUmgr server): decodes a request, routes it to its group (OS here,
 * IMAGE to the handler given, src/fota/mgmt/img-mgmt.ts on a board) and encodes the answer, with Zephyr's limits (buf_size, buf_count, serial
 * line buffers). A malformed frame or body never stops it: framing errors are counted and dropped,
 * a request with a readable header but bad CBOR is answered EINVAL, an unknown group or command
 * ENOTSUP. Errors are `{rc}` for SMP-layer codes and, to v2 clients, `{err: {group, rc}}` for
 * group-specific ones (v1 clients get the translated `rc`).
 */
import { PowerCutError } from '../../hal/errors.ts';
import { type SmpBody } from './cbor.ts';
import {
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOTSUP,
  MGMT_ERR_EUNKNOWN,
  MGMT_GROUP_ID_IMAGE,
  MGMT_GROUP_ID_OS,
  MGMT_OP_READ,
  MGMT_OP_WRITE,
  OS_MGMT_ID_ECHO,
  OS_MGMT_ID_MCUMGR_PARAMS,
  OS_MGMT_ID_RESET,
  SMP_DEFAULT_BUF_COUNT,
  SMP_DEFAULT_BUF_SIZE_BYTES,
  SMP_SERIAL_BUF_OVERHEAD_BYTES,
  SMP_SERIAL_RX_LINE_BUFFER_BYTES,
  SMP_VERSION_1,
  SMP_VERSION_2,
  MGMT_ERR_UNSUPPORTED_TOO_NEW,
} from './constants.ts';
import { SmpError } from './errors.ts';
import { decodeHeader, decodeMessage, encodeMessage, responseHeader, type SmpHeader } from './message.ts';
import { BleSmpTransport, SerialSmpTransport, type SmpByteLink, type SmpPacketLink, type SmpTransport } from './transport.ts';

/** What a group handler returns: a body, an SMP-layer rc, or a group-specific error. */
export type HandlerResult = { body: SmpBody } | { rc: number } | { groupRc: number; v1Rc: number };

/**
 * A management group's handler (Zephyr's mgmt group callbacks): answers one request of its group, and
 * forgets its RAM state when the device resets.
 */
export interface SmpGroupHandler {
  handle(op: number, command: number, body: SmpBody): HandlerResult | Promise<HandlerResult>;
  resetState(): void;
}

export interface SmpServerOptions<I extends SmpGroupHandler = SmpGroupHandler> {
  /** The image group (img_mgmt): on a board, the MCUboot-backed handler of src/fota/mgmt/img-mgmt.ts. */
  img: I;
  /** Reported by os params and enforced on receive (default 384 / 4, Zephyr's). */
  bufSize?: number;
  bufCount?: number;
  /** Called after the reset response went out (the device model reboots: MCUboot runs, RAM is lost). */
  onReset?: () => void | Promise<void>;
}

export class SmpServer<I extends SmpGroupHandler = SmpGroupHandler> {
  readonly bufSize: number;
  readonly bufCount: number;
  readonly img: I;
  private readonly onReset: (() => void | Promise<void>) | undefined;
  private readonly transports: SmpTransport[] = [];
  /** Counters: requests answered, requests dropped (unreadable header, framing errors), errors answered. */
  readonly stats = { requests: 0, dropped: 0, errors: 0 };
  /** The last framing or decoding error seen (for tests and logs). */
  lastError: SmpError | undefined;
  /** Requests are handled one at a time, in order, as Zephyr's single mcumgr work queue does. */
  private queue: Promise<void> = Promise.resolve();
  /** Requests received and not yet answered (each holds one of the buf_count buffers). */
  private queued = 0;
  /** Set by an answered OS reset: the reset runs once the response went out. */
  private pendingReset = false;

  constructor(o: SmpServerOptions<I>) {
    this.bufSize = o.bufSize ?? SMP_DEFAULT_BUF_SIZE_BYTES;
    this.bufCount = o.bufCount ?? SMP_DEFAULT_BUF_COUNT;
    this.onReset = o.onReset;
    this.img = o.img;
  }

  /**
   * Handles one request message; resolves with the response message, or undefined when the request
   * cannot be answered (header unreadable or not a request) or is too big for the buffer.
   */
  async handle(request: Uint8Array): Promise<Uint8Array | undefined> {
    let header: SmpHeader;
    try {
      header = decodeHeader(request);
    } catch (e) {
      this.drop(e as SmpError);
      return undefined;
    }
    if (header.op !== MGMT_OP_READ && header.op !== MGMT_OP_WRITE) {
      this.drop(new SmpError('SMP_BAD_HEADER', `smp.server: op ${header.op} is not a request`, { op: header.op }));
      return undefined;
    }
    if (request.length > this.bufSize) {
      this.drop(new SmpError('SMP_MSGSIZE', `smp.server: request of ${request.length} bytes exceeds buf_size ${this.bufSize}`, { length: request.length }));
      return undefined;
    }
    let result: HandlerResult;
    let reset = false;
    if (header.version > SMP_VERSION_2) {
      // A newer protocol than this server speaks: answered in v2, as Zephyr does.
      this.stats.requests++;
      this.stats.errors++;
      return encodeMessage(responseHeader(header), { rc: MGMT_ERR_UNSUPPORTED_TOO_NEW });
    }
    try {
      const { body } = decodeMessage(request);
      result = await this.route(header, body);
      reset = header.group === MGMT_GROUP_ID_OS && header.command === OS_MGMT_ID_RESET && 'body' in result;
    } catch (e) {
      // A power cut is the device dying, not an answer; anything else is answered, never fatal.
      if (e instanceof PowerCutError) throw e;
      if (e instanceof SmpError) {
        this.lastError = e;
        result = { rc: MGMT_ERR_EINVAL };
      } else {
        this.lastError = new SmpError('SMP_HANDLER_FAILED', `smp.server: group ${header.group} command ${header.command} failed: ${(e as Error)?.message ?? e}`, {}, { cause: e });
        result = { rc: MGMT_ERR_EUNKNOWN };
      }
    }
    this.stats.requests++;
    let body: SmpBody;
    if ('body' in result) body = header.version === SMP_VERSION_1 && Object.keys(result.body).length === 0 ? { rc: 0 } : result.body;
    else {
      this.stats.errors++;
      if ('rc' in result) body = { rc: result.rc };
      else body = header.version === SMP_VERSION_1 ? { rc: result.v1Rc } : { err: { group: header.group, rc: result.groupRc } };
    }
    const response = encodeMessage(responseHeader(header), body);
    if (reset) this.pendingReset = true;
    return response;
  }

  private drop(e: SmpError): void {
    this.stats.dropped++;
    this.lastError = e;
  }

  private async route(h: SmpHeader, body: SmpBody): Promise<HandlerResult> {
    if (h.group === MGMT_GROUP_ID_OS) return this.osMgmt(h, body);
    if (h.group === MGMT_GROUP_ID_IMAGE) return this.img.handle(h.op, h.command, body);
    return { rc: MGMT_ERR_ENOTSUP };
  }

  /** os_mgmt: echo, reset, mcumgr params. */
  private osMgmt(h: SmpHeader, body: SmpBody): HandlerResult {
    if (h.command === OS_MGMT_ID_ECHO && h.op === MGMT_OP_WRITE) {
      if (typeof body.d !== 'string') return { rc: MGMT_ERR_EINVAL };
      return { body: { r: body.d } };
    }
    if (h.command === OS_MGMT_ID_RESET && h.op === MGMT_OP_WRITE) return { body: {} };
    if (h.command === OS_MGMT_ID_MCUMGR_PARAMS && h.op === MGMT_OP_READ) return { body: { buf_size: this.bufSize, buf_count: this.bufCount } };
    return { rc: MGMT_ERR_ENOTSUP };
  }

  /** Serves requests arriving on `transport`, one at a time, answering on the same transport. */
  attach(transport: SmpTransport): SmpTransport {
    this.transports.push(transport);
    transport.onError((e) => this.drop(e));
    transport.onMessage((m) => {
      // Each queued request holds one of the device's buf_count buffers; with none free it is lost.
      if (this.queued >= this.bufCount) {
        this.drop(new SmpError('SMP_BUSY', `smp.server: all ${this.bufCount} buffers busy, request dropped`, { bufCount: this.bufCount }));
        return;
      }
      this.queued++;
      this.queue = this.queue.then(async () => {
        try {
          const response = await this.handle(m).finally(() => this.queued--);
          if (!response) return;
          await transport.send(response);
          await this.afterResponse();
        } catch (e) {
          this.drop(e instanceof SmpError ? e : new SmpError('SMP_SERVER_FAILED', `smp.server: ${(e as Error)?.message ?? e}`, {}, { cause: e }));
        }
      });
    });
    return transport;
  }

  /** Serves a serial console link with Zephyr's UART limits (128-byte line buffer, buf_size - 4 messages). */
  attachSerial(link: SmpByteLink): SerialSmpTransport {
    const t = new SerialSmpTransport(link, {
      lineBufferBytes: SMP_SERIAL_RX_LINE_BUFFER_BYTES,
      maxReceiveBytes: this.bufSize - SMP_SERIAL_BUF_OVERHEAD_BYTES,
    });
    this.attach(t);
    return t;
  }

  /** Serves a BLE connection, reassembling requests up to buf_size (MCUMGR_TRANSPORT_BT_REASSEMBLY). */
  attachBle(link: SmpPacketLink): BleSmpTransport {
    const t = new BleSmpTransport(link, { maxReceiveBytes: this.bufSize });
    this.attach(t);
    return t;
  }

  /** To call once a response went out: runs a reset the last request asked for. */
  async afterResponse(): Promise<void> {
    if (!this.pendingReset) return;
    this.pendingReset = false;
    this.img.resetState();
    await this.onReset?.();
  }

  /** Resolves once every request received so far has been answered. */
  idle(): Promise<void> {
    return this.queue;
  }
}

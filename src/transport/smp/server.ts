/**
 * Device side of SMP (a Zephyr MCUmgr server, subsys/mgmt/mcumgr/smp/src/smp.c): decodes a request,
 * finds its handler in one table of groups (OS ./os-mgmt.ts, IMAGE handed in (src/fota/mgmt/img-mgmt.ts), STAT ./stat-mgmt.ts,
 * each a sibling file shaped as ./mgmt-handler.ts says) and encodes the answer, with Zephyr's limits.
 * What smp_process_request_packet does, kept here:
 * - fewer than 8 bytes: no answer; reserved header bits are ignored;
 * - a header announcing more CBOR than arrived: ECORRUPT; bytes after the announced length are the
 *   next request of the same packet, answered in turn;
 * - an op that is not a request (read or write): ENOTSUP, answered as a write response;
 * - version above v2: UNSUPPORTED_TOO_NEW (answered in v2); no handler for the group, command or op: ENOTSUP;
 * - an empty body (length 0) reaches the handler as "no fields": commands that read none answer,
 *   commands that read fields answer EINVAL (zcbor_map_decode_bulk finds no map);
 * - answers are encoded as zcbor writes them (indefinite-length maps and lists, ./zcbor-encode.ts);
 * - a group-specific error goes to v2 clients as `{err: {group, rc}}` and to v1 clients as the rc the
 *   group's translate function gives (current Zephyr's tables; `legacyRc` selects older behaviour).
 * Buffers (CONFIG_MCUMGR_TRANSPORT_NETBUF_COUNT): every received request holds one of buf_count
 * buffers until answered, and building the answer takes another. A request arriving with none free is
 * lost (each transport drops it); a request whose answer finds none free is answered ENOMEM in its own
 * buffer. A message larger than buf_size: serial and BLE drop it in their framing (./transport.ts);
 * UDP reads at most its MTU (= buf_size here), so handle() cuts a longer datagram there and the header
 * then announces more than arrived: ECORRUPT.
 */
import { PowerCutError } from '../../hal/errors.ts';
import { readU16BE } from '../../hal/bytes.ts';
import { cborDecode, type SmpBody } from './cbor.ts';
import {
  MGMT_ERR_ECORRUPT,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOMEM,
  MGMT_ERR_ENOTSUP,
  MGMT_ERR_EUNKNOWN,
  MGMT_GROUP_ID_IMAGE,
  MGMT_GROUP_ID_OS,
  MGMT_GROUP_ID_STAT,
  IMG_MGMT_ID_UPLOAD,
  MGMT_OP_READ,
  MGMT_OP_READ_RSP,
  MGMT_OP_WRITE,
  MGMT_OP_WRITE_RSP,
  OS_MGMT_ID_RESET,
  SMP_DEFAULT_BUF_COUNT,
  SMP_DEFAULT_BUF_SIZE_BYTES,
  SMP_HDR_FLAGS_OFFSET,
  SMP_HDR_GROUP_OFFSET,
  SMP_HDR_ID_OFFSET,
  SMP_HDR_LEN_OFFSET,
  SMP_HDR_OP_OFFSET,
  SMP_HDR_SEQ_OFFSET,
  SMP_HEADER_BYTES,
  SMP_OP_MASK,
  SMP_SERIAL_BUF_OVERHEAD_BYTES,
  SMP_SERIAL_RX_LINE_BUFFER_BYTES,
  SMP_VERSION_1,
  SMP_VERSION_2,
  SMP_VERSION_MASK,
  SMP_VERSION_SHIFT,
  MGMT_ERR_UNSUPPORTED_TOO_NEW,
} from './constants.ts';
import { SmpError } from './errors.ts';
import { encodeHeader, type SmpHeader } from './message.ts';
import { zcborEncode } from './zcbor-encode.ts';
import { OsMgmt, type OsMgmtOptions } from './os-mgmt.ts';
import { StatMgmt, type StatGroup } from './stat-mgmt.ts';
import type { HandlerResult, MgmtGroup } from './mgmt-handler.ts';
import { BleSmpTransport, SerialSmpTransport, type SmpByteLink, type SmpPacketLink, type SmpTransport } from './transport.ts';

export type { HandlerResult } from './mgmt-handler.ts';

export interface SmpServerOptions {
  /**
   * The IMAGE group (Zephyr's img_mgmt): MCUboot logic answering SMP, so it lives above this layer
   * (src/fota/mgmt/img-mgmt.ts on a board) and is handed in. Its errors are translated for v1 clients
   * by its own table; give it the same `legacyRc` as the server.
   */
  img: MgmtGroup;
  /** Reported by os params and enforced on receive (default 384 / 4, Zephyr's). */
  bufSize?: number;
  bufCount?: number;
  /**
   * Older Zephyr's v1 answers (before SMP v2, Zephyr 3.1 and earlier; CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR):
   * img_mgmt errors answered as the original img_mgmt did (bad magic, too large, unknown hash: EINVAL;
   * no free slot: ENOMEM) and `rc: 0` in successful v1 answers that carry nothing else, in upload
   * answers and in the stat group's. Default: current Zephyr.
   */
  legacyRc?: boolean;
  /** Milliseconds for the emulated RTC (os datetime) and the smp_svr `ticks` stat. */
  now?: () => number;
  /** Stat groups (default: smp_svr's `smp_svr_stats` with its `ticks` counter). */
  stats?: ReadonlyArray<StatGroup>;
  /** OS group details (taskstat threads, info strings, MCUboot mode). */
  os?: Partial<Omit<OsMgmtOptions, 'bufSize' | 'bufCount' | 'now'>>;
  /** Called after the reset response went out (the device model reboots: MCUboot runs, RAM is lost). */
  onReset?: () => void | Promise<void>;
}

const MS_PER_S = 1000;

/** The header as Zephyr's struct smp_hdr reads it: reserved bits ignored, nothing refused. */
function readRequestHeader(b: Uint8Array): SmpHeader {
  const b0 = b[SMP_HDR_OP_OFFSET]!;
  return {
    version: (b0 >> SMP_VERSION_SHIFT) & SMP_VERSION_MASK,
    op: b0 & SMP_OP_MASK,
    flags: b[SMP_HDR_FLAGS_OFFSET]!,
    length: readU16BE(b, SMP_HDR_LEN_OFFSET),
    group: readU16BE(b, SMP_HDR_GROUP_OFFSET),
    sequence: b[SMP_HDR_SEQ_OFFSET]!,
    command: b[SMP_HDR_ID_OFFSET]!,
  };
}

/**
 * Where the original mcumgr (and CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR) put `rc: 0` in a successful
 * answer: answers that would otherwise be empty (reset, erase, state-less writes), upload answers
 * (`rc` before `off`) and the stat group's; not in answers that carry data of their own (echo, params,
 * image state).
 */
function legacyRcZero(header: SmpHeader, body: SmpBody): boolean {
  return Object.keys(body).length === 0 || (header.group === MGMT_GROUP_ID_IMAGE && header.command === IMG_MGMT_ID_UPLOAD) || header.group === MGMT_GROUP_ID_STAT;
}

/** smp_make_rsp_hdr: read → read response, anything else → write response; version at most v2. */
function zephyrResponseHeader(h: SmpHeader): Omit<SmpHeader, 'length'> {
  return {
    version: Math.min(h.version, SMP_VERSION_2),
    op: h.op === MGMT_OP_READ ? MGMT_OP_READ_RSP : MGMT_OP_WRITE_RSP,
    flags: 0,
    group: h.group,
    sequence: h.sequence,
    command: h.command,
  };
}

export class SmpServer {
  readonly bufSize: number;
  readonly bufCount: number;
  readonly img: MgmtGroup;
  readonly os: OsMgmt;
  readonly stat: StatMgmt;
  /** Every group this server answers, by group id (Zephyr's registered mgmt_group list). */
  readonly groups: ReadonlyMap<number, MgmtGroup>;
  private readonly legacyRc: boolean;
  private readonly onReset: (() => void | Promise<void>) | undefined;
  private readonly transports: SmpTransport[] = [];
  /** Counters: requests answered, requests dropped (unreadable header, framing errors), errors answered. */
  readonly stats = { requests: 0, dropped: 0, errors: 0 };
  /** The last framing or decoding error seen (for tests and logs). */
  lastError: SmpError | undefined;
  /** Requests are handled one at a time, in order, as Zephyr's single mcumgr work queue does. */
  private queue: Promise<void> = Promise.resolve();
  /** Buffers of the buf_count pool in use: received requests not yet answered, answers being built. */
  private buffersInUse = 0;
  /** Set by an answered OS reset: the reset runs once the response went out. */
  private pendingReset = false;

  constructor(o: SmpServerOptions) {
    this.bufSize = o.bufSize ?? SMP_DEFAULT_BUF_SIZE_BYTES;
    this.bufCount = o.bufCount ?? SMP_DEFAULT_BUF_COUNT;
    this.legacyRc = o.legacyRc === true;
    this.onReset = o.onReset;
    const now = o.now;
    this.img = o.img;
    this.os = new OsMgmt({ ...o.os, bufSize: this.bufSize, bufCount: this.bufCount, ...(now ? { now } : {}) });
    this.stat = new StatMgmt(o.stats ?? [{ name: 'smp_svr_stats', fields: () => ({ ticks: Math.floor((now ? now() : 0) / MS_PER_S) }) }]);
    this.groups = new Map<number, MgmtGroup>([this.os, this.img, this.stat].map((g) => [g.groupId, g]));
  }

  /**
   * Handles one request packet; resolves with the first response, or undefined when nothing is
   * answered (fewer than 8 bytes). See handlePacket for packets holding several requests.
   */
  async handle(request: Uint8Array): Promise<Uint8Array | undefined> {
    return (await this.handlePacket(request))[0];
  }

  /**
   * Every response to one packet, in order: requests are taken one after another from the packet
   * until it is used up; an error answer ends the packet (smp_process_request_packet).
   */
  async handlePacket(packet: Uint8Array): Promise<Uint8Array[]> {
    // UDP's receive buffer is its MTU (= buf_size here): a longer datagram arrives cut short.
    let rest = packet.length > this.bufSize ? packet.subarray(0, this.bufSize) : packet;
    const out: Uint8Array[] = [];
    while (rest.length > 0) {
      if (rest.length < SMP_HEADER_BYTES) {
        this.drop(new SmpError('SMP_BAD_HEADER', `smp.server: ${rest.length} bytes, a header needs ${SMP_HEADER_BYTES}`, { length: rest.length }));
        break;
      }
      const header = readRequestHeader(rest);
      const total = SMP_HEADER_BYTES + header.length;
      if (rest.length < total) {
        out.push(this.answer(header, { rc: MGMT_ERR_ECORRUPT }));
        break;
      }
      const result = await this.handleOne(header, rest.subarray(SMP_HEADER_BYTES, total));
      out.push(this.answer(header, result));
      // An error answer ends the packet; a v2 group error is a successful answer carrying `err`.
      if ('rc' in result || ('groupRc' in result && header.version === SMP_VERSION_1)) break;
      if (header.group === MGMT_GROUP_ID_OS && header.command === OS_MGMT_ID_RESET && header.op === MGMT_OP_WRITE) this.pendingReset = true;
      rest = rest.subarray(total);
    }
    return out;
  }

  private async handleOne(header: SmpHeader, payload: Uint8Array): Promise<HandlerResult> {
    if (header.op !== MGMT_OP_READ && header.op !== MGMT_OP_WRITE) return { rc: MGMT_ERR_ENOTSUP };
    if (header.version > SMP_VERSION_2) return { rc: MGMT_ERR_UNSUPPORTED_TOO_NEW };
    const handler = this.groups.get(header.group)?.handlers[header.command];
    const fn = header.op === MGMT_OP_READ ? handler?.read : handler?.write;
    if (!fn) return { rc: MGMT_ERR_ENOTSUP };
    let body: SmpBody | undefined;
    if (payload.length > 0) {
      try {
        const v = cborDecode(payload);
        // Not a map: zcbor_map_decode_bulk fails the same way as on no map at all.
        body = v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as SmpBody) : undefined;
      } catch (e) {
        this.lastError = e as SmpError;
        body = undefined;
      }
    }
    try {
      return await fn({ header, body });
    } catch (e) {
      // A power cut is the device dying, not an answer; anything else is answered, never fatal.
      if (e instanceof PowerCutError) throw e;
      if (e instanceof SmpError) {
        this.lastError = e;
        return { rc: MGMT_ERR_EINVAL };
      }
      this.lastError = new SmpError('SMP_HANDLER_FAILED', `smp.server: group ${header.group} command ${header.command} failed: ${(e as Error)?.message ?? e}`, {}, { cause: e });
      return { rc: MGMT_ERR_EUNKNOWN };
    }
  }

  /** Encodes the answer to `header`: a body, an SMP-layer rc, or a group error for this version. */
  private answer(header: SmpHeader, result: HandlerResult): Uint8Array {
    this.stats.requests++;
    let body: SmpBody;
    if ('body' in result) {
      body = this.legacyRc && header.version === SMP_VERSION_1 && legacyRcZero(header, result.body) ? { rc: 0, ...result.body } : result.body;
    } else {
      this.stats.errors++;
      if ('rc' in result) body = { rc: result.rc };
      else body = header.version === SMP_VERSION_1 ? { rc: result.v1Rc } : { err: { group: result.group ?? header.group, rc: result.groupRc } };
    }
    // Encoded as zcbor does on the device: the same bytes, length field included, as smp_svr sends.
    const cbor = zcborEncode(body);
    const out = new Uint8Array(SMP_HEADER_BYTES + cbor.length);
    out.set(encodeHeader({ ...zephyrResponseHeader(header), length: cbor.length }), 0);
    out.set(cbor, SMP_HEADER_BYTES);
    return out;
  }

  private drop(e: SmpError): void {
    this.stats.dropped++;
    this.lastError = e;
  }

  /** Serves requests arriving on `transport`, one at a time, answering on the same transport. */
  attach(transport: SmpTransport): SmpTransport {
    this.transports.push(transport);
    transport.onError((e) => this.drop(e));
    transport.onMessage((m) => this.receive(m, (r) => transport.send(r)));
    return transport;
  }

  /**
   * One received request packet, from any transport: it takes one of the buf_count buffers (none free:
   * lost, as every Zephyr transport drops it), waits its turn on the single mcumgr work queue, and its
   * answers go out through `send`; an OS reset runs once they did.
   */
  receive(m: Uint8Array, send: (response: Uint8Array) => Promise<void>): void {
    if (this.buffersInUse >= this.bufCount) {
      this.drop(new SmpError('SMP_BUSY', `smp.server: all ${this.bufCount} buffers busy, request dropped`, { bufCount: this.bufCount }));
      return;
    }
    this.buffersInUse++;
    this.queue = this.queue.then(async () => {
      // The answer needs a buffer of its own (smp_alloc_rsp); without one the request is answered
      // ENOMEM in its own buffer.
      const answerBuffer = this.buffersInUse < this.bufCount;
      if (answerBuffer) this.buffersInUse++;
      try {
        const responses = answerBuffer ? await this.handlePacket(m) : this.noMemory(m);
        for (const r of responses) await send(r);
        if (responses.length > 0) await this.afterResponse();
      } catch (e) {
        this.drop(e instanceof SmpError ? e : new SmpError('SMP_SERVER_FAILED', `smp.server: ${(e as Error)?.message ?? e}`, {}, { cause: e }));
      } finally {
        this.buffersInUse -= answerBuffer ? 2 : 1;
      }
    });
  }

  /** The ENOMEM answer to a request no answer buffer was free for (nothing if its header is unreadable). */
  private noMemory(m: Uint8Array): Uint8Array[] {
    if (m.length < SMP_HEADER_BYTES) return [];
    return [this.answer(readRequestHeader(m), { rc: MGMT_ERR_ENOMEM })];
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
    for (const group of this.groups.values()) group.resetState?.();
    await this.onReset?.();
  }

  /** Resolves once every request received so far has been answered. */
  idle(): Promise<void> {
    return this.queue;
  }
}

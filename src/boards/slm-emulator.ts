/**
 * The board side of the SLM: an nRF9160 running the Serial LTE Modem application, emulated. It reads AT
 * commands from a BytePort and executes them against a Modem (the simulated modem: real TLS, the
 * record gate, EMSGSIZE), answering as the SLM does, in either dialect. `fotakit emulate --board nrf9160`
 * puts it behind a pseudo-terminal. Spec: docs/reference/nrf91-fota.md ("Serial LTE Modem (SLM) AT
 * commands"); error replies per the table in src/transport/at/slm.ts.
 *
 * Legacy data mode: `AT#XSEND` without data answers OK, then raw bytes up to `+++` are sent and
 * `#XDATAMODE: <status>` reports the exit.
 * Command lines end at CR or LF outside double quotes, so a PEM certificate with line breaks can be
 * written inside `AT%CMNG=0,...,"..."` as on the real SLM. Commands run one at a time, in order.
 */
import { concatBytes, fromHex, utf8Encode } from '../hal/bytes.ts';
import { isFotaError } from '../hal/errors.ts';
import { CREDENTIAL_TYPE, type CredentialType, type Modem, type PeerVerify, type Socket } from '../hal/net.ts';
import type { BytePort } from '../hal/port.ts';
import { CME_NOT_ALLOWED_IN_ACTIVE_STATE } from '../transport/at/errors.ts';
import { parseParams, type AtParam } from '../transport/at/replies.ts';
import {
  CEREG_REGISTERED_HOME,
  CFUN_MODE_NORMAL,
  CFUN_MODE_OFFLINE,
  CFUN_MODE_POWER_OFF,
  CMNG_OP_DELETE,
  CMNG_OP_LIST,
  CMNG_OP_WRITE,
  PEER_VERIFY_VALUE,
  SLM_DATAMODE_PREFIX,
  SLM_DATAMODE_TERMINATOR,
  SLM_ERRNO,
  SLM_AF_INET,
  SLM_IPPROTO_TCP,
  SLM_IPPROTO_TLS_1_2,
  SLM_ROLE_CLIENT,
  SLM_RECV_MAX_BYTES,
  SLM_RECV_MODE_HEX,
  SLM_SEND_MODE_HEX,
  SLM_SOCKETOPT_SET,
  SLM_SO_TLS_HOSTNAME,
  SLM_SOCK_STREAM,
  cmeForCode,
  type SlmDialect,
  type SlmOperation,
} from '../transport/at/slm.ts';

/** Longest command line the emulated SLM buffers (a 4 KiB PEM plus the command around it). */
export const SLM_EMU_COMMAND_MAX_BYTES = 8_192;
/** Bytes one legacy AT#XRECV hands up at most (the legacy SLM's receive buffer). */
export const SLM_EMU_LEGACY_RECV_BYTES = 2_048;
const MS_PER_S = 1000;

/** Highest socket handle the emulated Serial Modem reports in its test response (8 sockets). */
export const SLM_EMU_SOCKET_HANDLE_MAX = 7;
/** Sockets the emulated SLM opens at once: one for legacy, the modem's for the Serial Modem. */
export const SLM_EMU_LEGACY_SOCKETS = 1;

export interface SlmEmulatorOptions {
  port: BytePort;
  modem: Modem;
  dialect: SlmDialect;
  /** Functional mode at power-on (default 0, as the SLM boots: the host sets AT+CFUN=1). */
  initialCfun?: number;
  /** Called with each command line executed (for logs and tests). */
  onCommand?: (command: string) => void;
}

interface EmuSocket {
  handle: number;
  secTag?: number;
  peerVerify: PeerVerify;
  hostname?: string;
  socket?: Socket;
}

const TERMINATOR = Array.from(SLM_DATAMODE_TERMINATOR, (c) => c.charCodeAt(0));

function endsWithTerminator(bytes: number[]): boolean {
  if (bytes.length < TERMINATOR.length) return false;
  const at = bytes.length - TERMINATOR.length;
  return TERMINATOR.every((t, i) => bytes[at + i] === t);
}

const PEER_VERIFY_BY_VALUE = new Map<number, PeerVerify>(Object.entries(PEER_VERIFY_VALUE).map(([k, v]) => [v, k as PeerVerify]));
const TYPES = new Set<number>(Object.values(CREDENTIAL_TYPE));

class Reply {
  readonly parts: Uint8Array[] = [];
  /** Unsolicited results to send after the final result code. */
  readonly urcs: string[] = [];
  line(text: string): this {
    this.parts.push(utf8Encode(`${text}\r\n`));
    return this;
  }
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }
}

/** A reply that is not OK: `ERROR`, or `+CME ERROR: n`. */
class Refusal {
  constructor(readonly cme?: number) {}
}

export class SlmEmulator {
  private readonly port: BytePort;
  private readonly modem: Modem;
  readonly dialect: SlmDialect;
  private cfun: number;
  private echo = false;
  private line: number[] = [];
  private quoted = false;
  private overflow = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly sockets = new Map<number, EmuSocket>();
  private nextHandle = 0;
  private closed = false;
  /** AT+CEREG=<n>: 0 no URCs, 1+ report registration changes. */
  private ceregReports = 0;
  private dataMode: { handle: number; bytes: number[] } | undefined;
  readonly commands: string[] = [];

  constructor(private readonly options: SlmEmulatorOptions) {
    this.port = options.port;
    this.modem = options.modem;
    this.dialect = options.dialect;
    this.cfun = options.initialCfun ?? CFUN_MODE_POWER_OFF;
    this.port.onData((bytes) => this.receive(bytes));
    this.port.onClose(() => void this.shutdown());
  }

  /** Closes every socket the emulator opened (the port stays with its owner). */
  async shutdown(): Promise<void> {
    this.closed = true;
    const open = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(open.map((s) => s.socket?.close().catch(() => undefined)));
  }

  private receive(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.dataMode) {
        this.dataMode.bytes.push(b);
        if (endsWithTerminator(this.dataMode.bytes)) {
          const { handle, bytes: data } = this.dataMode;
          this.dataMode = undefined;
          this.enqueueData(handle, Uint8Array.from(data.slice(0, data.length - TERMINATOR.length)));
        }
        continue;
      }
      if (b === 0x22) this.quoted = !this.quoted;
      if ((b === 0x0d || b === 0x0a) && !this.quoted) {
        const text = this.overflow ? undefined : String.fromCharCode(...this.line);
        const wasOverflow = this.overflow;
        this.line = [];
        this.overflow = false;
        if (wasOverflow) this.enqueue(undefined);
        else if (text !== undefined && text.trim() !== '') this.enqueue(text.trim());
        continue;
      }
      if (this.line.length >= SLM_EMU_COMMAND_MAX_BYTES) {
        this.overflow = true;
        continue;
      }
      if (!this.overflow) this.line.push(b);
    }
  }

  private enqueue(command: string | undefined): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      let out: Uint8Array[];
      if (command === undefined) out = [utf8Encode('ERROR\r\n')];
      else {
        this.commands.push(command);
        this.options.onCommand?.(command);
        // A real modem echoes characters as they arrive: with the echo state before the command ran.
        const echo = this.echo;
        out = await this.execute(command);
        if (echo) out.unshift(utf8Encode(`${command}\r\n`));
      }
      if (!this.closed) await this.port.write(concatBytes(...out)).catch(() => undefined);
    });
  }

  /** Sends what arrived in data mode and reports `#XDATAMODE: <status>` (0, or a negative errno). */
  private enqueueData(handle: number, data: Uint8Array): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      let status = 0;
      try {
        await this.connected(handle).send(data);
      } catch (e) {
        status = -(this.refuse('send', e).cme ?? SLM_ERRNO.ECONNRESET!);
      }
      if (!this.closed) await this.port.write(utf8Encode(`${SLM_DATAMODE_PREFIX}: ${status}\r\n`)).catch(() => undefined);
    });
  }

  private async execute(command: string): Promise<Uint8Array[]> {
    const reply = new Reply();
    try {
      await this.dispatch(command, reply);
      reply.line('OK');
      for (const urc of reply.urcs) reply.line(urc);
    } catch (e) {
      const cme = e instanceof Refusal ? e.cme : undefined;
      return [utf8Encode(cme !== undefined ? `+CME ERROR: ${cme}\r\n` : 'ERROR\r\n')];
    }
    return reply.parts;
  }

  /** Maps a Modem failure during `op` to the SLM's reply. */
  private refuse(op: SlmOperation, e: unknown): Refusal {
    if (e instanceof Refusal) return e;
    if (isFotaError(e)) return new Refusal(cmeForCode(op, e.code));
    return new Refusal();
  }

  private async dispatch(command: string, reply: Reply): Promise<void> {
    const m = /^AT([+%#][A-Z]+)?(=\?|\?|=)?(.*)$/is.exec(command);
    if (!m) throw new Refusal();
    const name = (m[1] ?? '').toUpperCase();
    const form = m[2] ?? '';
    let params: AtParam[] = [];
    if (form === '=') {
      try {
        params = parseParams(m[3]!);
      } catch {
        throw new Refusal();
      }
    } else if (m[3] !== '' && !(name === '' && /^E[01]$/i.test(m[3]!))) throw new Refusal();
    const n = (i: number): number => {
      const v = params[i];
      if (typeof v !== 'number') throw new Refusal();
      return v;
    };
    const s = (i: number): string => {
      const v = params[i];
      if (typeof v !== 'string') throw new Refusal();
      return v;
    };
    switch (`${name}${form}`) {
      case '':
        if (/^E[01]$/i.test(m[3]!)) this.echo = m[3]!.endsWith('1');
        return;
      case '+CFUN?':
        reply.line(`+CFUN: ${this.cfun}`);
        return;
      case '+CFUN=': {
        if (![CFUN_MODE_POWER_OFF, CFUN_MODE_NORMAL, CFUN_MODE_OFFLINE].includes(n(0))) throw new Refusal();
        if (n(0) !== CFUN_MODE_NORMAL) await this.shutdownSockets();
        const was = this.registrationStat();
        this.cfun = n(0);
        if (this.ceregReports > 0 && this.registrationStat() !== was) reply.urcs.push(`+CEREG: ${this.registrationStat()}`);
        return;
      }
      case '+CEREG?':
        reply.line(`+CEREG: ${this.ceregReports},${this.registrationStat()}`);
        return;
      case '+CEREG=':
        if (n(0) < 0 || n(0) > 5) throw new Refusal();
        this.ceregReports = n(0);
        return;
      case '%CMNG=':
        return this.cmng(n, s, reply);
      case '#XCLOSE=?':
        if (this.dialect === 'legacy') throw new Refusal();
        reply.line(`#XCLOSE: (0-${SLM_EMU_SOCKET_HANDLE_MAX})`);
        return;
      case '#XSSOCKET=':
        return this.openSocket(true, params, n, reply);
      case '#XSOCKET=':
        if (this.dialect === 'legacy' && params.length === 1) return this.closeSocket(n(0) === 0 ? this.legacyHandle() : -1, reply);
        return this.openSocket(false, params, n, reply);
      case '#XSSOCKETOPT=': {
        const legacy = this.dialect === 'legacy';
        const sock = this.socket(legacy ? this.legacyHandle() : n(0));
        const [opIndex, nameIndex, valueIndex] = legacy ? [0, 1, 2] : [1, 2, 3];
        if (n(opIndex) !== SLM_SOCKETOPT_SET || n(nameIndex) !== SLM_SO_TLS_HOSTNAME) throw new Refusal();
        sock.hostname = s(valueIndex);
        return;
      }
      case '#XCONNECT=':
        return this.connect(n, s, reply);
      case '#XSEND':
        // Legacy data mode: raw bytes follow the OK, up to the terminator.
        if (this.dialect !== 'legacy') throw new Refusal();
        this.connected(this.legacyHandle());
        this.dataMode = { handle: this.legacyHandle(), bytes: [] };
        return;
      case '#XSEND=':
        return this.send(n, s, reply);
      case '#XRECV=':
        return this.recv(params, n, reply);
      case '#XCLOSE=':
        if (this.dialect === 'legacy') throw new Refusal();
        return this.closeSocket(n(0), reply);
      default:
        throw new Refusal();
    }
  }

  private async cmng(n: (i: number) => number, s: (i: number) => string, reply: Reply): Promise<void> {
    const op = n(0);
    if (op === CMNG_OP_LIST) {
      for (const c of await this.modem.credentials.list()) {
        reply.line(`%CMNG: ${c.secTag},${c.type}${c.sha256 ? `,"${c.sha256.toUpperCase()}"` : ''}`);
      }
      return;
    }
    if (op !== CMNG_OP_WRITE && op !== CMNG_OP_DELETE) throw new Refusal();
    if (this.cfun === CFUN_MODE_NORMAL) throw new Refusal(CME_NOT_ALLOWED_IN_ACTIVE_STATE);
    const type = n(2);
    if (!TYPES.has(type)) throw new Refusal();
    try {
      if (op === CMNG_OP_WRITE) await this.modem.credentials.write(n(1), type as CredentialType, s(3));
      else await this.modem.credentials.delete(n(1), type as CredentialType);
    } catch (e) {
      throw this.refuse('cmng', e);
    }
  }

  /** The simulated network registers at once when the modem is online: stat 1 (home), else 0. */
  private registrationStat(): number {
    return this.cfun === CFUN_MODE_NORMAL ? CEREG_REGISTERED_HOME : 0;
  }

  private legacyHandle(): number {
    const first = this.sockets.keys().next();
    if (first.done) throw new Refusal(cmeForCode('socket', 'ENOTCONN'));
    return first.value;
  }

  private socket(handle: number): EmuSocket {
    const sock = this.sockets.get(handle);
    if (!sock) throw new Refusal(cmeForCode('socket', 'ENOTCONN'));
    return sock;
  }

  private async openSocket(tls: boolean, params: AtParam[], n: (i: number) => number, reply: Reply): Promise<void> {
    if (this.cfun !== CFUN_MODE_NORMAL) throw new Refusal();
    if (n(0) !== SLM_AF_INET || n(1) !== SLM_SOCK_STREAM || n(2) !== SLM_ROLE_CLIENT) throw new Refusal();
    if (this.dialect === 'legacy' && this.sockets.size >= SLM_EMU_LEGACY_SOCKETS) throw new Refusal();
    const sock: EmuSocket = { handle: this.nextHandle++, peerVerify: 'none' };
    if (tls) {
      sock.secTag = n(3);
      const pv = params.length > 4 ? PEER_VERIFY_BY_VALUE.get(n(4)) : 'required';
      if (!pv) throw new Refusal();
      sock.peerVerify = pv;
    }
    this.sockets.set(sock.handle, sock);
    reply.line(`${tls ? '#XSSOCKET' : '#XSOCKET'}: ${sock.handle},${SLM_SOCK_STREAM},${tls ? SLM_IPPROTO_TLS_1_2 : SLM_IPPROTO_TCP}`);
  }

  private async connect(n: (i: number) => number, s: (i: number) => string, reply: Reply): Promise<void> {
    const legacy = this.dialect === 'legacy';
    const sock = this.socket(legacy ? this.legacyHandle() : n(0));
    const host = s(legacy ? 0 : 1);
    const port = n(legacy ? 1 : 2);
    if (sock.socket) throw new Refusal(cmeForCode('connect', 'EISCONN'));
    const tls = sock.secTag !== undefined;
    try {
      sock.socket = await this.modem.connect({
        host,
        port,
        ...(tls ? { tls: { secTags: [sock.secTag!], peerVerify: sock.peerVerify, hostname: sock.hostname ?? host } } : {}),
      });
    } catch (e) {
      throw this.refuse(tls ? 'connect-tls' : 'connect', e);
    }
    reply.line(legacy ? '#XCONNECT: 1' : `#XCONNECT: ${sock.handle},1`);
  }

  private connected(handle: number): Socket {
    const sock = this.socket(handle).socket;
    if (!sock) throw new Refusal(cmeForCode('send', 'ENOTCONN'));
    return sock;
  }

  private async send(n: (i: number) => number, s: (i: number) => string, reply: Reply): Promise<void> {
    const legacy = this.dialect === 'legacy';
    const handle = legacy ? this.legacyHandle() : n(0);
    let bytes: Uint8Array;
    if (legacy) bytes = Uint8Array.from(s(0), (c) => c.charCodeAt(0) & 0xff);
    else {
      if (n(1) !== SLM_SEND_MODE_HEX) throw new Refusal();
      try {
        bytes = fromHex(s(3));
      } catch {
        throw new Refusal();
      }
    }
    const sock = this.connected(handle);
    try {
      await sock.send(bytes);
    } catch (e) {
      throw this.refuse('send', e);
    }
    reply.line(legacy ? `#XSEND: ${bytes.length}` : `#XSEND: ${handle},${SLM_SEND_MODE_HEX},${bytes.length}`);
  }

  private async recv(params: AtParam[], n: (i: number) => number, reply: Reply): Promise<void> {
    const legacy = this.dialect === 'legacy';
    const handle = legacy ? this.legacyHandle() : n(0);
    const timeoutS = legacy ? n(0) : n(3);
    const maxBytes = legacy ? SLM_EMU_LEGACY_RECV_BYTES : params.length > 4 ? n(4) : SLM_RECV_MAX_BYTES;
    if (!legacy && n(1) !== SLM_RECV_MODE_HEX) throw new Refusal();
    if (maxBytes < 1 || maxBytes > SLM_RECV_MAX_BYTES || timeoutS < 0) throw new Refusal();
    const sock = this.connected(handle);
    let data: Uint8Array;
    try {
      data = await sock.recv(maxBytes, Math.max(1, timeoutS) * MS_PER_S);
    } catch (e) {
      throw this.refuse('recv', e);
    }
    if (legacy) {
      reply.line(`#XRECV: ${data.length}`);
      if (data.length > 0) reply.raw(data).raw(utf8Encode('\r\n'));
    } else {
      reply.line(`#XRECV: ${handle},${SLM_RECV_MODE_HEX},${data.length}`);
      if (data.length > 0) reply.line(Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(''));
    }
  }

  private async closeSocket(handle: number, reply: Reply): Promise<void> {
    const sock = this.socket(handle);
    this.sockets.delete(handle);
    await sock.socket?.close().catch(() => undefined);
    reply.line(this.dialect === 'legacy' ? '#XSOCKET: 0,"closed"' : `#XCLOSE: ${handle},0`);
  }

  private async shutdownSockets(): Promise<void> {
    const open = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(open.map((s) => s.socket?.close().catch(() => undefined)));
  }
}

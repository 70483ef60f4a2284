/**
 * The nRF9160 Serial LTE Modem's AT commands, both dialects: command builders, reply parsers and the
 * mapping of its error replies onto fotakit's NetError / TlsError codes. Spec: docs/reference/
 * nrf91-fota.md ("Serial LTE Modem (SLM) AT commands"): legacy SLM of NCS 2.x (one socket, string
 * send, raw `#XRECV: <size>` payloads) and the handle-based Serial Modem of NCS 3.x (hex send/receive).
 *
 * Error mapping (both directions: the SLM modem reads it, the emulator writes it):
 * | reply                         | during                    | fotakit error                        |
 * |-------------------------------|---------------------------|--------------------------------------|
 * | `+CME ERROR: 513`             | AT%CMNG                   | NetError ENOENT (no such credential) |
 * | `+CME ERROR: 514`             | AT%CMNG                   | NetError EACCES                      |
 * | `+CME ERROR: 515`             | AT%CMNG                   | NetError ENOMEM (credential storage) |
 * | `+CME ERROR: 518`             | AT%CMNG                   | NetError EBUSY (modem not offline)   |
 * | `+CME ERROR: 519`             | AT%CMNG                   | NetError EEXIST                      |
 * | `+CME ERROR: <errno>`         | socket commands           | NetError by nrf_errno number (table SLM_ERRNO: EMSGSIZE 122, ECONNREFUSED 111, ECONNRESET 104, ETIMEDOUT 116, EHOSTUNREACH 118, ENOTCONN 128, ENOMEM 12, EINVAL 22, ENOENT 2, EAGAIN 11 → ETIMEDOUT) |
 * | `+CME ERROR: 700..706`        | AT#XCONNECT (TLS)         | TlsError CERT_UNKNOWN_CA, CERT_HOSTNAME_MISMATCH, CERT_EXPIRED, CERT_NOT_YET_VALID, TLS_HANDSHAKE_TIMEOUT, TLS_HANDSHAKE_FAILED, TLS_NO_CREDENTIAL — a fotakit emulator extension; a real SLM answers plain ERROR |
 * | `ERROR`                       | AT#XCONNECT with TLS      | TlsError TLS_HANDSHAKE_FAILED        |
 * | `ERROR`                       | AT#XCONNECT, plain TCP    | NetError ECONNREFUSED                |
 * | `ERROR`                       | AT#XRECV                  | NetError ETIMEDOUT (no data in time) |
 * | `ERROR`                       | AT#XSEND                  | NetError ECONNRESET                  |
 * | `ERROR`                       | AT#XSSOCKET               | NetError ENOMEM (no free socket)     |
 * | AT_TIMEOUT / AT_CLOSED        | any                       | NetError ETIMEDOUT / ECONNRESET      |
 * AT_BAD_REPLY stays an AtError: the line is broken, not the network.
 *
 * Forms this module relies on beyond the reference's list (checked against the emulator only, to be
 * confirmed on each firmware): legacy `AT#XRECV` answers `#XRECV: <size>`, then the raw bytes, then OK;
 * legacy data mode is `AT#XSEND` without data → OK, raw bytes, `+++`, then `#XDATAMODE: <status>`;
 * the Serial Modem sets the host name with `AT#XSSOCKETOPT=<h>,1,2,"<host>"`; `AT#XCLOSE=?` probes it.
 */
import { NetError, TlsError, type FotaErrorCode } from '../../hal/errors.ts';
import { fromHex, toHex } from '../../hal/bytes.ts';
import type { PeerVerify } from '../../hal/net.ts';
import type { AtReply } from './channel.ts';
import { AtError, CME_ALREADY_EXISTS, CME_MEMORY_FULL, CME_NOT_ALLOWED_IN_ACTIVE_STATE, CME_NOT_FOUND, CME_NO_ACCESS } from './errors.ts';
import { checkKinds, expectInfo, parseInfoLine, quote } from './replies.ts';

export type SlmDialect = 'legacy' | 'serial-modem';

/** AT%CMNG operations. */
export const CMNG_OP_WRITE = 0;
export const CMNG_OP_LIST = 1;
export const CMNG_OP_READ = 2;
export const CMNG_OP_DELETE = 3;

/** AT+CFUN modes used around credential writes. */
export const CFUN_MODE_NORMAL = 1;
export const CFUN_MODE_OFFLINE = 4;
export const CFUN_MODE_POWER_OFF = 0;

/** AT#XSSOCKET arguments: IPv4, stream, client; protocol IPPROTO_TLS_1_2 as the reply reports it. */
export const SLM_AF_INET = 1;
export const SLM_SOCK_STREAM = 1;
export const SLM_ROLE_CLIENT = 0;
export const SLM_IPPROTO_TLS_1_2 = 258;
export const SLM_IPPROTO_TCP = 6;
/** AT#XSSOCKETOPT: operation set, option TLS_HOSTNAME. */
export const SLM_SOCKETOPT_SET = 1;
export const SLM_SO_TLS_HOSTNAME = 2;
/** Serial Modem send/receive modes. */
export const SLM_SEND_MODE_HEX = 1;
export const SLM_RECV_MODE_HEX = 1;
/** Largest receive the Serial Modem takes in one AT#XRECV. */
export const SLM_RECV_MAX_BYTES = 2048;
/** Bytes per AT#XSEND (keeps each command well inside the SLM's AT buffer, hex doubled). */
export const SLM_SEND_CHUNK_BYTES = 1024;

export const PEER_VERIFY_VALUE: Readonly<Record<PeerVerify, number>> = { none: 0, optional: 1, required: 2 };

/** nrf_errno numbers (newlib numbering) the SLM reports, by fotakit code. */
export const SLM_ERRNO: Readonly<Partial<Record<FotaErrorCode, number>>> = {
  ENOENT: 2,
  EAGAIN: 11,
  ENOMEM: 12,
  EINVAL: 22,
  ECONNRESET: 104,
  ECONNREFUSED: 111,
  ETIMEDOUT: 116,
  EHOSTUNREACH: 118,
  EMSGSIZE: 122,
  ENOTCONN: 128,
};

/** TLS failure detail as the fotakit emulator reports it (real SLMs say ERROR). */
export const SLM_TLS_CME: Readonly<Partial<Record<FotaErrorCode, number>>> = {
  CERT_UNKNOWN_CA: 700,
  CERT_HOSTNAME_MISMATCH: 701,
  CERT_EXPIRED: 702,
  CERT_NOT_YET_VALID: 703,
  TLS_HANDSHAKE_TIMEOUT: 704,
  TLS_HANDSHAKE_FAILED: 705,
  TLS_NO_CREDENTIAL: 706,
};

const CMNG_CME_CODE: Readonly<Record<number, FotaErrorCode>> = {
  [CME_NOT_FOUND]: 'ENOENT',
  [CME_NO_ACCESS]: 'EACCES',
  [CME_MEMORY_FULL]: 'ENOMEM',
  [CME_NOT_ALLOWED_IN_ACTIVE_STATE]: 'EBUSY',
  [CME_ALREADY_EXISTS]: 'EEXIST',
};

function invert(table: Readonly<Partial<Record<FotaErrorCode, number>>>): Map<number, FotaErrorCode> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as FotaErrorCode]));
}
const ERRNO_CODE = invert(SLM_ERRNO);
const TLS_CME_CODE = invert(SLM_TLS_CME);

export type SlmOperation = 'cmng' | 'socket' | 'connect' | 'connect-tls' | 'send' | 'recv' | 'close' | 'other';

/** The CME number the emulator answers for a fotakit error code in `op` (undefined: plain ERROR). */
export function cmeForCode(op: SlmOperation, code: FotaErrorCode): number | undefined {
  if (op === 'cmng') {
    for (const [n, c] of Object.entries(CMNG_CME_CODE)) if (c === code) return Number(n);
    return undefined;
  }
  return SLM_TLS_CME[code] ?? SLM_ERRNO[code];
}

/** Turns an AT failure during `op` into the NetError/TlsError a Modem HAL caller expects. */
export function slmError(op: SlmOperation, where: string, e: unknown): Error {
  if (!(e instanceof AtError)) return e as Error;
  const details = { ...e.context, at: e.code };
  const opts = { cause: e };
  if (e.code === 'AT_TIMEOUT') return new NetError('ETIMEDOUT', `${where}: the modem did not answer in time`, details, opts);
  if (e.code === 'AT_CLOSED') return new NetError('ECONNRESET', `${where}: the serial line to the modem closed`, details, opts);
  if (e.code === 'AT_CME_ERROR') {
    const n = e.context.cme as number;
    if (op === 'cmng') {
      const code = CMNG_CME_CODE[n];
      if (code) return new NetError(code, `${where}: +CME ERROR: ${n}`, details, opts);
    } else {
      const tls = TLS_CME_CODE.get(n);
      if (tls) return new TlsError(tls, `${where}: ${tls} (+CME ERROR: ${n})`, details, opts);
      let code = ERRNO_CODE.get(n);
      if (code === 'EAGAIN') code = 'ETIMEDOUT';
      if (code) return new NetError(code, `${where}: ${code} (+CME ERROR: ${n})`, details, opts);
    }
    return new NetError('EIO', `${where}: unexpected +CME ERROR: ${n}`, details, opts);
  }
  if (e.code === 'AT_ERROR') {
    const byOp: Record<SlmOperation, FotaErrorCode> = {
      'connect-tls': 'TLS_HANDSHAKE_FAILED',
      connect: 'ECONNREFUSED',
      recv: 'ETIMEDOUT',
      send: 'ECONNRESET',
      socket: 'ENOMEM',
      close: 'ENOTCONN',
      cmng: 'EIO',
      other: 'EIO',
    };
    const code = byOp[op];
    const Cls = op === 'connect-tls' ? TlsError : NetError;
    return new Cls(code, `${where}: the modem answered ERROR (${code})`, details, opts);
  }
  return e;
}

// ---- credentials -------------------------------------------------------------------------------

export interface CmngEntry {
  secTag: number;
  type: number;
  /** Upper-case hex SHA-256 of the content, when listed. */
  sha256?: string;
}

export function cmngListCommand(): string {
  return `AT%CMNG=${CMNG_OP_LIST}`;
}
export function cmngWriteCommand(secTag: number, type: number, content: string): string {
  return `AT%CMNG=${CMNG_OP_WRITE},${secTag},${type},${quote(content, 'slm.cmngWrite')}`;
}
export function cmngDeleteCommand(secTag: number, type: number): string {
  return `AT%CMNG=${CMNG_OP_DELETE},${secTag},${type}`;
}

/** `%CMNG: <sec_tag>,<type>[,"<sha>"]` lines of a list reply. */
export function parseCmngList(reply: AtReply): CmngEntry[] {
  const op = 'slm.parseCmngList';
  return reply.lines.map((line) => {
    const p = parseInfoLine(line, '%CMNG', op);
    if (!p) throw new AtError('AT_BAD_REPLY', `${op}: unexpected line '${line.slice(0, 60)}'`);
    checkKinds(p, ['n', 'n', 's'], op, line, 2);
    const sha = p[2] as string | undefined;
    if (sha !== undefined && !/^[0-9A-Fa-f]{64}$/.test(sha)) throw new AtError('AT_BAD_REPLY', `${op}: '${sha.slice(0, 20)}' is not a SHA-256`);
    return { secTag: p[0] as number, type: p[1] as number, ...(sha !== undefined ? { sha256: sha.toUpperCase() } : {}) };
  });
}

/** +CEREG <stat> values that mean registered (3GPP TS 27.007 §10.1.22): home network, roaming. */
export const CEREG_REGISTERED_HOME = 1;
export const CEREG_REGISTERED_ROAMING = 5;

/** `+CEREG: <n>,<stat>[,...]` → stat. */
export function parseCeregStat(reply: AtReply): number {
  const op = 'slm.parseCereg';
  const line = reply.lines.find((l) => parseInfoLine(l, '+CEREG', op) !== undefined);
  const p = line === undefined ? undefined : parseInfoLine(line, '+CEREG', op)!;
  if (!p || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
    throw new AtError('AT_BAD_REPLY', `${op}: expected '+CEREG: <n>,<stat>'`, { lines: reply.lines.slice(0, 4) });
  }
  return p[1];
}

/** Unsolicited results an nRF91 may send at any time (network status, signal, sleep). */
export const NRF91_URC_PREFIXES: readonly string[] = ['+CEREG', '+CSCON', '%CESQ', '%XMODEMSLEEP', '%MDMEV', '#XMODEM'];

export function parseCfun(reply: AtReply): number {
  return expectInfo(reply, '+CFUN', ['n'], 'slm.parseCfun')[0] as number;
}

// ---- sockets -----------------------------------------------------------------------------------

export function openTlsSocketCommand(secTag: number, peerVerify: PeerVerify): string {
  return `AT#XSSOCKET=${SLM_AF_INET},${SLM_SOCK_STREAM},${SLM_ROLE_CLIENT},${secTag},${PEER_VERIFY_VALUE[peerVerify]}`;
}
export function openTcpSocketCommand(): string {
  return `AT#XSOCKET=${SLM_AF_INET},${SLM_SOCK_STREAM},${SLM_ROLE_CLIENT}`;
}
/** `#XSSOCKET: <handle>,<type>,<protocol>` (or `#XSOCKET:` for plain TCP) → handle. */
export function parseSocketOpen(reply: AtReply, tls: boolean): number {
  const p = expectInfo(reply, tls ? '#XSSOCKET' : '#XSOCKET', ['n', 'n', 'n'], 'slm.parseSocketOpen');
  const handle = p[0] as number;
  if (handle < 0) throw new AtError('AT_BAD_REPLY', `slm.parseSocketOpen: negative handle ${handle}`);
  return handle;
}

export function hostnameCommand(dialect: SlmDialect, handle: number, hostname: string): string {
  const q = quote(hostname, 'slm.hostname');
  return dialect === 'legacy'
    ? `AT#XSSOCKETOPT=${SLM_SOCKETOPT_SET},${SLM_SO_TLS_HOSTNAME},${q}`
    : `AT#XSSOCKETOPT=${handle},${SLM_SOCKETOPT_SET},${SLM_SO_TLS_HOSTNAME},${q}`;
}

export function connectCommand(dialect: SlmDialect, handle: number, host: string, port: number): string {
  const q = quote(host, 'slm.connect');
  return dialect === 'legacy' ? `AT#XCONNECT=${q},${port}` : `AT#XCONNECT=${handle},${q},${port}`;
}
/** Legacy `#XCONNECT: 1`; Serial Modem `#XCONNECT: <h>,1`. */
export function parseConnect(reply: AtReply, dialect: SlmDialect, handle: number): void {
  const op = 'slm.parseConnect';
  const p = dialect === 'legacy' ? expectInfo(reply, '#XCONNECT', ['n'], op) : expectInfo(reply, '#XCONNECT', ['n', 'n'], op);
  const status = p[p.length - 1];
  if (dialect === 'serial-modem' && p[0] !== handle) throw new AtError('AT_BAD_REPLY', `${op}: reply for handle ${p[0]}, expected ${handle}`);
  if (status !== 1) throw new AtError('AT_BAD_REPLY', `${op}: connect status ${status}`);
}

/** Bytes legacy string mode can carry inside quotes: printable ASCII, tab, CR, LF; no double quote. */
export function legacySendable(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x22 || b > 0x7e || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return false;
  }
  return true;
}

export function sendCommand(dialect: SlmDialect, handle: number, bytes: Uint8Array): string {
  if (dialect === 'legacy') return `AT#XSEND="${String.fromCharCode(...bytes)}"`;
  return `AT#XSEND=${handle},${SLM_SEND_MODE_HEX},0,"${toHex(bytes)}"`;
}
/** Legacy `#XSEND: <n>`; Serial Modem `#XSEND: <h>,<type>,<n>` → bytes sent. */
export function parseSend(reply: AtReply, dialect: SlmDialect): number {
  const op = 'slm.parseSend';
  const p = dialect === 'legacy' ? expectInfo(reply, '#XSEND', ['n'], op) : expectInfo(reply, '#XSEND', ['n', 'n', 'n'], op);
  return p[p.length - 1] as number;
}

export function recvCommand(dialect: SlmDialect, handle: number, timeoutS: number, maxBytes: number): string {
  if (dialect === 'legacy') return `AT#XRECV=${timeoutS}`;
  return `AT#XRECV=${handle},${SLM_RECV_MODE_HEX},0,${timeoutS},${Math.min(maxBytes, SLM_RECV_MAX_BYTES)}`;
}

/** For the channel: the raw byte count a legacy `#XRECV: <size>` line announces. */
export function legacyRecvPayloadLength(line: string): number | undefined {
  const p = parseInfoLine(line, '#XRECV', 'slm.recv');
  if (!p) return undefined;
  checkKinds(p, ['n'], 'slm.recv', line);
  return p[0] as number;
}

/** The received bytes of an AT#XRECV reply; empty means the peer closed (end of stream). */
export function parseRecv(reply: AtReply, dialect: SlmDialect, handle: number, maxBytes: number): Uint8Array {
  const op = 'slm.parseRecv';
  if (dialect === 'legacy') {
    const p = expectInfo(reply, '#XRECV', ['n'], op);
    if (!reply.payload || reply.payload.length !== p[0]) throw new AtError('AT_BAD_REPLY', `${op}: payload missing or short`);
    return reply.payload;
  }
  const p = expectInfo(reply, '#XRECV', ['n', 'n', 'n'], op);
  const [h, mode, size] = p as number[];
  if (h !== handle || mode !== SLM_RECV_MODE_HEX) throw new AtError('AT_BAD_REPLY', `${op}: reply for handle ${h} mode ${mode}`);
  if (size! > Math.min(maxBytes, SLM_RECV_MAX_BYTES)) throw new AtError('AT_BAD_REPLY', `${op}: ${size} bytes exceed the ${maxBytes} asked for`);
  const data = reply.lines.filter((l) => !l.toUpperCase().startsWith('#XRECV:'));
  if (size === 0) {
    if (data.length !== 0) throw new AtError('AT_BAD_REPLY', `${op}: data after a zero-size receive`);
    return new Uint8Array(0);
  }
  if (data.length !== 1 || data[0]!.length !== size! * 2) throw new AtError('AT_BAD_REPLY', `${op}: expected ${size} bytes of hex`);
  try {
    return fromHex(data[0]!);
  } catch {
    throw new AtError('AT_BAD_REPLY', `${op}: receive data is not hex`);
  }
}

/** Legacy data mode: `AT#XSEND` without data enters it; `+++` leaves it; `#XDATAMODE: <status>` ends it. */
export const SLM_DATAMODE_ENTER_COMMAND = 'AT#XSEND';
export const SLM_DATAMODE_TERMINATOR = '+++';
export const SLM_DATAMODE_PREFIX = '#XDATAMODE';

/** True when `bytes` can go through data mode (the terminator must not appear inside). */
export function dataModeSendable(bytes: Uint8Array): boolean {
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x2b && bytes[i + 1] === 0x2b && bytes[i + 2] === 0x2b) return false;
  return bytes.length === 0 || bytes[bytes.length - 1] !== 0x2b;
}

/** `#XDATAMODE: <status>`: 0 when the data went out, else a negative nrf_errno (as `+CME ERROR` would carry). */
export function parseDataModeExit(reply: AtReply): number {
  return expectInfo(reply, SLM_DATAMODE_PREFIX, ['n'], 'slm.parseDataModeExit')[0] as number;
}

export function closeCommand(dialect: SlmDialect, handle: number): string {
  return dialect === 'legacy' ? 'AT#XSOCKET=0' : `AT#XCLOSE=${handle}`;
}

/** A command only the NCS 3.x Serial Modem knows (the legacy SLM answers ERROR). */
export const SERIAL_MODEM_PROBE_COMMAND = 'AT#XCLOSE=?';

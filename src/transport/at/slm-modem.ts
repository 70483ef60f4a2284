/**
 * The nRF9160 running the Serial LTE Modem application, as the Net HAL (src/hal/net.ts): the SAME
 * FOTA agent that runs on the simulated modem runs over a real modem on a serial line. Portable (no
 * Node imports): it needs an AT channel over any BytePort. Spec: docs/reference/nrf91-fota.md
 * ("Serial LTE Modem (SLM) AT commands"); error mapping in src/transport/at/slm.ts.
 *
 * - Dialect `legacy` (NCS 2.x SLM: one socket, string send, raw receive) or `serial-modem`
 *   (NCS 3.x: handles, hex send and receive), given or detected with a 3.x-only command.
 * - Credentials through AT%CMNG, taking the modem offline (AT+CFUN=4) for writes and deletes and back
 *   to the mode it was in (AT+CFUN=1) before the next connect, so a batch of writes costs one LTE
 *   attach; a write whose content the modem already holds (same SHA-256) is skipped.
 * - TLS sockets with one sec_tag, peer verification and TLS_HOSTNAME; the modem does the handshake.
 * - Legacy sends go as quoted strings, or through data mode (`AT#XSEND`, raw bytes, `+++`) when the
 *   bytes hold a double quote or binary; the Serial Modem sends hex.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8Encode } from '../../hal/bytes.ts';
import type { Clock } from '../../hal/clock.ts';
import { NetError } from '../../hal/errors.ts';
import {
  MODEM_SOCKET_TIMEOUT_MS,
  type ConnectOptions,
  type CredentialInfo,
  type CredentialStore,
  type CredentialType,
  type Modem,
  type Socket,
  type SocketInfo,
} from '../../hal/net.ts';
import type { AtChannel } from './channel.ts';
import { AtError } from './errors.ts';
import { isFotaError } from '../../hal/errors.ts';
import {
  CEREG_REGISTERED_HOME,
  CEREG_REGISTERED_ROAMING,
  CFUN_MODE_NORMAL,
  CFUN_MODE_OFFLINE,
  CFUN_MODE_POWER_OFF,
  NRF91_URC_PREFIXES,
  parseCeregStat,
  SERIAL_MODEM_PROBE_COMMAND,
  SLM_DATAMODE_ENTER_COMMAND,
  SLM_DATAMODE_PREFIX,
  SLM_DATAMODE_TERMINATOR,
  dataModeSendable,
  parseDataModeExit,
  SLM_SEND_CHUNK_BYTES,
  closeCommand,
  cmngDeleteCommand,
  cmngListCommand,
  cmngWriteCommand,
  connectCommand,
  hostnameCommand,
  legacyRecvPayloadLength,
  legacySendable,
  openTcpSocketCommand,
  openTlsSocketCommand,
  parseCfun,
  parseCmngList,
  parseConnect,
  parseRecv,
  parseSend,
  parseSocketOpen,
  recvCommand,
  sendCommand,
  slmError,
  type SlmDialect,
  type SlmOperation,
} from './slm.ts';

/** Time the modem gets for AT commands that do no network work. */
export const SLM_COMMAND_TIMEOUT_MS = 5_000;
/** Extra time on top of a command's own network timeout before the AT channel gives up. */
export const SLM_AT_MARGIN_MS = 3_000;
/** Connect (and TLS handshake) time limit when the caller gives none: the modem's own. */
export const SLM_CONNECT_TIMEOUT_MS = 60_000;
/** Time for AT+CFUN mode changes (the modem detaches from the network). */
export const SLM_CFUN_TIMEOUT_MS = 15_000;
/** How long a connect waits for LTE registration after the modem went online (LTE-M attach can take minutes). */
export const SLM_REGISTRATION_TIMEOUT_MS = 180_000;
/** Pause between AT+CEREG? polls while waiting for registration. */
export const SLM_REGISTRATION_POLL_MS = 1_000;
const MS_PER_S = 1000;
/** Unsolicited results kept for inspection. */
export const SLM_URC_HISTORY = 32;

export interface SlmModemOptions {
  channel: AtChannel;
  /** The dialect; `auto` (default) probes with a command only the NCS 3.x Serial Modem knows. */
  dialect?: SlmDialect | 'auto';
  /**
   * When the modem goes back online after credential writes took it offline: right after each write,
   * or (default) once, before the next connect or restoreMode().
   */
  credentialRestore?: 'after-each' | 'before-connect';
  /** Time limit of AT commands that do no network work (default SLM_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** Extra time over a command's own network timeout before the AT channel gives up (default SLM_AT_MARGIN_MS). */
  atMarginMs?: number;
  /** Waits for network registration on this clock; without one a connect needs the modem registered already. */
  clock?: Clock;
  /** SHA-256 for the skip-if-same check of credential writes (default: @noble/hashes). */
  sha256?: (bytes: Uint8Array) => Uint8Array;
}

export interface SlmModemStats {
  credentialWrites: number;
  credentialWritesSkipped: number;
  cfunChanges: number;
  connects: number;
}

export class SlmModem implements Modem {
  readonly credentials: CredentialStore;
  private dialectChoice: SlmDialect | 'auto';
  private detected: SlmDialect | undefined;
  private legacySocketOpen = false;
  readonly counters: SlmModemStats = { credentialWrites: 0, credentialWritesSkipped: 0, cfunChanges: 0, connects: 0 };

  readonly commandTimeoutMs: number;
  readonly atMarginMs: number;
  readonly credentialRestore: 'after-each' | 'before-connect';

  constructor(private readonly options: SlmModemOptions) {
    this.dialectChoice = options.dialect ?? 'auto';
    this.commandTimeoutMs = options.commandTimeoutMs ?? SLM_COMMAND_TIMEOUT_MS;
    this.atMarginMs = options.atMarginMs ?? SLM_AT_MARGIN_MS;
    this.credentialRestore = options.credentialRestore ?? 'before-connect';
    this.credentials = new SlmCredentialStore(this, options.sha256 ?? ((b) => nobleSha256(b)));
    // Network URCs may arrive in the middle of any reply: they must not be taken for its lines.
    for (const prefix of NRF91_URC_PREFIXES) {
      options.channel.onUnsolicited(prefix, (line) => {
        this.urcs.push(line);
        if (this.urcs.length > SLM_URC_HISTORY) this.urcs.shift();
      });
    }
  }

  /** The last unsolicited results seen (network status and the like), oldest first. */
  readonly urcs: string[] = [];
  private online = false;

  private restoreTo: number | undefined;

  /** The credential store took the modem offline from `mode`; registration must be checked again. */
  wentOffline(mode: number): void {
    this.online = false;
    this.restoreTo ??= mode;
  }

  /** Puts the modem back in the mode it had before credential writes took it offline (if they did). */
  async restoreMode(): Promise<void> {
    const mode = this.restoreTo;
    if (mode === undefined) return;
    this.restoreTo = undefined;
    await this.at('other', 'slm.restoreMode', `AT+CFUN=${mode}`, SLM_CFUN_TIMEOUT_MS);
    this.counters.cfunChanges++;
  }

  /**
   * Puts the modem online (AT+CFUN=1) when it is not, and waits until it is registered on the network
   * (AT+CEREG? stat 1 or 5), as a connect needs. EHOSTUNREACH when it does not register in time.
   */
  async ensureOnline(timeoutMs = SLM_REGISTRATION_TIMEOUT_MS): Promise<void> {
    if (this.online) return;
    const op = 'slm.ensureOnline';
    await this.restoreMode();
    const mode = parseCfunOr(await this.at('other', op, 'AT+CFUN?'), op);
    if (mode !== CFUN_MODE_NORMAL) {
      await this.at('other', op, `AT+CFUN=${CFUN_MODE_NORMAL}`, SLM_CFUN_TIMEOUT_MS);
      this.counters.cfunChanges++;
    }
    const clock = this.options.clock;
    const deadline = clock ? clock.now() + timeoutMs : undefined;
    for (;;) {
      let stat: number;
      try {
        stat = parseCeregStat(await this.at('other', op, 'AT+CEREG?'));
      } catch (e) {
        throw slmError('other', op, e);
      }
      if (stat === CEREG_REGISTERED_HOME || stat === CEREG_REGISTERED_ROAMING) break;
      if (!clock || clock.now() >= deadline!) {
        throw new NetError('EHOSTUNREACH', `${op}: the modem is not registered on the network (+CEREG stat ${stat})`, { stat });
      }
      await clock.sleep(SLM_REGISTRATION_POLL_MS);
    }
    this.online = true;
  }

  get channel(): AtChannel {
    return this.options.channel;
  }

  /** The dialect in use, probing the modem once when it was left to detection. */
  async dialect(): Promise<SlmDialect> {
    if (this.dialectChoice !== 'auto') return this.dialectChoice;
    if (this.detected) return this.detected;
    try {
      await this.channel.command(SERIAL_MODEM_PROBE_COMMAND, { timeoutMs: this.commandTimeoutMs });
      this.detected = 'serial-modem';
    } catch (e) {
      if (!isFotaError(e, 'AT_ERROR', 'AT_CME_ERROR')) throw slmError('other', 'slm.dialect', e);
      this.detected = 'legacy';
    }
    return this.detected;
  }

  /** Runs one AT command, mapping failures to Net/Tls errors for `op`. */
  async at(op: SlmOperation, where: string, command: string, timeoutMs = this.commandTimeoutMs, payloadLength?: (l: string) => number | undefined) {
    try {
      return await this.channel.command(command, { timeoutMs, ...(payloadLength ? { payloadLength } : {}) });
    } catch (e) {
      throw slmError(op, where, e);
    }
  }

  async connect(options: ConnectOptions): Promise<Socket> {
    const op = 'slm.connect';
    const { host, port, tls } = options;
    if (typeof host !== 'string' || host.length === 0) throw new NetError('EINVAL', `${op}: host must be a non-empty string`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NetError('EINVAL', `${op}: port must be 1..65535, got ${port}`, { port });
    if (tls && tls.secTags.length !== 1) {
      throw new NetError('EINVAL', `${op}: the SLM opens a TLS socket with exactly one sec_tag, got ${tls.secTags.length}`, { secTags: tls.secTags });
    }
    const dialect = await this.dialect();
    await this.ensureOnline();
    if (dialect === 'legacy' && this.legacySocketOpen) {
      throw new NetError('ENOMEM', `${op}: the legacy SLM has one socket and it is in use`);
    }
    const openCommand = tls ? openTlsSocketCommand(tls.secTags[0]!, tls.peerVerify) : openTcpSocketCommand();
    let opened;
    try {
      opened = await this.at('socket', op, openCommand);
    } catch (e) {
      // Legacy: the one socket may still be open on the modem after a close that got lost on the line.
      if (dialect !== 'legacy' || !isFotaError(e, 'ENOMEM')) throw e;
      await this.at('close', op, closeCommand(dialect, 0)).catch(() => undefined);
      opened = await this.at('socket', op, openCommand);
    }
    let handle: number;
    try {
      handle = parseSocketOpen(opened, tls !== undefined);
    } catch (e) {
      throw slmError('socket', op, e);
    }
    if (dialect === 'legacy') this.legacySocketOpen = true;
    const socket = new SlmSocket(this, dialect, handle, tls?.peerVerify === 'required' ? tls.secTags[0] : undefined);
    try {
      if (tls) await this.at('socket', op, hostnameCommand(dialect, handle, tls.hostname ?? host));
      const limit = (options.connectTimeoutMs ?? SLM_CONNECT_TIMEOUT_MS) + (tls?.handshakeTimeoutMs ?? 0) + this.atMarginMs;
      const reply = await this.at(tls ? 'connect-tls' : 'connect', `${op} ${host}:${port}`, connectCommand(dialect, handle, host, port), limit);
      parseConnect(reply, dialect, handle);
    } catch (e) {
      await socket.close().catch(() => undefined);
      throw slmError(tls ? 'connect-tls' : 'connect', op, e);
    }
    this.counters.connects++;
    return socket;
  }

  socketClosed(dialect: SlmDialect): void {
    if (dialect === 'legacy') this.legacySocketOpen = false;
  }
}

class SlmCredentialStore implements CredentialStore {
  constructor(
    private readonly modem: SlmModem,
    private readonly sha256: (bytes: Uint8Array) => Uint8Array,
  ) {}

  async list(): Promise<CredentialInfo[]> {
    const reply = await this.modem.at('cmng', 'credentials.list', cmngListCommand());
    try {
      return parseCmngList(reply).map((e) => ({ secTag: e.secTag, type: e.type as CredentialType, ...(e.sha256 ? { sha256: e.sha256 } : {}) }));
    } catch (e) {
      throw slmError('cmng', 'credentials.list', e);
    }
  }

  async write(secTag: number, type: CredentialType, content: string): Promise<void> {
    const op = 'credentials.write';
    const command = cmngWriteCommand(secTag, type, content);
    const want = toHex(this.sha256(utf8Encode(content))).toUpperCase();
    const existing = (await this.list()).find((c) => c.secTag === secTag && c.type === type);
    if (existing?.sha256 !== undefined && existing.sha256.toUpperCase() === want) {
      this.modem.counters.credentialWritesSkipped++;
      return;
    }
    await this.offline(op, async () => {
      if (existing) await this.modem.at('cmng', op, cmngDeleteCommand(secTag, type));
      await this.modem.at('cmng', op, command);
    });
    this.modem.counters.credentialWrites++;
  }

  async delete(secTag: number, type: CredentialType): Promise<void> {
    await this.offline('credentials.delete', () => this.modem.at('cmng', 'credentials.delete', cmngDeleteCommand(secTag, type)).then(() => undefined));
  }

  /**
   * Runs `work` with the modem offline (AT+CFUN=4). The mode it was in comes back right after
   * (`credentialRestore: 'after-each'`) or, by default, once before the next connect (or restoreMode()),
   * so a batch of writes costs one detach and one LTE attach, not one per credential.
   */
  private async offline(op: string, work: () => Promise<void>): Promise<void> {
    const before = parseCfunOr(await this.modem.at('other', op, 'AT+CFUN?'), op);
    const change = before !== CFUN_MODE_OFFLINE && before !== CFUN_MODE_POWER_OFF;
    if (change) {
      await this.modem.at('other', op, `AT+CFUN=${CFUN_MODE_OFFLINE}`, SLM_CFUN_TIMEOUT_MS);
      this.modem.counters.cfunChanges++;
      this.modem.wentOffline(before);
    }
    try {
      await work();
    } finally {
      if (this.modem.credentialRestore === 'after-each') await this.modem.restoreMode();
    }
  }
}

function parseCfunOr(reply: Parameters<typeof parseCfun>[0], op: string): number {
  try {
    return parseCfun(reply);
  } catch (e) {
    throw slmError('other', op, e);
  }
}

class SlmSocket implements Socket {
  private buffered: Uint8Array = new Uint8Array(0);
  private failed: Error | undefined;
  private closed = false;
  private eof = false;
  private readonly stats: SocketInfo;

  constructor(
    private readonly modem: SlmModem,
    private readonly dialect: SlmDialect,
    private readonly handle: number,
    validatedBy: number | undefined,
  ) {
    this.stats = { maxRecordBytes: 0, recordSizesKnown: false, bytesReceived: 0, bytesSent: 0, ...(validatedBy !== undefined ? { validatedBy } : {}) };
  }

  info(): SocketInfo {
    return { ...this.stats };
  }

  async send(bytes: Uint8Array): Promise<void> {
    const op = 'socket.send';
    if (!(bytes instanceof Uint8Array)) throw new NetError('EINVAL', `${op}: bytes must be a Uint8Array`);
    if (this.closed) throw new NetError('ENOTCONN', `${op}: the socket is closed`);
    if (this.failed) throw this.failed;
    for (let o = 0; o < bytes.length; o += SLM_SEND_CHUNK_BYTES) {
      const chunk = bytes.subarray(o, o + SLM_SEND_CHUNK_BYTES);
      try {
        if (this.dialect === 'legacy' && !legacySendable(chunk)) await this.sendDataMode(op, chunk);
        else {
          const sent = parseSend(await this.modem.at('send', op, sendCommand(this.dialect, this.handle, chunk), this.modem.commandTimeoutMs + this.modem.atMarginMs), this.dialect);
          if (sent !== chunk.length) throw new NetError('ECONNRESET', `${op}: the modem sent ${sent} of ${chunk.length} bytes`, { sent, length: chunk.length });
        }
      } catch (e) {
        this.failed = slmError('send', op, e);
        throw this.failed;
      }
      this.stats.bytesSent += chunk.length;
    }
  }

  /** Legacy SLM: bytes a quoted string cannot carry (double quotes, binary) go through data mode. */
  private async sendDataMode(op: string, chunk: Uint8Array): Promise<void> {
    if (!dataModeSendable(chunk)) {
      throw new NetError('EINVAL', `${op}: the legacy SLM cannot send '${SLM_DATAMODE_TERMINATOR}' in data mode; use the serial-modem dialect`);
    }
    let status: number;
    try {
      const reply = await this.modem.channel.dataMode(SLM_DATAMODE_ENTER_COMMAND, chunk, utf8Encode(SLM_DATAMODE_TERMINATOR), SLM_DATAMODE_PREFIX, {
        timeoutMs: this.modem.commandTimeoutMs + this.modem.atMarginMs,
      });
      status = parseDataModeExit(reply);
    } catch (e) {
      throw slmError('send', op, e);
    }
    if (status !== 0) throw slmError('send', op, new AtError('AT_CME_ERROR', `${op}: data mode ended with ${status}`, { cme: -status }));
  }

  async recv(maxBytes: number, timeoutMs: number = MODEM_SOCKET_TIMEOUT_MS): Promise<Uint8Array> {
    const op = 'socket.recv';
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new NetError('EINVAL', `${op}: maxBytes must be a positive integer, got ${maxBytes}`);
    if (this.closed) throw new NetError('ENOTCONN', `${op}: the socket is closed`);
    if (this.buffered.length === 0 && !this.eof) {
      if (this.failed) throw this.failed;
      const timeoutS = Math.max(1, Math.ceil(timeoutMs / MS_PER_S));
      let data: Uint8Array;
      try {
        const reply = await this.modem.at(
          'recv',
          op,
          recvCommand(this.dialect, this.handle, timeoutS, maxBytes),
          timeoutS * MS_PER_S + this.modem.atMarginMs,
          this.dialect === 'legacy' ? legacyRecvPayloadLength : undefined,
        );
        data = parseRecv(reply, this.dialect, this.handle, maxBytes);
      } catch (e) {
        const err = slmError('recv', op, e);
        // A timeout leaves the socket usable; anything else (EMSGSIZE, ECONNRESET) sticks to it.
        if (!isFotaError(err, 'ETIMEDOUT')) this.failed = err;
        throw err;
      }
      if (data.length === 0) this.eof = true;
      this.buffered = data;
    }
    const out = this.buffered.subarray(0, maxBytes);
    this.buffered = this.buffered.subarray(out.length);
    this.stats.bytesReceived += out.length;
    return Uint8Array.from(out);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.modem.at('close', 'socket.close', closeCommand(this.dialect, this.handle));
    } catch {
      // Closing a socket the modem already dropped is fine: it is closed either way.
    } finally {
      this.modem.socketClosed(this.dialect);
    }
  }
}

/**
 * The simulated nRF9160 modem: the Net HAL (src/hal/net.ts) on Node's `net` and `tls`, with the
 * modem's limits shown honestly. Spec: docs/reference/nrf91-fota.md ("nRF9160 modem facts",
 * "EMSGSIZE").
 *
 * - Credentials by sec_tag; a TLS socket trusts EXACTLY the root CAs of its sec_tags, checks the host
 *   name (TLS_HOSTNAME, also sent as SNI) and speaks TLS 1.2 as the modem does; weak keys, SHA-1
 *   signatures and older TLS versions are refused with their own codes (tls-policy.ts).
 * - The record gate sits on the raw TCP stream under TLS: a server record over `maxRecordBytes`
 *   (2303 by default) fails the socket with EMSGSIZE after the records before it were handed up.
 * - Link shaping (latency, bandwidth, drop, stall) on the raw stream, so handshakes pay round trips.
 *   Both are the wire under each socket (modem-wire.ts).
 * - The server's certificate chain is measured in the plaintext TLS 1.2 handshake; over 4 KiB the
 *   handshake fails with CERT_CHAIN_TOO_LARGE, as the modem cannot hold it.
 * - At most 8 sockets (ENOMEM beyond); a host table stands in for DNS (EHOSTUNREACH when unknown).
 * - TCP over loopback by default; with `dial`, the raw stream is an in-memory one (a duplex pair to the
 *   update server), and with `clock` every timeout and the link run on that clock (virtual time).
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Clock } from '../clock.ts';
import { NetError, TlsError, type TlsErrorCode } from '../errors.ts';
import {
  CREDENTIAL_TYPE,
  MODEM_MAX_CERT_CHAIN_BYTES,
  MODEM_MAX_SOCKETS,
  MODEM_SOCKET_TIMEOUT_MS,
  MODEM_TLS_MAX_RECORD_BYTES,
  type ConnectOptions,
  type Modem,
  type Socket,
  type SocketInfo,
  type TlsOptions,
} from '../net.ts';
import { SimCredentialStore } from './credentials.ts';
import { resolveHost, type HostTable } from './hosts.ts';
import { resolveLink, type LinkOptions, type LinkProfileName } from './link.ts';
import { after, ModemWire, tcpError, type WireCounters } from './modem-wire.ts';
import { TLS_CONTENT_APPLICATION_DATA, TlsRecordGate } from './record-gate.ts';
import { checkChainPolicy, policyCodeOf } from './tls-policy.ts';

/** TCP connect timeout when the caller gives none. */
export const MODEM_CONNECT_TIMEOUT_MS = 30_000;
/** TLS handshake timeout when the caller gives none. */
export const MODEM_HANDSHAKE_TIMEOUT_MS = 30_000;
/** Largest single recv the modem hands up. */
export const MODEM_RECV_MAX_BYTES = 65_536;

export interface SimModemOptions {
  /** Names the modem can reach (its DNS); literal IPs always pass. */
  hosts?: HostTable;
  /** Link shaping: a profile name or options. Default `none`. */
  link?: LinkProfileName | LinkOptions;
  /** Largest server TLS record accepted, header included. Default MODEM_TLS_MAX_RECORD_BYTES (2303). */
  maxRecordBytes?: number;
  /** Largest server certificate chain (TLS 1.2 certificate_list). Default MODEM_MAX_CERT_CHAIN_BYTES (4096). */
  maxCertChainBytes?: number;
  /** Sockets at once. Default MODEM_MAX_SOCKETS (8). */
  maxSockets?: number;
  /** Highest TLS version offered; the nRF9160 speaks TLS 1.2. */
  tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /**
   * TLS_SESSION_CACHE: keep each server's session and resume it on the next connect (one round trip
   * less). Off by default, as on the modem.
   */
  tlsSessionCache?: boolean;
  /** A credential store to share (e.g. across a simulated reboot); a fresh one otherwise. */
  credentials?: SimCredentialStore;
  /** Sees every application-data record the server sends (size with header), e.g. for a run report. */
  onRecord?: (record: { host: string; recordBytes: number }) => void;
  /**
   * Looks up a name the host table lacks (the real modem asks DNS); its answer is added to the table.
   * Without it, an unknown name is EHOSTUNREACH.
   */
  lookup?: (host: string) => Promise<string | undefined>;
  /** The clock link shaping runs on (latency, bandwidth, stalls). Default: `clock`, else real time. */
  linkClock?: Clock;
  /**
   * The clock of the modem's own timeouts (TCP connect, TLS handshake, recv) and, unless `linkClock`
   * says otherwise, of the link. Default: real time (Node timers). A VirtualClock runs them in virtual time.
   */
  clock?: Clock;
  /**
   * An in-memory connect: the raw byte stream to `address:port` (the server's end fed to it directly),
   * or undefined when nothing listens there (ECONNREFUSED). Without it, the modem opens TCP sockets.
   */
  dial?: (address: string, port: number) => Duplex | undefined;
}

/** What the modem saw, summed over every socket since it was made (the wire's counters included). */
export interface ModemCounters extends WireCounters {
  connects: number;
  handshakes: number;
  handshakeFailures: number;
  /** Handshakes that resumed a cached session. */
  resumedHandshakes: number;
  /** Application bytes handed up by recv / taken by send. */
  appBytesDown: number;
  appBytesUp: number;
  socketsOpen: number;
  peakSockets: number;
}

export interface SimSocketInfo extends SocketInfo {
  records: number;
  rawBytesReceived: number;
  rawBytesSent: number;
  /** The server's certificate_list size (TLS 1.2 handshake), header-less. */
  certChainBytes?: number;
  /** Negotiated TLS version, e.g. `TLSv1.2`. */
  protocol?: string;
  /** The handshake resumed a cached session. */
  sessionReused?: boolean;
  cipher?: string;
}

export interface SimSocket extends Socket {
  info(): SimSocketInfo;
}

export interface SimModem extends Modem {
  readonly credentials: SimCredentialStore;
  connect(options: ConnectOptions): Promise<SimSocket>;
  counters(): ModemCounters;
  /** Changes the link for connections opened from now on. */
  setLink(link: LinkProfileName | LinkOptions): void;
  /** Adds or replaces host table entries. */
  setHosts(hosts: HostTable): void;
  /** Closes every open socket (e.g. a simulated reboot). */
  closeAll(): Promise<void>;
}

const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
/** Node/OpenSSL verification codes → fotakit's TlsError codes (the rest: TLS_HANDSHAKE_FAILED). */
const TLS_CODE_MAP: Readonly<Record<string, TlsErrorCode>> = {
  CERT_HAS_EXPIRED: 'CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'CERT_NOT_YET_VALID',
  ERR_TLS_CERT_ALTNAME_INVALID: 'CERT_HOSTNAME_MISMATCH',
  CERT_WEAK_KEY: 'CERT_WEAK_KEY',
  CERT_WEAK_SIGNATURE: 'CERT_WEAK_SIGNATURE',
};

/** Longest delay a Node timer takes (2^31 - 1 ms); longer ones would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timeout as a timer delay: a non-negative number, Infinity clamped to MAX_TIMER_MS. */
function timerMs(op: string, name: string, v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new NetError('EINVAL', `${op}: ${name} must be a non-negative number of ms, got ${String(v)}`);
  return Math.min(v, MAX_TIMER_MS);
}

function tlsHandshakeError(op: string, e: unknown, host: string): NetError {
  const code = (e as { code?: string })?.code ?? '';
  const mapped = UNKNOWN_CA_CODES.has(code) ? 'CERT_UNKNOWN_CA' : (TLS_CODE_MAP[code] ?? policyCodeOf(e));
  if (mapped) return new TlsError(mapped, `${op}: TLS handshake with ${host} failed: ${(e as Error).message}`, { host, nodeCode: code });
  if (e instanceof NetError) return e;
  if (code === 'ECONNRESET' || code === 'EPIPE') return new NetError('ECONNRESET', `${op}: ${host} closed the connection during the TLS handshake`, { host, nodeCode: code });
  return new TlsError('TLS_HANDSHAKE_FAILED', `${op}: TLS handshake with ${host} failed: ${(e as Error)?.message ?? String(e)}`, { host, nodeCode: code });
}

/** A root CA of a sec_tag the connect chose. */
interface RootCa {
  secTag: number;
  cert: X509Certificate;
  pem: string;
}

/** A TLS session kept for resumption, with the sec_tag that validated the server when it was made. */
interface CachedSession {
  session: Buffer;
  validatedBy: number | undefined;
}

/** A TLS connect's place in the session cache (host name, port, sec_tags, peer verify) and what it holds. */
interface SessionSlot {
  key: string;
  cached: CachedSession | undefined;
}

/** The sec_tag (in list order) whose root CA signed a certificate of the peer's chain. */
function findValidatingSecTag(peer: tls.PeerCertificate | undefined, cas: RootCa[]): number | undefined {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = peer as tls.DetailedPeerCertificate; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  for (const { secTag, cert: ca } of cas) {
    for (const c of chain) {
      if (c.fingerprint256 === ca.fingerprint256) return secTag;
      if (c.checkIssued(ca) && c.verify(ca.publicKey)) return secTag;
    }
  }
  return undefined;
}

class Counters implements ModemCounters {
  connects = 0;
  handshakes = 0;
  handshakeFailures = 0;
  resumedHandshakes = 0;
  records = 0;
  maxRecordBytes = 0;
  emsgsize = 0;
  maxRefusedRecordBytes = 0;
  rawBytesDown = 0;
  rawBytesUp = 0;
  appBytesDown = 0;
  appBytesUp = 0;
  socketsOpen = 0;
  peakSockets = 0;
}

/** One modem socket: a queue of received bytes, the first error kept, recv after it drains. */
class SimSocketImpl implements SimSocket {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private error: NetError | undefined;
  private endError: NetError | undefined;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private app: net.Socket | Duplex | undefined;
  bytesReceived = 0;
  bytesSent = 0;
  validatedBy: number | undefined;
  protocol: string | undefined;
  cipher: string | undefined;
  sessionReused = false;

  constructor(
    private readonly gate: TlsRecordGate | undefined,
    private readonly raw: { down: number; up: number },
    private readonly counters: Counters,
    private readonly release: () => void,
    private readonly teardown: () => void,
    private readonly clock: Clock | undefined,
  ) {}

  private now(): number {
    return this.clock ? this.clock.now() : Date.now();
  }

  attach(app: net.Socket | Duplex): void {
    this.app = app;
    app.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.wake();
    });
    app.on('end', () => this.streamEnded());
    app.on('error', (e) => this.fail(e instanceof NetError ? e : tcpError('socket.recv', e, 'connection failed')));
    app.on('close', () => this.streamEnded());
    // A server that closes right after the handshake: its end can come before this socket exists (the
    // stream ended or closed while connect() was resolving). End-of-stream is never lost.
    if (app.readableEnded || app.destroyed) {
      this.ended = true;
      this.wake();
    }
  }

  /** Keeps the first error; recv reports it once the bytes before it are taken. */
  fail(e: NetError): void {
    if (!this.error && !this.ended) this.error = this.endError ?? e;
    this.wake();
  }

  /**
   * The connection fails with `e` where its stream ends: the wire has been cut after the last good
   * record, so every byte TLS decrypts before its end is handed up first, however long that takes.
   */
  failAtEnd(e: NetError): void {
    this.endError ??= e;
  }

  private streamEnded(): void {
    if (this.endError) {
      this.fail(this.endError);
      this.teardown();
    } else this.ended = true;
    this.wake();
  }

  private wake(): void {
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) w();
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw new NetError('EINVAL', 'socket.send: bytes must be a Uint8Array');
    if (this.closed || !this.app) throw new NetError('ENOTCONN', 'socket.send: the socket is closed');
    if (this.error) throw this.error;
    if (bytes.length === 0) return;
    const app = this.app;
    await new Promise<void>((resolve, reject) => {
      app.write(bytes, (e) => (e ? reject(this.error ?? tcpError('socket.send', e, 'write failed')) : resolve()));
    });
    this.bytesSent += bytes.length;
    this.counters.appBytesUp += bytes.length;
  }

  async recv(maxBytes: number, timeoutMs = MODEM_SOCKET_TIMEOUT_MS): Promise<Uint8Array> {
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new NetError('EINVAL', `socket.recv: maxBytes must be a positive integer, got ${maxBytes}`);
    const waitMs = timerMs('socket.recv', 'timeoutMs', timeoutMs);
    if (this.closed) throw new NetError('ENOTCONN', 'socket.recv: the socket is closed');
    const limit = Math.min(maxBytes, MODEM_RECV_MAX_BYTES);
    const deadline = this.now() + waitMs;
    for (;;) {
      if (this.chunks.length > 0) return this.take(limit);
      if (this.error) throw this.error;
      if (this.ended) return new Uint8Array(0);
      if (this.closed) throw new NetError('ENOTCONN', 'socket.recv: the socket was closed while waiting');
      const left = deadline - this.now();
      if (left <= 0) throw new NetError('ETIMEDOUT', `socket.recv: no data within ${timeoutMs} ms`, { timeoutMs });
      await new Promise<void>((resolve) => {
        const done = (): void => {
          cancel();
          this.waiters.delete(done);
          resolve();
        };
        const cancel = after(this.clock, left, done);
        this.waiters.add(done);
      });
    }
  }

  private take(limit: number): Uint8Array {
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length <= limit) {
      // A view on the chunk TLS handed up (a fresh buffer, never reused): no copy.
      this.chunks.shift();
      out = first;
    } else {
      out = first.slice(0, limit);
      this.chunks[0] = first.subarray(limit);
    }
    this.bytesReceived += out.length;
    this.counters.appBytesDown += out.length;
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    this.teardown();
    this.release();
    this.wake();
  }

  info(): SimSocketInfo {
    const base: SimSocketInfo = {
      maxRecordBytes: this.gate?.largestRecordBytes ?? 0,
      records: this.gate?.records ?? 0,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      rawBytesReceived: this.raw.down,
      rawBytesSent: this.raw.up,
    };
    if (this.gate?.refusedRecordBytes !== undefined) base.refusedRecordBytes = this.gate.refusedRecordBytes;
    if (this.validatedBy !== undefined) base.validatedBy = this.validatedBy;
    if (this.gate?.certChainBytes !== undefined) base.certChainBytes = this.gate.certChainBytes;
    if (this.protocol !== undefined) base.protocol = this.protocol;
    if (this.cipher !== undefined) base.cipher = this.cipher;
    if (this.protocol !== undefined) base.sessionReused = this.sessionReused;
    return base;
  }
}

class SimModemImpl implements SimModem {
  readonly credentials: SimCredentialStore;
  private hosts: HostTable;
  private link: LinkOptions;
  private readonly maxRecordBytes: number;
  private readonly onRecord: SimModemOptions['onRecord'];
  private readonly lookup: SimModemOptions['lookup'];
  private readonly linkClock: Clock | undefined;
  private readonly clock: Clock | undefined;
  private readonly dial: SimModemOptions['dial'];
  private readonly maxCertChainBytes: number;
  private readonly maxSockets: number;
  private readonly tlsMaxVersion: 'TLSv1.2' | 'TLSv1.3';
  /** Cached TLS sessions by host name, port and sec_tag list (when tlsSessionCache is on). */
  private readonly sessions: Map<string, CachedSession> | undefined;
  private readonly stats = new Counters();
  private readonly open = new Set<SimSocketImpl>();
  private reserved = 0;

  constructor(o: SimModemOptions) {
    this.credentials = o.credentials ?? new SimCredentialStore();
    this.hosts = { ...(o.hosts ?? {}) };
    this.link = resolveLink(o.link);
    this.maxRecordBytes = o.maxRecordBytes ?? MODEM_TLS_MAX_RECORD_BYTES;
    new TlsRecordGate(this.maxRecordBytes); // validates the limit now rather than at the first connect
    this.onRecord = o.onRecord;
    this.lookup = o.lookup;
    this.clock = o.clock;
    this.linkClock = o.linkClock ?? o.clock;
    this.dial = o.dial;
    this.maxCertChainBytes = o.maxCertChainBytes ?? MODEM_MAX_CERT_CHAIN_BYTES;
    this.maxSockets = o.maxSockets ?? MODEM_MAX_SOCKETS;
    this.tlsMaxVersion = o.tlsMaxVersion ?? 'TLSv1.2';
    this.sessions = o.tlsSessionCache ? new Map() : undefined;
  }

  counters(): ModemCounters {
    return { ...this.stats };
  }

  setLink(link: LinkProfileName | LinkOptions): void {
    this.link = resolveLink(link);
  }

  setHosts(hosts: HostTable): void {
    Object.assign(this.hosts, hosts);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((s) => s.close()));
  }

  async connect(options: ConnectOptions): Promise<SimSocket> {
    const op = 'modem.connect';
    const { host, port, tls: tlsOptions } = options ?? ({} as ConnectOptions);
    if (typeof host !== 'string' || host.length === 0) throw new NetError('EINVAL', `${op}: host must be a non-empty string`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NetError('EINVAL', `${op}: port must be 1..65535, got ${port}`, { port });
    if (options.connectTimeoutMs !== undefined) timerMs(op, 'connectTimeoutMs', options.connectTimeoutMs);
    if (tlsOptions?.handshakeTimeoutMs !== undefined) timerMs(op, 'handshakeTimeoutMs', tlsOptions.handshakeTimeoutMs);
    if (this.reserved >= this.maxSockets) {
      throw new NetError('ENOMEM', `${op}: all ${this.maxSockets} modem sockets are in use`, { maxSockets: this.maxSockets });
    }
    let target = resolveHost(this.hosts, host, port);
    if (!target && this.lookup) {
      const address = await this.lookup(host).catch(() => undefined);
      if (address) {
        this.hosts[host.toLowerCase()] = address;
        target = resolveHost(this.hosts, host, port);
      }
    }
    if (!target) throw new NetError('EHOSTUNREACH', `${op}: cannot resolve host '${host}'`, { host });

    // Root CAs of exactly the chosen sec_tags (checked before a slot is taken).
    const cas: RootCa[] = [];
    if (tlsOptions) {
      if (!Array.isArray(tlsOptions.secTags)) throw new NetError('EINVAL', `${op}: tls.secTags must be an array`);
      for (const secTag of tlsOptions.secTags) {
        const pem = this.credentials.read(secTag, CREDENTIAL_TYPE.rootCa);
        if (pem === undefined) {
          if (tlsOptions.peerVerify === 'none') continue;
          throw new TlsError('TLS_NO_CREDENTIAL', `${op}: sec_tag ${secTag} holds no root CA`, { secTag });
        }
        cas.push({ secTag, cert: new X509Certificate(pem), pem });
      }
      if (tlsOptions.peerVerify !== 'none' && cas.length === 0) throw new TlsError('TLS_NO_CREDENTIAL', `${op}: TLS with peer verification needs at least one sec_tag`);
    }

    // Checked again: another connect may have taken the last socket while this one looked up its host.
    if (this.reserved >= this.maxSockets) {
      throw new NetError('ENOMEM', `${op}: all ${this.maxSockets} modem sockets are in use`, { maxSockets: this.maxSockets });
    }
    this.reserved++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.reserved--;
      this.stats.socketsOpen = this.open.size;
    };
    this.stats.connects++;
    try {
      return await this.open1(op, host, target.address, target.port, options, cas, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Opens one socket on a reserved slot: the wire, its TCP connect, then the TLS handshake when asked. */
  private async open1(
    op: string,
    host: string,
    address: string,
    port: number,
    options: ConnectOptions,
    cas: RootCa[],
    release: () => void,
  ): Promise<SimSocket> {
    const tlsOptions = options.tls;
    const wire = new ModemWire({
      op,
      host,
      address,
      port,
      link: this.link,
      gate: tlsOptions ? this.recordGate(host) : undefined,
      stats: this.stats,
      clock: this.clock,
      linkClock: this.linkClock,
      dial: this.dial,
    });
    await wire.connect(op, timerMs(op, 'connectTimeoutMs', options.connectTimeoutMs ?? MODEM_CONNECT_TIMEOUT_MS));
    if (!tlsOptions) {
      const sock = this.makeSocket(wire, release);
      sock.attach(wire.duplex);
      return sock;
    }
    const hostname = tlsOptions.hostname ?? host;
    const sessionKey = `${hostname}|${port}|${tlsOptions.secTags.join(',')}|${tlsOptions.peerVerify}`;
    const slot: SessionSlot = { key: sessionKey, cached: this.sessions?.get(sessionKey) };
    const tlsSocket = await this.handshake(op, host, hostname, tlsOptions, cas, slot.cached, wire);
    return this.makeTlsSocket(wire, tlsSocket, tlsOptions, cas, slot, release);
  }

  /** A TLS connection's record gate, showing its application-data records to `onRecord`. */
  private recordGate(host: string): TlsRecordGate {
    const gate = new TlsRecordGate(this.maxRecordBytes, this.maxCertChainBytes);
    const onRecord = this.onRecord;
    if (onRecord) {
      gate.onRecord = (type, recordBytes) => {
        if (type === TLS_CONTENT_APPLICATION_DATA) onRecord({ host, recordBytes });
      };
    }
    return gate;
  }

  /** A socket on the wire, counted open until it closes (its close releases the slot). */
  private makeSocket(wire: ModemWire, release: () => void): SimSocketImpl {
    const stats = this.stats;
    const s = new SimSocketImpl(wire.gate, wire.rawCount, stats, () => {
      this.open.delete(s);
      release();
    }, () => wire.teardown(), this.clock);
    this.open.add(s);
    stats.socketsOpen = this.open.size;
    stats.peakSockets = Math.max(stats.peakSockets, this.open.size);
    wire.socket = s;
    return s;
  }

  /**
   * The TLS handshake over the wire, as the modem does it: trusts exactly `cas`, checks `hostname` (also
   * the SNI) and the modem's key and signature policy, offers a cached session; failures become TlsErrors.
   */
  private handshake(
    op: string,
    host: string,
    hostname: string,
    tlsOptions: TlsOptions,
    cas: RootCa[],
    cached: CachedSession | undefined,
    wire: ModemWire,
  ): Promise<tls.TLSSocket> {
    const handshakeTimeoutMs = timerMs(op, 'handshakeTimeoutMs', tlsOptions.handshakeTimeoutMs ?? MODEM_HANDSHAKE_TIMEOUT_MS);
    const verify = tlsOptions.peerVerify !== 'none';
    const isIpName = net.isIP(hostname) !== 0;
    return new Promise<tls.TLSSocket>((resolve, reject) => {
      let settled = false;
      const settle = (e?: NetError): void => {
        if (settled) return;
        settled = true;
        cancel();
        wire.early = undefined;
        if (e) {
          this.stats.handshakeFailures++;
          wire.teardown();
          reject(e);
        } else resolve(stream);
      };
      wire.early = settle;
      const cancel = after(this.clock, handshakeTimeoutMs, () =>
        settle(new TlsError('TLS_HANDSHAKE_TIMEOUT', `${op}: TLS handshake with ${host} did not finish within ${handshakeTimeoutMs} ms`, { host, handshakeTimeoutMs })),
      );
      const stream = tls.connect({
        socket: wire.duplex,
        ...(isIpName ? { host: hostname } : { servername: hostname, host: hostname }),
        ca: cas.map((c) => c.pem),
        rejectUnauthorized: tlsOptions.peerVerify === 'required',
        minVersion: 'TLSv1.2',
        maxVersion: this.tlsMaxVersion,
        ...(cached ? { session: cached.session } : {}),
        checkServerIdentity: (name, cert) => {
          if (!verify) return undefined;
          const wrongName = tls.checkServerIdentity(name, cert);
          if (wrongName) return wrongName;
          // The chain is valid and names the host: now the modem's own policy (keys, signatures).
          const v = checkChainPolicy(cert as tls.DetailedPeerCertificate);
          return v ? Object.assign(new Error(`${v.subject}: ${v.detail}`), { code: v.code }) : undefined;
        },
      });
      wire.tls = stream;
      stream.once('secureConnect', () => settle());
      stream.once('error', (e) => settle(tlsHandshakeError(op, e, host)));
      stream.once('close', () => settle(new NetError('ECONNRESET', `${op}: ${host} closed the connection during the TLS handshake`, { host })));
    });
  }

  /** The socket on a finished handshake: which sec_tag validated the server, its session kept when caching. */
  private makeTlsSocket(
    wire: ModemWire,
    tlsSocket: tls.TLSSocket,
    tlsOptions: TlsOptions,
    cas: RootCa[],
    slot: SessionSlot,
    release: () => void,
  ): SimSocket {
    const stats = this.stats;
    const { key: sessionKey, cached } = slot;
    stats.handshakes++;
    const reused = tlsSocket.isSessionReused();
    if (reused) stats.resumedHandshakes++;
    const sock = this.makeSocket(wire, release);
    // A resumed session is not validated again (the peer's chain is not resent): it keeps the root
    // that validated it the first time.
    if (reused && cached) sock.validatedBy = cached.validatedBy;
    else if (tlsOptions.peerVerify !== 'none' && tlsSocket.authorized) sock.validatedBy = findValidatingSecTag(tlsSocket.getPeerCertificate(true), cas);
    if (this.sessions) {
      const sessions = this.sessions;
      const validatedBy = sock.validatedBy;
      const current = tlsSocket.getSession();
      if (current) sessions.set(sessionKey, { session: current, validatedBy });
      // TLS 1.3 tickets arrive after the handshake.
      tlsSocket.on('session', (session: Buffer) => sessions.set(sessionKey, { session, validatedBy }));
    }
    sock.protocol = tlsSocket.getProtocol() ?? undefined;
    sock.sessionReused = reused;
    sock.cipher = tlsSocket.getCipher()?.name;
    sock.attach(tlsSocket);
    return sock;
  }
}

export function createSimModem(options: SimModemOptions = {}): SimModem {
  return new SimModemImpl(options);
}

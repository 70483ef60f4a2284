/**
 * One connection of the simulated modem below its socket: the raw byte stream (a TCP socket, or an
 * in-memory one from `dial`), shaped by the link both ways, with the TLS record gate on the downlink.
 * TLS (or, for plain TCP, the socket) reads and writes the wire's `duplex`, so everything above it pays
 * the link's latency and bandwidth and sees only the records the modem would accept.
 *
 * A drop reaches the device as ECONNRESET and a raw stream error as its TCP code, each after the bytes
 * before it were handed up. A refused record (EMSGSIZE) or certificate chain (CERT_CHAIN_TOO_LARGE)
 * cuts the wire after the last good record: the socket fails where TLS's stream ends.
 */
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../clock.ts';
import { NetError, TlsError, type NetErrorCode } from '../errors.ts';
import { ShapedPipe, type LinkOptions } from './link.ts';
import type { GateVerdict, TlsRecordGate } from './record-gate.ts';

/** A cancellable timeout on `clock` (its timer, or a sleep that a cancel makes a no-op), else a Node timer. */
export function after(clock: Clock | undefined, ms: number, fn: () => void): () => void {
  if (clock?.timer) return clock.timer(ms, fn);
  if (clock) {
    let live = true;
    void clock.sleep(ms).then(() => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  }
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

const TCP_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** A Node TCP error as the modem's NetError (unknown codes: ECONNRESET). */
export function tcpError(op: string, e: unknown, where: string): NetError {
  const code = (e as { code?: string })?.code ?? '';
  const mapped: NetErrorCode = TCP_ERRNO.has(code) ? (code as NetErrorCode) : code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' ? 'EHOSTUNREACH' : 'ECONNRESET';
  return new NetError(mapped, `${op}: ${where}: ${(e as Error)?.message ?? String(e)}`, { nodeCode: code });
}

/** The socket a wire feeds: fails now (after the bytes before), or where its stream ends. */
export interface WireSocket {
  fail(e: NetError): void;
  failAtEnd(e: NetError): void;
}

/** The modem-wide counters a wire adds to. */
export interface WireCounters {
  /** TLS records whose header passed the gate or tripped it. */
  records: number;
  /** Largest server TLS record accepted on any socket, header included. */
  maxRecordBytes: number;
  /** Records refused (EMSGSIZE), and the largest of them, header included (0: none). */
  emsgsize: number;
  maxRefusedRecordBytes: number;
  /** Raw TCP bytes (TLS included) each way. */
  rawBytesDown: number;
  rawBytesUp: number;
}

export interface ModemWireOptions {
  /** The operation named in errors before the socket exists (`modem.connect`). */
  op: string;
  /** The name connected to, for messages; `address:port` is where the raw stream goes. */
  host: string;
  address: string;
  port: number;
  link: LinkOptions;
  /** The record gate (TLS), or none (plain TCP). */
  gate: TlsRecordGate | undefined;
  stats: WireCounters;
  /** The clock of the modem's timeouts; undefined: Node timers. */
  clock: Clock | undefined;
  /** The clock the link runs on; undefined: the link's default (real time). */
  linkClock: Clock | undefined;
  /** An in-memory connect (SimModemOptions.dial); without it, a TCP socket. */
  dial: ((address: string, port: number) => Duplex | undefined) | undefined;
}

/** One connection's raw byte path as the modem sees it: raw stream, link both ways, record gate. */
export class ModemWire {
  /** The record gate (TLS), or none (plain TCP). */
  readonly gate: TlsRecordGate | undefined;
  /** Raw bytes (TLS included) each way on this connection. */
  readonly rawCount = { down: 0, up: 0 };
  /** What TLS (or the app, for plain TCP) reads from and writes to: the raw stream through the link and the gate. */
  readonly duplex: Duplex;
  /** The socket on this wire, once made; errors before it go to `early`. */
  socket: WireSocket | undefined;
  /** Takes errors that happen before the socket exists (during the handshake). */
  early: ((e: NetError) => void) | undefined;
  /** The TLS stream on the wire, destroyed with it. */
  tls: TLSSocket | undefined;
  private readonly options: ModemWireOptions;
  /** The raw byte stream: a TCP socket, or the device's end of an in-memory one. */
  private readonly raw: net.Socket | Duplex;
  private readonly up: ShapedPipe;
  private readonly down: ShapedPipe;
  private dead = false;
  private dropped = false;
  private stalled = false;
  private tcpBytesDown = 0;

  /** Opens the raw stream (ECONNREFUSED when an in-memory connect finds nothing listening) and lays the link and gate on it. */
  constructor(o: ModemWireOptions) {
    this.options = o;
    this.gate = o.gate;
    if (o.dial) {
      const dialed = o.dial(o.address, o.port);
      if (!dialed) throw new NetError('ECONNREFUSED', `${o.op}: nothing listens on ${o.address}:${o.port} (in-memory connect to ${o.host})`, { host: o.host, port: o.port });
      this.raw = dialed;
    } else this.raw = new net.Socket();
    // Uplink: device → link → raw TCP.
    this.up = new ShapedPipe(o.link.oneWayLatencyMs, o.link.uplinkBitsPerS, (bytes) => this.sendRaw(bytes), o.linkClock);
    // Downlink: raw TCP → link → record gate → TLS (or the app, for plain TCP).
    this.down = new ShapedPipe(o.link.oneWayLatencyMs, o.link.downlinkBitsPerS, (bytes) => this.deliver(bytes), o.linkClock);
    this.raw.on('data', (chunk: Buffer) => this.received(chunk));
    this.raw.on('end', () => {
      if (!this.dropped) this.down.push(null);
    });
    this.raw.on('error', (e) => {
      if (this.dead || this.dropped) return;
      this.failWith(tcpError('socket', e, `connection to ${o.host}`));
      this.teardown();
    });
    const up = this.up;
    this.duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        up.push(Uint8Array.from(chunk));
        cb();
      },
      final(cb) {
        up.push(null);
        cb();
      },
    });
    this.duplex.on('error', () => {});
  }

  /** TCP connect: resolves one round trip of latency (SYN / SYN-ACK) after it; ETIMEDOUT or the TCP error tear the wire down. */
  connect(op: string, timeoutMs: number): Promise<void> {
    const { host, address, port, link, clock } = this.options;
    const raw = this.raw;
    return new Promise<void>((resolve, reject) => {
      const cancel = after(clock, timeoutMs, () => {
        this.teardown();
        reject(new NetError('ETIMEDOUT', `${op}: TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`, { host, port }));
      });
      raw.once('error', (e) => {
        cancel();
        this.teardown();
        reject(tcpError(op, e, `TCP connect to ${host}:${port}`));
      });
      const connected = (): void => {
        const rtt = 2 * link.oneWayLatencyMs;
        if (rtt === 0) {
          cancel();
          resolve();
        } else {
          after(clock, rtt, () => {
            cancel();
            resolve();
          });
        }
      };
      // An in-memory stream is connected already: only the SYN round trip is left.
      if (raw instanceof net.Socket) raw.connect({ host: address, port }, connected);
      else process.nextTick(connected);
    });
  }

  /** Stops everything on the wire, both pipes, TLS and the raw stream. */
  teardown(): void {
    this.dead = true;
    this.down.close();
    this.up.close();
    this.tls?.destroy();
    this.duplex.destroy();
    this.raw.destroy();
  }

  /** Fails the socket, or the handshake before the socket exists. */
  private failWith(e: NetError): void {
    if (this.socket) this.socket.fail(e);
    else this.early?.(e);
  }

  /** The uplink's far end: bytes onto the raw stream, and its end. */
  private sendRaw(bytes: Uint8Array | null): void {
    if (this.dead) return;
    if (bytes === null) this.raw.end();
    else {
      this.rawCount.up += bytes.length;
      this.options.stats.rawBytesUp += bytes.length;
      this.raw.write(bytes);
    }
  }

  /** Raw bytes from the server onto the downlink, where the link drops or stalls them. */
  private received(chunk: Buffer): void {
    if (this.dead || this.dropped) return;
    const link = this.options.link;
    let bytes: Uint8Array = Uint8Array.from(chunk);
    const seen = this.tcpBytesDown;
    this.tcpBytesDown += bytes.length;
    if (link.dropAfterBytes !== undefined && this.tcpBytesDown >= link.dropAfterBytes) {
      this.dropped = true;
      const keep = link.dropAfterBytes - seen;
      if (keep > 0) this.down.push(bytes.subarray(0, keep));
      this.down.push(null);
      this.raw.destroy();
      return;
    }
    if (link.stallAfterBytes !== undefined && !this.stalled && this.tcpBytesDown > link.stallAfterBytes) {
      this.stalled = true;
      const keep = Math.max(0, link.stallAfterBytes - seen);
      if (keep > 0) this.down.push(bytes.subarray(0, keep));
      this.down.stall(link.stallMs ?? Infinity);
      bytes = bytes.subarray(keep);
    }
    if (bytes.length > 0) this.down.push(bytes);
  }

  /** The downlink's far end: bytes through the gate to `duplex`; the end of the stream, or a reset after a drop. */
  private deliver(bytes: Uint8Array | null): void {
    if (this.dead) return;
    const { host, stats } = this.options;
    if (bytes === null) {
      if (!this.dropped) {
        this.duplex.push(null);
        return;
      }
      // A drop reaches the device as a reset, after the bytes before it were handed up.
      setImmediate(() => {
        this.failWith(new NetError('ECONNRESET', `socket.recv: the connection to ${host} was reset`, { host, rawBytes: this.rawCount.down }));
        this.teardown();
      });
      return;
    }
    this.rawCount.down += bytes.length;
    stats.rawBytesDown += bytes.length;
    const gate = this.gate;
    if (!gate) {
      this.duplex.push(bytes);
      return;
    }
    const recordsBefore = gate.records;
    const verdict = gate.feed(bytes);
    stats.records += gate.records - recordsBefore;
    stats.maxRecordBytes = Math.max(stats.maxRecordBytes, gate.largestRecordBytes);
    if (verdict.pass > 0) this.duplex.push(bytes.subarray(0, verdict.pass));
    if (verdict.oversizeRecordBytes !== undefined || verdict.certChainBytes !== undefined) {
      this.cut(this.refusal(gate, verdict, this.rawCount.down - bytes.length + verdict.pass));
    }
  }

  /** What the gate refused, as the modem reports it (an EMSGSIZE is counted); `rawOffset`: where the refused record starts. */
  private refusal(gate: TlsRecordGate, verdict: GateVerdict, rawOffset: number): NetError {
    const { host, stats } = this.options;
    if (verdict.certChainBytes !== undefined) {
      return new TlsError(
        'CERT_CHAIN_TOO_LARGE',
        `modem.connect: ${host} sent a ${verdict.certChainBytes}-byte certificate chain, over the modem's ${gate.maxCertChainBytes}-byte limit`,
        { host, chainBytes: verdict.certChainBytes, maxChainBytes: gate.maxCertChainBytes },
      );
    }
    stats.emsgsize++;
    stats.maxRefusedRecordBytes = Math.max(stats.maxRefusedRecordBytes, verdict.oversizeRecordBytes ?? 0);
    return new NetError(
      'EMSGSIZE',
      `socket.recv: the server sent a ${verdict.oversizeRecordBytes}-byte TLS record, over the modem's ${gate.maxRecordBytes}-byte limit`,
      { recordBytes: verdict.oversizeRecordBytes, maxRecordBytes: gate.maxRecordBytes, rawOffset },
    );
  }

  /** Cuts the wire after the last good record: the socket fails with `e` where its stream ends (the handshake, a turn later). */
  private cut(e: NetError): void {
    // Stop the wire now; let TLS decrypt and hand up the records before this one, then fail.
    this.raw.destroy();
    this.down.close();
    if (this.socket) {
      this.socket.failAtEnd(e);
      this.duplex.push(null);
      return;
    }
    setImmediate(() =>
      after(this.options.clock, 0, () => {
        this.failWith(e);
        this.teardown();
      }),
    );
  }
}

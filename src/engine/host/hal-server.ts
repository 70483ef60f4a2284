/**
 * The host side of the boundary: the simulated board's drivers served to the device bundle, op by op
 * (the names src/engine/device/host-hal.ts uses). A `call` is answered at once; a `start` runs the
 * board's async operation and queues its completion, which the run loop (./run-app.ts) delivers to the
 * guest one at a time, like interrupts to a device's event loop. A reset (BoardResetSignal) or a power
 * cut (PowerCutError) from the board halts the guest: it gets `halt` and is thrown away, as a reset
 * clears RAM, and the board runner boots MCUboot again.
 */
import type { Crypto, Hasher, HashAlgorithm, SignatureAlgorithm } from '../../hal/crypto.ts';
import { FotaError, NetError, PowerCutError, type FotaErrorCode } from '../../hal/errors.ts';
import type { FlashMap } from '../../hal/flash.ts';
import type { Clock } from '../../hal/clock.ts';
import type { Log, LogLevel } from '../../hal/log.ts';
import type { ConnectOptions, CredentialType, Modem, Socket } from '../../hal/net.ts';
import type { Settings } from '../../hal/settings.ts';
import { BoardResetSignal, type ResetReason, type System } from '../../hal/system.ts';
import type { SmpPacketLink } from '../../transport/smp/transport.ts';
import { errorToWire } from '../device/host-port.ts';
import type { WireFlashMap } from '../device/host-hal.ts';
import { decodeWire, encodeWire, type GuestRequest, type HostDelivery, type HostReply, type WireValue } from '../wire.ts';

export interface HalServerBoard {
  flash: FlashMap;
  settings: Settings;
  clock: Clock;
  system: System;
  modem: Modem;
  /** The hardware crypto the board offers (CryptoCell on the nRF9160). */
  crypto: Crypto;
  log: Log;
  /** The BLE link to a companion, when the image goes over SMP. */
  ble?: SmpPacketLink;
}

export interface HalServerOptions {
  board: HalServerBoard;
  /** What the device reports for the run log (agent events, probes, connections). */
  onReport: (report: WireValue) => void;
  /** Called at every host call (the QuickJS memory sampler hooks here). */
  onCall?: (op: string) => void;
}

/** Counts of what crossed, for the bench. */
export interface HalServerCounts {
  calls: number;
  starts: number;
  bytesIn: number;
  bytesOut: number;
}

export type HalOutcome = { kind: 'done'; result: WireValue } | { kind: 'failed'; error: FotaError } | { kind: 'halted'; signal: BoardResetSignal | PowerCutError };

export class HalServer {
  private readonly b: HalServerBoard;
  private readonly sockets = new Map<number, Socket>();
  private readonly hashers = new Map<number, Hasher>();
  private nextId = 1;
  private readonly queue: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  outcome: HalOutcome | undefined;
  readonly counts: HalServerCounts = { calls: 0, starts: 0, bytesIn: 0, bytesOut: 0 };

  constructor(private readonly o: HalServerOptions) {
    this.b = o.board;
    o.board.ble?.onData((packet) => this.push({ t: 'event', source: 'ble', data: packet }));
  }

  private push(d: HostDelivery): void {
    if (this.outcome) return;
    this.queue.push(encodeWire(d as unknown as WireValue));
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private end(outcome: HalOutcome): void {
    if (!this.outcome) this.outcome = outcome;
    this.wakeUp();
  }

  /** The next delivery, or undefined once the run has an outcome. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.outcome) return undefined;
      const d = this.queue.shift();
      if (d) return d;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** The guest's call: one frame in, one frame out. */
  handle(frame: Uint8Array): Uint8Array {
    this.counts.bytesIn += frame.length;
    const req = decodeWire(frame) as unknown as GuestRequest;
    this.o.onCall?.(req.op);
    let reply: HostReply;
    if (this.outcome) {
      reply = { halt: true };
    } else if (req.t === 'call') {
      this.counts.calls++;
      try {
        reply = { ok: this.call(req.op, req.args) };
      } catch (e) {
        reply = this.failure(e);
      }
    } else {
      this.counts.starts++;
      const id = this.nextId++;
      let p: Promise<WireValue>;
      try {
        p = this.start(req.op, req.args);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (ok) => this.push({ t: 'settle', id, ok }),
        (e: unknown) => {
          const r = this.failure(e);
          if ('err' in r) this.push({ t: 'settle', id, err: r.err });
        },
      );
      reply = this.outcome ? { halt: true } : { id };
    }
    const out = encodeWire(reply as unknown as WireValue);
    this.counts.bytesOut += out.length;
    return out;
  }

  /** A reset or power cut ends the run; anything else goes back to the guest as a typed error. */
  private failure(e: unknown): HostReply {
    if (e instanceof BoardResetSignal || e instanceof PowerCutError) {
      this.end({ kind: 'halted', signal: e });
      return { halt: true };
    }
    return { err: errorToWire(e) };
  }

  private call(op: string, a: WireValue[]): WireValue {
    switch (op) {
      case 'flash.map': {
        const m: WireFlashMap = {
          device: { ...this.b.flash.device },
          areas: this.b.flash.labels().map((label) => {
            const area = this.b.flash.open(label);
            return { label, deviceOffset: area.deviceOffset, size: area.size };
          }),
        };
        return m as unknown as WireValue;
      }
      case 'clock.now':
        return this.b.clock.now();
      case 'socket.info':
        return this.socket(a[0]).info() as unknown as WireValue;
      case 'crypto.hash.new': {
        const id = this.nextId++;
        this.hashers.set(id, this.b.crypto.createHash(a[0] as HashAlgorithm));
        return id;
      }
      case 'crypto.hash.update':
        this.hasher(a[0]).update(a[1] as Uint8Array);
        return null;
      case 'crypto.hash.digest': {
        const d = this.hasher(a[0]).digest();
        this.hashers.delete(a[0] as number);
        return d;
      }
      case 'crypto.verify':
        return this.b.crypto.verify(a[0] as SignatureAlgorithm, a[1] as Uint8Array, a[2] as Uint8Array, a[3] as Uint8Array);
      case 'crypto.random':
        return this.b.crypto.randomBytes(a[0] as number);
      case 'system.resetReason':
        return this.b.system.resetReason();
      case 'system.reboot':
        // The simulated System rejects with BoardResetSignal: the guest halts, the runner boots MCUboot.
        this.b.system.reboot(a[0] as ResetReason).catch((e: unknown) => this.failure(e));
        this.end({ kind: 'halted', signal: new BoardResetSignal(a[0] as ResetReason) });
        throw new BoardResetSignal(a[0] as ResetReason);
      case 'ble.mtu':
        if (!this.b.ble) throw new FotaError('ENGINE_NO_BLE', 'hal.ble: this board has no BLE link to a companion');
        return this.b.ble.mtu;
      case 'log':
        this.b.log.log(a[0] as LogLevel, a[1] as string, (a[2] ?? undefined) as Record<string, unknown> | undefined);
        return null;
      case 'run.report':
        this.o.onReport(a[0] ?? null);
        return null;
      case 'run.done':
        this.end({ kind: 'done', result: a[0] ?? null });
        return null;
      case 'run.failed': {
        const w = a[0] as { name?: string; code?: string; message?: string; context?: Record<string, unknown> };
        this.end({ kind: 'failed', error: new FotaError((w.code as FotaErrorCode | undefined) ?? 'ENGINE_UNCAUGHT', w.message ?? 'the device application failed', w.context ?? {}) });
        return null;
      }
      default:
        throw new FotaError('ENGINE_UNKNOWN_OP', `hal: no call '${op}'`, { op });
    }
  }

  private async start(op: string, a: WireValue[]): Promise<WireValue> {
    switch (op) {
      case 'flash.read':
        return this.b.flash.open(a[0] as string).read(a[1] as number, a[2] as number);
      case 'flash.write':
        await this.b.flash.open(a[0] as string).write(a[1] as number, a[2] as Uint8Array);
        return null;
      case 'flash.erase':
        await this.b.flash.open(a[0] as string).erase(a[1] as number, a[2] as number);
        return null;
      case 'settings.get':
        return (await this.b.settings.get(a[0] as string)) ?? null;
      case 'settings.set':
        await this.b.settings.set(a[0] as string, a[1] as Uint8Array);
        return null;
      case 'settings.delete':
        await this.b.settings.delete(a[0] as string);
        return null;
      case 'settings.keys':
        return this.b.settings.keys((a[0] ?? undefined) as string | undefined);
      case 'clock.sleep':
        await this.b.clock.sleep(a[0] as number);
        return null;
      case 'modem.credentials.list':
        return (await this.b.modem.credentials.list()) as unknown as WireValue;
      case 'modem.credentials.write':
        await this.b.modem.credentials.write(a[0] as number, a[1] as CredentialType, a[2] as string);
        return null;
      case 'modem.credentials.delete':
        await this.b.modem.credentials.delete(a[0] as number, a[1] as CredentialType);
        return null;
      case 'modem.connect': {
        const socket = await this.b.modem.connect(a[0] as unknown as ConnectOptions);
        const id = this.nextId++;
        if (this.outcome) await socket.close().catch(() => undefined);
        else this.sockets.set(id, socket);
        return id;
      }
      case 'socket.send':
        await this.socket(a[0]).send(a[1] as Uint8Array);
        return null;
      case 'socket.recv':
        return this.socket(a[0]).recv(a[1] as number, (a[2] ?? undefined) as number | undefined);
      case 'socket.close': {
        const s = this.socket(a[0]);
        this.sockets.delete(a[0] as number);
        await s.close();
        return null;
      }
      case 'ble.write':
        if (!this.b.ble) throw new FotaError('ENGINE_NO_BLE', 'hal.ble: this board has no BLE link to a companion');
        await this.b.ble.write(a[0] as Uint8Array);
        return null;
      case 'ble.close':
        // The link belongs to the board (it outlives the application): the guest's close is a no-op.
        return null;
      default:
        throw new FotaError('ENGINE_UNKNOWN_OP', `hal: no operation '${op}'`, { op });
    }
  }

  private socket(id: WireValue | undefined): Socket {
    const s = this.sockets.get(id as number);
    if (!s) throw new NetError('ENOTCONN', `hal.socket: no socket ${String(id)}`, { id: id as number });
    return s;
  }

  private hasher(id: WireValue | undefined): Hasher {
    const h = this.hashers.get(id as number);
    if (!h) throw new FotaError('ENGINE_BAD_HANDLE', `hal.crypto: no hash ${String(id)}`);
    return h;
  }

  /** Closes what the guest left open (a reset drops the modem's sockets too). */
  async closeAll(): Promise<void> {
    const all = [...this.sockets.values()];
    this.sockets.clear();
    this.hashers.clear();
    await Promise.all(all.map((s) => s.close().catch(() => undefined)));
  }
}

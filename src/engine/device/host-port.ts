/**
 * The device bundle's one door to its host, as a microcontroller application's door to its drivers:
 * `call` is a blocking driver call (a register read, a CryptoCell operation) answered at once; `start`
 * begins an operation that completes later (a flash job, a socket read, a timer) and resolves when the
 * host delivers its completion, after which the engine's job queue runs. The engine-specific glue
 * gives `send` (XS: xsnap's synchronous `issueCommand`; QuickJS: a host function) and routes the
 * host's deliveries to `deliver`. Portable: no engine API is named here.
 */
import { FotaError, FlashError, NetError, SettingsError, TlsError, type FotaErrorCode } from '../../hal/errors.ts';
import { decodeWire, encodeWire, type GuestRequest, type HostDelivery, type HostReply, type WireError, type WireValue } from '../wire.ts';

/**
 * The board reset or lost power while the guest was running: everything after this is moot (the host
 * throws the engine away, as a reset clears RAM). Not a FotaError, so no device code swallows it.
 */
export class EngineHaltSignal extends Error {
  constructor() {
    super('engine halted by its host (reset or power cut)');
    this.name = 'EngineHaltSignal';
  }
}

/** Error families rebuilt on this side, so `instanceof TlsError` and the codes work as on the host. */
const ERROR_CLASSES: Readonly<Record<string, new (code: FotaErrorCode, message: string, context?: Record<string, unknown>) => FotaError>> = {
  FotaError,
  FlashError,
  SettingsError,
  NetError,
  TlsError,
};

export function errorFromWire(e: WireError): FotaError {
  const Cls = ERROR_CLASSES[e.name] ?? FotaError;
  // Codes crossing the boundary were thrown by this same code base on the other side.
  return new Cls(e.code as FotaErrorCode, e.message, (e.context ?? {}) as Record<string, unknown>);
}

export function errorToWire(e: unknown): WireError {
  if (e instanceof FotaError) {
    let context: WireError['context'];
    try {
      context = JSON.parse(JSON.stringify(e.context)) as WireError['context'];
    } catch {
      context = {};
    }
    return { name: e.name, code: e.code, message: e.message, ...(context ? { context } : {}) };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, code: 'ENGINE_UNCAUGHT', message: err.message };
}

interface Pending {
  resolve: (v: WireValue) => void;
  reject: (e: unknown) => void;
}

export type BootHandler = (config: WireValue) => void;

export class HostPort {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, (data: WireValue) => void>();
  private halted = false;
  private onBoot: BootHandler | undefined;

  constructor(private readonly send: (frame: Uint8Array) => Uint8Array) {}

  /** Sets what runs when the host boots the application. */
  boot(handler: BootHandler): void {
    this.onBoot = handler;
  }

  private request(r: GuestRequest): HostReply {
    if (this.halted) throw new EngineHaltSignal();
    const reply = decodeWire(this.send(encodeWire(r as unknown as WireValue))) as unknown as HostReply;
    if ('halt' in reply) {
      this.halted = true;
      throw new EngineHaltSignal();
    }
    return reply;
  }

  /** A blocking driver call. */
  call(op: string, ...args: WireValue[]): WireValue {
    const reply = this.request({ t: 'call', op, args });
    if ('err' in reply) throw errorFromWire(reply.err);
    if ('ok' in reply) return reply.ok;
    throw new FotaError('ENGINE_PROTOCOL', `hostPort.call: '${op}' got no value`);
  }

  /** An operation that completes later. */
  start(op: string, ...args: WireValue[]): Promise<WireValue> {
    let reply: HostReply;
    try {
      reply = this.request({ t: 'start', op, args });
    } catch (e) {
      return Promise.reject(e);
    }
    if ('err' in reply) return Promise.reject(errorFromWire(reply.err));
    if (!('id' in reply)) return Promise.reject(new FotaError('ENGINE_PROTOCOL', `hostPort.start: '${op}' got no id`));
    const id = reply.id;
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Receives host events for `source` (data arriving on a link, for one). */
  listen(source: string, listener: (data: WireValue) => void): void {
    this.listeners.set(source, listener);
  }

  /** The host's delivery: a boot, an operation's completion, or an event. */
  deliver(frame: Uint8Array): void {
    const d = decodeWire(frame) as unknown as HostDelivery;
    if (d.t === 'boot') {
      if (!this.onBoot) throw new FotaError('ENGINE_PROTOCOL', 'hostPort: booted before the application set its boot handler');
      this.onBoot(d.config);
    } else if (d.t === 'settle') {
      const p = this.pending.get(d.id);
      if (!p) return;
      this.pending.delete(d.id);
      if (d.err) p.reject(errorFromWire(d.err));
      else p.resolve(d.ok === undefined ? null : d.ok);
    } else if (d.t === 'event') {
      this.listeners.get(d.source)?.(d.data);
    }
  }
}

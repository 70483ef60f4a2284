/**
 * XS (Moddable's engine, the one that runs on nRF52 and ESP32) in xsnap's worker process, built from
 * source by `@agoric/xsnap` at `npm ci`. Spoken to directly over its netstring pipes (fd 3 to the worker,
 * fd 4 back), without xsnap's JS API, which needs SES lockdown of the host process:
 * - host → worker: `e<script>` evaluates, `?<bytes>` calls the guest's `handleCommand`;
 * - worker → host: `?<bytes>` is the guest's synchronous `issueCommand` (the host answers `/<bytes>`
 *   while the guest waits), `.<meter>\1<reply>` ends a turn after the job queue drained, `!` an error.
 * Heap: xsnap reports the live slot count after each turn (`currentHeapCount`); chunks (string and
 * ArrayBuffer storage) are not reported, nor is bytecode (XS compiles the script at load).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { FotaError } from '../../hal/errors.ts';
import type { EngineMemory, EngineStartOptions, GuestEngine } from './engine.ts';

/** Bytes per XS slot on a 32-bit MCU (txSlot: next, id/flag/kind, 8-byte value). */
export const XS_SLOT_BYTES_32BIT = 16;
const NETSTRING_COLON = 0x3a;
const MSG_QUERY = 0x3f; // '?'
const MSG_OK = 0x2e; // '.'
const MSG_ERROR = 0x21; // '!'
const METER_SEPARATOR = 1;

/** The glue: the guest's host call is xsnap's issueCommand; deliveries arrive as commands. */
const XS_GLUE = `
globalThis.__fotakitHost = (frame) => issueCommand(frame);
globalThis.handleCommand = (frame) => { if (frame.byteLength === 0) gc(); else globalThis.__fotakitDeliver(frame); return new ArrayBuffer(0); };
`;

/**
 * Sent after each delivery when sampling: an empty command, on which the glue runs a full collection, so
 * the turn's slot count is what is live. (Not an `e` turn: XS keeps every evaluated script, a slot each.)
 */
const XS_COLLECT = new Uint8Array(0);

/** Path of the release xsnap-worker binary `npm ci` built, or undefined. */
export function xsnapWorkerPath(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
    const bin = join(dirname(pkg), 'xsnap-native/xsnap/build/bin', process.platform === 'darwin' ? 'mac' : 'lin', 'release/xsnap-worker');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

class NetstringReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: Buffer[] = [];
  private waiter: ((m: Buffer | undefined) => void) | undefined;
  private ended = false;

  constructor(stream: Readable) {
    stream.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      for (;;) {
        const colon = this.buf.indexOf(NETSTRING_COLON);
        if (colon < 0) break;
        const n = Number(this.buf.subarray(0, colon).toString('latin1'));
        if (this.buf.length < colon + 1 + n + 1) break;
        const m = this.buf.subarray(colon + 1, colon + 1 + n);
        this.buf = this.buf.subarray(colon + 2 + n);
        this.push(m);
      }
    });
    stream.on('end', () => {
      this.ended = true;
      this.waiter?.(undefined);
      this.waiter = undefined;
    });
  }

  private push(m: Buffer): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
    } else this.queue.push(m);
  }

  next(): Promise<Buffer | undefined> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((r) => (this.waiter = r));
  }
}

function netstring(parts: Uint8Array[]): Buffer {
  const n = parts.reduce((s, p) => s + p.length, 0);
  return Buffer.concat([Buffer.from(`${n}:`, 'latin1'), ...parts, Buffer.from(',', 'latin1')]);
}

class XsEngine implements GuestEngine {
  readonly name = 'xs' as const;
  private peakSlots = 0;
  private slots = 0;
  loadedSlots = 0;
  private exited = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly to: Writable,
    private readonly from: NetstringReader,
    private readonly o: EngineStartOptions,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /** Sends one message and serves the guest's host calls until the turn ends. */
  async turn(kind: string, body: Uint8Array): Promise<void> {
    if (this.exited) throw new FotaError('ENGINE_EXITED', 'xs: the worker has exited');
    this.to.write(netstring([Buffer.from(kind, 'latin1'), body]));
    for (;;) {
      const m = await this.from.next();
      if (!m) throw new FotaError('ENGINE_EXITED', 'xs: the worker closed its pipe');
      if (m[0] === MSG_QUERY) {
        const reply = this.o.onCall(new Uint8Array(m.buffer, m.byteOffset + 1, m.length - 1).slice());
        this.to.write(netstring([Buffer.from('/', 'latin1'), reply]));
      } else if (m[0] === MSG_OK) {
        const sep = m.indexOf(METER_SEPARATOR);
        if (sep > 0) {
          const meter = JSON.parse(m.subarray(1, sep).toString('utf8')) as { currentHeapCount?: number };
          if (typeof meter.currentHeapCount === 'number') {
            this.slots = meter.currentHeapCount;
            // When sampling, only the count after a collection is what is live; a delivery's own count
            // includes the garbage of that turn.
            if (!this.o.sampleEveryCall || body.length === 0) this.peakSlots = Math.max(this.peakSlots, this.slots);
          }
        }
        return;
      } else if (m[0] === MSG_ERROR) {
        throw new FotaError('ENGINE_GUEST_ERROR', `xs: uncaught exception in the guest: ${m.subarray(1).toString('utf8')}`);
      } else {
        throw new FotaError('ENGINE_PROTOCOL', `xs: unknown message from the worker (${m[0]})`);
      }
    }
  }

  async deliver(frame: Uint8Array): Promise<void> {
    await this.turn('?', frame);
    // Live slots: XS collects only when its heap is full, so without a collection the count includes garbage.
    if (this.o.sampleEveryCall) await this.turn('?', XS_COLLECT);
  }

  sample(): void {
    // xsnap reports the heap at the end of each turn only.
  }

  currentSlots(): number {
    return this.slots;
  }

  memory(): EngineMemory {
    return {
      heapBytes: this.slots * XS_SLOT_BYTES_32BIT,
      peakHeapBytes: this.peakSlots * XS_SLOT_BYTES_32BIT,
      loadedHeapBytes: this.loadedSlots * XS_SLOT_BYTES_32BIT,
      basis: `XS slots × ${XS_SLOT_BYTES_32BIT} B (32-bit MCU slot size) at the end of each turn${this.o.sampleEveryCall ? ' after a full collection (live)' : ' (garbage included)'}; chunks (strings, ArrayBuffer storage) are not reported by xsnap`,
      atPeak: { slots: this.peakSlots, loadedSlots: this.loadedSlots },
    };
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await gone;
  }
}

export async function startXs(o: EngineStartOptions): Promise<GuestEngine> {
  const bin = xsnapWorkerPath();
  if (!bin) throw new FotaError('ENGINE_UNAVAILABLE', 'xs: no xsnap-worker binary (the @agoric/xsnap install builds it with make and a C compiler)');
  const child = spawn(bin, ['fotakit-device'], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore'] });
  const to = child.stdio[3] as Writable;
  const from = new NetstringReader(child.stdio[4] as Readable);
  const engine = new XsEngine(child, to, from, o);
  try {
    await engine.turn('e', Buffer.from(XS_GLUE + o.code, 'utf8'));
    await engine.turn('?', XS_COLLECT);
    engine.loadedSlots = engine.currentSlots();
  } catch (e) {
    await engine.close();
    throw e;
  }
  return engine;
}

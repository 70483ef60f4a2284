/**
 * Two BytePorts joined back to back in memory, for unit tests and for running an emulator in the same
 * runtime. Bytes written on one side arrive asynchronously (next microtask), copied, on the other,
 * like a serial line with no loss. Optional hooks let a test corrupt, split or drop what crosses.
 */
import { PortError, PortReceiver, type BytePort } from '../port.ts';

export interface MemoryPortPairOptions {
  /**
   * Rewrites each chunk crossing from side a to b (`aToB`) or b to a (`bToA`); return the chunks to
   * deliver (split, garbled or none). Default: delivered as written.
   */
  aToB?: (bytes: Uint8Array) => Uint8Array[];
  bToA?: (bytes: Uint8Array) => Uint8Array[];
}

class MemoryPort implements BytePort {
  peer!: MemoryPort;
  private readonly rx = new PortReceiver();

  constructor(private readonly rewrite: ((bytes: Uint8Array) => Uint8Array[]) | undefined) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.rx.closed) throw new PortError('PORT_CLOSED', 'memoryPort.write: port is closed');
    const copy = Uint8Array.from(bytes);
    const chunks = this.rewrite ? this.rewrite(copy) : [copy];
    const peer = this.peer;
    for (const c of chunks) {
      // Deliver on a later microtask so a writer never re-enters its own reader synchronously.
      void Promise.resolve().then(() => peer.deliver(c));
    }
  }

  deliver(bytes: Uint8Array): void {
    if (bytes.length > 0) this.rx.deliver(bytes);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.rx.onData(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.rx.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.rx.end()) return;
    await this.peer.close();
  }
}

/** Creates two joined ports: what is written to `a` is read from `b` and the other way round. */
export function createMemoryPortPair(options: MemoryPortPairOptions = {}): { a: BytePort; b: BytePort } {
  const a = new MemoryPort(options.aToB);
  const b = new MemoryPort(options.bToA);
  a.peer = b;
  b.peer = a;
  return { a, b };
}

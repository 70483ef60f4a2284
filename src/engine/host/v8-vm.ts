/**
 * The baseline: the same device bundle, through the same boundary, in a fresh V8 context (node:vm).
 * Not an embedded engine: it separates what the boundary costs from what the interpreter costs when
 * the bench compares time per downloaded KiB. Heap is not measured here (V8 shares its heap with the host).
 */
import { createContext, runInContext } from 'node:vm';
import { FotaError } from '../../hal/errors.ts';
import type { EngineMemory, EngineStartOptions, GuestEngine } from './engine.ts';

interface VmGlobals {
  __fotakitDeliver?: (frame: ArrayBuffer) => void;
}

class V8VmEngine implements GuestEngine {
  readonly name = 'v8' as const;
  constructor(private readonly g: VmGlobals) {}

  async deliver(frame: Uint8Array): Promise<void> {
    const deliver = this.g.__fotakitDeliver;
    if (!deliver) throw new FotaError('ENGINE_PROTOCOL', 'v8: the bundle defined no __fotakitDeliver');
    deliver(frame.slice().buffer);
    // The context shares Node's microtask queue: it drains before this resolves.
    await new Promise<void>((r) => setImmediate(r));
  }

  sample(): void {}

  memory(): EngineMemory {
    return { heapBytes: 0, peakHeapBytes: 0, loadedHeapBytes: 0, basis: 'not measured (V8 shares the host heap)' };
  }

  async close(): Promise<void> {}
}

export async function startV8Vm(o: EngineStartOptions): Promise<GuestEngine> {
  const g: VmGlobals & { __fotakitHost: (frame: ArrayBuffer) => ArrayBuffer } = {
    __fotakitHost: (frame) => {
      const r = o.onCall(new Uint8Array(frame));
      return r.slice().buffer;
    },
  };
  const ctx = createContext(g);
  runInContext(o.code, ctx, { filename: 'fotakit-device.js' });
  return new V8VmEngine(ctx as VmGlobals);
}

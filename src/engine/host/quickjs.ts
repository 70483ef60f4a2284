/**
 * QuickJS (quickjs-ng, compiled to WebAssembly by quickjs-emscripten; a registry package, nothing to
 * build). The guest's host call is a host function; each delivery calls `__fotakitDeliver`, then the
 * host runs the job queue until it is empty. Memory is QuickJS's own malloc accounting
 * (`JS_ComputeMemoryUsage`): live bytes, bytecode bytes, and counts by kind, sampled after each
 * delivery (and at every host call with `sampleEveryCall`). One WebAssembly module per engine, so a
 * board reset throws away the guest's whole memory, as on a device.
 */
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSRuntime } from 'quickjs-emscripten-core';
import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import { FotaError } from '../../hal/errors.ts';
import type { EngineMemory, EngineStartOptions, GuestEngine } from './engine.ts';

/** Stack the guest may use (a device's main thread stack is smaller; the agent's async code is shallow). */
export const QUICKJS_MAX_STACK_BYTES = 256 * 1024;

interface QuickJsMemoryUsage {
  malloc_size: number;
  memory_used_size: number;
  memory_used_count: number;
  js_func_code_size: number;
  [key: string]: number;
}

class QuickJsEngine implements GuestEngine {
  readonly name = 'quickjs' as const;
  private peak: QuickJsMemoryUsage | undefined;
  private last: QuickJsMemoryUsage | undefined;
  bytecodeBytes = 0;
  loadedBytes = 0;
  loaded: QuickJsMemoryUsage | undefined;
  sampling = true;

  constructor(
    private readonly rt: QuickJSRuntime,
    private readonly vm: QuickJSContext,
  ) {}

  usage(): QuickJsMemoryUsage {
    const h = this.rt.computeMemoryUsage();
    try {
      return (this.rt.context ?? this.vm).dump(h) as QuickJsMemoryUsage;
    } finally {
      h.dispose();
    }
  }

  sample(): void {
    const u = this.usage();
    this.last = u;
    if (!this.peak || u.memory_used_size > this.peak.memory_used_size) this.peak = u;
  }

  async deliver(frame: Uint8Array): Promise<void> {
    const vm = this.vm;
    const fn = vm.getProp(vm.global, '__fotakitDeliver');
    const arg = vm.newArrayBuffer(frame.slice().buffer);
    const r = vm.callFunction(fn, vm.undefined, arg);
    arg.dispose();
    fn.dispose();
    if (r.error) {
      const e: unknown = vm.dump(r.error);
      r.error.dispose();
      throw new FotaError('ENGINE_GUEST_ERROR', `quickjs: uncaught exception in the guest: ${JSON.stringify(e)}`);
    }
    r.value.dispose();
    for (;;) {
      const jobs = this.rt.executePendingJobs();
      if (jobs.error) {
        const e: unknown = jobs.error.context.dump(jobs.error);
        jobs.error.dispose();
        throw new FotaError('ENGINE_GUEST_ERROR', `quickjs: uncaught exception in a job: ${JSON.stringify(e)}`);
      }
      if (jobs.value === 0) break;
    }
    if (this.sampling) this.sample();
  }

  memory(): EngineMemory {
    const peak = this.peak ?? this.usage();
    const now = this.last ?? peak;
    return {
      heapBytes: now.memory_used_size,
      peakHeapBytes: peak.memory_used_size,
      loadedHeapBytes: this.loadedBytes,
      bytecodeBytes: this.bytecodeBytes,
      basis: 'QuickJS memory_used_size (every live allocation of the runtime, the loaded program included)',
      atPeak: { ...peak },
      ...(this.loaded ? { atLoad: { ...this.loaded } } : {}),
    };
  }

  async close(): Promise<void> {
    // Not disposed: a reset may leave promises and handles alive in the guest, which QuickJS asserts on
    // at JS_FreeRuntime. The module is dropped whole instead, as a reset drops RAM.
  }
}

export async function startQuickJs(o: EngineStartOptions): Promise<GuestEngine> {
  const mod = await newQuickJSWASMModuleFromVariant(releaseSync);
  const rt = mod.newRuntime();
  rt.setMaxStackSize(QUICKJS_MAX_STACK_BYTES);
  const vm = rt.newContext();
  const engine = new QuickJsEngine(rt, vm);
  const host = vm.newFunction('__fotakitHost', (frameHandle) => {
    const view = vm.getArrayBuffer(frameHandle);
    const frame = view.value.slice();
    view.dispose();
    if (o.sampleEveryCall) engine.sample();
    const reply = o.onCall(frame);
    return vm.newArrayBuffer(reply.slice().buffer);
  });
  vm.setProp(vm.global, '__fotakitHost', host);
  host.dispose();
  const r = vm.evalCode(o.code, 'fotakit-device.js');
  if (r.error) {
    const e: unknown = vm.dump(r.error);
    r.error.dispose();
    throw new FotaError('ENGINE_GUEST_ERROR', `quickjs: the device bundle failed to load: ${JSON.stringify(e)}`);
  }
  r.value.dispose();
  rt.executePendingJobs();
  const loaded = engine.usage();
  engine.bytecodeBytes = loaded.js_func_code_size;
  engine.loadedBytes = loaded.memory_used_size;
  engine.loaded = loaded;
  engine.sampling = !o.noSampling;
  engine.sample();
  return engine;
}

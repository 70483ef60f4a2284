/**
 * An embedded JavaScript engine as the host sees it: it loads the device bundle, answers the guest's
 * synchronous host calls through `onCall`, and takes deliveries (a boot, an operation's completion, an
 * event) one at a time, each run until the guest's job queue is empty — the event loop of a device's
 * main thread, pumped by its host. Two implementations: XS (./xs.ts, Moddable's engine in xsnap's
 * worker process) and QuickJS (./quickjs.ts, quickjs-ng compiled to WebAssembly); V8 in a node:vm
 * context (./v8-vm.ts) is the baseline.
 */
export type EngineName = 'xs' | 'quickjs' | 'v8';
/** `v8` is the baseline: the same bundle and boundary in a node:vm context (./v8-vm.ts). */
export const ENGINE_NAMES: readonly EngineName[] = ['xs', 'quickjs', 'v8'];

/** The guest's call into its host: a frame in, a frame out, synchronously. */
export type HostCall = (frame: Uint8Array) => Uint8Array;

export interface EngineMemory {
  /** Live heap now (bytes; see `basis`). */
  heapBytes: number;
  /** The most seen at any sample since the engine started. */
  peakHeapBytes: number;
  /** Right after the bundle loaded (its functions, objects, atoms): what the run adds is peak − this. */
  loadedHeapBytes: number;
  /** Bytecode of the loaded program, when the engine tells. */
  bytecodeBytes?: number;
  /** What the figures count. */
  basis: string;
  /** Engine-specific break-down at the peak (allocation counts and sizes by kind). */
  atPeak?: Record<string, number>;
  /** The same break-down right after load (what the peak is compared with). */
  atLoad?: Record<string, number>;
}

export interface GuestEngine {
  readonly name: EngineName;
  /** Delivers one frame to the guest's `__fotakitDeliver` and runs its jobs until none is left. */
  deliver(frame: Uint8Array): Promise<void>;
  /** Samples the heap (also done after every delivery). */
  sample(): void;
  memory(): EngineMemory;
  close(): Promise<void>;
}

export interface EngineStartOptions {
  /** The device bundle (an ES2020 script). */
  code: string;
  onCall: HostCall;
  /** Sample the heap as finely as the engine allows (QuickJS: at every host call; XS: a collection after each turn). Slower. */
  sampleEveryCall?: boolean;
  /** No heap sampling at all (timing runs). */
  noSampling?: boolean;
}

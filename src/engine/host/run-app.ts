/**
 * Runs one boot's device application inside an embedded engine: a fresh engine (a reset clears RAM)
 * loads the device bundle, the host boots it with its configuration, then delivers each completed
 * operation until the application ends (its AgentResult), fails, or the board resets / loses power,
 * which unwinds to the board runner exactly as a BoardResetSignal / PowerCutError does in V8.
 * `engineDeviceApp` plugs this into `runSim` (its `deviceApp` option).
 */
import type { AgentEventRecord, AgentResult } from '../../fota/agent/agent.ts';
import type { CertProbe } from '../../fota/cert-select.ts';
import type { UploadResult } from '../../transport/smp/upload.ts';
import type { DeviceConfig, DeviceReport } from '../device/main.ts';
import { encodeWire, type WireValue } from '../wire.ts';
import { deviceBundle } from './bundle.ts';
import type { DeviceAppContext } from './device-context.ts';
import type { EngineMemory, EngineName } from './engine.ts';
import { HalServer, type HalServerCounts } from './hal-server.ts';
import { startEngine } from './start.ts';

export type EngineCryptoMode = 'host' | 'engine';

export interface EngineRunOptions {
  engine: EngineName;
  /** `host`: hashing and signatures on the board's hardware crypto (default); `engine`: in JavaScript, in the engine. */
  crypto?: EngineCryptoMode;
  /** Sample the engine's heap as finely as it allows (slower, for the memory bench). */
  sampleEveryCall?: boolean;
  /** No heap sampling (timing runs). */
  noSampling?: boolean;
  /** Told after each boot's application ends (or halts): the engine's memory and what crossed. */
  onBootEnd?: (m: EngineMemory, counts: HalServerCounts) => void;
}

/** A `runSim` deviceApp that runs the application in the named engine. */
export function engineDeviceApp(o: EngineRunOptions): (ctx: DeviceAppContext) => Promise<AgentResult> {
  return (ctx) => runEngineApp(o, ctx);
}

function dispatch(ctx: DeviceAppContext, r: DeviceReport): void {
  switch (r.kind) {
    case 'agent':
      ctx.report.agentEvent(r.event as AgentEventRecord);
      break;
    case 'probe':
      ctx.report.probe(r.probe as CertProbe);
      break;
    case 'connect':
      ctx.report.connected(r.host);
      break;
    case 'companion-flushed':
      ctx.report.companionFlushed((r.upload ?? undefined) as unknown as UploadResult | undefined, r.ms);
      break;
    case 'companion-reset':
      ctx.report.companionReset();
      break;
  }
}

export async function runEngineApp(o: EngineRunOptions, ctx: DeviceAppContext): Promise<AgentResult> {
  const bundle = await deviceBundle();
  const server = new HalServer({
    board: {
      flash: ctx.board.flash,
      settings: ctx.board.settings,
      clock: ctx.board.clock,
      system: ctx.board.system,
      modem: ctx.modem,
      crypto: ctx.crypto,
      log: ctx.log,
      ...(ctx.ble ? { ble: ctx.ble } : {}),
    },
    onReport: (r) => dispatch(ctx, r as unknown as DeviceReport),
  });
  const engine = await startEngine(o.engine, { code: bundle.code, onCall: (f) => server.handle(f), ...(o.sampleEveryCall ? { sampleEveryCall: true } : {}), ...(o.noSampling ? { noSampling: true } : {}) });
  try {
    const config: DeviceConfig = { ...ctx.config, crypto: o.crypto ?? 'host' };
    await engine.deliver(encodeWire({ t: 'boot', config: config as unknown as WireValue }));
    for (;;) {
      const d = await server.next();
      if (!d) break;
      await engine.deliver(d);
    }
    const outcome = server.outcome!;
    if (outcome.kind === 'halted') throw outcome.signal;
    if (outcome.kind === 'failed') throw outcome.error;
    return outcome.result as unknown as AgentResult;
  } finally {
    o.onBootEnd?.(engine.memory(), { ...server.counts });
    await server.closeAll();
    await engine.close();
  }
}

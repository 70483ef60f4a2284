/**
 * The engine benches' harness (scripts/bench/engine-*.bench.ts): one boot of the device application
 * inside an engine, on a simulated nRF9160 whose slots are made big enough for a 16 MiB image (the
 * real part has 472 KiB slots; only the flash map is larger, every rule of the strict flash stays, and
 * MCUboot is overwrite-only, as for big external-flash slots),
 * against the local update server on link `none`. The boot runs what a device does before its first
 * reset: update check, root-CA probes, range download into the secondary slot through the stream writer,
 * streaming verification, staging, and the reset request (which ends the run). The update server and
 * the board live in this process; the engine's heap is its own, so nothing of theirs is counted.
 */
import { simPayload } from '../../src/boards/sim-run.ts';
import { fieldOrderCandidates } from '../../src/server/sim-world.ts';
import { deviceBundle } from '../../src/engine/host/bundle.ts';
import { runEngineApp, type EngineCryptoMode } from '../../src/engine/host/run-app.ts';
import type { EngineMemory, EngineName } from '../../src/engine/host/engine.ts';
import type { HalServerCounts } from '../../src/engine/host/hal-server.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { FLASH_AREA_BOOT, FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../src/hal/flash.ts';
import { silentLog } from '../../src/hal/log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import { FlashSettings } from '../../src/hal/portable/flash-settings.ts';
import { SimClock } from '../../src/hal/sim/clock.ts';
import { SimFlash } from '../../src/hal/sim/flash.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { NCS_MCUBOOT_PARTITION_BYTES, NRF9160_PROFILE, NRF_FLASH_PAGE_BYTES, SIM_SCRATCH_PARTITION_BYTES, SIM_STORAGE_PARTITION_BYTES, type BoardProfile } from '../../src/hal/sim/profiles.ts';
import { SimSystem } from '../../src/hal/sim/system.ts';
import { BoardResetSignal } from '../../src/hal/system.ts';
import { startUpdateServer } from '../../src/server/update-server.ts';
import type { BenchFigure } from './summary.ts';

export const KIB = 1024;
export const MIB = 1024 * KIB;
/** Slot size of the bench board: a 16 MiB payload plus header, TLVs and trailer, page-aligned. */
const BENCH_SLOT_BYTES = 16 * MIB + 64 * KIB;
const IMAGE_HEADER_BYTES = 0x200;
/** The factory image's payload (only its header matters: the version the device reports). */
const FACTORY_PAYLOAD_BYTES = 4 * KIB;

/** The nRF9160's partition map with slots big enough for the bench's largest image. */
function benchProfile(): BoardProfile {
  const parts: [string, number][] = [
    [FLASH_AREA_BOOT, NCS_MCUBOOT_PARTITION_BYTES],
    [FLASH_AREA_PRIMARY, BENCH_SLOT_BYTES],
    [FLASH_AREA_SECONDARY, BENCH_SLOT_BYTES],
    [FLASH_AREA_SCRATCH, SIM_SCRATCH_PARTITION_BYTES],
    [FLASH_AREA_STORAGE, SIM_STORAGE_PARTITION_BYTES],
  ];
  let offset = 0;
  const partitions = parts.map(([label, size]) => {
    const p = { label, offset, size };
    offset += size;
    return p;
  });
  return { ...NRF9160_PROFILE, flash: { ...NRF9160_PROFILE.flash, size: offset }, partitions };
}

export interface EngineBootRun {
  engine: EngineName;
  crypto: EngineCryptoMode;
  imageBytes: number;
  /** Wall time of the boot (check, probes, download, verify, stage), ms. */
  ms: number;
  /** Wall time of the download state alone (range requests, slot writes, streaming verification), ms. */
  downloadMs: number;
  /** The agent's state when the application asked for the reset. */
  memory: EngineMemory;
  counts: HalServerCounts;
}

/** Runs one first boot of `imageBytes` in `engine`; ends at the reset request after staging. */
export async function runEngineBoot(o: { engine: EngineName; crypto: EngineCryptoMode; payloadBytes: number; sampleEveryCall?: boolean; noSampling?: boolean }): Promise<EngineBootRun> {
  const keyPem = generateImageKeyPem('ed25519');
  const signer = createPemSigner(keyPem);
  const sign = (version: string, bytes: number, seed: number) =>
    signImage(simPayload(bytes, seed), { crypto: nodeCrypto, signer, headerSize: IMAGE_HEADER_BYTES, padHeader: true, version, align: 4 });
  const factory = await sign('1.0.0', FACTORY_PAYLOAD_BYTES, 1);
  const release = await sign('1.1.0', o.payloadBytes, 2);
  const server = await startUpdateServer({ image: release, version: '1.1.0' });
  const modem = createSimModem({ hosts: server.hosts, link: 'none', maxRecordBytes: MODEM_TLS_MAX_RECORD_BYTES });
  try {
    const flash = new SimFlash({ profile: benchProfile() });
    const primary = flash.open(FLASH_AREA_PRIMARY);
    const padded = new Uint8Array(Math.ceil(factory.length / primary.writeAlignBytes) * primary.writeAlignBytes).fill(primary.erasedValue);
    padded.set(factory);
    await primary.erase(0, Math.ceil(padded.length / NRF_FLASH_PAGE_BYTES) * NRF_FLASH_PAGE_BYTES);
    await primary.write(0, padded);
    const settings = await FlashSettings.open(flash.open(FLASH_AREA_STORAGE), { log: silentLog });
    const clock = new SimClock();
    const system = new SimSystem();
    let memory: EngineMemory | undefined;
    let counts: HalServerCounts | undefined;
    const t0 = performance.now();
    const stateAt = new Map<string, number>();
    try {
      const ended = await runEngineApp(
        { engine: o.engine, crypto: o.crypto, ...(o.sampleEveryCall ? { sampleEveryCall: true } : {}), ...(o.noSampling ? { noSampling: true } : {}), onBootEnd: (m, c) => ((memory = m), (counts = c)) },
        {
          board: { flash, settings, clock, system },
          modem,
          crypto: nodeCrypto,
          config: {
            apiUrl: server.apiUrl,
            projectKey: server.projectKey,
            identity: { deviceSerial: 'fotakit-bench-0001', hardwareVersion: 'nrf9160dk', softwareType: 'app' },
            candidates: fieldOrderCandidates(server),
            trustedKeys: [signer.publicKeyDer],
            recordLimitBytes: MODEM_TLS_MAX_RECORD_BYTES,
            failSelftest: false,
            // MCUboot's swap status has room for 128 sectors (512 KiB of 4 KiB pages): a 16 MiB slot is
            // overwrite-only, as big external-flash slots are configured.
            strategy: 'overwrite-only',
            slot: 'flash',
            slotName: 'bench slot1_partition',
            userAgent: 'fotakit-bench/0.1',
          },
          log: silentLog,
          report: {
            probe: () => {},
            connected: () => {},
            agentEvent: (e) => void (e.kind === 'state' && !stateAt.has(e.to) && stateAt.set(e.to, performance.now())),
            companionFlushed: () => {}, companionReset: () => {} },
        },
      );
      throw new Error(`engine bench: the application ended (${JSON.stringify(ended)}) without asking for the reset that applies the image`);
    } catch (e) {
      if (!(e instanceof BoardResetSignal)) throw e;
    }
    const ms = performance.now() - t0;
    if (!memory || !counts) throw new Error('engine bench: no memory figures');
    const from = stateAt.get('downloading');
    const to = stateAt.get('verifying');
    if (from === undefined || to === undefined) throw new Error('engine bench: the run has no download state');
    return { engine: o.engine, crypto: o.crypto, imageBytes: release.length, ms, downloadMs: to - from, memory, counts };
  } finally {
    await modem.closeAll();
    await server.close();
  }
}

/** LTE-M's downlink (~300 kbit/s, src/hal/sim/link.ts): the agent must handle a KiB faster than this. */
const LTE_M_MS_PER_KIB = (KIB * 8 * 1000) / 300_000;
/** Goals for an nRF52840/nRF9160-class device (256 KiB RAM, 1 MiB flash), from issue 17. */
const BYTECODE_GOAL_KIB = 256;
const PEAK_HEAP_GOAL_KIB = 96;
const GROWTH_GOAL_KIB = 4;
const SMALL_MIB = 1;
/** The big image; FOTAKIT_ENGINE_BENCH_BIG_MIB makes it smaller on a loaded machine (the line says which). */
const BIG_MIB = Number(process.env.FOTAKIT_ENGINE_BENCH_BIG_MIB ?? 16);
/** QuickJS allocation kinds shown when a heap goal is missed (sizes in bytes). */
const QUICKJS_KINDS = ['obj_size', 'prop_size', 'shape_size', 'str_size', 'atom_size', 'js_func_size', 'fast_array_elements', 'binary_object_size'];

const kib = (bytes: number) => (bytes / KIB).toFixed(1);

function runHeap(r: EngineBootRun): number {
  return r.memory.peakHeapBytes - r.memory.loadedHeapBytes;
}

/** Which kinds of allocation grew from load to peak (QuickJS), largest first. */
function heldBy(r: EngineBootRun): string {
  const at = r.memory.atPeak;
  const base = r.memory.atLoad;
  if (!at || !base) return JSON.stringify(at ?? {});
  return QUICKJS_KINDS.map((k) => [k, (at[k] ?? 0) - (base[k] ?? 0)] as const)
    .filter(([, d]) => d !== 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${k === 'fast_array_elements' ? d : `${kib(d)} KiB`}`)
    .join(', ');
}


/**
 * One engine bench: the bundle, a 1 MiB and a big image's first boot with heap sampling, and (host
 * crypto) the download's time per KiB against the same bundle in V8 without sampling. Prints
 * `engine: <name> bundle X KiB, bytecode Y KiB, peak heap Z KiB (1 MiB image) / W KiB (16 MiB image), <crypto> crypto`.
 */
export async function benchEngine(engine: 'xs' | 'quickjs', crypto: EngineCryptoMode): Promise<BenchFigure[]> {
  const bundle = await deviceBundle();
  // XS counts garbage until it collects: its sampling collects after every turn to count what is live.
  const sampleEveryCall = engine === 'xs';
  const small = await runEngineBoot({ engine, crypto, payloadBytes: SMALL_MIB * MIB, sampleEveryCall });
  const big = await runEngineBoot({ engine, crypto, payloadBytes: BIG_MIB * MIB, sampleEveryCall });
  const z = runHeap(small);
  const w = runHeap(big);
  const growth = w - z;
  const bytecode = small.memory.bytecodeBytes;
  const cryptoName = crypto === 'host' ? 'host crypto' : 'in-engine crypto';
  console.log(
    `engine: ${engine} bundle ${kib(bundle.bytes)} KiB, bytecode ${bytecode === undefined ? 'n/a (XS compiles at load; xsnap does not report it)' : `${kib(bytecode)} KiB`}, ` +
      `peak heap ${kib(z)} KiB (${SMALL_MIB} MiB image) / ${kib(w)} KiB (${BIG_MIB} MiB image), ${cryptoName}`,
  );
  console.log(`  heap = peak over the loaded program (${kib(small.memory.loadedHeapBytes)} KiB after load); ${small.memory.basis}`);
  console.log(`  crossings per boot (${BIG_MIB} MiB): ${big.counts.calls} calls, ${big.counts.starts} operations, ${kib(big.counts.bytesIn)} KiB in, ${kib(big.counts.bytesOut)} KiB out`);
  if (engine === 'quickjs') console.log(`  held at the peak over load (${SMALL_MIB} MiB): ${heldBy(small)}; (${BIG_MIB} MiB): ${heldBy(big)}`);
  const figures: BenchFigure[] = [
    {
      name: `engine ${engine} peak heap, ${cryptoName}`,
      value: Math.max(z, w) / KIB,
      unit: 'KiB',
      goal: `≤ ${PEAK_HEAP_GOAL_KIB} KiB`,
      met: Math.max(z, w) <= PEAK_HEAP_GOAL_KIB * KIB,
      baseline: `${kib(small.memory.loadedHeapBytes)} KiB after load`,
    },
    {
      name: `engine ${engine} heap growth ${SMALL_MIB}→${BIG_MIB} MiB, ${cryptoName}`,
      value: growth / KIB,
      unit: 'KiB',
      goal: `≤ ${GROWTH_GOAL_KIB} KiB`,
      met: growth <= GROWTH_GOAL_KIB * KIB,
      baseline: `${SMALL_MIB} MiB peak ${kib(z)} KiB`,
    },
  ];
  if (bytecode !== undefined) {
    figures.push({ name: `engine ${engine} bytecode`, value: bytecode / KIB, unit: 'KiB', goal: `≤ ${BYTECODE_GOAL_KIB} KiB`, met: bytecode <= BYTECODE_GOAL_KIB * KIB, baseline: `bundle ${kib(bundle.bytes)} KiB` });
  }
  if (crypto === 'host') {
    const timed = await runEngineBoot({ engine, crypto, payloadBytes: SMALL_MIB * MIB, noSampling: true });
    const v8 = await runEngineBoot({ engine: 'v8', crypto, payloadBytes: SMALL_MIB * MIB, noSampling: true });
    const per = (r: EngineBootRun) => r.downloadMs / (r.imageBytes / KIB);
    console.log(
      `engine: ${engine} ${per(timed).toFixed(2)} ms per downloaded KiB vs V8 ${per(v8).toFixed(2)} ms (same bundle and boundary, node:vm), ` +
        `${(per(timed) / per(v8)).toFixed(2)}×; LTE-M delivers a KiB every ${LTE_M_MS_PER_KIB.toFixed(1)} ms`,
    );
    figures.push({
      name: `engine ${engine} download time per KiB`,
      value: per(timed),
      unit: 'ms/KiB',
      goal: `≤ ${LTE_M_MS_PER_KIB.toFixed(1)} ms/KiB (LTE-M)`,
      met: per(timed) <= LTE_M_MS_PER_KIB,
      baseline: `V8 ${per(v8).toFixed(2)} ms/KiB (${(per(timed) / per(v8)).toFixed(2)}×)`,
    });
  }
  return figures;
}

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
import { fieldOrderCandidates, simPayload } from '../../src/cli/sim-run.ts';
import { runEngineApp, type EngineCryptoMode } from '../../src/engine/host/run-app.ts';
import type { EngineMemory, EngineName } from '../../src/engine/host/engine.ts';
import type { HalServerCounts } from '../../src/engine/host/hal-server.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { FLASH_AREA_BOOT, FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../src/hal/flash.ts';
import { silentLog } from '../../src/hal/log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/hal/node/image-keys.ts';
import { FlashSettings } from '../../src/hal/portable/flash-settings.ts';
import { SimClock } from '../../src/hal/sim/clock.ts';
import { SimFlash } from '../../src/hal/sim/flash.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { NCS_MCUBOOT_PARTITION_BYTES, NRF9160_PROFILE, NRF_FLASH_PAGE_BYTES, SIM_SCRATCH_PARTITION_BYTES, SIM_STORAGE_PARTITION_BYTES, type BoardProfile } from '../../src/hal/sim/profiles.ts';
import { SimSystem } from '../../src/hal/sim/system.ts';
import { BoardResetSignal } from '../../src/hal/system.ts';
import { startUpdateServer } from '../../src/server/update-server.ts';

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

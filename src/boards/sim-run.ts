/**
 * One simulated FOTA, end to end — the main job (`fotakit sim`, `npm start`): the local update server
 * (release API + CDN on loopback, test PKI), a simulated nRF9160 (strict flash, the modem with real TLS
 * and the 2303-byte record gate, a shaped LTE link) running 1.0.0, and MCUboot at every reset. The FOTA
 * agent probes the root CAs per host in the order the field used (Amazon Root CA 1 first, DigiCert G2
 * last, while the CDN chains to G2), downloads in record-sized ranges, verifies, stages, reboots into a
 * trial, self-tests and confirms. With `target: 'nrf52833'` the image goes over SMP (simulated BLE) into
 * a companion nRF52833 instead.
 */
import { seededBytes } from '../hal/prng.ts';
import { createPemSigner, generateImageKeyPem } from './image-keys.ts';
import { nodeCrypto } from '../hal/node/crypto.ts';
import { memfaultCandidates } from './root-store.ts';
import { createSimBoard, type SimBoard } from '../hal/sim/board.ts';
import { SimClock, VirtualClock } from '../hal/sim/clock.ts';
import type { Duplex } from 'node:stream';
import type { Clock } from '../hal/clock.ts';
import { createSimModem, type SimModem } from '../hal/sim/modem.ts';
import { resolveLink, type LinkProfileName } from '../hal/sim/link.ts';
import type { HostTable } from '../hal/sim/hosts.ts';
import { buildTestImage, SimSmpDevice } from './smp-device.ts';
import { FotaError } from '../hal/errors.ts';
import { FLASH_AREA_PRIMARY } from '../hal/flash.ts';
import { silentLog, type Log } from '../hal/log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../hal/net.ts';
import { FotaAgent, type AgentResult } from '../fota/agent/agent.ts';
import { mcubootVerifier } from '../fota/agent/mcuboot-verifier.ts';
import { rangeDownloadPort, releasePort, selectCertFor } from '../fota/agent/network-ports.ts';
import { CertSelector, type CertCandidate, type CertMode } from '../fota/cert-select.ts';
import { runDevice } from '../fota/device-runner.ts';
import { FlashSlotTarget } from '../fota/dfu/flash-slot.ts';
import type { SlotTarget } from '../fota/dfu/slot-target.ts';
import { SmpSlotTarget } from '../fota/dfu/smp-slot.ts';
import { bootloaderFromFlashMap, imageValidator, type BootStrategyName } from '../fota/mcuboot/bootloader.ts';
import { signImage } from '../fota/mcuboot/sign.ts';
import { parseHeader } from '../fota/mcuboot/header.ts';
import { formatVersion } from '../fota/mcuboot/version.ts';
import type { RunLogEntry, SummaryEntry } from '../fota/run-log.ts';
import { DOWNLOAD_PIPELINE_DEPTH_DEFAULT } from '../transport/download/policy.ts';
import { SimRunLog } from './sim-run-log.ts';
import type { DeviceAppContext } from '../engine/host/device-context.ts';
import { HttpClient } from '../transport/http/client.ts';
import { parseUrl } from '../transport/http/url.ts';
import { SmpClient } from '../transport/smp/client.ts';
import { createBleLinkPair } from '../transport/smp/sim-links.ts';
import { BleSmpTransport } from '../transport/smp/transport.ts';

/** Payload bytes of the simulated application images (128 KiB: a small Zephyr app). */
export const SIM_DEFAULT_PAYLOAD_BYTES = 128 * 1024;
export const SIM_FROM_VERSION = '1.0.0';
export const SIM_TO_VERSION = '1.1.0';
/** MCUboot image header size NCS uses (imgtool -H 0x200). */
const SIM_IMAGE_HEADER_BYTES = 0x200;
/** Boots before the simulated device is said to be in a reset loop. */
const SIM_MAX_BOOTS = 16;
const SIM_STRATEGY: BootStrategyName = 'swap-move';
/** BLE link to the companion nRF52833: ATT MTU, connection interval, packets per interval. */
const SIM_BLE_MTU = 247;
const SIM_BLE_INTERVAL_MS = 15;
const SIM_BLE_PACKETS_PER_INTERVAL = 4;
/** Device identity sent to the release API. */
const SIM_DEVICE_SERIAL = 'fotakit-sim-0001';
const SIM_SOFTWARE_TYPE = 'app';
const SIM_USER_AGENT = 'fotakit-sim/0.1';

/** The release a run's world serves: the image, and the version the release API announces. */
export interface SimRelease {
  image: Uint8Array;
  version: string;
}

/**
 * What the simulated board reaches over the network: a release API and CDN (the local update server of
 * src/server/sim-world.ts, or a real one), the hosts the modem resolves, and the root-CA candidates.
 */
export interface SimWorld {
  apiUrl: string;
  projectKey: string;
  hosts: HostTable;
  candidates: CertCandidate[];
  /** Names the host table lacks are looked up here (DNS) when given. */
  lookup?: (host: string) => Promise<string | undefined>;
  /**
   * An in-memory connect to `address:port` (the modem's end of the raw stream; undefined: nothing
   * there), when the world lives in this process. A run in virtual time needs it: no byte may travel
   * over real sockets, whose timing the virtual clock cannot see. `onActivity` is called as bytes move.
   */
  dial?: (address: string, port: number, onActivity?: () => void) => Duplex | undefined;
  close(): Promise<void>;
}

/** What a run tells its world: the clock the run's time is on (a local server's fault timers use it). */
export interface SimWorldEnv {
  clock?: Clock;
}

/** Opens the world for one run, given the release it should serve (a real server ignores it). */
export type OpenSimWorld = (release: SimRelease, env?: SimWorldEnv) => Promise<SimWorld>;

/** A real release API (Memfault's, or one like it): the root CAs from Node's store, DNS for other names. */
export function remoteReleaseApi(o: { url: string; projectKey: string; resolve?: HostTable; lookup?: (host: string) => Promise<string | undefined> }): OpenSimWorld {
  return async () => ({
    apiUrl: o.url,
    projectKey: o.projectKey,
    hosts: o.resolve ?? {},
    candidates: memfaultCandidates(),
    ...(o.lookup ? { lookup: o.lookup } : {}),
    close: async () => {},
  });
}

export interface SimOptions {
  /** Where the image goes: the nRF9160's own slot, or a companion nRF52833 over SMP (BLE). */
  target?: 'nrf9160' | 'nrf52833';
  link?: LinkProfileName;
  payloadBytes?: number;
  /** A release image to serve instead of a generated 1.1.0 (it must be signed by `keyPem`). */
  image?: Uint8Array;
  /** The signing key (PKCS#8 PEM); a fresh ed25519 key when absent. */
  keyPem?: string;
  /** The release API and CDN: `localUpdateServer()` (src/server/sim-world.ts) or `remoteReleaseApi()`. */
  world: OpenSimWorld;
  /** Root-CA candidates to try, in order, instead of the defaults. */
  candidates?: CertCandidate[];
  certMode?: CertMode;
  recordLimitBytes?: number;
  pipelineDepth?: number;
  /** Cut the power at this flash operation (counted from the start of the update). */
  powerCutAt?: number;
  failSelftest?: boolean;
  /** Keep the board's flash and reset state in this directory. */
  statePath?: string;
  /** Seed of the simulated flash's partial power-cut effects. */
  seed?: number;
  log?: Log;
  onEntry?: (e: RunLogEntry) => void;
  /** Runs the device application somewhere other than V8 (an embedded JS engine, src/engine/), at every boot. */
  deviceApp?: (ctx: DeviceAppContext) => Promise<AgentResult>;
  /**
   * Run in virtual time: one VirtualClock is the time of the agent, the downloader, the modem's
   * timeouts and the link, and the modem reaches the world in memory (TLS over a duplex pair, no
   * loopback TCP), so a run takes the simulated time it models without waiting for it. The world must
   * offer `dial` (the local update server does; a remote release API cannot).
   */
  virtualTime?: boolean;
}

export interface SimResult {
  summary: SummaryEntry;
  entries: RunLogEntry[];
  agent: AgentResult;
  /** Flash operations the board performed during the update (for power-cut sweeps). */
  flashOperations: number;
  /** Power cuts the board went through. */
  powerCuts: number;
  /** Boots, the first power-on included. */
  boots: number;
  /** The release image the world served (generated, or the one given). */
  release: Uint8Array;
}

/**
 * The companion's slot target, reporting to the run log when the image was pushed (flush) and when the
 * companion came back from a reset. Everything else passes through.
 */
function observeCompanion(slot: SlotTarget, clock: Clock, on: { flushed: (ms: number) => void; reset: () => void }): SlotTarget {
  // The push is timed on the simulation's clock: the BLE link and the companion's flash take sim time.
  const now = () => clock.now();
  return {
    name: slot.name,
    capacityBytes: () => slot.capacityBytes(),
    begin: (size, id) => slot.begin(size, id),
    write: (offset, bytes) => slot.write(offset, bytes),
    flush: async () => {
      const t0 = now();
      const n = await slot.flush();
      on.flushed(Math.round(now() - t0));
      return n;
    },
    requestUpgrade: (mode) => slot.requestUpgrade(mode),
    reset: async () => {
      await slot.reset();
      on.reset();
    },
    confirm: () => slot.confirm(),
    state: () => slot.state(),
    discard: () => slot.discard(),
  };
}

/** Turns of the event loop without activity before virtual time jumps (see VirtualClockOptions.idleTurns). */
const VIRTUAL_IDLE_TURNS = 3;

/** Round trips a connection costs before application data: TCP (1) and a full TLS 1.2 handshake (2). */
const CONNECT_ROUND_TRIPS = 3;

/**
 * The least time the shaped link needs for what this run moved: every raw byte the modem received at
 * the downlink rate or every raw byte it sent (requests, TLS) at the uplink rate, whichever direction
 * takes longer (they overlap when requests are pipelined; long request URLs can make the uplink the
 * bottleneck), plus the round trips of every connection's setup. Undefined on an unshaped link.
 */
export function linkLimitSeconds(link: LinkProfileName, c: { rawBytesDown: number; rawBytesUp?: number; connects: number }): number | undefined {
  const l = resolveLink(link);
  if (!Number.isFinite(l.downlinkBitsPerS)) return undefined;
  const down = (c.rawBytesDown * 8) / l.downlinkBitsPerS;
  const up = Number.isFinite(l.uplinkBitsPerS) ? ((c.rawBytesUp ?? 0) * 8) / l.uplinkBitsPerS : 0;
  return Math.max(down, up) + (c.connects * CONNECT_ROUND_TRIPS * 2 * l.oneWayLatencyMs) / 1000;
}

/** Deterministic application payload (seeded bytes), different per version. */
export function simPayload(bytes: number, seed: number): Uint8Array {
  return seededBytes(bytes, seed);
}

/** The version the server announces: the image's own, or `0.0.0` for a file that is not an MCUboot image. */
function releaseVersionOf(image: Uint8Array): string {
  try {
    return formatVersion(parseHeader(image.subarray(0, 32)).version);
  } catch {
    return '0.0.0';
  }
}

/** Writes `image` into an erased primary slot: the board as it leaves the factory. */
async function provision(board: SimBoard, image: Uint8Array): Promise<void> {
  const primary = board.flash.open(FLASH_AREA_PRIMARY);
  const align = primary.writeAlignBytes;
  const padded = new Uint8Array(Math.ceil(image.length / align) * align).fill(primary.erasedValue);
  padded.set(image);
  const pages = Math.ceil(padded.length / primary.eraseBlockBytes) * primary.eraseBlockBytes;
  await primary.erase(0, pages);
  await primary.write(0, padded);
}

async function primaryIsEmpty(board: SimBoard): Promise<boolean> {
  const head = await board.flash.open(FLASH_AREA_PRIMARY).read(0, 4);
  return head.every((b) => b === board.flash.device.erasedValue);
}

export async function runSim(o: SimOptions): Promise<SimResult> {
  // Virtual: time waits a few turns of the event loop without activity before it jumps, so TLS hopping
  // across turns over the in-memory streams finishes first.
  const virtual = o.virtualTime === true ? new VirtualClock({ idleTurns: VIRTUAL_IDLE_TURNS }) : undefined;
  const clock: Clock = virtual ?? new SimClock();
  const target = o.target ?? 'nrf9160';
  const link = o.link ?? 'lte-m';
  const recordLimit = o.recordLimitBytes ?? MODEM_TLS_MAX_RECORD_BYTES;
  const runLog = new SimRunLog({ clock, recordLimit, pipelineDepth: o.pipelineDepth ?? DOWNLOAD_PIPELINE_DEPTH_DEFAULT, inner: o.log ?? silentLog, ...(o.onEntry ? { onEntry: o.onEntry } : {}) });
  const images = await simImages(o, target);

  const closers: (() => Promise<unknown>)[] = [];
  try {
    const world = await o.world({ image: images.release, version: releaseVersionOf(images.release) }, virtual ? { clock: virtual } : {});
    closers.push(() => world.close());
    const modem = simModem(world, { link, recordLimit, runLog, ...(virtual ? { virtual } : {}) });
    closers.push(() => modem.closeAll());
    const board = await createSimBoard({
      board: 'nrf9160',
      net: modem,
      clock,
      ...(o.statePath ? { statePath: o.statePath } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
    if (await primaryIsEmpty(board)) await provision(board, images.factory);
    const companion = target === 'nrf52833' ? await simCompanion({ clock, runLog, trustedKeys: images.trustedKeys, payloadBytes: images.payloadBytes }) : undefined;
    if (companion) closers.push(() => companion.close());
    const run: SimRunContext = {
      o,
      clock,
      runLog,
      board,
      modem,
      world,
      candidates: o.candidates && o.candidates.length > 0 ? o.candidates : world.candidates,
      trustedKeys: images.trustedKeys,
      recordLimit,
      link,
      target,
      companion,
    };
    const bootloader = bootloaderFromFlashMap(board.flash, {
      strategy: SIM_STRATEGY,
      validate: imageValidator({ crypto: nodeCrypto, trustedKeys: images.trustedKeys }),
      maxAlign: 8,
      writeAlignBytes: board.flash.device.writeAlignBytes,
    });

    const flashOpsAtStart = board.flash.operationCount;
    if (o.powerCutAt !== undefined) board.flash.cutAtOperation(flashOpsAtStart + o.powerCutAt);
    const { result, powerCuts, boots } = await runDevice({
      maxBoots: SIM_MAX_BOOTS,
      onPowerCut: (cut) => runLog.powerCut(cut, flashOpsAtStart),
      powerOn: () => {},
      boot: async () => {
        const reason = await board.boot();
        const outcome = await bootloader.boot();
        runLog.boot(reason, outcome);
        return outcome;
      },
      app: () => (o.deviceApp ? o.deviceApp(engineContext(run)) : runAgentInV8(run)),
    });

    const counters = modem.counters();
    const summary = runLog.summarize({ result, counters, linkLimitSeconds: linkLimitSeconds(link, counters), companion: companion !== undefined, link });
    return { summary, entries: runLog.entries, agent: result, flashOperations: board.flash.operationCount - flashOpsAtStart, powerCuts, boots, release: images.release };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/** The factory image (1.0.0, written at the first power-on) and the release, signed with the run's key. */
async function simImages(o: SimOptions, target: 'nrf9160' | 'nrf52833'): Promise<{ factory: Uint8Array; release: Uint8Array; trustedKeys: Uint8Array[]; payloadBytes: number }> {
  const payloadBytes = o.payloadBytes ?? (target === 'nrf52833' ? 64 * 1024 : SIM_DEFAULT_PAYLOAD_BYTES);
  const signer = createPemSigner(o.keyPem ?? generateImageKeyPem('ed25519'));
  const sign = (version: string, seed: number) =>
    signImage(simPayload(payloadBytes, seed), { crypto: nodeCrypto, signer, headerSize: SIM_IMAGE_HEADER_BYTES, padHeader: true, version, align: 4 });
  const factory = await sign(SIM_FROM_VERSION, 1);
  const release = o.image ?? (await sign(SIM_TO_VERSION, 2));
  return { factory, release, trustedKeys: [signer.publicKeyDer], payloadBytes };
}

/**
 * The modem: real TLS (on loopback, or in memory in virtual time), the record gate and the shaped link.
 * Each record is noted so the report can show every response against the limit.
 */
function simModem(world: SimWorld, o: { link: LinkProfileName; recordLimit: number; runLog: SimRunLog; virtual?: VirtualClock }): SimModem {
  const { virtual } = o;
  const worldDial = world.dial;
  if (virtual && !worldDial) {
    throw new FotaError('USAGE', 'sim: virtual time needs a world in this process (the local update server); a remote release API is reached over real sockets');
  }
  return createSimModem({
    hosts: world.hosts,
    link: o.link,
    maxRecordBytes: o.recordLimit,
    onRecord: (r) => o.runLog.records.add(r.host, r.recordBytes),
    ...(world.lookup ? { lookup: world.lookup } : {}),
    ...(virtual && worldDial ? { clock: virtual, dial: (address: string, port: number) => worldDial(address, port, () => virtual.touch()) } : {}),
  });
}

/** The companion nRF52833 behind a simulated BLE link, and the SMP client the nRF9160 reaches it with. */
interface SimCompanion {
  ble: NonNullable<DeviceAppContext['ble']>;
  /** The run log's companion hooks, for an application that makes its own slot target (in an engine). */
  flushed: DeviceAppContext['report']['companionFlushed'];
  reset: DeviceAppContext['report']['companionReset'];
  /** A fresh slot target for each boot of the nRF9160 (its RAM does not survive a reset). */
  makeSlot(): SlotTarget;
  close(): Promise<void>;
}

async function simCompanion(o: { clock: Clock; runLog: SimRunLog; trustedKeys: Uint8Array[]; payloadBytes: number }): Promise<SimCompanion> {
  const { clock, runLog } = o;
  const crypto = nodeCrypto;
  const device = await SimSmpDevice.create({ crypto, trustedKeys: o.trustedKeys, initialImage: await buildTestImage(crypto, o.payloadBytes, SIM_FROM_VERSION, 1) });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: SIM_BLE_MTU, connectionIntervalMs: SIM_BLE_INTERVAL_MS, packetsPerInterval: SIM_BLE_PACKETS_PER_INTERVAL });
  device.server.attachBle(peripheral);
  const smp = new SmpClient(new BleSmpTransport(central), { clock });
  const reset = (): void => runLog.companionBooted(device.boots.at(-1));
  return {
    ble: central,
    flushed: runLog.companionFlushed,
    reset,
    makeSlot: () => {
      const slot = new SmpSlotTarget(smp, { name: COMPANION_SLOT_NAME });
      return observeCompanion(slot, clock, { flushed: (ms) => runLog.companionFlushed(slot.lastUpload, ms), reset });
    },
    close: () => smp.close(),
  };
}

/** Everything one run's application needs, wherever it runs. */
interface SimRunContext {
  o: SimOptions;
  clock: Clock;
  runLog: SimRunLog;
  board: SimBoard;
  modem: SimModem;
  world: SimWorld;
  candidates: CertCandidate[];
  trustedKeys: Uint8Array[];
  recordLimit: number;
  link: LinkProfileName;
  target: 'nrf9160' | 'nrf52833';
  companion: SimCompanion | undefined;
}

const COMPANION_SLOT_NAME = 'nrf52833 over BLE (SMP)';
const OWN_SLOT_NAME = 'nrf9160 slot1_partition';

function simIdentity(target: 'nrf9160' | 'nrf52833'): { deviceSerial: string; hardwareVersion: string; softwareType: string } {
  return { deviceSerial: SIM_DEVICE_SERIAL, hardwareVersion: target === 'nrf52833' ? 'nrf52833' : 'nrf9160dk', softwareType: SIM_SOFTWARE_TYPE };
}

/** The device application's context when it runs in an embedded engine: the HAL and the run log's hooks. */
function engineContext(run: SimRunContext): DeviceAppContext {
  const { o, runLog } = run;
  return {
    board: run.board,
    modem: run.modem,
    crypto: nodeCrypto,
    config: {
      apiUrl: run.world.apiUrl,
      projectKey: run.world.projectKey,
      identity: simIdentity(run.target),
      candidates: run.candidates,
      ...(o.certMode ? { certMode: o.certMode } : {}),
      trustedKeys: run.trustedKeys,
      recordLimitBytes: run.recordLimit,
      ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
      failSelftest: o.failSelftest === true,
      strategy: SIM_STRATEGY,
      slot: run.companion ? 'smp' : 'flash',
      slotName: run.companion ? COMPANION_SLOT_NAME : OWN_SLOT_NAME,
      userAgent: SIM_USER_AGENT,
    },
    ...(run.companion ? { ble: run.companion.ble } : {}),
    log: runLog.log,
    report: {
      probe: runLog.probe,
      connected: runLog.connected,
      agentEvent: runLog.agentEvent,
      companionFlushed: run.companion?.flushed ?? (() => {}),
      companionReset: run.companion?.reset ?? (() => {}),
    },
  };
}

/** One boot's application in V8: a fresh agent (nothing survives in RAM; the record is in settings). */
async function runAgentInV8(run: SimRunContext): Promise<AgentResult> {
  const { o, clock, board, runLog } = run;
  const crypto = nodeCrypto;
  const selector = new CertSelector({
    modem: run.modem,
    candidates: run.candidates,
    settings: board.settings,
    clock,
    crypto,
    ...(o.certMode ? { mode: o.certMode } : {}),
    onProbe: runLog.probe,
  });
  const connect = async (host: string, port: number) => {
    const socket = await selector.connect(host, port);
    runLog.connected(host);
    return socket;
  };
  const newClient = () => new HttpClient({ connect, clock, userAgent: SIM_USER_AGENT });
  const http = newClient();
  const slot: SlotTarget = run.companion
    ? run.companion.makeSlot()
    : new FlashSlotTarget({ flash: board.flash, settings: board.settings, strategy: SIM_STRATEGY, reboot: (r) => board.system.reboot(r), name: OWN_SLOT_NAME });
  try {
    const agent = new FotaAgent({
      settings: board.settings,
      clock,
      log: runLog.log,
      slot,
      release: releasePort({ newClient, api: { baseUrl: run.world.apiUrl, projectKey: run.world.projectKey }, identity: simIdentity(run.target) }),
      downloader: rangeDownloadPort({
        client: http,
        clock,
        settings: board.settings,
        log: runLog.log,
        recordLimitBytes: run.recordLimit,
        ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
        linkBitsPerS: resolveLink(run.link).downlinkBitsPerS,
      }),
      createVerifier: mcubootVerifier({ crypto, trustedKeys: run.trustedKeys }),
      selectCert: selectCertFor(selector),
      selfTest: async () => !o.failSelftest,
      onEvent: runLog.agentEvent,
    });
    return await agent.run({ check: true });
  } finally {
    await http.close().catch(() => undefined);
    await selector.close().catch(() => undefined);
  }
}

/** Parses `https://host:port` for --server; USAGE-coded error otherwise. */
export function checkServerUrl(url: string): void {
  try {
    const u = parseUrl(url);
    if (u.scheme !== 'https') throw new Error('not https');
  } catch {
    throw new FotaError('USAGE', `sim: --server '${url}' is not an https:// URL`);
  }
}

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
import { FotaAgent, type AgentEventRecord, type AgentResult } from '../fota/agent/agent.ts';
import { mcubootVerifier } from '../fota/agent/mcuboot-verifier.ts';
import { rangeDownloadPort, releasePort, selectCertFor } from '../fota/agent/network-ports.ts';
import { CertSelector, type CertCandidate, type CertMode, type CertProbe } from '../fota/cert-select.ts';
import { runDevice } from '../fota/device-runner.ts';
import { FlashSlotTarget } from '../fota/dfu/flash-slot.ts';
import type { SlotTarget } from '../fota/dfu/slot-target.ts';
import { SmpSlotTarget } from '../fota/dfu/smp-slot.ts';
import { bootloaderFromFlashMap, imageValidator, type BootStrategyName } from '../fota/mcuboot/bootloader.ts';
import { signImage } from '../fota/mcuboot/sign.ts';
import { parseHeader } from '../fota/mcuboot/header.ts';
import { formatVersion } from '../fota/mcuboot/version.ts';
import type { PowerCutNote, RunLogEntry, RunLogEvent, SummaryEntry } from '../fota/run-log.ts';
import { pipelineChangeOf, type PipelineChange } from '../transport/download/pipeline-control.ts';
import { DOWNLOAD_PIPELINE_DEPTH_DEFAULT } from '../transport/download/policy.ts';
import { RecordLedger, RunningTotal } from './run-measures.ts';
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

/** The pipelining state a change leaves (for the summary: why the download ended with the depth it had). */
function noteChange(prev: SummaryEntry['pipeline'], c: PipelineChange, fullDepth: number): NonNullable<SummaryEntry['pipeline']> {
  const p = { depth: prev?.depth ?? fullDepth, recoveries: prev?.recoveries ?? 0, ...(prev?.requestsPerConnection !== undefined ? { requestsPerConnection: prev.requestsPerConnection } : {}) };
  if (c.what === 'off') return { ...p, depth: 1, ...(c.reason ? { offReason: c.reason } : {}), ...(c.why ? { why: c.why } : {}) };
  if (c.what === 'on') return { ...p, depth: fullDepth, recoveries: p.recoveries + 1 };
  const limit = c.requestsPerConnection ?? fullDepth;
  return { ...p, depth: Math.min(p.depth, limit), ...(prev?.offReason ? { offReason: prev.offReason, why: prev.why } : {}), requestsPerConnection: limit };
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
  const crypto = nodeCrypto;
  // Virtual: time waits a few turns of the event loop without activity before it jumps, so TLS hopping
  // across turns over the in-memory streams finishes first.
  const virtual = o.virtualTime === true ? new VirtualClock({ idleTurns: VIRTUAL_IDLE_TURNS }) : undefined;
  const clock: Clock = virtual ?? new SimClock();
  const t0 = clock.now();
  const entries: RunLogEntry[] = [];
  const emit = (e: RunLogEvent): void => {
    const entry = { t: Math.round(clock.now() - t0), ...e } as RunLogEntry;
    entries.push(entry);
    o.onEntry?.(entry);
  };
  const target = o.target ?? 'nrf9160';
  const link = o.link ?? 'lte-m';
  const recordLimit = o.recordLimitBytes ?? MODEM_TLS_MAX_RECORD_BYTES;
  const payloadBytes = o.payloadBytes ?? (target === 'nrf52833' ? 64 * 1024 : SIM_DEFAULT_PAYLOAD_BYTES);

  const keyPem = o.keyPem ?? generateImageKeyPem('ed25519');
  const signer = createPemSigner(keyPem);
  const trustedKeys = [signer.publicKeyDer];
  const sign = (version: string, seed: number) =>
    signImage(simPayload(payloadBytes, seed), { crypto, signer, headerSize: SIM_IMAGE_HEADER_BYTES, padHeader: true, version, align: 4 });
  const factoryImage = await sign(SIM_FROM_VERSION, 1);
  const release = o.image ?? (await sign(SIM_TO_VERSION, 2));
  const releaseVersion = releaseVersionOf(release);

  const closers: (() => Promise<unknown>)[] = [];
  try {
    // The update server: local, or the user's.
    const world = await o.world({ image: release, version: releaseVersion }, virtual ? { clock: virtual } : {});
    closers.push(() => world.close());
    const worldDial = world.dial;
    if (virtual && !worldDial) {
      throw new FotaError('USAGE', 'sim: virtual time needs a world in this process (the local update server); a remote release API is reached over real sockets');
    }
    const { apiUrl, projectKey, hosts } = world;
    const candidates = o.candidates && o.candidates.length > 0 ? o.candidates : world.candidates;

    // The modem: real TLS on loopback, the record gate, the shaped link. Each record is noted so the
    // report can show every response against the limit.
    const records = new RecordLedger();
    const modem: SimModem = createSimModem({
      hosts,
      link,
      maxRecordBytes: recordLimit,
      onRecord: (r) => records.add(r.host, r.recordBytes),
      ...(world.lookup ? { lookup: world.lookup } : {}),
      ...(virtual && worldDial ? { clock: virtual, dial: (address: string, port: number) => worldDial(address, port, () => virtual.touch()) } : {}),
    });
    closers.push(() => modem.closeAll());

    const board = await createSimBoard({
      board: 'nrf9160',
      net: modem,
      clock,
      ...(o.statePath ? { statePath: o.statePath } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
    if (await primaryIsEmpty(board)) await provision(board, factoryImage);

    // Where the image goes. The slot target is made anew at every boot: its RAM does not survive a reset.
    let makeSlot: () => SlotTarget;
    /** Resets of the companion nRF52833 (its MCUboot runs; counted apart from the nRF9160's reboots). */
    let companionReboots = 0;
    let bleCentral: DeviceAppContext['ble'];
    let companionFlushed: DeviceAppContext['report']['companionFlushed'] = () => {};
    let companionReset: DeviceAppContext['report']['companionReset'] = () => {};
    if (target === 'nrf52833') {
      const device = await SimSmpDevice.create({ crypto, trustedKeys, initialImage: await buildTestImage(crypto, payloadBytes, SIM_FROM_VERSION, 1) });
      const [central, peripheral] = createBleLinkPair({ clock, mtu: SIM_BLE_MTU, connectionIntervalMs: SIM_BLE_INTERVAL_MS, packetsPerInterval: SIM_BLE_PACKETS_PER_INTERVAL });
      device.server.attachBle(peripheral);
      bleCentral = central;
      companionFlushed = (u, ms) => {
        if (u) emit({ kind: 'upload', target: 'nrf52833 over BLE (SMP)', bytes: u.bytes, requests: u.requests, resumedFrom: u.resumedFrom, ...(u.match !== undefined ? { match: u.match } : {}), ms });
      };
      companionReset = () => {
        companionReboots++;
        const b = device.boots.at(-1);
        if (b) emit({ kind: 'board-boot', board: 'nrf52833', reason: 'smp reset', ...(b.version ? { version: b.version } : {}), swap: b.swap });
      };
      const smp = new SmpClient(new BleSmpTransport(central), { clock });
      closers.push(() => smp.close());
      makeSlot = () => {
        const slot = new SmpSlotTarget(smp, { name: 'nrf52833 over BLE (SMP)' });
        return observeCompanion(slot, clock, { flushed: (ms) => companionFlushed(slot.lastUpload, ms), reset: () => companionReset() });
      };
    } else {
      makeSlot = () =>
        new FlashSlotTarget({ flash: board.flash, settings: board.settings, strategy: SIM_STRATEGY, reboot: (r) => board.system.reboot(r), name: 'nrf9160 slot1_partition' });
    }
    const bootloader = bootloaderFromFlashMap(board.flash, {
      strategy: SIM_STRATEGY,
      validate: imageValidator({ crypto, trustedKeys }),
      maxAlign: 8,
      writeAlignBytes: board.flash.device.writeAlignBytes,
    });

    const flashOpsAtStart = board.flash.operationCount;
    if (o.powerCutAt !== undefined) board.flash.cutAtOperation(flashOpsAtStart + o.powerCutAt);

    let probes = 0;
    let reboots = 0;
    let bytes = 0;
    // Requests and retries over every boot: each download run counts from 0.
    const requests = new RunningTotal();
    const retries = new RunningTotal();
    let maxRecord = 0;
    let fromVersion: string | undefined;
    let agentState: string | undefined;
    const cuts: PowerCutNote[] = [];
    let pipeline: SummaryEntry['pipeline'];
    /** The host the image comes from (the payload URL's), for the per-response entries. */
    let downloadHost = '';
    const inner = o.log ?? silentLog;
    // The downloader says why it reconnects in its log: that goes into the run log too.
    const log: Log = {
      log(level, message, fields) {
        if (message === 'download: retrying') {
          emit({ kind: 'connection', host: downloadHost, what: 'reconnect', ...(typeof fields?.code === 'string' ? { code: fields.code } : {}) });
        }
        const change = pipelineChangeOf(message, fields);
        if (change) {
          emit({ kind: 'pipeline', host: downloadHost, ...change });
          pipeline = noteChange(pipeline, change, o.pipelineDepth ?? DOWNLOAD_PIPELINE_DEPTH_DEFAULT);
        }
        inner.log(level, message, fields);
      },
    };

    // The run log's hooks, called by the application wherever it runs (here in V8, or in an engine).
    const onProbe = (p: CertProbe): void => {
      probes++;
      emit({ kind: 'probe', ...p });
    };
    const onConnected = (host: string): void => {
      records.reset(host);
      emit({ kind: 'connection', host, what: 'connect' });
    };
    const onAgentEvent = (e: AgentEventRecord): void => {
      if (e.kind === 'progress') {
        bytes = e.bytes;
        requests.see(e.requests);
        retries.see(e.retries);
        maxRecord = Math.max(maxRecord, e.maxRecordBytes);
        const headerBytes = e.headBytes ?? 0;
        emit({
          kind: 'response',
          host: downloadHost,
          status: 206,
          rangeBytes: e.rangeBytes,
          headerBytes,
          bodyBytes: e.rangeBytes,
          recordBytes: records.take(downloadHost, headerBytes + e.rangeBytes),
          recordLimit,
        });
      }
      if (e.kind === 'state') agentState = e.to;
      if (e.kind === 'check' && fromVersion === undefined) fromVersion = e.running;
      if (e.kind === 'check' && e.url) downloadHost = parseUrl(e.url).host;
      emit({ ...e });
    };
    const identity = { deviceSerial: SIM_DEVICE_SERIAL, hardwareVersion: target === 'nrf52833' ? 'nrf52833' : 'nrf9160dk', softwareType: SIM_SOFTWARE_TYPE };
    const deviceApp = o.deviceApp;

    const { result, powerCuts, boots } = await runDevice({
      maxBoots: SIM_MAX_BOOTS,
      onPowerCut: (cut) => {
        const note: PowerCutNote = {
          operation: (typeof cut.context.operationIndex === 'number' ? cut.context.operationIndex : 0) - flashOpsAtStart,
          ...(typeof cut.context.op === 'string' ? { op: cut.context.op } : {}),
          ...(agentState !== undefined ? { state: agentState } : {}),
          bytes,
        };
        cuts.push(note);
        emit({ kind: 'power-cut', ...note });
      },
      powerOn: () => {},
      boot: async () => {
        const reason = await board.boot();
        const outcome = await bootloader.boot();
        if (entries.length > 0) reboots++;
        emit({ kind: 'board-boot', reason, ...(outcome.version ? { version: outcome.version } : {}), swap: outcome.swap });
        return outcome;
      },
      app: async () => {
        if (deviceApp) {
          return deviceApp({
            board,
            modem,
            crypto,
            config: {
              apiUrl,
              projectKey,
              identity,
              candidates,
              ...(o.certMode ? { certMode: o.certMode } : {}),
              trustedKeys,
              recordLimitBytes: recordLimit,
              ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
              failSelftest: o.failSelftest === true,
              strategy: SIM_STRATEGY,
              slot: target === 'nrf52833' ? 'smp' : 'flash',
              slotName: target === 'nrf52833' ? 'nrf52833 over BLE (SMP)' : 'nrf9160 slot1_partition',
              userAgent: SIM_USER_AGENT,
            },
            ...(bleCentral ? { ble: bleCentral } : {}),
            log,
            report: { probe: onProbe, connected: onConnected, agentEvent: onAgentEvent, companionFlushed, companionReset },
          });
        }
        // A fresh application after every reset: nothing survives in RAM, the record is in settings.
        const selector = new CertSelector({
          modem,
          candidates,
          settings: board.settings,
          clock,
          crypto,
          ...(o.certMode ? { mode: o.certMode } : {}),
          onProbe,
        });
        const connect = async (host: string, port: number) => {
          const socket = await selector.connect(host, port);
          onConnected(host);
          return socket;
        };
        const newClient = () => new HttpClient({ connect, clock, userAgent: SIM_USER_AGENT });
        const http = newClient();
        try {
          const agent = new FotaAgent({
            settings: board.settings,
            clock,
            log,
            slot: makeSlot(),
            release: releasePort({ newClient, api: { baseUrl: apiUrl, projectKey }, identity }),
            downloader: rangeDownloadPort({
              client: http,
              clock,
              settings: board.settings,
              log,
              recordLimitBytes: recordLimit,
              ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
              linkBitsPerS: resolveLink(link).downlinkBitsPerS,
            }),
            createVerifier: mcubootVerifier({ crypto, trustedKeys }),
            selectCert: selectCertFor(selector),
            selfTest: async () => !o.failSelftest,
            onEvent: onAgentEvent,
          });
          return await agent.run({ check: true });
        } finally {
          await http.close().catch(() => undefined);
          await selector.close().catch(() => undefined);
        }
      },
    });

    const counters = modem.counters();
    const seconds = (clock.now() - t0) / 1000;
    const linkLimit = linkLimitSeconds(link, counters);
    const summary: SummaryEntry = {
      kind: 'summary',
      final: result.state,
      ...(result.running ? { version: result.running } : {}),
      ...(fromVersion ? { fromVersion } : {}),
      bytes,
      requests: requests.total(),
      retries: retries.total(),
      // The largest record ACCEPTED; refused ones (EMSGSIZE) are counted apart.
      maxRecordBytes: Math.min(Math.max(maxRecord, counters.maxRecordBytes), recordLimit),
      recordLimit,
      ...(counters.emsgsize > 0 ? { refusedRecords: counters.emsgsize, largestRefusedRecordBytes: counters.maxRefusedRecordBytes } : {}),
      ...(pipeline ? { pipeline } : {}),
      ...(cuts.length > 0 ? { powerCuts: cuts } : {}),
      seconds: Math.round(seconds * 100) / 100,
      ...(linkLimit !== undefined ? { linkLimitSeconds: Math.round(linkLimit * 100) / 100 } : {}),
      probes,
      reboots,
      ...(target === 'nrf52833' ? { companionReboots } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      board: target === 'nrf52833' ? 'nrf9160 + nrf52833' : 'nrf9160',
      link,
    };
    emit(summary);
    return { summary, entries, agent: result, flashOperations: board.flash.operationCount - flashOpsAtStart, powerCuts, boots };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
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

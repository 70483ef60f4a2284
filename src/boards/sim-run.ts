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
import { SimClock } from '../hal/sim/clock.ts';
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
import type { RunLogEntry, RunLogEvent, SummaryEntry } from '../fota/run-log.ts';
import type { AgentEventRecord } from '../fota/agent/agent.ts';
import type { CertProbe } from '../fota/cert-select.ts';
import type { TrustedKey } from '../fota/mcuboot/keys.ts';
import type { Clock } from '../hal/clock.ts';
import type { Crypto } from '../hal/crypto.ts';
import { RecordLedger, RunningTotal } from './run-measures.ts';
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
const SIM_USER_AGENT = 'fotakit-sim/0.1';
/** Status of every range response the run log shows. */
const HTTP_PARTIAL_CONTENT = 206;
const MS_PER_S = 1000;
const SIM_SOFTWARE_TYPE = 'app';

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
  close(): Promise<void>;
}

/** Opens the world for one run, given the release it should serve (a real server ignores it). */
export type OpenSimWorld = (release: SimRelease) => Promise<SimWorld>;

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
function observeCompanion(slot: SlotTarget, on: { flushed: (ms: number) => void; reset: () => void }): SlotTarget {
  const now = () => performance.now();
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

/** Round trips a connection costs before application data: TCP (1) and a full TLS 1.2 handshake (2). */
const CONNECT_ROUND_TRIPS = 3;

/**
 * The least time the shaped link needs for what this run moved: every raw byte the modem received at
 * the downlink rate, plus the round trips of every connection's setup. Undefined on an unshaped link.
 */
export function linkLimitSeconds(link: LinkProfileName, c: { rawBytesDown: number; connects: number }): number | undefined {
  const l = resolveLink(link);
  if (!Number.isFinite(l.downlinkBitsPerS)) return undefined;
  return (c.rawBytesDown * 8) / l.downlinkBitsPerS + (c.connects * CONNECT_ROUND_TRIPS * 2 * l.oneWayLatencyMs) / 1000;
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

/**
 * The run log of one simulated run: entries stamped on the board clock from the run's start, and the
 * figures the summary adds up over every boot (each download run counts requests and retries from 0).
 */
class SimRunLog {
  readonly entries: RunLogEntry[] = [];
  /** The TLS records the modem saw, matched to the responses that carried them. */
  readonly records = new RecordLedger();
  probes = 0;
  reboots = 0;
  private bytes = 0;
  private readonly requests = new RunningTotal();
  private readonly retries = new RunningTotal();
  private maxRecord = 0;
  private fromVersion: string | undefined;
  /** The host the image comes from (the payload URL's), for the per-response entries. */
  private downloadHost = '';
  private readonly t0: number;

  constructor(
    private readonly clock: Clock,
    private readonly recordLimit: number,
    private readonly onEntry: ((e: RunLogEntry) => void) | undefined,
  ) {
    this.t0 = clock.now();
  }

  emit(e: RunLogEvent): void {
    const entry = { t: Math.round(this.clock.now() - this.t0), ...e } as RunLogEntry;
    this.entries.push(entry);
    this.onEntry?.(entry);
  }

  /** Seconds since the run started, on the board clock. */
  seconds(): number {
    return (this.clock.now() - this.t0) / MS_PER_S;
  }

  /** A log that also puts the downloader's reasons to reconnect into the run log. */
  logThrough(inner: Log): Log {
    return {
      log: (level, message, fields) => {
        if (message === 'download: retrying') {
          this.emit({ kind: 'connection', host: this.downloadHost, what: 'reconnect', ...(typeof fields?.code === 'string' ? { code: fields.code } : {}) });
        }
        inner.log(level, message, fields);
      },
    };
  }

  /** MCUboot ran: every boot after the first is a reboot. */
  boot(reason: string, outcome: { version?: string; swap: string }): void {
    if (this.entries.length > 0) this.reboots++;
    this.emit({ kind: 'board-boot', reason, ...(outcome.version ? { version: outcome.version } : {}), swap: outcome.swap });
  }

  probe(p: CertProbe): void {
    this.probes++;
    this.emit({ kind: 'probe', ...p });
  }

  connected(host: string): void {
    this.records.reset(host);
    this.emit({ kind: 'connection', host, what: 'connect' });
  }

  /** An agent event: progress also becomes a response entry with the records that carried it. */
  agentEvent(e: AgentEventRecord): void {
    if (e.kind === 'progress') {
      this.bytes = e.bytes;
      this.requests.see(e.requests);
      this.retries.see(e.retries);
      this.maxRecord = Math.max(this.maxRecord, e.maxRecordBytes);
      const headerBytes = e.headBytes ?? 0;
      this.emit({
        kind: 'response',
        host: this.downloadHost,
        status: HTTP_PARTIAL_CONTENT,
        rangeBytes: e.rangeBytes,
        headerBytes,
        bodyBytes: e.rangeBytes,
        recordBytes: this.records.take(this.downloadHost, headerBytes + e.rangeBytes),
        recordLimit: this.recordLimit,
      });
    }
    if (e.kind === 'check' && this.fromVersion === undefined) this.fromVersion = e.running;
    if (e.kind === 'check' && e.url) this.downloadHost = parseUrl(e.url).host;
    this.emit({ ...e });
  }

  /** The summary entry (emitted too). */
  summarize(o: { result: AgentResult; link: LinkProfileName; counters: { maxRecordBytes: number; rawBytesDown: number; connects: number }; board: string }): SummaryEntry {
    const seconds = this.seconds();
    const linkLimit = linkLimitSeconds(o.link, o.counters);
    const summary: SummaryEntry = {
      kind: 'summary',
      final: o.result.state,
      ...(o.result.running ? { version: o.result.running } : {}),
      ...(this.fromVersion ? { fromVersion: this.fromVersion } : {}),
      bytes: this.bytes,
      requests: this.requests.total(),
      retries: this.retries.total(),
      maxRecordBytes: Math.max(this.maxRecord, o.counters.maxRecordBytes),
      recordLimit: this.recordLimit,
      seconds: Math.round(seconds * 100) / 100,
      ...(linkLimit !== undefined ? { linkLimitSeconds: Math.round(linkLimit * 100) / 100 } : {}),
      probes: this.probes,
      reboots: this.reboots,
      ...(o.result.reason ? { reason: o.result.reason } : {}),
      board: o.board,
      link: o.link,
    };
    this.emit(summary);
    return summary;
  }
}

/** The images of a run: the factory image the board starts with and the release the world serves. */
async function simImages(o: SimOptions, crypto: Crypto, payloadBytes: number) {
  const keyPem = o.keyPem ?? generateImageKeyPem('ed25519');
  const signer = createPemSigner(keyPem);
  const trustedKeys = [signer.publicKeyDer];
  const sign = (version: string, seed: number) =>
    signImage(simPayload(payloadBytes, seed), { crypto, signer, headerSize: SIM_IMAGE_HEADER_BYTES, padHeader: true, version, align: 4 });
  const factoryImage = await sign(SIM_FROM_VERSION, 1);
  const release = o.image ?? (await sign(SIM_TO_VERSION, 2));
  return { trustedKeys, factoryImage, release, releaseVersion: releaseVersionOf(release) };
}

/**
 * The companion nRF52833 over simulated BLE: its slot target, made anew at every boot of the nRF9160
 * (RAM does not survive a reset), reporting the push and the companion's boots to the run log.
 */
async function companionSlot(o: { crypto: Crypto; trustedKeys: TrustedKey[]; payloadBytes: number; clock: Clock; runLog: SimRunLog; closers: (() => Promise<unknown>)[] }): Promise<() => SlotTarget> {
  const { crypto, clock, runLog } = o;
  const device = await SimSmpDevice.create({ crypto, trustedKeys: o.trustedKeys, initialImage: await buildTestImage(crypto, o.payloadBytes, SIM_FROM_VERSION, 1) });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: SIM_BLE_MTU, connectionIntervalMs: SIM_BLE_INTERVAL_MS, packetsPerInterval: SIM_BLE_PACKETS_PER_INTERVAL });
  device.server.attachBle(peripheral);
  const smp = new SmpClient(new BleSmpTransport(central), { clock });
  o.closers.push(() => smp.close());
  return () => {
    const slot = new SmpSlotTarget(smp, { name: 'nrf52833 over BLE (SMP)' });
    return observeCompanion(slot, {
      flushed: (ms) => {
        const u = slot.lastUpload;
        if (u) runLog.emit({ kind: 'upload', target: slot.name, bytes: u.bytes, requests: u.requests, resumedFrom: u.resumedFrom, ...(u.match !== undefined ? { match: u.match } : {}), ms });
      },
      reset: () => {
        const b = device.boots.at(-1);
        if (b) runLog.emit({ kind: 'board-boot', board: 'nrf52833', reason: 'smp reset', ...(b.version ? { version: b.version } : {}), swap: b.swap });
      },
    });
  };
}

/** What one boot of the application needs: a fresh agent every time (nothing survives in RAM). */
interface AppContext {
  o: SimOptions;
  target: 'nrf9160' | 'nrf52833';
  board: SimBoard;
  modem: SimModem;
  clock: Clock;
  crypto: Crypto;
  candidates: CertCandidate[];
  world: SimWorld;
  trustedKeys: TrustedKey[];
  recordLimit: number;
  makeSlot: () => SlotTarget;
  log: Log;
  runLog: SimRunLog;
}

/** One boot of the application: cert selection, update check, download, verify, stage, trial, confirm. */
async function runAgentOnce(c: AppContext): Promise<AgentResult> {
  const { o, board, clock, crypto, runLog } = c;
  const selector = new CertSelector({
    modem: c.modem,
    candidates: c.candidates,
    settings: board.settings,
    clock,
    crypto,
    ...(o.certMode ? { mode: o.certMode } : {}),
    onProbe: (p) => runLog.probe(p),
  });
  const connect = async (host: string, port: number) => {
    const socket = await selector.connect(host, port);
    runLog.connected(host);
    return socket;
  };
  const newClient = () => new HttpClient({ connect, clock, userAgent: SIM_USER_AGENT });
  const http = newClient();
  try {
    const agent = new FotaAgent({
      settings: board.settings,
      clock,
      log: c.log,
      slot: c.makeSlot(),
      release: releasePort({
        newClient,
        api: { baseUrl: c.world.apiUrl, projectKey: c.world.projectKey },
        identity: { deviceSerial: SIM_DEVICE_SERIAL, hardwareVersion: c.target === 'nrf52833' ? 'nrf52833' : 'nrf9160dk', softwareType: SIM_SOFTWARE_TYPE },
      }),
      downloader: rangeDownloadPort({
        client: http,
        clock,
        settings: board.settings,
        log: c.log,
        recordLimitBytes: c.recordLimit,
        ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
      }),
      createVerifier: mcubootVerifier({ crypto, trustedKeys: c.trustedKeys }),
      selectCert: selectCertFor(selector),
      selfTest: async () => !o.failSelftest,
      onEvent: (e) => runLog.agentEvent(e),
    });
    return await agent.run({ check: true });
  } finally {
    await http.close().catch(() => undefined);
    await selector.close().catch(() => undefined);
  }
}

export async function runSim(o: SimOptions): Promise<SimResult> {
  const crypto = nodeCrypto;
  const clock = new SimClock();
  const target = o.target ?? 'nrf9160';
  const link = o.link ?? 'lte-m';
  const recordLimit = o.recordLimitBytes ?? MODEM_TLS_MAX_RECORD_BYTES;
  const payloadBytes = o.payloadBytes ?? (target === 'nrf52833' ? 64 * 1024 : SIM_DEFAULT_PAYLOAD_BYTES);
  const runLog = new SimRunLog(clock, recordLimit, o.onEntry);
  const { trustedKeys, factoryImage, release, releaseVersion } = await simImages(o, crypto, payloadBytes);

  const closers: (() => Promise<unknown>)[] = [];
  try {
    // The update server: local, or the user's.
    const world = await o.world({ image: release, version: releaseVersion });
    closers.push(() => world.close());
    const candidates = o.candidates && o.candidates.length > 0 ? o.candidates : world.candidates;

    // The modem: real TLS on loopback, the record gate, the shaped link. Each record is noted so the
    // report can show every response against the limit.
    const modem: SimModem = createSimModem({
      hosts: world.hosts,
      link,
      maxRecordBytes: recordLimit,
      onRecord: (r) => runLog.records.add(r.host, r.recordBytes),
      ...(world.lookup ? { lookup: world.lookup } : {}),
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
    const makeSlot =
      target === 'nrf52833'
        ? await companionSlot({ crypto, trustedKeys, payloadBytes, clock, runLog, closers })
        : () => new FlashSlotTarget({ flash: board.flash, settings: board.settings, strategy: SIM_STRATEGY, reboot: (r) => board.system.reboot(r), name: 'nrf9160 slot1_partition' });
    const bootloader = bootloaderFromFlashMap(board.flash, {
      strategy: SIM_STRATEGY,
      validate: imageValidator({ crypto, trustedKeys }),
      maxAlign: 8,
      writeAlignBytes: board.flash.device.writeAlignBytes,
    });

    const flashOpsAtStart = board.flash.operationCount;
    if (o.powerCutAt !== undefined) board.flash.cutAtOperation(flashOpsAtStart + o.powerCutAt);

    const app: AppContext = { o, target, board, modem, clock, crypto, candidates, world, trustedKeys, recordLimit, makeSlot, log: runLog.logThrough(o.log ?? silentLog), runLog };
    const { result, powerCuts, boots } = await runDevice({
      maxBoots: SIM_MAX_BOOTS,
      powerOn: () => {},
      boot: async () => {
        const reason = await board.boot();
        const outcome = await bootloader.boot();
        runLog.boot(reason, outcome);
        return outcome;
      },
      app: () => runAgentOnce(app),
    });

    const summary = runLog.summarize({ result, link, counters: modem.counters(), board: target === 'nrf52833' ? 'nrf9160 + nrf52833' : 'nrf9160' });
    return { summary, entries: runLog.entries, agent: result, flashOperations: board.flash.operationCount - flashOpsAtStart, powerCuts, boots };
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

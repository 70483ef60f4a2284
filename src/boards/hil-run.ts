/**
 * Hardware in the loop: the FOTA agent with the network through a Serial LTE Modem (the SLM modem on
 * an AT channel) and the image going to an MCUboot board over SMP on a serial port — or, with only the
 * modem attached, to a simulated nRF9160 slot in this process. Wires the agent's ports the way the
 * simulated board does: the Memfault-compatible update check and the range downloader over a connector
 * that selects the root CA by real handshakes, the MCUboot streaming verifier, and the SMP slot target.
 * Node only (serial ports); `fotakit hil` is its command line.
 */
import type { Clock } from '../hal/clock.ts';
import type { Crypto } from '../hal/crypto.ts';
import type { Log } from '../hal/log.ts';
import { silentLog } from '../hal/log.ts';
import { nodeCrypto } from '../hal/node/crypto.ts';
import { MemorySettings } from '../hal/portable/memory-settings.ts';
import { buildTestImage, SimSmpDevice } from './smp-device.ts';
import { NRF9160_PROFILE } from '../hal/sim/profiles.ts';
import { createMemoryPortPair } from '../hal/portable/memory-port.ts';
import { AtChannel } from '../transport/at/channel.ts';
import type { BytePort } from '../hal/port.ts';
import type { SlmDialect } from '../transport/at/slm.ts';
import { HttpClient } from '../transport/http/client.ts';
import { SmpClient } from '../transport/smp/client.ts';
import { SerialSmpTransport } from '../transport/smp/transport.ts';
import { CertSelector, type CertCandidate, type CertProbe } from '../fota/cert-select.ts';
import type { DeviceIdentity } from '../fota/update-check.ts';
import { rangeDownloadPort, releasePort, selectCertFor } from '../fota/agent/network-ports.ts';
import { mcubootVerifier } from '../fota/agent/mcuboot-verifier.ts';
import { FotaAgent, type AgentEventRecord, type AgentResult } from '../fota/agent/agent.ts';
import type { TrustedKey } from '../fota/mcuboot/keys.ts';
import { FotaError } from '../hal/errors.ts';
import { SmpSlotTarget } from '../fota/dfu/smp-slot.ts';
import type { RunLogEntry, SummaryEntry } from '../fota/run-log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../hal/net.ts';
import type { UploadResult } from '../transport/smp/upload.ts';
import { SlmModem, type SlmModemStats } from '../transport/at/slm-modem.ts';
import { openNodePort } from '../hal/serial/node-port.ts';
import { RunLogWriter } from './run-measures.ts';

const HIL_USER_AGENT = 'fotakit-hil/0.1';
const HTTP_PARTIAL_CONTENT = 206;

function cdnHost(url: string | undefined): string {
  const m = url === undefined ? null : /^https?:\/\/([^/:]+)/.exec(url);
  return m ? m[1]! : 'cdn';
}

/** Payload of the image the simulated nRF9160 slot runs before the update (only-modem mode). */
export const HIL_SIM_SLOT_INITIAL_PAYLOAD_BYTES = 8 * 1024;

export interface HilOptions {
  modemPort: string;
  modemDialect?: SlmDialect | 'auto';
  /** Serial settings of the modem's UART (the nRF9160 DK's SLM default: 115200, RTS/CTS on). */
  modemBaudRate?: number;
  modemRtscts?: boolean;
  slotBaudRate?: number;
  /** The MCUboot board's SMP serial port; without it the image goes to a simulated nRF9160 slot. */
  slotPort?: string;
  /** Release API base URL, e.g. `https://api.fotakit.test:8443`. */
  server: string;
  projectKey: string;
  identity: Omit<DeviceIdentity, 'currentVersion'>;
  /** Root CA candidates in the order to try (the field's order), each under its sec_tag. */
  candidates: CertCandidate[];
  /** Keys whose signatures are accepted. Without any, `allowUnsigned` must say so. */
  trustedKeys?: TrustedKey[];
  /**
   * Accept hash-only images (no signature checked), as an MCUboot built without signature checks
   * (smp_svr) boots them. Never implied: without keys and without this, runHil refuses to start.
   */
  allowUnsigned?: boolean;
  /** Version the simulated nRF9160 slot runs at first (only-modem mode). */
  simSlotVersion?: string;
  clock: Clock;
  crypto?: Crypto;
  log?: Log;
  onEvent?: (e: AgentEventRecord) => void;
  onProbe?: (p: CertProbe) => void;
  onUpload?: (sent: number, total: number) => void;
  /** Every run-log entry as it happens (the format `fotakit sim --json` prints), the summary last. */
  onEntry?: (e: RunLogEntry) => void;
}

/** What HIL adds to the run log's summary: the serial side of the run. */
export interface HilDetails {
  dialect: SlmDialect;
  slot: string;
  modem: SlmModemStats;
  at: ReturnType<AtChannel['stats']>;
  upload?: { bytes: number; requests: number; timeouts: number; elapsedMs: number };
}

export interface HilSummary {
  result: AgentResult;
  dialect: SlmDialect;
  slot: string;
  modem: SlmModemStats;
  at: ReturnType<AtChannel['stats']>;
  certProbes: readonly CertProbe[];
  download?: { bytes: number; requests: number; retries: number; maxRecordBytes: number };
  upload?: UploadResult;
  elapsedMs: number;
  /** The run log (as `fotakit sim` keeps it), the summary last. */
  entries: RunLogEntry[];
  summary: SummaryEntry & { hil: HilDetails };
}

/** Runs one update cycle over the serial-bridged boards; resolves with the agent's resting state. */
export async function runHil(o: HilOptions): Promise<HilSummary> {
  // Nothing is marked for MCUboot before its signature is checked, unless the caller said otherwise.
  const trustedKeys = o.trustedKeys ?? [];
  if (trustedKeys.length === 0 && o.allowUnsigned !== true) {
    throw new FotaError('AGENT_NO_TRUSTED_KEYS', 'hil: no trusted keys; give the keys whose signatures are accepted, or allowUnsigned to accept hash-only images');
  }
  const crypto = o.crypto ?? nodeCrypto;
  const log = o.log ?? silentLog;
  const runLog = new HilRunLog(o);
  const settings = new MemorySettings();
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const { channel, modem, dialect } = await openModem(o, closers);
    const slotSide = await openSlot(o, crypto);
    const smp = new SmpClient(new SerialSmpTransport(slotSide.port), { clock: o.clock, log });
    closers.push(() => smp.close());
    const slot = new SmpSlotTarget(smp, { name: slotSide.name, ...(o.onUpload ? { onProgress: o.onUpload } : {}) });

    const selector = new CertSelector({ modem, candidates: o.candidates, settings, clock: o.clock, crypto, onProbe: runLog.probe });
    closers.push(() => selector.close());
    const connect = (host: string, port: number) => selector.connect(host, port);
    const http = new HttpClient({ connect, clock: o.clock, userAgent: HIL_USER_AGENT });
    closers.push(() => http.close());
    const agent = new FotaAgent({
      settings,
      clock: o.clock,
      log,
      slot,
      // The check gets its own client, closed after: the legacy SLM has one socket, the download needs it next.
      release: releasePort({
        newClient: () => new HttpClient({ connect, clock: o.clock, userAgent: HIL_USER_AGENT }),
        api: { baseUrl: o.server, projectKey: o.projectKey },
        identity: o.identity,
      }),
      downloader: rangeDownloadPort({ client: http, clock: o.clock, settings, log }),
      createVerifier: mcubootVerifier({ crypto, trustedKeys, allowUnsigned: trustedKeys.length === 0 }),
      selectCert: selectCertFor(selector),
      selfTest: async () => true,
      onEvent: runLog.agentEvent,
    });
    const result = await agent.run({ check: true });
    // Leave the modem as it was found (online), even when no connect followed the credential writes.
    await modem.restoreMode().catch(() => undefined);
    const upload = slot.lastUpload;
    const hil: HilDetails = {
      dialect,
      slot: slotSide.name,
      modem: { ...modem.counters },
      at: channel.stats(),
      ...(upload ? { upload: { bytes: upload.bytes, requests: upload.requests, timeouts: upload.timeouts, elapsedMs: Math.round(upload.elapsedMs) } } : {}),
    };
    const elapsedMs = Math.round(runLog.elapsedMs());
    const summary = runLog.summarize(result, hil, elapsedMs);
    return {
      result,
      dialect,
      slot: slotSide.name,
      modem: { ...modem.counters },
      at: channel.stats(),
      certProbes: selector.history(),
      ...(runLog.download ? { download: runLog.download } : {}),
      ...(upload ? { upload } : {}),
      elapsedMs,
      entries: runLog.entries,
      summary,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/** The nRF9160 running the Serial LTE Modem: its port, the AT channel (closed with the run) and its dialect. */
async function openModem(o: HilOptions, closers: (() => Promise<unknown>)[]): Promise<{ channel: AtChannel; modem: SlmModem; dialect: SlmDialect }> {
  const modemPort = await openNodePort({
    path: o.modemPort,
    ...(o.modemBaudRate ? { baudRate: o.modemBaudRate } : {}),
    ...(o.modemRtscts ? { rtscts: true } : {}),
  });
  const channel = new AtChannel(modemPort, o.clock);
  closers.push(() => channel.close());
  const modem = new SlmModem({ channel, dialect: o.modemDialect ?? 'auto', clock: o.clock });
  return { channel, modem, dialect: await modem.dialect() };
}

/** Where the image goes: the MCUboot board's serial port, or a simulated nRF9160 slot in this process. */
async function openSlot(o: HilOptions, crypto: Crypto): Promise<{ port: BytePort; name: string }> {
  if (o.slotPort) {
    const port = await openNodePort({ path: o.slotPort, ...(o.slotBaudRate ? { baudRate: o.slotBaudRate } : {}) });
    return { port, name: `smp serial ${o.slotPort}` };
  }
  // Only the modem attached: the nRF9160's own slot, simulated here (SMP board model, in memory).
  const initial = await buildTestImage(crypto, HIL_SIM_SLOT_INITIAL_PAYLOAD_BYTES, o.simSlotVersion ?? '1.0.0');
  // Its MCUboot boots hash-only images (the agent checks signatures before anything is marked).
  const device = await SimSmpDevice.create({ crypto, profile: NRF9160_PROFILE, initialImage: initial });
  const { a, b } = createMemoryPortPair();
  device.server.attachSerial(b);
  return { port: a, name: 'simulated nrf9160 slot (in memory)' };
}

/**
 * The run log of a HIL run, in the format `fotakit sim` keeps: the agent's events, the probes, one
 * response per range (the SLM does not show TLS records: recordBytes 0, "unknown over this modem"; the
 * head is the real one), and the summary's figures.
 */
class HilRunLog extends RunLogWriter {
  /** The download's figures, once the agent reported them. */
  download: HilSummary['download'];
  private probes = 0;
  private reboots = 0;
  private lastRetries = 0;
  /** The release URL once the check found one (the host of the download's log entries). */
  private releaseUrl: string | undefined;
  private fromVersion: string | undefined;

  constructor(private readonly o: HilOptions) {
    super(o.clock, o.onEntry);
  }

  readonly probe = (p: CertProbe): void => {
    this.probes++;
    this.emit({ kind: 'probe', ...p });
    this.o.onProbe?.(p);
  };

  readonly agentEvent = (e: AgentEventRecord): void => {
    if (e.kind === 'download') this.download = { bytes: e.bytes, requests: e.requests, retries: e.retries, maxRecordBytes: e.maxRecordBytes };
    if (e.kind === 'check') {
      this.fromVersion ??= e.running;
      if (e.url) this.releaseUrl = e.url;
    }
    if (e.kind === 'reset') this.reboots++;
    this.emit(e);
    if (e.kind === 'progress') {
      // As sim logs them: a reconnect when the retries grew, one response per range.
      const host = cdnHost(this.releaseUrl);
      if (e.retries > this.lastRetries) this.emit({ kind: 'connection', host, what: 'reconnect' });
      this.lastRetries = e.retries;
      this.emit({ kind: 'response', host, status: HTTP_PARTIAL_CONTENT, rangeBytes: e.rangeBytes, headerBytes: e.headBytes ?? 0, bodyBytes: e.rangeBytes, recordBytes: 0, recordLimit: MODEM_TLS_MAX_RECORD_BYTES });
    }
    this.o.onEvent?.(e);
  };

  /** The last entry: the run's figures and the serial side of the run. */
  summarize(result: AgentResult, hil: HilDetails, elapsedMs: number): SummaryEntry & { hil: HilDetails } {
    const d = this.download;
    const summary: SummaryEntry & { hil: HilDetails } = {
      kind: 'summary',
      final: result.state,
      ...(result.running ? { version: result.running } : {}),
      ...(this.fromVersion ? { fromVersion: this.fromVersion } : {}),
      bytes: d?.bytes ?? 0,
      requests: d?.requests ?? 0,
      retries: d?.retries ?? 0,
      maxRecordBytes: d?.maxRecordBytes ?? 0,
      recordLimit: MODEM_TLS_MAX_RECORD_BYTES,
      recordSizesKnown: false,
      seconds: Math.round(elapsedMs / 10) / 100,
      probes: this.probes,
      reboots: this.reboots,
      ...(result.reason ? { reason: result.reason } : {}),
      board: hil.slot,
      link: `serial, ${hil.dialect} SLM`,
      hil,
    };
    this.emit(summary);
    return summary;
  }
}

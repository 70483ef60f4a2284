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
import type { RunLogEntry, RunLogEvent, SummaryEntry } from '../fota/run-log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../hal/net.ts';
import type { UploadResult } from '../transport/smp/upload.ts';
import { SlmModem, type SlmModemStats } from '../transport/at/slm-modem.ts';
import { openNodePort } from '../hal/serial/node-port.ts';

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
  const started = o.clock.now();
  const crypto = o.crypto ?? nodeCrypto;
  const log = o.log ?? silentLog;
  const settings = new MemorySettings();
  const closers: (() => Promise<unknown>)[] = [];
  const entries: RunLogEntry[] = [];
  const emit = (e: RunLogEvent): void => {
    const entry = { t: Math.round(o.clock.now() - started), ...e } as RunLogEntry;
    entries.push(entry);
    o.onEntry?.(entry);
  };
  let probes = 0;
  let reboots = 0;
  let lastRetries = 0;
  /** The release URL once the check found one (the host of the download's log entries). */
  const releaseSeen: { url?: string } = {};
  let fromVersion: string | undefined;
  try {
    const modemPort = await openNodePort({
      path: o.modemPort,
      ...(o.modemBaudRate ? { baudRate: o.modemBaudRate } : {}),
      ...(o.modemRtscts ? { rtscts: true } : {}),
    });
    const channel = new AtChannel(modemPort, o.clock);
    closers.push(() => channel.close());
    const modem = new SlmModem({ channel, dialect: o.modemDialect ?? 'auto', clock: o.clock });
    const dialect = await modem.dialect();

    let slotPort: BytePort;
    let slotName: string;
    if (o.slotPort) {
      slotPort = await openNodePort({ path: o.slotPort, ...(o.slotBaudRate ? { baudRate: o.slotBaudRate } : {}) });
      slotName = `smp serial ${o.slotPort}`;
    } else {
      // Only the modem attached: the nRF9160's own slot, simulated here (SMP board model, in memory).
      const initial = await buildTestImage(crypto, HIL_SIM_SLOT_INITIAL_PAYLOAD_BYTES, o.simSlotVersion ?? '1.0.0');
      // Its MCUboot boots hash-only images (the agent checks signatures before anything is marked).
      const device = await SimSmpDevice.create({ crypto, profile: NRF9160_PROFILE, initialImage: initial });
      const { a, b } = createMemoryPortPair();
      device.server.attachSerial(b);
      slotPort = a;
      slotName = 'simulated nrf9160 slot (in memory)';
    }
    const smp = new SmpClient(new SerialSmpTransport(slotPort), { clock: o.clock, log });
    closers.push(() => smp.close());
    const slot = new SmpSlotTarget(smp, { name: slotName, ...(o.onUpload ? { onProgress: o.onUpload } : {}) });

    const selector = new CertSelector({
      modem,
      candidates: o.candidates,
      settings,
      clock: o.clock,
      crypto,
      onProbe: (p) => {
        probes++;
        emit({ kind: 'probe', ...p });
        o.onProbe?.(p);
      },
    });
    closers.push(() => selector.close());
    const connect = (host: string, port: number) => selector.connect(host, port);
    const http = new HttpClient({ connect, clock: o.clock, userAgent: HIL_USER_AGENT });
    closers.push(() => http.close());
    let downloadSummary: HilSummary['download'];
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
      onEvent: (e) => {
        if (e.kind === 'download') downloadSummary = { bytes: e.bytes, requests: e.requests, retries: e.retries, maxRecordBytes: e.maxRecordBytes };
        if (e.kind === 'check') {
          fromVersion ??= e.running;
          if (e.url) releaseSeen.url = e.url;
        }
        if (e.kind === 'reset') reboots++;
        emit(e);
        if (e.kind === 'progress') {
          // As sim logs them: a reconnect when the retries grew, one response per range (the SLM does
          // not show TLS records: recordBytes 0, "unknown over this modem"; the head is the real one).
          const host = cdnHost(releaseSeen.url);
          if (e.retries > lastRetries) emit({ kind: 'connection', host, what: 'reconnect' });
          lastRetries = e.retries;
          emit({ kind: 'response', host, status: HTTP_PARTIAL_CONTENT, rangeBytes: e.rangeBytes, headerBytes: e.headBytes ?? 0, bodyBytes: e.rangeBytes, recordBytes: 0, recordLimit: MODEM_TLS_MAX_RECORD_BYTES });
        }
        o.onEvent?.(e);
      },
    });
    const result = await agent.run({ check: true });
    // Leave the modem as it was found (online), even when no connect followed the credential writes.
    await modem.restoreMode().catch(() => undefined);
    const elapsedMs = Math.round(o.clock.now() - started);
    const upload = slot.lastUpload;
    const summary: SummaryEntry & { hil: HilDetails } = {
      kind: 'summary',
      final: result.state,
      ...(result.running ? { version: result.running } : {}),
      ...(fromVersion ? { fromVersion } : {}),
      bytes: downloadSummary?.bytes ?? 0,
      requests: downloadSummary?.requests ?? 0,
      retries: downloadSummary?.retries ?? 0,
      maxRecordBytes: downloadSummary?.maxRecordBytes ?? 0,
      recordLimit: MODEM_TLS_MAX_RECORD_BYTES,
      recordSizesKnown: false,
      seconds: Math.round(elapsedMs / 10) / 100,
      probes,
      reboots,
      ...(result.reason ? { reason: result.reason } : {}),
      board: slotName,
      link: `serial, ${dialect} SLM`,
      hil: {
        dialect,
        slot: slotName,
        modem: { ...modem.counters },
        at: channel.stats(),
        ...(upload ? { upload: { bytes: upload.bytes, requests: upload.requests, timeouts: upload.timeouts, elapsedMs: Math.round(upload.elapsedMs) } } : {}),
      },
    };
    emit(summary);
    return {
      result,
      dialect,
      slot: slotName,
      modem: { ...modem.counters },
      at: channel.stats(),
      certProbes: selector.history(),
      ...(downloadSummary ? { download: downloadSummary } : {}),
      ...(upload ? { upload } : {}),
      elapsedMs,
      entries,
      summary,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/**
 * The run log of one simulated FOTA as it happens (`fotakit sim`, src/boards/sim-run.ts): every entry
 * stamped with the run's time, and the figures its summary needs, gathered from the hooks the device
 * application calls (in V8 or inside an embedded engine), from the board's boots and power cuts, and
 * from the downloader's log lines (reconnects, pipelining changes).
 */
import type { Clock } from '../hal/clock.ts';
import type { PowerCutError } from '../hal/errors.ts';
import type { Log } from '../hal/log.ts';
import type { AgentEventRecord, AgentResult } from '../fota/agent/agent.ts';
import type { CertProbe } from '../fota/cert-select.ts';
import type { PowerCutNote, RunLogEntry, RunLogEvent, SummaryEntry } from '../fota/run-log.ts';
import type { UploadResult } from '../transport/smp/upload.ts';
import { parseUrl } from '../transport/http/url.ts';
import { pipelineChangeOf, type PipelineChange } from '../transport/download/pipeline-control.ts';
import { RecordLedger, RunLogWriter, RunningTotal } from './run-measures.ts';

export interface SimRunLogOptions {
  clock: Clock;
  /** The modem's TLS record limit, stamped on every response entry. */
  recordLimit: number;
  /** The downloader's full pipelining depth (what "pipelining back on" returns to). */
  pipelineDepth: number;
  /** Where the downloader's log lines go after the run log has read them. */
  inner: Log;
  onEntry?: (e: RunLogEntry) => void;
}

/** What the summary takes from outside the log: the run's outcome and the modem's counters. */
export interface SimRunEnd {
  result: AgentResult;
  counters: { maxRecordBytes: number; emsgsize: number; maxRefusedRecordBytes: number };
  linkLimitSeconds: number | undefined;
  companion: boolean;
  link: string;
}

export class SimRunLog extends RunLogWriter {
  /** Every TLS record the modem accepted, per host, matched to the response it carried. */
  readonly records = new RecordLedger();
  /** The downloader's log, read on the way through (see SimRunLog's header). */
  readonly log: Log;
  private probes = 0;
  private reboots = 0;
  private companionReboots = 0;
  private bytes = 0;
  // Requests and retries over every boot: each download run counts from 0.
  private readonly requests = new RunningTotal();
  private readonly retries = new RunningTotal();
  private maxRecord = 0;
  private fromVersion: string | undefined;
  private agentState: string | undefined;
  private readonly cuts: PowerCutNote[] = [];
  private pipeline: SummaryEntry['pipeline'];
  /** The host the image comes from (the payload URL's), for the per-response entries. */
  private downloadHost = '';

  constructor(private readonly o: SimRunLogOptions) {
    super(o.clock, o.onEntry);
    this.log = {
      log: (level, message, fields) => {
        if (message === 'download: retrying') {
          this.emit({ kind: 'connection', host: this.downloadHost, what: 'reconnect', ...(typeof fields?.code === 'string' ? { code: fields.code } : {}) });
        }
        const change = pipelineChangeOf(message, fields);
        if (change) {
          this.emit({ kind: 'pipeline', host: this.downloadHost, ...change });
          this.pipeline = noteChange(this.pipeline, change, o.pipelineDepth);
        }
        o.inner.log(level, message, fields);
      },
    };
  }

  // The application's hooks (arrow properties: they are handed over as callbacks).

  readonly probe = (p: CertProbe): void => {
    this.probes++;
    this.emit({ kind: 'probe', ...p });
  };

  readonly connected = (host: string): void => {
    this.records.reset(host);
    this.emit({ kind: 'connection', host, what: 'connect' });
  };

  readonly agentEvent = (e: AgentEventRecord): void => {
    if (e.kind === 'progress') {
      this.bytes = e.bytes;
      this.requests.see(e.requests);
      this.retries.see(e.retries);
      this.maxRecord = Math.max(this.maxRecord, e.maxRecordBytes);
      const headerBytes = e.headBytes ?? 0;
      this.emit({
        kind: 'response',
        host: this.downloadHost,
        status: 206,
        rangeBytes: e.rangeBytes,
        headerBytes,
        bodyBytes: e.rangeBytes,
        recordBytes: this.records.take(this.downloadHost, headerBytes + e.rangeBytes),
        recordLimit: this.o.recordLimit,
      });
    }
    if (e.kind === 'state') this.agentState = e.to;
    if (e.kind === 'check' && this.fromVersion === undefined) this.fromVersion = e.running;
    if (e.kind === 'check' && e.url) this.downloadHost = parseUrl(e.url).host;
    this.emit({ ...e });
  };

  /** The nRF9160 booted; the first power-on is not a reboot. */
  boot(reason: string, outcome: { version?: string; swap: string }): void {
    if (this.entries.length > 0) this.reboots++;
    this.emit({ kind: 'board-boot', reason, ...(outcome.version ? { version: outcome.version } : {}), swap: outcome.swap } as RunLogEvent);
  }

  /** The power was cut at a flash operation counted from the start of the update. */
  powerCut(cut: PowerCutError, flashOpsAtStart: number): void {
    const note: PowerCutNote = {
      operation: (typeof cut.context.operationIndex === 'number' ? cut.context.operationIndex : 0) - flashOpsAtStart,
      ...(typeof cut.context.op === 'string' ? { op: cut.context.op } : {}),
      ...(this.agentState !== undefined ? { state: this.agentState } : {}),
      bytes: this.bytes,
    };
    this.cuts.push(note);
    this.emit({ kind: 'power-cut', ...note });
  }

  /** The image reached the companion nRF52833 (SMP over BLE) in `ms` of the run's time. */
  readonly companionFlushed = (u: UploadResult | undefined, ms: number): void => {
    if (u) this.emit({ kind: 'upload', target: 'nrf52833 over BLE (SMP)', bytes: u.bytes, requests: u.requests, resumedFrom: u.resumedFrom, ...(u.match !== undefined ? { match: u.match } : {}), ms });
  };

  /** The companion reset and its MCUboot ran (counted apart from the nRF9160's reboots). */
  companionBooted(boot: { version?: string; swap: string } | undefined): void {
    this.companionReboots++;
    if (boot) this.emit({ kind: 'board-boot', board: 'nrf52833', reason: 'smp reset', ...(boot.version ? { version: boot.version } : {}), swap: boot.swap } as RunLogEvent);
  }

  /** The last entry: the run's figures. */
  summarize(end: SimRunEnd): SummaryEntry {
    const { result, counters, linkLimitSeconds } = end;
    const recordLimit = this.o.recordLimit;
    const summary: SummaryEntry = {
      kind: 'summary',
      final: result.state,
      ...(result.running ? { version: result.running } : {}),
      ...(this.fromVersion ? { fromVersion: this.fromVersion } : {}),
      bytes: this.bytes,
      requests: this.requests.total(),
      retries: this.retries.total(),
      // The largest record ACCEPTED; refused ones (EMSGSIZE) are counted apart.
      maxRecordBytes: Math.min(Math.max(this.maxRecord, counters.maxRecordBytes), recordLimit),
      recordLimit,
      ...(counters.emsgsize > 0 ? { refusedRecords: counters.emsgsize, largestRefusedRecordBytes: counters.maxRefusedRecordBytes } : {}),
      ...(this.pipeline ? { pipeline: this.pipeline } : {}),
      ...(this.cuts.length > 0 ? { powerCuts: this.cuts } : {}),
      seconds: Math.round((this.elapsedMs() / 1000) * 100) / 100,
      ...(linkLimitSeconds !== undefined ? { linkLimitSeconds: Math.round(linkLimitSeconds * 100) / 100 } : {}),
      probes: this.probes,
      reboots: this.reboots,
      ...(end.companion ? { companionReboots: this.companionReboots } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      board: end.companion ? 'nrf9160 + nrf52833' : 'nrf9160',
      link: end.link,
    };
    this.emit(summary);
    return summary;
  }
}

/** The pipelining state a change leaves (for the summary: why the download ended with the depth it had). */
function noteChange(prev: SummaryEntry['pipeline'], c: PipelineChange, fullDepth: number): NonNullable<SummaryEntry['pipeline']> {
  const p = { depth: prev?.depth ?? fullDepth, recoveries: prev?.recoveries ?? 0, ...(prev?.requestsPerConnection !== undefined ? { requestsPerConnection: prev.requestsPerConnection } : {}) };
  if (c.what === 'off') return { ...p, depth: 1, ...(c.reason ? { offReason: c.reason } : {}), ...(c.why ? { why: c.why } : {}) };
  if (c.what === 'on') return { ...p, depth: fullDepth, recoveries: p.recoveries + 1 };
  const limit = c.requestsPerConnection ?? fullDepth;
  return { ...p, depth: Math.min(p.depth, limit), ...(prev?.offReason ? { offReason: prev.offReason, why: prev.why } : {}), requestsPerConnection: limit };
}

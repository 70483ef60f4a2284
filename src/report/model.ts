/**
 * The report's view of a run: the run log (src/fota/run-log.ts) validated and folded into what the
 * charts and tables draw — state segments, boots, download progress, reconnects, responses, probes,
 * a summary (the run's own, or one derived from the entries when the run ended without one), the
 * failure to show prominently, and a chronological list of notable events.
 */
import { FotaError } from '../hal/errors.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../hal/net.ts';
import type { PowerCutNote, ResponseEntry, RunLogEntry, SummaryEntry } from '../fota/run-log.ts';
import type { CertProbe } from '../fota/cert-select.ts';

/** A run log that cannot be drawn: not an array, an entry without a usable time, a bad number. */
/** Report errors. */
export const REPORT_ERROR_CODES = {
  REPORT_BAD_INPUT: 'a run log that is not a list of entries',
  REPORT_BAD_LINE: 'a run-log line that is not JSON',
  REPORT_BAD_ENTRY: 'a run-log entry of an unknown kind or with fields of the wrong type',
  REPORT_TOO_LARGE: 'a run log over the report limits',
} as const;

export class ReportError extends FotaError {}

declare module '../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof REPORT_ERROR_CODES, true> {}
}


/** More entries than this are refused (a report is for one run; campaigns summarise themselves). */
export const REPORT_MAX_ENTRIES = 5_000_000;

/** Final states that are not a success, shown as a banner at the top. */
const FAILED_FINALS = ['failed', 'rolled-back', 'reverting'];

export interface StateSegment {
  state: string;
  t0: number;
  t1: number;
  /** The event that entered this state. */
  event: string;
  reason?: { code: string; message: string };
}

export interface BootMark {
  t: number;
  reason: string;
  version?: string;
  swap?: string;
  /** The companion board this boot was of (e.g. nrf52833); absent: the device itself. */
  board?: string;
}

export interface ResetMark {
  t: number;
  why: string;
}

export interface ProgressPoint {
  t: number;
  bytes: number;
  total: number;
  requests: number;
  retries: number;
  rangeBytes: number;
}

export interface ConnectionMark {
  t: number;
  host: string;
  what: string;
  code?: string;
}

/** A download retry, seen as an increase of the progress `retries` counter. */
export interface RetryMark {
  t: number;
  bytes: number;
  retries: number;
}

/** A response of the run log, numbered. */
export interface ResponsePoint extends Omit<ResponseEntry, 'kind'> {
  /** 1-based, in the order the downloader read them. */
  index: number;
  t: number;
}

/** A certificate probe of the run log (via kept as text: logs from other versions may say more). */
export interface ProbeRow extends Omit<CertProbe, 'via'> {
  t: number;
  via: string;
}

export interface NotableEvent {
  t: number;
  level: 'info' | 'warn' | 'error';
  what: string;
  detail: string;
}

export interface SummaryView extends Omit<SummaryEntry, 'kind'> {
  /** True when the run log had no summary entry and these figures were derived from the other entries. */
  derived: boolean;
}

export interface RunModel {
  /** End of the time axis, ms (last entry, or the summary's duration when longer). */
  tEnd: number;
  entries: number;
  segments: StateSegment[];
  boots: BootMark[];
  /** Boots of a companion board (updated over SMP): drawn, but not reboots of the device. */
  companionBoots: BootMark[];
  resets: ResetMark[];
  progress: ProgressPoint[];
  connections: ConnectionMark[];
  retries: RetryMark[];
  responses: ResponsePoint[];
  probes: ProbeRow[];
  summary: SummaryView;
  /** Set when the run did not end well: shown prominently. */
  failure?: { final: string; code: string; message: string };
  /** Power cuts, with where they cut (flash operation, agent state): a banner each. */
  powerCuts: (PowerCutNote & { t: number })[];
  events: NotableEvent[];
  /** Entries of kinds this report does not know (newer run logs): counted, not drawn. */
  unknownKinds: number;
}

const MS_PER_S = 1000;

/** What folding carries from one entry to the next (besides the model being built). */
interface FoldState {
  /** The state segment still open (its end is the next state change). */
  open: StateSegment | undefined;
  lastRetries: number;
  firstRunning: string | undefined;
  lastVerdictVersion: string | undefined;
  downloadSeen: { bytes: number; requests: number; retries: number; maxRecordBytes: number } | undefined;
  summary: SummaryEntry | undefined;
}

type EntryOf<K extends RunLogEntry['kind']> = Extract<RunLogEntry, { kind: K }>;

/** How each kind of entry folds into the model: a table, one row per kind. */
const FOLD: { [K in RunLogEntry['kind']]: (m: RunModel, f: FoldState, e: EntryOf<K>) => void } = {
  state: (m, f, e) => {
    if (f.open) f.open.t1 = e.t;
    else if (e.from && e.t > 0) m.segments.push({ state: String(e.from), t0: 0, t1: e.t, event: '(start)' });
    f.open = { state: String(e.to), t0: e.t, t1: e.t, event: String(e.event), ...(e.reason ? { reason: e.reason } : {}) };
    m.segments.push(f.open);
    const bad = e.to === 'failed' || e.to === 'rolled-back' || e.to === 'reverting';
    m.events.push({
      t: e.t,
      level: bad ? 'error' : 'info',
      what: `state ${e.from} → ${e.to}`,
      detail: e.reason ? `${e.event}: ${e.reason.code} ${e.reason.message}` : String(e.event),
    });
  },
  'board-boot': (m, f, e) => {
    if (e.board !== undefined) {
      // The companion board (updated over SMP): an event and a mark, not a reboot of the device itself.
      m.companionBoots.push({ t: e.t, reason: String(e.reason), version: e.version, swap: e.swap, board: e.board });
      m.events.push({
        t: e.t,
        level: e.version === undefined ? 'error' : 'info',
        what: `${e.board} boot`,
        detail: `${e.reason}: MCUboot started ${e.version ?? 'no valid image'}${e.swap ? ` (swap ${e.swap})` : ''}`,
      });
      return;
    }
    m.boots.push({ t: e.t, reason: String(e.reason), version: e.version, swap: e.swap });
    if (f.firstRunning === undefined && e.version !== undefined) f.firstRunning = e.version;
    m.events.push({
      t: e.t,
      level: e.version === undefined ? 'error' : 'warn',
      what: 'board boot',
      detail: `${e.reason}: MCUboot started ${e.version ?? 'no valid image'}${e.swap ? ` (swap ${e.swap})` : ''}`,
    });
  },
  reset: (m, f, e) => {
    m.resets.push({ t: e.t, why: String(e.why) });
    m.events.push({ t: e.t, level: 'info', what: 'reset requested', detail: String(e.why) });
  },
  progress: (m, f, e) => {
    m.progress.push({ t: e.t, bytes: e.bytes, total: e.total, requests: e.requests, retries: e.retries, rangeBytes: e.rangeBytes });
    if (e.retries > f.lastRetries) m.retries.push({ t: e.t, bytes: e.bytes, retries: e.retries });
    f.lastRetries = e.retries;
  },
  download: (m, f, e) => {
    f.downloadSeen = { bytes: e.bytes, requests: e.requests, retries: e.retries, maxRecordBytes: e.maxRecordBytes };
    m.events.push({
      t: e.t,
      level: 'info',
      what: 'download done',
      detail: `${e.bytes} of ${e.total} bytes in ${e.requests} requests, ${e.retries} retries${e.resumedAt > 0 ? `, resumed at ${e.resumedAt}` : ''}`,
    });
  },
  response: (m, f, e) => {
    m.responses.push({
      index: m.responses.length + 1,
      t: e.t,
      host: String(e.host),
      status: e.status,
      rangeBytes: e.rangeBytes,
      headerBytes: e.headerBytes,
      bodyBytes: e.bodyBytes,
      recordBytes: e.recordBytes,
      recordLimit: e.recordLimit,
    });
  },
  connection: (m, f, e) => {
    m.connections.push({ t: e.t, host: String(e.host), what: String(e.what), ...(e.code !== undefined ? { code: String(e.code) } : {}) });
    if (e.what === 'reconnect') {
      m.events.push({ t: e.t, level: 'warn', what: 'reconnect', detail: `${e.host}${e.code ? ` after ${e.code}` : ''}` });
    }
  },
  probe: (m, f, e) => {
    m.probes.push({
      t: e.t,
      host: String(e.host),
      port: e.port,
      secTag: e.secTag,
      name: String(e.name),
      ok: e.ok === true,
      ...(e.code !== undefined ? { code: String(e.code) } : {}),
      ...(e.message !== undefined ? { message: String(e.message) } : {}),
      ms: e.ms,
      via: String(e.via),
    });
    m.events.push({
      t: e.t,
      level: e.ok ? 'info' : 'warn',
      what: `cert probe ${e.ok ? 'ok' : 'failed'}`,
      detail: `${e.host} sec_tag ${e.secTag} (${e.name})${e.ok ? '' : `: ${e.code ?? 'error'}${e.message ? ` ${e.message}` : ''}`}`,
    });
  },
  check: (m, f, e) => {
    if (f.firstRunning === undefined) f.firstRunning = e.running;
    m.events.push({ t: e.t, level: 'info', what: 'update check', detail: `running ${e.running}: ${e.result}${e.url ? ` ${e.url}` : ''}` });
  },
  verdict: (m, f, e) => {
    if (e.verdict.version !== undefined) f.lastVerdictVersion = e.verdict.version;
    m.events.push({
      t: e.t,
      level: e.verdict.valid ? 'info' : 'error',
      what: 'image verdict',
      detail: e.verdict.valid
        ? `valid ${e.verdict.version ?? ''}`.trim()
        : `invalid: ${e.verdict.code ?? ''} ${e.verdict.message ?? ''}`.trim(),
    });
  },
  boot: (m, f, e) => {
    m.events.push({ t: e.t, level: 'info', what: 'agent boot', detail: `running ${e.running ?? 'unknown'}, expected ${e.expected ?? '–'}` });
  },
  upload: (m, f, e) => {
    m.events.push({
      t: e.t,
      level: e.match === false ? 'error' : 'info',
      what: 'image pushed',
      detail: `${e.bytes} bytes to ${e.target} in ${e.requests} requests, ${e.ms} ms${e.ms > 0 ? ` (${(e.bytes / e.ms).toFixed(1)} kB/s)` : ''}${e.resumedFrom > 0 ? `, resumed at ${e.resumedFrom}` : ''}${e.match === undefined ? '' : e.match ? ', device hash matches' : ', DEVICE HASH MISMATCH'}`,
    });
  },
  selftest: (m, f, e) => {
    m.events.push({ t: e.t, level: e.passed ? 'info' : 'error', what: 'self-test', detail: `${e.version} ${e.passed ? 'passed' : 'FAILED'}` });
  },
  'power-cut': (m, f, e) => {
    m.powerCuts.push({ t: e.t, operation: e.operation, ...(e.op ? { op: e.op } : {}), ...(e.state ? { state: e.state } : {}), ...(e.bytes !== undefined ? { bytes: e.bytes } : {}) });
    m.events.push({ t: e.t, level: 'error', what: 'power cut', detail: powerCutText(e) });
  },
  pipeline: (m, f, e) => {
    m.events.push({
      t: e.t,
      level: e.what === 'off' ? 'warn' : 'info',
      what: e.what === 'off' ? 'pipelining off' : e.what === 'on' ? 'pipelining back on' : 'server request limit',
      detail:
        e.what === 'off'
          ? `${e.why ?? e.reason ?? 'failures'}${e.stays ? '; stays off for the rest of the download' : '; tried again after good ranges'}`
          : e.what === 'on'
            ? 'after good ranges one at a time'
            : `${e.requestsPerConnection} requests per connection: no more are sent on one`,
    });
  },
  summary: (m, f, e) => {
    f.summary = e;
  },
};

/** Validates and folds a run log. Throws ReportError (REPORT_BAD_INPUT, REPORT_BAD_ENTRY, REPORT_TOO_LARGE). */
export function buildRunModel(entries: readonly RunLogEntry[]): RunModel {
  const sorted = checkedInOrder(entries);
  const m = emptyModel(sorted.length);
  const f: FoldState = { open: undefined, lastRetries: 0, firstRunning: undefined, lastVerdictVersion: undefined, downloadSeen: undefined, summary: undefined };
  for (const e of sorted) {
    m.tEnd = Math.max(m.tEnd, e.t);
    // Kinds this report does not know (newer run logs) are counted, not drawn.
    if (!Object.prototype.hasOwnProperty.call(FOLD, e.kind)) m.unknownKinds++;
    else (FOLD[e.kind] as (m: RunModel, f: FoldState, e: RunLogEntry) => void)(m, f, e);
  }
  m.summary = f.summary ? givenSummary(m, f.summary) : derivedSummary(m, f);
  if (f.open) f.open.t1 = Math.max(f.open.t1, m.tEnd);
  const failure = failureOf(m);
  if (failure) m.failure = failure;
  return m;
}

/** The entries, validated, in time order (stable: entries of the same millisecond keep their order). */
function checkedInOrder(entries: readonly RunLogEntry[]): RunLogEntry[] {
  if (!Array.isArray(entries)) {
    throw new ReportError('REPORT_BAD_INPUT', 'report.render: entries must be an array of run-log entries', { got: typeof entries });
  }
  if (entries.length > REPORT_MAX_ENTRIES) {
    throw new ReportError('REPORT_TOO_LARGE', `report.render: ${entries.length} entries, at most ${REPORT_MAX_ENTRIES} are drawn`, {
      entries: entries.length,
      max: REPORT_MAX_ENTRIES,
    });
  }
  entries.forEach(checkEntry);
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map((x) => x.e);
}

function emptyModel(entries: number): RunModel {
  return {
    tEnd: 0,
    entries,
    segments: [],
    boots: [],
    companionBoots: [],
    resets: [],
    progress: [],
    connections: [],
    retries: [],
    responses: [],
    probes: [],
    summary: emptySummary(),
    events: [],
    powerCuts: [],
    unknownKinds: 0,
  };
}

/** The run's own summary entry; the time axis reaches at least its duration. */
function givenSummary(m: RunModel, summary: SummaryEntry): SummaryView {
  const { kind: _kind, t: _t, ...rest } = summary as SummaryEntry & { t: number };
  m.tEnd = Math.max(m.tEnd, summary.seconds * MS_PER_S);
  return { ...rest, derived: false };
}

/** Figures derived from the other entries, for a run log cut short before its summary. */
function derivedSummary(m: RunModel, f: FoldState): SummaryView {
  const lastProgress = m.progress[m.progress.length - 1];
  const lastBoot = [...m.boots].reverse().find((b) => b.version !== undefined);
  const lastState = m.segments[m.segments.length - 1];
  const limits = m.responses.map((r) => r.recordLimit).filter((l) => l > 0);
  return {
    derived: true,
    final: lastState?.state ?? 'unknown',
    version: lastBoot?.version ?? f.lastVerdictVersion,
    fromVersion: f.firstRunning,
    bytes: f.downloadSeen?.bytes ?? lastProgress?.bytes ?? 0,
    requests: Math.max(m.responses.length, f.downloadSeen?.requests ?? lastProgress?.requests ?? 0),
    retries: f.downloadSeen?.retries ?? lastProgress?.retries ?? 0,
    // Accepted records only: a response over its limit was refused (counted apart below).
    maxRecordBytes: m.responses.reduce((max, r) => (r.recordLimit > 0 && r.recordBytes > r.recordLimit ? max : Math.max(max, r.recordBytes)), f.downloadSeen?.maxRecordBytes ?? 0),
    ...refusedOf(m.responses),
    recordLimit: limits.length > 0 ? limits.reduce((a, b) => Math.min(a, b)) : MODEM_TLS_MAX_RECORD_BYTES,
    seconds: m.tEnd / MS_PER_S,
    probes: m.probes.length,
    reboots: m.boots.filter((b) => b.t > 0).length,
    ...(lastState?.reason ? { reason: lastState.reason } : {}),
  };
}

/** Set when the run did not end well (shown prominently). */
function failureOf(m: RunModel): RunModel['failure'] {
  const s = m.summary;
  const lastReason = [...m.segments].reverse().find((g) => g.reason)?.reason;
  if (FAILED_FINALS.includes(s.final) || (s.reason && s.final !== 'confirmed' && s.final !== 'idle')) {
    const reason = s.reason ?? lastReason;
    return {
      final: s.final,
      code: reason?.code ?? (s.final === 'rolled-back' ? 'ROLLED_BACK' : 'UNKNOWN'),
      message: reason?.message ?? (s.final === 'rolled-back' ? 'MCUboot reverted to the previous image' : 'the run ended without a reason'),
    };
  }
  return undefined;
}

function emptySummary(): SummaryView {
  return {
    derived: true,
    final: 'unknown',
    bytes: 0,
    requests: 0,
    retries: 0,
    maxRecordBytes: 0,
    recordLimit: MODEM_TLS_MAX_RECORD_BYTES,
    seconds: 0,
    probes: 0,
    reboots: 0,
  };
}

/** Numeric fields each kind must carry as finite, non-negative numbers (what the charts scale by). */
const NUMERIC_FIELDS: Readonly<Record<string, readonly string[]>> = {
  progress: ['bytes', 'total', 'requests', 'retries', 'rangeBytes'],
  download: ['bytes', 'total', 'requests', 'retries', 'maxRecordBytes', 'resumedAt'],
  response: ['status', 'rangeBytes', 'headerBytes', 'bodyBytes', 'recordBytes', 'recordLimit'],
  probe: ['port', 'secTag', 'ms'],
  summary: ['bytes', 'requests', 'retries', 'maxRecordBytes', 'recordLimit', 'seconds', 'probes', 'reboots'],
};

/** Fields that must be objects when present. */
const OBJECT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  verdict: ['verdict'],
};

function checkEntry(e: unknown, index: number): void {
  if (typeof e !== 'object' || e === null) {
    throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} is not an object`, { index });
  }
  const r = e as Record<string, unknown>;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t) || r.t < 0) {
    throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} has no finite, non-negative time t`, { index, field: 't' });
  }
  if (typeof r.kind !== 'string') {
    throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} has no kind`, { index, field: 'kind' });
  }
  for (const field of NUMERIC_FIELDS[r.kind] ?? []) {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} (${r.kind}) has a bad ${field}`, { index, field, kind: r.kind });
    }
  }
  if (r.kind === 'summary' && r.linkLimitSeconds !== undefined) {
    const v = r.linkLimitSeconds;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} (summary) has a bad linkLimitSeconds`, { index, field: 'linkLimitSeconds', kind: r.kind });
    }
  }
  for (const field of OBJECT_FIELDS[r.kind] ?? []) {
    if (typeof r[field] !== 'object' || r[field] === null) {
      throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} (${r.kind}) has no ${field}`, { index, field, kind: r.kind });
    }
  }
  if (r.kind === 'state' && (typeof r.to !== 'string' || r.to === '')) {
    throw new ReportError('REPORT_BAD_ENTRY', `report.render: entry ${index} (state) has no target state`, { index, field: 'to', kind: r.kind });
  }
}

/** Responses over their record limit (refused by the modem), as summary fields. */
function refusedOf(responses: readonly ResponsePoint[]): { refusedRecords?: number; largestRefusedRecordBytes?: number } {
  const over = responses.filter((r) => r.recordLimit > 0 && r.recordBytes > r.recordLimit);
  return over.length === 0 ? {} : { refusedRecords: over.length, largestRefusedRecordBytes: over.reduce((a, r) => Math.max(a, r.recordBytes), 0) };
}

/** Where a power cut hit, in words. */
export function powerCutText(c: PowerCutNote): string {
  return `at flash operation ${c.operation}${c.op ? ` (${c.op})` : ''}${c.state ? ` while ${c.state}` : ''}${c.bytes !== undefined ? `, ${c.bytes} bytes downloaded` : ''}`;
}

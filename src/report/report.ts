/**
 * `fotakit … --report FILE.html`: one self-contained HTML page that shows a FOTA run at a glance —
 * where the time went (timeline of agent states and reboots), how the download went (bytes over time
 * with stalls, retries and reconnects), how close every response came to the modem's TLS record limit,
 * which root CA failed for which host and why, and the run's summary. No network access: inline CSS
 * and inline SVG only, no scripts. Input: the run log of src/fota/run-log.ts.
 */
import { RECORD_SIZE_UNKNOWN_TEXT, type RunLogEntry } from '../fota/run-log.ts';
import { downloadChart } from './chart-download.ts';
import { recordsChart } from './chart-records.ts';
import { timelineChart } from './chart-timeline.ts';
import { el, esc, fmtBytes, fmtInt, fmtMs, trim } from './html.ts';
import { buildRunModel, powerCutText, type RunModel } from './model.ts';
import { REPORT_CSS } from './style.ts';
import { eventsList, probesTable, summaryTable } from './tables.ts';

export { ReportError, REPORT_MAX_ENTRIES, buildRunModel } from './model.ts';

export interface ReportMeta {
  /** Page title; default "FOTA run report". */
  title?: string;
  /** When the report was made (the renderer reads no clock: same input, same bytes). */
  generatedAt?: string;
  /** What produced the run, e.g. the command line. */
  source?: string;
  /** Board and link, when the run log's summary does not name them. */
  board?: string;
  link?: string;
}

const MS_PER_S = 1000;

/** Event lists up to this length are shown open; longer ones start folded. */
const EVENTS_OPEN_MAX = 80;

/**
 * Renders the run log as one self-contained HTML document. Throws ReportError (REPORT_BAD_INPUT,
 * REPORT_BAD_ENTRY, REPORT_TOO_LARGE) for a run log that cannot be drawn.
 */
export function renderReport(entries: readonly RunLogEntry[], meta: ReportMeta = {}): string {
  const m = buildRunModel(entries);
  const s = m.summary;
  const title = meta.title ?? 'FOTA run report';
  const board = s.board ?? meta.board;
  const link = s.link ?? meta.link;
  const subtitle = [
    board ? `board ${board}` : undefined,
    link ? `link ${link}` : undefined,
    meta.source ? meta.source : undefined,
    meta.generatedAt ? `generated ${meta.generatedAt}` : undefined,
    `${fmtInt(m.entries)} log entries`,
  ]
    .filter((x): x is string => x !== undefined)
    .join(' · ');

  const sections = [
    section('timeline', 'Timeline — agent states and board reboots', timelineChart(m)),
    section('download', 'Download — bytes over time, retries, reconnects, stalls', downloadChart(m)),
    section('records', 'TLS record size per response vs the modem limit, and the range size asked', recordsChart(m)),
    section('certs', 'Certificate probes per host', probesTable(m)),
    section('summary-section', 'Summary', summaryTable(m)),
    section(
      'events-section',
      'Notable events',
      el('details', { open: m.events.length <= EVENTS_OPEN_MAX }, el('summary', {}, esc(`${fmtInt(m.events.length)} events`)) + eventsList(m)),
    ),
  ];
  const unknown = m.unknownKinds > 0 ? ` · ${fmtInt(m.unknownKinds)} entries of kinds this report does not know were skipped` : '';

  return (
    '<!DOCTYPE html>\n' +
    '<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    // No network access at all: a report opened from a mail or a ticket must not call out.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${esc(title)}${s.final ? ` — ${esc(s.final)}` : ''}</title>` +
    `<style>${REPORT_CSS}</style></head><body><main>` +
    el('h1', {}, esc(title)) +
    el('p', { class: 'sub' }, esc(subtitle)) +
    banner(m) +
    powerCutBanners(m) +
    cards(m) +
    sections.join('\n') +
    el('footer', {}, esc(`fotakit run report${unknown}`)) +
    '</main></body></html>\n'
  );
}

function section(id: string, heading: string, body: string): string {
  return el('section', { id }, el('h2', {}, esc(heading)) + body);
}

/** One banner per power cut: where it cut (flash operation, agent state), not just "board boots (power-cut)". */
function powerCutBanners(m: RunModel): string {
  return m.powerCuts
    .map((c, i) =>
      el(
        'div',
        { class: 'banner rolled', id: `power-cut-${i + 1}`, role: 'status' },
        el('div', { class: 'big' }, esc(`POWER CUT at ${fmtMs(c.t)}`)) + el('div', {}, esc(`${powerCutText(c)}; the board booted again and the agent resumed from its persisted record`)),
      ),
    )
    .join('');
}

function banner(m: RunModel): string {
  const f = m.failure;
  if (!f) return '';
  const rolled = f.final === 'rolled-back' || f.final === 'reverting';
  const label = rolled ? 'ROLLED BACK' : f.final === 'failed' ? 'FAILED' : `ENDED ${f.final.toUpperCase()}`;
  return el(
    'div',
    { class: rolled ? 'banner rolled' : 'banner', id: 'failure', role: 'alert' },
    el('div', { class: 'big' }, `${esc(label)} — ${el('code', {}, esc(f.code))}`) + el('div', {}, esc(f.message)),
  );
}

function cards(m: RunModel): string {
  const s = m.summary;
  const items: [string, string, string?][] = [
    ['final state', s.final, finalClass(s.final)],
    ['version', `${s.fromVersion ?? '?'} → ${s.version ?? '?'}`],
    ['duration', fmtMs(s.seconds * MS_PER_S)],
    ['downloaded', fmtBytes(s.bytes)],
    ['requests / retries', `${fmtInt(s.requests)} / ${fmtInt(s.retries)}`, s.retries > 0 ? 'warn' : undefined],
    [
      'largest record vs limit',
      s.maxRecordBytes > 0 && s.recordSizesKnown !== false ? `${fmtInt(s.maxRecordBytes)} B · ${trim((100 * s.maxRecordBytes) / s.recordLimit, 1)}%` : RECORD_SIZE_UNKNOWN_TEXT,
      s.maxRecordBytes > s.recordLimit ? 'bad' : undefined,
    ],
  ];
  if (s.refusedRecords) {
    items.push(['refused records', `${fmtInt(s.refusedRecords)} · largest ${fmtInt(s.largestRefusedRecordBytes ?? 0)} B`, 'bad']);
  }
  if (s.pipeline?.offReason) items.push(['pipelining', `off: ${s.pipeline.why ?? s.pipeline.offReason}`, 'warn']);
  if (s.linkLimitSeconds !== undefined && s.seconds > 0) {
    items.push(['link efficiency', `${trim((100 * s.linkLimitSeconds) / s.seconds, 1)}%`]);
  }
  return el(
    'div',
    { class: 'cards' },
    items
      .map(([k, v, cls]) => el('div', { class: 'card', title: `${k}: ${v}` }, el('div', { class: 'k' }, esc(k)) + el('div', { class: cls ? `v ${cls}` : 'v' }, esc(v))))
      .join(''),
  );
}

/** Colour class of a final state: success, failure, or a run that stopped somewhere in between. */
export function finalClass(final: string): 'ok' | 'bad' | 'warn' {
  if (final === 'confirmed' || final === 'idle') return 'ok';
  if (final === 'failed' || final === 'rolled-back' || final === 'reverting') return 'bad';
  return 'warn';
}

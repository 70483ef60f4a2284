/**
 * The report's tables: the run summary, the certificate probes per host (which root CA failed and
 * why), and the notable events in order. Every value is escaped; long lists are capped.
 */
import { el, esc, fmtBytes, fmtInt, fmtMs, trim } from './html.ts';
import { powerCutText, type NotableEvent, type ProbeRow, type RunModel } from './model.ts';
import { RECORD_SIZE_UNKNOWN_TEXT } from '../fota/run-log.ts';

/** Rows of the probe table beyond this are counted, not listed. */
export const REPORT_PROBE_ROWS_MAX = 400;
/** Rows of the event list beyond this are counted, not listed (first and last halves shown). */
export const REPORT_EVENT_ROWS_MAX = 400;

const GOOD_FINALS = ['confirmed', 'idle'];
const BAD_FINALS = ['failed', 'rolled-back', 'reverting'];

function row(cells: readonly string[], cls?: string): string {
  return el('tr', { class: cls }, cells.join(''));
}
function th(text: string): string {
  return el('th', {}, esc(text));
}
function td(html: string, cls?: string): string {
  return el('td', { class: cls }, html);
}

export function summaryTable(m: RunModel): string {
  const s = m.summary;
  const rows: [string, string][] = [];
  const finalCls = GOOD_FINALS.includes(s.final) ? 'ok' : BAD_FINALS.includes(s.final) ? 'bad' : 'warn';
  rows.push(['final state', el('span', { class: `badge ${finalCls}` }, esc(s.final))]);
  rows.push(['version', `${esc(s.fromVersion ?? '?')} → ${esc(s.version ?? '?')}`]);
  if (s.reason) rows.push(['reason', el('span', { class: 'bad' }, `${el('code', {}, esc(s.reason.code))} ${esc(s.reason.message)}`)]);
  if (s.board) rows.push(['board', esc(s.board)]);
  if (s.link) rows.push(['link', esc(s.link)]);
  rows.push(['bytes downloaded', `${esc(fmtInt(s.bytes))} B (${esc(fmtBytes(s.bytes))})`]);
  rows.push(['requests', esc(fmtInt(s.requests))]);
  rows.push(['retries', el('span', { class: s.retries > 0 ? 'warn' : undefined }, esc(fmtInt(s.retries)))]);
  const connects = m.connections.filter((c) => c.what === 'connect').length;
  const reconnects = m.connections.filter((c) => c.what === 'reconnect');
  if (connects > 0 || reconnects.length > 0) {
    const codes = reconnects.length > 0 ? ` (${countBy(reconnects.map((c) => c.code ?? 'no code'))})` : '';
    rows.push(['connections', esc(`${fmtInt(connects)} connects, ${fmtInt(reconnects.length)} reconnects${codes}`)]);
  }
  rows.push(['duration', esc(`${trim(s.seconds, 1)} s${s.seconds >= 600 ? ` (${fmtMs(s.seconds * 1000)})` : ''}`)]);
  if (s.linkLimitSeconds !== undefined) {
    const eff = s.seconds > 0 ? (100 * s.linkLimitSeconds) / s.seconds : NaN;
    rows.push([
      'efficiency vs link limit',
      `${el('strong', {}, esc(Number.isFinite(eff) ? `${trim(eff, 1)}%` : '–'))} — the shaped link needs at least ${esc(trim(s.linkLimitSeconds, 1))} s for these bytes`,
    ]);
  } else {
    rows.push(['efficiency vs link limit', el('span', { class: 'muted' }, 'not known (link not shaped)')]);
  }
  const limit = s.recordLimit;
  const rec =
    s.maxRecordBytes > 0 && s.recordSizesKnown !== false
      ? s.maxRecordBytes > limit
        ? el('span', { class: 'bad' }, esc(`${fmtInt(s.maxRecordBytes)} B of ${fmtInt(limit)} B — ${fmtInt(s.maxRecordBytes - limit)} B OVER`))
        : esc(`${fmtInt(s.maxRecordBytes)} B of ${fmtInt(limit)} B (${trim((100 * s.maxRecordBytes) / limit, 1)}%, ${fmtInt(limit - s.maxRecordBytes)} B headroom)`)
      : el('span', { class: 'muted' }, esc(`${RECORD_SIZE_UNKNOWN_TEXT} (limit ${fmtInt(limit)} B)`));
  rows.push(['largest accepted TLS record vs limit', rec]);
  // Refused records (EMSGSIZE) are never the "largest record": they get their own row. The summary's
  // count when it has one, else the responses over their limit.
  const seen = m.responses.filter((r) => r.recordLimit > 0 && r.recordBytes > r.recordLimit);
  const refusedCount = s.refusedRecords ?? seen.length;
  const refusedLargest = s.largestRefusedRecordBytes ?? seen.reduce((a, r) => Math.max(a, r.recordBytes), 0);
  if (refusedCount > 0) {
    rows.push([
      'refused TLS records',
      el('span', { class: 'bad' }, esc(`${fmtInt(refusedCount)} refused by the modem (EMSGSIZE), largest ${fmtInt(refusedLargest)} B`)),
    ]);
  }
  if (s.pipeline) {
    const p = s.pipeline;
    const text = p.offReason
      ? `off at the end: ${p.why ?? p.offReason}${p.recoveries > 0 ? ` (switched back on ${p.recoveries}×)` : ''}`
      : `${p.depth} in flight${p.requestsPerConnection !== undefined ? `, at most ${p.requestsPerConnection} per connection (the server's limit)` : ''}${p.recoveries > 0 ? `, back on after failures ${p.recoveries}×` : ''}`;
    rows.push(['pipelining', p.offReason ? el('span', { class: 'warn' }, esc(text)) : esc(text)]);
  }
  for (const c of s.powerCuts ?? []) rows.push(['power cut', el('span', { class: 'bad' }, esc(powerCutText(c)))]);
  const failedProbes = m.probes.filter((p) => !p.ok).length;
  rows.push(['certificate probes', esc(`${fmtInt(s.probes)}${failedProbes > 0 ? ` (${failedProbes} failed)` : ''}`)]);
  rows.push(['reboots', esc(fmtInt(s.reboots))]);
  const body = rows.map(([k, v]) => row([el('th', { scope: 'row' }, esc(k)), td(v)])).join('');
  const note = s.derived ? el('p', { class: 'muted small' }, 'The run log has no summary entry: these figures were derived from its other entries.') : '';
  return el('table', { class: 'summary', id: 'summary' }, body) + note;
}

export function probesTable(m: RunModel): string {
  if (m.probes.length === 0) return el('p', { class: 'muted' }, 'No certificate probes in this run (no root CA was selected by handshake).');
  // Group by host, hosts in order of their first probe; probes of a host in time order.
  const hosts: string[] = [];
  for (const p of m.probes) if (!hosts.includes(p.host)) hosts.push(p.host);
  const ordered: ProbeRow[] = hosts.flatMap((h) => m.probes.filter((p) => p.host === h));
  const shown = ordered.slice(0, REPORT_PROBE_ROWS_MAX);
  const head = row(['host', 'sec_tag', 'CA name', 'outcome', 'ms', 'via', 'at'].map(th));
  let body = '';
  let prevHost: string | undefined;
  for (const p of shown) {
    const first = p.host !== prevHost;
    prevHost = p.host;
    const outcome = p.ok
      ? el('span', { class: 'badge ok' }, '✓ ok')
      : `${el('span', { class: 'badge bad' }, `✗ ${esc(p.code ?? 'error')}`)}${p.message ? ` ${el('span', { class: 'msg' }, esc(p.message))}` : ''}`;
    body += row(
      [
        td(first ? `${el('strong', {}, esc(p.host))}${el('span', { class: 'muted' }, esc(`:${p.port}`))}` : ''),
        td(esc(p.secTag), 'num'),
        td(esc(p.name)),
        td(outcome),
        td(esc(fmtInt(p.ms)), 'num'),
        td(esc(p.via), 'nowrap'),
        td(esc(fmtMs(p.t)), 'num'),
      ],
      `${p.ok ? 'probe-ok' : 'probe-bad'}${first ? ' host-first' : ''}`,
    );
  }
  const more = ordered.length > shown.length ? el('p', { class: 'muted small' }, esc(`… and ${fmtInt(ordered.length - shown.length)} more probes not listed.`)) : '';
  const verdicts = hosts
    .map((h) => {
      const ps = m.probes.filter((p) => p.host === h);
      const winner = [...ps].reverse().find((p) => p.ok);
      const failed = ps.filter((p) => !p.ok).length;
      return el(
        'li',
        {},
        `${el('strong', {}, esc(h))}: ${
          winner
            ? `validated by ${el('strong', {}, esc(winner.name))} (sec_tag ${esc(winner.secTag)})${failed > 0 ? ` after ${failed} failed candidate${failed === 1 ? '' : 's'}` : ' at the first try'}`
            : el('span', { class: 'bad' }, esc(`no root CA validated this host (${failed} tried)`))
        }`,
      );
    })
    .join('');
  return el('ul', { class: 'verdicts' }, verdicts) + el('table', { class: 'probes', id: 'probes' }, el('thead', {}, head) + el('tbody', {}, body)) + more;
}

export function eventsList(m: RunModel): string {
  const ev = m.events;
  if (ev.length === 0) return el('p', { class: 'muted' }, 'No notable events.');
  let shown: (NotableEvent | undefined)[] = ev;
  if (ev.length > REPORT_EVENT_ROWS_MAX) {
    const half = Math.floor(REPORT_EVENT_ROWS_MAX / 2);
    shown = [...ev.slice(0, half), undefined, ...ev.slice(ev.length - half)];
  }
  const body = shown
    .map((e) =>
      e === undefined
        ? row([el('td', { colspan: 3, class: 'muted' }, esc(`… ${fmtInt(ev.length - 2 * Math.floor(REPORT_EVENT_ROWS_MAX / 2))} events not listed …`))])
        : row([td(esc(fmtMs(e.t)), 'num'), td(esc(e.what)), td(esc(e.detail))], `ev-${e.level}`),
    )
    .join('');
  return el('table', { class: 'events', id: 'events' }, el('thead', {}, row(['at', 'what', 'detail'].map(th))) + el('tbody', {}, body));
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}× ${v}`).join(', ');
}

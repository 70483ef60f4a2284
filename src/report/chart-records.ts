/**
 * Every response's largest TLS record against the modem's record limit (2303 bytes on the nRF9160,
 * nrf91-fota.md "EMSGSIZE"): bars with the HTTP header share darker, the limit as a line, and the
 * range size the downloader asked for as a second series. Huge runs group responses into one bar each.
 */
import { groupConsecutive } from './downsample.ts';
import { el, esc, fmtInt, num, trim } from './html.ts';
import type { ResponsePoint, RunModel } from './model.ts';
import { RECORD_SIZE_UNKNOWN_TEXT } from '../fota/run-log.ts';
import { linearScale, niceMax, niceTicks, unitTicks } from './scale.ts';
import { PLOT_LEFT_PX, PLOT_WIDTH_PX, X_AXIS_BAND_PX, legend, placeholder, svgDoc, tip, xAxis, yAxis } from './svg.ts';

const TOP_BAND_PX = 40;
const PLOT_HEIGHT_PX = 210;
const Y_TICKS = 6;
const X_TICKS = 12;
/** At most one bar per this many pixels. */
const MIN_BAND_PX = 3;
const MAX_BARS = Math.floor(PLOT_WIDTH_PX / MIN_BAND_PX);
/** Headroom above the limit line so it never sits on the plot's top edge. */
const LIMIT_HEADROOM_SHARE = 0.12;
/** Range points get a dot when there are at most this many bars. */
const RANGE_DOTS_MAX = 150;

interface Bar {
  from: number;
  to: number;
  /** The response with the largest record in the group (drawn). */
  top: ResponsePoint;
  record: number;
  estimated: boolean;
  limit: number;
  range: number;
  over: number;
}

/** The record size drawn for a response: the modem's figure, or header + body when it is unknown (0). */
function recordOf(r: ResponsePoint): { bytes: number; estimated: boolean } {
  return r.recordBytes > 0 ? { bytes: r.recordBytes, estimated: false } : { bytes: r.headerBytes + r.bodyBytes, estimated: true };
}

function toBar(group: readonly ResponsePoint[]): Bar {
  let top = group[0]!;
  for (const r of group) if (recordOf(r).bytes > recordOf(top).bytes) top = r;
  const rec = recordOf(top);
  return {
    from: group[0]!.index,
    to: group[group.length - 1]!.index,
    top,
    record: rec.bytes,
    estimated: rec.estimated,
    limit: group.reduce((a, r) => (r.recordLimit > 0 ? Math.min(a, r.recordLimit) : a), Infinity),
    range: group.reduce((a, r) => Math.max(a, r.rangeBytes), 0),
    over: group.filter((r) => r.recordLimit > 0 && recordOf(r).bytes > r.recordLimit).length,
  };
}

export function recordsChart(m: RunModel): string {
  const plotTop = TOP_BAND_PX;
  const plotBottom = plotTop + PLOT_HEIGHT_PX;
  const right = PLOT_LEFT_PX + PLOT_WIDTH_PX;
  const height = plotBottom + X_AXIS_BAND_PX + 4;
  const bars = groupConsecutive(m.responses, MAX_BARS).map(toBar);
  const limitMax = bars.reduce((a, b) => (Number.isFinite(b.limit) ? Math.max(a, b.limit) : a), m.summary.recordLimit);
  const dataMax = bars.reduce((a, b) => Math.max(a, b.record, b.range), 0);
  const yMax = niceMax(Math.max(limitMax * (1 + LIMIT_HEADROOM_SHARE), dataMax * 1.04), Y_TICKS);
  const y = linearScale(0, yMax, plotBottom, plotTop);
  const n = m.responses.length;
  const x = linearScale(0.5, Math.max(1, n) + 0.5, PLOT_LEFT_PX, right);

  let body = yAxis(y, unitTicks(0, yMax, { divisor: 1, suffix: 'B' }, Y_TICKS), PLOT_LEFT_PX, right, 'bytes');
  if (bars.length === 0) {
    body += placeholder(PLOT_LEFT_PX + 1, plotTop, right, plotBottom - 1, 'No HTTP responses recorded in this run');
  } else {
    const band = PLOT_WIDTH_PX / bars.length;
    const width = band >= 4 ? band * 0.72 : Math.max(1, band - 0.5);
    bars.forEach((b, i) => {
      const cx = PLOT_LEFT_PX + band * (i + 0.5);
      const x0 = cx - width / 2;
      const yTop = y(b.record);
      const header = Math.min(b.top.headerBytes, b.record);
      const cls = b.over > 0 ? 'rec over' : b.estimated ? 'rec est' : 'rec';
      body += el('rect', { class: `mark ${cls}`, x: x0, y: yTop, width, height: Math.max(0, plotBottom - yTop) }, tip(barText(b)));
      if (header > 0) {
        const yh = y(header);
        body += el('rect', { class: 'rec-hdr', x: x0, y: yh, width, height: Math.max(0, plotBottom - yh) });
      }
    });
    // The limit as a step line (it is one value in practice; a change would show as a step).
    let limitPath = '';
    bars.forEach((b, i) => {
      if (!Number.isFinite(b.limit)) return;
      const x0 = PLOT_LEFT_PX + band * i;
      limitPath += `${limitPath === '' ? 'M' : 'L'}${num(x0)} ${num(y(b.limit))}L${num(x0 + band)} ${num(y(b.limit))}`;
    });
    if (limitPath !== '') {
      const last = [...bars].reverse().find((b) => Number.isFinite(b.limit))!;
      body += el('path', { class: 'mark limit', d: limitPath }, tip(`modem TLS record limit: ${fmtInt(last.limit)} B (a larger record fails with EMSGSIZE)`));
      body += el('text', { class: 'limit-label', x: right - 4, y: y(last.limit) - 6, 'text-anchor': 'end' }, esc(`modem record limit ${fmtInt(last.limit)} B`));
    }
    // Range size asked for: a line through the bar centres (broken where no range was asked).
    let rangePath = '';
    let pen = false;
    bars.forEach((b, i) => {
      if (b.range <= 0) {
        pen = false;
        return;
      }
      const cx = PLOT_LEFT_PX + band * (i + 0.5);
      rangePath += `${pen ? 'L' : 'M'}${num(cx)} ${num(y(b.range))}`;
      pen = true;
    });
    if (rangePath !== '') body += el('path', { class: 'mark range', d: rangePath });
    if (bars.length <= RANGE_DOTS_MAX) {
      bars.forEach((b, i) => {
        if (b.range > 0) body += el('circle', { class: 'range-dot', cx: PLOT_LEFT_PX + band * (i + 0.5), cy: y(b.range), r: 2.5 });
      });
    }
    body += el('text', { class: `note strong${bars.some((b) => b.over > 0) ? ' bad' : ''}`, x: PLOT_LEFT_PX + 6, y: plotTop - 10 }, esc(headline(m, bars)));
  }
  body += el('rect', { class: 'frame', x: PLOT_LEFT_PX, y: plotTop, width: PLOT_WIDTH_PX, height: PLOT_HEIGHT_PX });
  const ticks = niceTicks(1, Math.max(1, n), X_TICKS)
    .filter((v) => Number.isInteger(v) && v >= 1)
    .map((v) => ({ value: v, label: fmtInt(v) }));
  body += xAxis(x, n > 0 ? ticks : [], plotBottom, n > bars.length ? `response # (in download order; one bar = up to ${Math.ceil(n / bars.length)} responses, the largest)` : 'response # (in download order)');
  body += legend(
    [
      { label: 'TLS record', cls: 'rec', shape: 'box' as const },
      ...(bars.some((b) => b.estimated) ? [{ label: `record size ${RECORD_SIZE_UNKNOWN_TEXT}: HTTP header + body drawn`, cls: 'rec est', shape: 'box' as const }] : []),
      { label: 'HTTP header part', cls: 'rec-hdr', shape: 'box' as const },
      { label: 'over the limit', cls: 'rec over', shape: 'box' as const },
      { label: 'range asked', cls: 'range', shape: 'line' as const },
      { label: 'record limit', cls: 'limit', shape: 'dash' as const },
    ],
    right,
    16,
  );
  return svgDoc('chart-records', height, 'TLS record size of every response against the modem limit, and the range size asked', body);
}

function barText(b: Bar): string {
  const r = b.top;
  const who = b.from === b.to ? `response #${b.from}` : `responses #${b.from}–#${b.to}, largest #${r.index}`;
  const limit = Number.isFinite(b.limit) ? b.limit : 0;
  const vs =
    limit > 0
      ? b.record > limit
        ? `${fmtInt(b.record - limit)} B OVER the ${fmtInt(limit)} B limit`
        : `${fmtInt(limit - b.record)} B under the ${fmtInt(limit)} B limit (${trim((100 * b.record) / limit, 1)}%)`
      : 'no limit known';
  const over = b.from !== b.to && b.over > 0 ? `; ${b.over} over the limit` : '';
  return (
    (b.estimated
      ? `${who} (HTTP ${r.status}, ${r.host}): record size ${RECORD_SIZE_UNKNOWN_TEXT} (HTTP header + body ${fmtInt(b.record)} B drawn), ${vs}; `
      : `${who} (HTTP ${r.status}, ${r.host}): record ${fmtInt(b.record)} B, ${vs}; `) +
    `header ${fmtInt(r.headerBytes)} B + body ${fmtInt(r.bodyBytes)} B; range asked ${r.rangeBytes > 0 ? `${fmtInt(r.rangeBytes)} B` : 'none'}${over}`
  );
}

function headline(m: RunModel, bars: readonly Bar[]): string {
  const over = m.responses.filter((r) => r.recordLimit > 0 && recordOf(r).bytes > r.recordLimit).length;
  const largest = bars.reduce((a, b) => (b.record > a.record ? b : a), bars[0]!);
  const limit = Number.isFinite(largest.limit) ? largest.limit : m.summary.recordLimit;
  const base = `${fmtInt(m.responses.length)} responses · largest record ${fmtInt(largest.record)} B (#${largest.top.index})`;
  if (over > 0) return `${base} · ${over} response${over === 1 ? '' : 's'} OVER the ${fmtInt(limit)} B limit`;
  return `${base} = ${trim((100 * largest.record) / limit, 1)}% of the ${fmtInt(limit)} B limit, ${fmtInt(limit - largest.record)} B headroom`;
}

/**
 * Bytes downloaded over time (area chart) with the image size, stalls (no progress for much longer
 * than usual), retries, reconnects (with their error codes) and reboots marked on the shared time axis.
 */
import { clusterByPixel, downsampleMinMax } from './downsample.ts';
import { el, esc, fmtBytes, fmtInt, fmtMs, num, trim } from './html.ts';
import type { BootMark, ConnectionMark, ProgressPoint, RunModel } from './model.ts';
import { byteUnit, linearScale, niceMax, unitTicks } from './scale.ts';
import { timeAxis } from './chart-time.ts';
import { CHAR_WIDTH_PX, PLOT_LEFT_PX, PLOT_WIDTH_PX, X_AXIS_BAND_PX, labelled, legend, placeholder, svgDoc, tip, xAxis, yAxis } from './svg.ts';

const TOP_BAND_PX = 40;
const PLOT_HEIGHT_PX = 200;
const Y_TICKS = 5;
/** Invisible hover targets along the curve (each with a tooltip). */
const HOVER_POINTS = 120;
/** A gap without progress counts as a stall when longer than this… */
const STALL_MIN_MS = 3000;
/** …and longer than this many times the median gap between progress reports. */
const STALL_MEDIAN_FACTOR = 5;
/** Only the longest stalls are drawn. */
const STALLS_MAX = 40;
/** Top of the byte axis when nothing was downloaded. */
const EMPTY_AXIS_BYTES = 1024;
/** Buckets of the shortest curve (a curve per boot). */
const MIN_BUCKETS_PER_CURVE = 8;
/** Marks closer than this share one line. */
const MARK_MERGE_PX = 3;

export interface Stall {
  t0: number;
  t1: number;
  bytes: number;
}

/** Gaps between progress reports much longer than usual, longest first (at most STALLS_MAX). */
export function findStalls(progress: readonly ProgressPoint[]): Stall[] {
  if (progress.length < 2) return [];
  const gaps: number[] = [];
  for (let i = 1; i < progress.length; i++) gaps.push(progress[i]!.t - progress[i - 1]!.t);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
  const threshold = Math.max(STALL_MIN_MS, median * STALL_MEDIAN_FACTOR);
  const stalls: Stall[] = [];
  for (let i = 1; i < progress.length; i++) {
    const a = progress[i - 1]!;
    const b = progress[i]!;
    if (b.t - a.t > threshold) stalls.push({ t0: a.t, t1: b.t, bytes: a.bytes });
  }
  return stalls.sort((p, q) => q.t1 - q.t0 - (p.t1 - p.t0)).slice(0, STALLS_MAX);
}

/** Progress split into one series per boot (a board boot between two points starts a new series). */
export function splitAtBoots(progress: readonly ProgressPoint[], boots: readonly BootMark[]): ProgressPoint[][] {
  const runs: ProgressPoint[][] = [];
  let b = 0;
  let prevT = -Infinity;
  for (const p of progress) {
    let rebooted = false;
    while (b < boots.length && boots[b]!.t <= p.t) {
      if (boots[b]!.t > prevT) rebooted = true;
      b++;
    }
    const current = runs[runs.length - 1];
    if (!current || rebooted) runs.push([p]);
    else current.push(p);
    prevT = p.t;
  }
  return runs;
}

export function downloadChart(m: RunModel): string {
  const axis = timeAxis(m);
  const { x } = axis;
  const plotTop = TOP_BAND_PX;
  const plotBottom = plotTop + PLOT_HEIGHT_PX;
  const right = PLOT_LEFT_PX + PLOT_WIDTH_PX;
  const height = plotBottom + X_AXIS_BAND_PX + 4;
  const total = m.progress.reduce((a, p) => Math.max(a, p.total), 0);
  const top = m.progress.reduce((a, p) => Math.max(a, p.bytes), total);
  // An empty chart still gets a sensible byte axis (not 0.2 B steps).
  const yMax = niceMax(Math.max(top, EMPTY_AXIS_BYTES), Y_TICKS);
  const unit = byteUnit(yMax);
  const y = linearScale(0, yMax, plotBottom, plotTop);

  let body = yAxis(y, unitTicks(0, yMax, unit, Y_TICKS), PLOT_LEFT_PX, right, `downloaded (${unit.suffix})`);
  const reconnects = m.connections.filter((c) => c.what === 'reconnect');

  if (m.progress.length === 0) {
    body += placeholder(PLOT_LEFT_PX + 1, plotTop, right, plotBottom - 1, 'No download in this run');
  } else {
    for (const s of findStalls(m.progress)) {
      body += el(
        'rect',
        { class: 'mark stall', x: x(s.t0), y: plotTop, width: Math.max(1, x(s.t1) - x(s.t0)), height: PLOT_HEIGHT_PX },
        tip(`stall: no progress for ${fmtMs(s.t1 - s.t0)} (${fmtMs(s.t0)} → ${fmtMs(s.t1)}) at ${fmtBytes(s.bytes)}`),
      );
    }
    if (total > 0) {
      body += el('line', { class: 'total', x1: PLOT_LEFT_PX, y1: y(total), x2: right, y2: y(total) });
      body += el('text', { class: 'note', x: right - 4, y: y(total) - 5, 'text-anchor': 'end' }, esc(`image ${fmtBytes(total)}`));
    }
    // One curve per boot: progress after a reboot resumes from what was persisted, not from where
    // the line was; joining them would draw a download that never happened.
    const runs = splitAtBoots(m.progress, m.boots);
    const spanAll = Math.max(1, m.progress[m.progress.length - 1]!.t - m.progress[0]!.t);
    const pts: ProgressPoint[] = [];
    for (const run of runs) {
      const share = (run[run.length - 1]!.t - run[0]!.t) / spanAll;
      const sampled = downsampleMinMax(run, (p) => p.t, (p) => p.bytes, Math.max(MIN_BUCKETS_PER_CURVE, Math.round(PLOT_WIDTH_PX * share)));
      pts.push(...sampled);
      if (sampled.length === 1) {
        const p = sampled[0]!;
        body += el('circle', { class: 'mark curve-dot', cx: x(p.t), cy: y(p.bytes), r: 4 }, tip(progressText(p)));
        continue;
      }
      const line = sampled.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p.t))} ${num(y(p.bytes))}`).join('');
      const first = sampled[0]!;
      const last = sampled[sampled.length - 1]!;
      body += el('path', { class: 'mark area', d: `${line}L${num(x(last.t))} ${num(plotBottom)}L${num(x(first.t))} ${num(plotBottom)}Z` });
      body += el('path', { class: 'mark curve', d: line });
    }
    const stride = Math.max(1, Math.ceil(pts.length / HOVER_POINTS));
    for (let i = 0; i < pts.length; i += stride) {
      const p = pts[i]!;
      body += el('circle', { class: 'hover', cx: x(p.t), cy: y(p.bytes), r: 6 }, tip(progressText(p)));
    }
    for (const r of m.retries) {
      body += el('circle', { class: 'mark retry', cx: x(r.t), cy: y(r.bytes), r: 4.5 }, tip(`${fmtMs(r.t)}: retry #${r.retries} at ${fmtBytes(r.bytes)}`));
    }
    const first = m.progress[0]!;
    const last = m.progress[m.progress.length - 1]!;
    const spanS = (last.t - first.t) / 1000;
    const gained = last.bytes - first.bytes;
    if (spanS > 0 && gained > 0) {
      body += el(
        'text',
        { class: 'note strong', x: PLOT_LEFT_PX + 6, y: plotTop - 10 },
        esc(`average ${fmtBytes(gained / spanS)}/s over ${fmtMs(last.t - first.t)} · ${fmtInt(m.summary.requests)} requests · ${fmtInt(m.summary.retries)} retries`),
      );
    }
  }

  // Reboots (faint) and reconnects (with codes) across the plot.
  for (const c of clusterByPixel(m.boots, (b) => x(b.t), MARK_MERGE_PX)) {
    const px = x(c[0]!.t);
    body += el(
      'line',
      { class: 'mark boot-line wide', x1: px, y1: plotTop, x2: px, y2: plotBottom },
      tip(c.map((b) => `${fmtMs(b.t)}: board boot (${b.reason}), MCUboot started ${b.version ?? 'no valid image'}`).join('\n')),
    );
  }
  const clusters = clusterByPixel(reconnects, (c) => x(c.t), MARK_MERGE_PX);
  const labels = clusters.map(reconnectLabel);
  const show = labelled(
    clusters.map((c) => x(c[0]!.t)),
    labels.reduce((a, l) => Math.max(a, l.length * CHAR_WIDTH_PX + 8), 30),
  );
  clusters.forEach((c, k) => {
    const px = x(c[0]!.t);
    body += el(
      'line',
      { class: 'mark reconnect', x1: px, y1: plotTop - 2, x2: px, y2: plotBottom },
      tip(c.map((r) => `${fmtMs(r.t)}: reconnect to ${r.host}${r.code ? ` after ${r.code}` : ''}`).join('\n')),
    );
    if (show[k]) body += el('text', { class: 'reconnect-label', x: px + 3, y: plotTop + 11 }, esc(labels[k]!));
  });

  body += el('rect', { class: 'frame', x: PLOT_LEFT_PX, y: plotTop, width: PLOT_WIDTH_PX, height: PLOT_HEIGHT_PX });
  body += xAxis(x, axis.ticks, plotBottom, axis.title);
  body += legend(
    [
      { label: 'downloaded', cls: 'curve', shape: 'line' },
      { label: 'image size', cls: 'total', shape: 'dash' },
      { label: 'stall', cls: 'stall', shape: 'box' },
      { label: 'retry', cls: 'retry', shape: 'dot' },
      { label: 'reconnect (code)', cls: 'reconnect', shape: 'vline' },
      { label: 'board boot', cls: 'boot-line wide', shape: 'vline' },
    ],
    right,
    16,
  );
  return svgDoc('chart-download', height, 'Bytes downloaded over time, with retries, reconnects and reboots', body);
}

function progressText(p: ProgressPoint): string {
  const share = p.total > 0 ? ` (${trim((100 * p.bytes) / p.total, 1)}%)` : '';
  return `${fmtMs(p.t)}: ${fmtInt(p.bytes)} of ${fmtInt(p.total)} B${share}, ${fmtInt(p.requests)} requests, ${fmtInt(p.retries)} retries, range ${fmtInt(p.rangeBytes)} B`;
}

function reconnectLabel(c: readonly ConnectionMark[]): string {
  const codes = [...new Set(c.map((r) => r.code ?? 'reconnect'))];
  return c.length === 1 ? codes[0]! : `${c.length}× ${codes.slice(0, 2).join(', ')}${codes.length > 2 ? ', …' : ''}`;
}

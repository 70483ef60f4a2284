/**
 * The run's timeline: one swimlane per agent state (Gantt-like bars, in the transition table's order)
 * and a board lane with reboots and reset requests; reboots also cut across every lane.
 */
import { AGENT_STATES } from '../fota/agent/transitions.ts';
import { clusterByPixel } from './downsample.ts';
import { el, esc, fmtMs } from './html.ts';
import type { BootMark, ResetMark, RunModel, StateSegment } from './model.ts';
import { timeAxis } from './chart-time.ts';
import { CHAR_WIDTH_PX, PLOT_LEFT_PX, PLOT_WIDTH_PX, X_AXIS_BAND_PX, labelled, legend, svgDoc, tip, xAxis } from './svg.ts';

const TOP_BAND_PX = 48;
const LANE_PX = 24;
const BAR_PX = 16;
const BOARD_LANE_PX = 30;
/** Bars shorter than this are widened so a short state stays visible. */
const MIN_BAR_PX = 3;
/** Segments of one lane closer than this merge into one bar (huge runs stay small). */
const MERGE_GAP_PX = 1;
/** Reboots closer than this share one marker. */
const BOOT_MERGE_PX = 3;

/** The CSS class of a state's bars; unknown states share one. */
export function stateClass(state: string): string {
  return (AGENT_STATES as readonly string[]).includes(state) ? `st-${state}` : 'st-other';
}

export function timelineChart(m: RunModel): string {
  const axis = timeAxis(m);
  const { x } = axis;
  const known = AGENT_STATES.filter((s) => m.segments.some((g) => g.state === s)) as string[];
  const unknown = [...new Set(m.segments.map((g) => g.state).filter((s) => !known.includes(s)))];
  const lanes = [...known, ...unknown];
  const lanesTop = TOP_BAND_PX;
  const boardTop = lanesTop + lanes.length * LANE_PX;
  const axisY = boardTop + BOARD_LANE_PX + 6;
  const height = axisY + X_AXIS_BAND_PX;
  const right = PLOT_LEFT_PX + PLOT_WIDTH_PX;

  let body = '';
  // Lane backgrounds and labels.
  lanes.forEach((state, i) => {
    const y = lanesTop + i * LANE_PX;
    body += el('rect', { class: i % 2 === 0 ? 'lane' : 'lane alt', x: PLOT_LEFT_PX, y, width: PLOT_WIDTH_PX, height: LANE_PX });
    body += el('text', { class: 'lane-label', x: PLOT_LEFT_PX - 8, y: y + LANE_PX / 2 + 4, 'text-anchor': 'end' }, esc(state));
  });
  body += el('rect', { class: 'lane board', x: PLOT_LEFT_PX, y: boardTop, width: PLOT_WIDTH_PX, height: BOARD_LANE_PX });
  body += el('text', { class: 'lane-label', x: PLOT_LEFT_PX - 8, y: boardTop + BOARD_LANE_PX / 2 + 4, 'text-anchor': 'end' }, 'board');
  if (lanes.length === 0) {
    body += el('text', { class: 'empty-text', x: PLOT_LEFT_PX + 8, y: lanesTop - 8 }, 'no agent state changes in this run log');
  }

  // State bars, merged per lane at pixel resolution.
  lanes.forEach((state, i) => {
    const y = lanesTop + i * LANE_PX + (LANE_PX - BAR_PX) / 2;
    const segs = m.segments.filter((g) => g.state === state).map((g) => ({ ...g, t1: g === m.segments[m.segments.length - 1] ? axis.end : g.t1 }));
    const clusters: StateSegment[][] = [];
    for (const g of segs) {
      const cur = clusters[clusters.length - 1];
      const last = cur?.[cur.length - 1];
      if (cur && last && x(g.t0) <= x(last.t1) + MERGE_GAP_PX) cur.push(g);
      else clusters.push([g]);
    }
    for (const c of clusters) {
      const first = c[0]!;
      const t0 = first.t0;
      const t1 = c.reduce((a, g) => Math.max(a, g.t1), t0);
      const x0 = x(t0);
      const w = Math.max(MIN_BAR_PX, x(t1) - x0);
      const spent = c.reduce((a, g) => a + (g.t1 - g.t0), 0);
      const reason = c.find((g) => g.reason)?.reason;
      const text =
        c.length === 1
          ? `${state}: ${fmtMs(t0)} → ${fmtMs(t1)} (${fmtMs(t1 - t0)}), entered on ${first.event}${reason ? ` — ${reason.code}: ${reason.message}` : ''}`
          : `${state} ×${c.length}: ${fmtMs(t0)} → ${fmtMs(t1)}, ${fmtMs(spent)} in total${reason ? ` — ${reason.code}: ${reason.message}` : ''}`;
      body += el('rect', { class: `mark bar ${stateClass(state)}`, x: x0, y, width: w, height: BAR_PX, rx: 2 }, tip(text));
      const dur = fmtMs(c.length === 1 ? t1 - t0 : spent);
      if (w > dur.length * CHAR_WIDTH_PX + 8 && !(reason && state === 'failed')) {
        body += el('text', { class: 'bar-label', x: x0 + 4, y: y + BAR_PX - 4 }, esc(dur));
      }
      if (reason && (state === 'failed' || state === 'rolled-back' || state === 'reverting')) {
        const label = `✗ ${reason.code}: ${reason.message}`;
        const roomRight = right - (x0 + w) - 6;
        const roomLeft = x0 - PLOT_LEFT_PX - 6;
        const useRight = roomRight >= roomLeft;
        const room = Math.max(roomRight, roomLeft);
        const maxChars = Math.max(8, Math.floor(room / CHAR_WIDTH_PX));
        const shown = label.length > maxChars ? `${label.slice(0, maxChars - 1)}…` : label;
        body += el(
          'text',
          { class: 'fail-label', x: useRight ? x0 + w + 6 : x0 - 6, y: y + BAR_PX - 4, 'text-anchor': useRight ? 'start' : 'end' },
          esc(shown),
        );
      }
    }
  });

  // Reboots: a line across all lanes, a marker in the board lane, a label in the top band.
  const bootClusters = clusterByPixel(m.boots, (b) => x(b.t), BOOT_MERGE_PX);
  const bootLabels = bootClusters.map(bootLabel);
  const show = labelled(
    bootClusters.map((c) => x(c[0]!.t)),
    bootLabels.reduce((a, l) => Math.max(a, l.length * CHAR_WIDTH_PX + 10), 40),
  );
  bootClusters.forEach((c, k) => {
    const b = c[0]!;
    const px = x(b.t);
    const failedBoot = c.some((v) => v.version === undefined);
    body += el('line', { class: 'boot-line', x1: px, y1: lanesTop - 4, x2: px, y2: boardTop + BOARD_LANE_PX });
    const cy = boardTop + BOARD_LANE_PX / 2;
    const r = 6;
    body += el(
      'path',
      { class: `mark boot${failedBoot ? ' boot-bad' : ''}`, d: `M${px} ${cy - r} L${px + r} ${cy} L${px} ${cy + r} L${px - r} ${cy} Z` },
      tip(c.map(bootText).join('\n')),
    );
    if (show[k]) {
      body += el('text', { class: 'boot-label', x: px, y: lanesTop - 8, 'text-anchor': 'middle' }, esc(bootLabels[k]!));
    }
  });

  // Boots of a companion board (the nRF52833 updated over SMP): a circle in the board lane, labelled.
  for (const c of clusterByPixel(m.companionBoots, (b: BootMark) => x(b.t), BOOT_MERGE_PX)) {
    const b = c[0]!;
    const px = x(b.t);
    const cy = boardTop + BOARD_LANE_PX / 2;
    body += el('circle', { class: `mark boot companion${c.some((v) => v.version === undefined) ? ' boot-bad' : ''}`, cx: px, cy, r: 5 }, tip(c.map((v) => `${v.board}: ${bootText(v)}`).join('\n')));
    body += el('text', { class: 'boot-label', x: px, y: boardTop - 2, 'text-anchor': 'middle' }, esc(`${b.board} → ${b.version ?? 'no image'}`));
  }

  // Reset requests by the agent: a small square just left of where the board restarts.
  for (const c of clusterByPixel(m.resets, (r: ResetMark) => x(r.t), BOOT_MERGE_PX)) {
    const px = x(c[0]!.t);
    const cy = boardTop + BOARD_LANE_PX / 2;
    body += el(
      'rect',
      { class: 'mark reset', x: px - 12, y: cy - 4, width: 8, height: 8 },
      tip(c.map((r) => `${fmtMs(r.t)}: agent requested a reset (${r.why})`).join('\n')),
    );
  }

  body += xAxis(x, axis.ticks, axisY, axis.title);
  body += legend(
    [
      { label: 'board boot (MCUboot)', cls: 'boot', shape: 'dot' },
      ...(m.companionBoots.length > 0 ? [{ label: `${m.companionBoots[0]!.board} boot (companion, SMP)`, cls: 'boot companion', shape: 'dot' as const }] : []),
      { label: 'reset requested', cls: 'reset', shape: 'box' },
    ],
    right,
    16,
  );
  return svgDoc('chart-timeline', height, 'Timeline of agent states and board reboots', body);
}

function bootText(b: BootMark): string {
  return `${fmtMs(b.t)}: board boot (${b.reason}) — MCUboot started ${b.version ?? 'NO valid image'}${b.swap ? `, swap ${b.swap}` : ''}`;
}

function bootLabel(c: readonly BootMark[]): string {
  if (c.length > 1) return `${c.length} boots`;
  const b = c[0]!;
  return `${b.version ?? 'no image'}${b.swap && b.swap !== 'none' ? ` (${b.swap})` : ''}`;
}

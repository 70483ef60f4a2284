/**
 * Internal helpers of the report's charts: the chart frame (one width for every chart so the time
 * charts line up), axes with ticks and labels, legends, and the "nothing to draw" placeholder.
 * Charts are inline SVG styled by the report's inline CSS (classes, no inline colours).
 */
import { el, esc, num } from './html.ts';
import type { LinearScale } from './scale.ts';

/** viewBox width of every chart; the page scales it to the window. */
export const CHART_WIDTH_PX = 1040;
/** Left margin: lane labels of the timeline, y tick labels of the others; equal so time axes align. */
export const PLOT_LEFT_PX = 112;
export const PLOT_RIGHT_PX = 28;
export const PLOT_WIDTH_PX = CHART_WIDTH_PX - PLOT_LEFT_PX - PLOT_RIGHT_PX;
/** Rough advance of one character of the 12 px chart font, to keep labels from overlapping. */
export const CHAR_WIDTH_PX = 6.6;
/** Height of the x axis band under a plot (ticks, labels, axis title). */
export const X_AXIS_BAND_PX = 42;

export function svgDoc(id: string, height: number, label: string, body: string): string {
  return el(
    'svg',
    {
      id,
      class: 'chart',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${CHART_WIDTH_PX} ${num(height)}`,
      role: 'img',
      'aria-label': label,
    },
    body,
  );
}

/** A tooltip: the browser shows an element's <title> child on hover. */
export function tip(text: string): string {
  return `<title>${esc(text)}</title>`;
}

export interface Tick {
  value: number;
  label: string;
}

/** Bottom axis at `y` with ticks, labels and a centred title. */
export function xAxis(x: LinearScale, ticks: readonly Tick[], y: number, title: string): string {
  const [r0, r1] = x.range;
  let out = el('line', { class: 'axis', x1: r0, y1: y, x2: r1, y2: y });
  for (const t of ticks) {
    const px = x(t.value);
    if (px < r0 - 0.5 || px > r1 + 0.5) continue;
    out += el('line', { class: 'axis', x1: px, y1: y, x2: px, y2: y + 5 });
    out += el('text', { class: 'tick', x: px, y: y + 17, 'text-anchor': 'middle' }, esc(t.label));
  }
  out += el('text', { class: 'axis-title', x: (r0 + r1) / 2, y: y + 35, 'text-anchor': 'middle' }, esc(title));
  return out;
}

/** Left axis with horizontal grid lines across the plot and a rotated title. */
export function yAxis(y: LinearScale, ticks: readonly Tick[], x0: number, x1: number, title: string): string {
  const [r0, r1] = y.range;
  let out = '';
  for (const t of ticks) {
    const py = y(t.value);
    if (py > r0 + 0.5 || py < r1 - 0.5) continue;
    out += el('line', { class: 'grid', x1: x0, y1: py, x2: x1, y2: py });
    out += el('text', { class: 'tick', x: x0 - 7, y: py + 4, 'text-anchor': 'end' }, esc(t.label));
  }
  out += el('line', { class: 'axis', x1: x0, y1: r0, x2: x0, y2: r1 });
  const cy = (r0 + r1) / 2;
  out += el('text', { class: 'axis-title', x: 16, y: cy, transform: `rotate(-90 16 ${num(cy)})`, 'text-anchor': 'middle' }, esc(title));
  return out;
}

export interface LegendItem {
  label: string;
  /** CSS class of the swatch (colour). */
  cls: string;
  shape: 'box' | 'line' | 'dash' | 'dot' | 'vline';
}

/** A one-row legend ending at `right`, baseline `y`. */
export function legend(items: readonly LegendItem[], right: number, y: number): string {
  const SWATCH_PX = 16;
  const GAP_PX = 16;
  const widths = items.map((i) => SWATCH_PX + 5 + i.label.length * CHAR_WIDTH_PX);
  let x = right - widths.reduce((a, w) => a + w + GAP_PX, -GAP_PX);
  let out = '';
  items.forEach((item, k) => {
    const cy = y - 4;
    switch (item.shape) {
      case 'box':
        out += el('rect', { class: item.cls, x, y: cy - 5, width: SWATCH_PX, height: 10, rx: 2 });
        break;
      case 'line':
        out += el('line', { class: item.cls, x1: x, y1: cy, x2: x + SWATCH_PX, y2: cy });
        break;
      case 'dash':
        out += el('line', { class: item.cls, x1: x, y1: cy, x2: x + SWATCH_PX, y2: cy });
        break;
      case 'dot':
        out += el('circle', { class: item.cls, cx: x + SWATCH_PX / 2, cy, r: 4 });
        break;
      case 'vline':
        out += el('line', { class: item.cls, x1: x + SWATCH_PX / 2, y1: cy - 6, x2: x + SWATCH_PX / 2, y2: cy + 6 });
        break;
    }
    out += el('text', { class: 'legend', x: x + SWATCH_PX + 5, y }, esc(item.label));
    x += widths[k]! + GAP_PX;
  });
  return el('g', { class: 'legend-box' }, out);
}

/** The message drawn in the middle of a plot that has no data. */
export function placeholder(x0: number, y0: number, x1: number, y1: number, text: string): string {
  return (
    el('rect', { class: 'empty-plot', x: x0, y: y0, width: x1 - x0, height: y1 - y0 }) +
    el('text', { class: 'empty-text', x: (x0 + x1) / 2, y: (y0 + y1) / 2 + 5, 'text-anchor': 'middle' }, esc(text))
  );
}

/**
 * Which of the sorted pixel positions get a text label: a label is drawn only when it keeps
 * `minGapPx` from the previous labelled one (everything keeps its tooltip).
 */
export function labelled(positions: readonly number[], minGapPx: number): boolean[] {
  let last = -Infinity;
  return positions.map((p) => {
    if (p - last < minGapPx) return false;
    last = p;
    return true;
  });
}

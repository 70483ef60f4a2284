/**
 * Internal helpers of the report's charts: linear scales and "nice" axis ticks (1, 2, 2.5, 5 × 10^k),
 * plus the time and byte axis units a reader expects.
 */
import { trim } from './html.ts';

export interface LinearScale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps everything to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): LinearScale {
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

const NICE_STEPS = [1, 2, 2.5, 5, 10] as const;

/** A tick step of the form {1, 2, 2.5, 5} × 10^k giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span) || count < 1) return 1;
  const raw = span / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = NICE_STEPS.find((s) => s * magnitude >= raw) ?? 10;
  return step * magnitude;
}

/** The upper end of a domain rounded up to a whole tick step (so the top tick sits on the axis end). */
export function niceMax(max: number, count: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const step = niceStep(max, count);
  return Math.ceil(max / step - 1e-9) * step;
}

/** Ticks from 0 (or `min`) to `max`, inclusive, at a nice step; never more than count + 2. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [Number.isFinite(min) ? min : 0];
  const step = niceStep(max - min, count);
  const first = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9 && ticks.length <= count + 2; v += step) {
    ticks.push(Math.round(v / step) * step);
  }
  return ticks;
}

export interface AxisUnit {
  /** Divide a raw value by this to get the unit value. */
  divisor: number;
  suffix: string;
}

const MS_PER_S = 1000;
const MS_PER_MIN = 60_000;
const MS_PER_H = 3_600_000;

/** The unit for a time axis spanning `spanMs`: ms, s, min or h. */
export function timeUnit(spanMs: number): AxisUnit {
  if (spanMs < 2 * MS_PER_S) return { divisor: 1, suffix: 'ms' };
  if (spanMs < 10 * MS_PER_MIN) return { divisor: MS_PER_S, suffix: 's' };
  if (spanMs < 5 * MS_PER_H) return { divisor: MS_PER_MIN, suffix: 'min' };
  return { divisor: MS_PER_H, suffix: 'h' };
}

/** The unit for a byte axis whose top is `maxBytes`: B, KiB or MiB. */
export function byteUnit(maxBytes: number): AxisUnit {
  if (maxBytes < 10 * 1024) return { divisor: 1, suffix: 'B' };
  if (maxBytes < 10 * 1024 * 1024) return { divisor: 1024, suffix: 'KiB' };
  return { divisor: 1024 * 1024, suffix: 'MiB' };
}

/**
 * Ticks for a raw-valued axis shown in `unit`: nice in the unit (0, 50, 100 KiB), returned as raw values
 * with their labels.
 */
export function unitTicks(min: number, max: number, unit: AxisUnit, count: number): { value: number; label: string }[] {
  return niceTicks(min / unit.divisor, max / unit.divisor, count).map((u) => ({
    value: u * unit.divisor,
    label: `${trim(u, 3)}${unit.suffix === '' ? '' : ' ' + unit.suffix}`,
  }));
}

/**
 * Internal helper: the time axis shared by the timeline and the download chart (same domain, same
 * pixels, so a reboot in one lines up with a stall in the other).
 */
import type { RunModel } from './model.ts';
import { linearScale, timeUnit, unitTicks, type LinearScale } from './scale.ts';
import { PLOT_LEFT_PX, PLOT_WIDTH_PX, type Tick } from './svg.ts';

/** Room after the last entry so a final state (confirmed, failed) shows as a bar, as a share of the run. */
const TIME_AXIS_TAIL_SHARE = 0.04;
/** Minimal tail, ms (a run of one instant still gets an axis). */
const TIME_AXIS_MIN_TAIL_MS = 1;
/** About this many time ticks. */
const TIME_TICKS = 10;

export interface TimeAxis {
  x: LinearScale;
  ticks: Tick[];
  /** End of the domain, ms: the final state's bar runs to here. */
  end: number;
  title: string;
}

export function timeAxis(m: RunModel): TimeAxis {
  const end = m.tEnd + Math.max(m.tEnd * TIME_AXIS_TAIL_SHARE, TIME_AXIS_MIN_TAIL_MS);
  const unit = timeUnit(end);
  return {
    x: linearScale(0, end, PLOT_LEFT_PX, PLOT_LEFT_PX + PLOT_WIDTH_PX),
    ticks: unitTicks(0, end, unit, TIME_TICKS),
    end,
    title: `time since the run started (${unit.suffix})`,
  };
}

/** Clock HAL on the host's monotonic time, for serial-bridged boards (real time, real sleeping). */
import type { Clock } from '../clock.ts';

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

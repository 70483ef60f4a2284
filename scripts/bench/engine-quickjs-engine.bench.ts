/**
 * Engine bench: the device application in quickjs with verification in the engine's own JavaScript (noble),
 * a 1 MiB and a 16 MiB image (scripts/bench/engine-harness.ts says what runs and what is counted).
 * Prints `engine: quickjs bundle X KiB, bytecode Y KiB, peak heap Z KiB (1 MiB image) / W KiB (16 MiB image), in-engine crypto`.
 */
import { benchEngine } from './engine-harness.ts';
import type { BenchFigure } from './summary.ts';

export function run(): Promise<BenchFigure[]> {
  return benchEngine('quickjs', 'engine');
}

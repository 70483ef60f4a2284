/**
 * The Board: a plain object bundling one board's HAL parts, handed to the agent (no globals).
 * Simulated boards (`src/hal/sim/`) and serial-bridged boards (`src/hal/serial/`) both build one.
 */
import type { Clock } from './clock.ts';
import type { Crypto } from './crypto.ts';
import type { FlashMap } from './flash.ts';
import type { Log } from './log.ts';
import type { Modem } from './net.ts';
import type { Settings } from './settings.ts';
import type { System } from './system.ts';

export type BoardName = 'nrf9160' | 'nrf52833';

export interface Board {
  readonly name: BoardName;
  readonly flash: FlashMap;
  readonly settings: Settings;
  /** The LTE modem; absent on a board without one (nRF52833). */
  readonly net?: Modem;
  readonly clock: Clock;
  readonly system: System;
  readonly crypto: Crypto;
  readonly log: Log;
}

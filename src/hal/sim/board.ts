/**
 * Simulated board factory: an nRF9160 or nRF52833 as a Board (src/hal/board.ts) built from the sim
 * parts (flash with the board's partition map, settings on its storage partition, clock, system, log),
 * plus the controls a harness needs: the SimFlash (power cuts, inspection), `boot()` after a reboot or
 * a cut, `powerCut()` between flash operations, and `run()` which runs device code until it finishes,
 * reboots or loses power.
 *
 * With `statePath` (a directory) the board survives process restarts: its flash image is
 * `<dir>/<board>.flash.bin` and its reset state `<dir>/<board>.system.json`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Board, BoardName } from '../board.ts';
import type { Clock } from '../clock.ts';
import type { Crypto } from '../crypto.ts';
import { FotaError, PowerCutError } from '../errors.ts';
import { FLASH_AREA_STORAGE } from '../flash.ts';
import type { Modem } from '../net.ts';
import { nodeCrypto } from '../node/crypto.ts';
import { FlashSettings } from '../portable/flash-settings.ts';
import type { ResetReason } from '../system.ts';
import { BoardResetSignal } from '../system.ts';
import { SimClock } from './clock.ts';
import { SimFlash } from './flash.ts';
import type { SimFlashPersist } from './flash.ts';
import { SimLog } from './log.ts';
import { boardProfile } from './profiles.ts';
import type { BoardProfile } from './profiles.ts';
import { SimSystem } from './system.ts';
import type { SimSystemState } from './system.ts';

export interface SimBoardOptions {
  board: BoardName;
  /** Seed for power-cut partial effects (default SIM_FLASH_DEFAULT_SEED). */
  seed?: number;
  /** Directory keeping the board's flash and reset state across process restarts. */
  statePath?: string;
  /** When the flash image file is written (default after each operation). */
  persist?: SimFlashPersist;
  /** The modem (src/hal/sim/modem.ts); only an nRF9160 has one. */
  net?: Modem;
  /** Default: the Node crypto HAL. */
  crypto?: Crypto;
  /** Default: a real-time SimClock. */
  clock?: Clock;
  /** Default: a SimLog stamped by the board clock, named after the board. */
  log?: SimLog;
}

/** How a `run` of device code ended. */
export type SimRunOutcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'reset'; reason: ResetReason }
  | { kind: 'power-cut'; operationIndex: number };

export interface SimBoard extends Board {
  readonly profile: BoardProfile;
  readonly flash: SimFlash;
  readonly settings: FlashSettings;
  readonly system: SimSystem;
  readonly log: SimLog;
  /** The state directory, if any. */
  readonly statePath: string | undefined;
  /**
   * The board starts again after a reboot or a power cut: powers the flash on, sets the reset reason
   * (`reason`, else 'power-cut' after a cut, else the pending reboot's, else 'power-on'), closes the
   * modem's sockets, and remounts the settings. MCUboot, if any, runs before this (the harness's job).
   */
  boot(reason?: ResetReason): Promise<ResetReason>;
  /** Cuts the power now, between flash operations; the modem drops its sockets. */
  powerCut(): Promise<void>;
  /** Runs device code and reports whether it finished, rebooted (BoardResetSignal) or lost power. */
  run<T>(fn: (board: SimBoard) => Promise<T>): Promise<SimRunOutcome<T>>;
}

function systemStateFile(dir: string, board: BoardName): string {
  return join(dir, `${board}.system.json`);
}

function loadSystemState(path: string): SimSystemState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SimSystemState;
  } catch (cause) {
    throw new FotaError('SIM_BAD_STATE', `createSimBoard: ${path} is not a saved board state`, { path }, { cause });
  }
}

/** Closes the modem's sockets when it is a simulated one (a reset drops every connection). */
async function resetModem(net: Modem | undefined): Promise<void> {
  const m = net as (Modem & { closeAll?: () => Promise<void> }) | undefined;
  if (m && typeof m.closeAll === 'function') await m.closeAll();
}

export async function createSimBoard(options: SimBoardOptions): Promise<SimBoard> {
  const profile = boardProfile(options.board);
  if (options.net && !profile.hasModem) {
    throw new FotaError('SIM_NO_MODEM', `createSimBoard: board ${profile.name} has no modem to attach`, { board: profile.name });
  }
  const dir = options.statePath;
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const flash = new SimFlash({
    profile,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(dir !== undefined ? { statePath: join(dir, `${profile.name}.flash.bin`) } : {}),
    ...(options.persist !== undefined ? { persist: options.persist } : {}),
  });
  const clock = options.clock ?? new SimClock();
  const log = options.log ?? new SimLog({ clock, name: profile.name });
  const saved = dir !== undefined ? loadSystemState(systemStateFile(dir, profile.name)) : undefined;
  const system = new SimSystem({
    ...(saved ? { state: saved } : {}),
    ...(dir !== undefined ? { onChange: (st: SimSystemState) => writeFileSync(systemStateFile(dir, profile.name), JSON.stringify(st)) } : {}),
  });
  const settings = await FlashSettings.open(flash.open(FLASH_AREA_STORAGE), { log });
  const net = options.net;
  const board: SimBoard = {
    name: profile.name,
    profile,
    flash,
    settings,
    ...(net ? { net } : {}),
    clock,
    system,
    crypto: options.crypto ?? nodeCrypto,
    log,
    statePath: dir,
    async boot(reason?: ResetReason): Promise<ResetReason> {
      const wasCut = flash.poweredOff;
      flash.powerOn();
      const r = system.boot(reason ?? (wasCut ? 'power-cut' : undefined));
      await resetModem(net);
      await settings.remount();
      log.log('info', 'board.boot', { reason: r, bootCount: system.bootCount });
      return r;
    },
    async powerCut(): Promise<void> {
      flash.powerOff();
      await resetModem(net);
    },
    async run<T>(fn: (b: SimBoard) => Promise<T>): Promise<SimRunOutcome<T>> {
      const cut = (e?: unknown): SimRunOutcome<T> => ({
        kind: 'power-cut',
        operationIndex: flash.cutOperation ?? Number(e instanceof PowerCutError ? e.context.operationIndex : -1),
      });
      try {
        const value = await fn(board);
        // Device code that swallowed the cut still lost power.
        return flash.poweredOff ? cut() : { kind: 'done', value };
      } catch (e) {
        if (e instanceof BoardResetSignal) return { kind: 'reset', reason: e.reason };
        if (e instanceof PowerCutError || flash.poweredOff) return cut(e);
        throw e;
      }
    },
  };
  return board;
}

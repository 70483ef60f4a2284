/**
 * The life of a board, as a loop: power on → MCUboot → the application, until the application ends its
 * job. A software reset (BoardResetSignal) or a power cut (PowerCutError) unwinds the application, and
 * the board starts over — MCUboot first, as on hardware. Portable: a simulated board and a test both drive
 * it; on real hardware the board does this itself.
 */
import { PowerCutError, type FotaErrorCode } from '../hal/errors.ts';
import { FotaError } from '../hal/errors.ts';
import { BoardResetSignal, type ResetReason } from '../hal/system.ts';

export interface BootOutcome {
  /** MCUboot found and started a valid image. */
  booted: boolean;
  /** Version it started. */
  version?: string;
  /** Swap type MCUboot acted on (none, test, perm, revert) for the report. */
  swap?: string;
  /** Why nothing booted (BOOT_NO_VALID_IMAGE, ...). */
  code?: FotaErrorCode;
}

export interface DeviceRunnerOptions<T> {
  /** MCUboot's run at this reset. */
  boot: () => Promise<BootOutcome>;
  /** The application; resolves when its job is done. */
  app: (boot: BootOutcome) => Promise<T>;
  /** Restores power after a cut (flash accepts operations again). */
  powerOn: () => void;
  /** At most this many boots before giving up (a device in a reset loop). */
  maxBoots: number;
  onBoot?: (reason: ResetReason, outcome: BootOutcome) => void;
  /** The power went (before the board boots again): where it cut, for the run log. */
  onPowerCut?: (cut: PowerCutError) => void;
}

export interface DeviceRunResult<T> {
  result: T;
  boots: number;
  powerCuts: number;
}

export async function runDevice<T>(o: DeviceRunnerOptions<T>): Promise<DeviceRunResult<T>> {
  let reason: ResetReason = 'power-on';
  let powerCuts = 0;
  for (let boots = 1; boots <= o.maxBoots; boots++) {
    try {
      const outcome = await o.boot();
      o.onBoot?.(reason, outcome);
      if (!outcome.booted) {
        throw new FotaError(outcome.code ?? 'BOOT_NO_VALID_IMAGE', `device: MCUboot found no valid image to boot (${outcome.code ?? 'no code'})`);
      }
      return { result: await o.app(outcome), boots, powerCuts };
    } catch (e) {
      if (e instanceof BoardResetSignal) {
        reason = e.reason;
      } else if (e instanceof PowerCutError) {
        powerCuts++;
        reason = 'power-cut';
        o.onPowerCut?.(e);
        o.powerOn();
      } else {
        throw e;
      }
    }
  }
  throw new FotaError('DEVICE_RESET_LOOP', `device: still resetting after ${o.maxBoots} boots`, { maxBoots: o.maxBoots, powerCuts });
}

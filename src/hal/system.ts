/** System HAL: reset with a reason (sys_reboot + hwinfo reset cause). */

export type ResetReason = 'power-on' | 'software' | 'fota' | 'watchdog' | 'power-cut';

export interface System {
  /** Why the board last started. */
  resetReason(): ResetReason;
  /**
   * Resets the board. On hardware this never returns; on a simulated board it rejects with a
   * BoardResetSignal that unwinds the device code back to the board's runner, which then runs MCUboot.
   */
  reboot(reason: ResetReason): Promise<never>;
}

/** Thrown (rejected) by a simulated System.reboot to unwind device code; not an error. */
export class BoardResetSignal extends Error {
  readonly reason: ResetReason;
  constructor(reason: ResetReason) {
    super(`board reset (${reason})`);
    this.name = 'BoardResetSignal';
    this.reason = reason;
  }
}

/**
 * Simulated System HAL (sys_reboot + hwinfo reset cause). `reboot` records the request and rejects with
 * BoardResetSignal, which unwinds the device code to the board's runner; the runner (after running
 * MCUboot) calls `boot()` and the board reports the new reset reason.
 */
import { FotaError } from '../errors.ts';
import type { ResetReason, System } from '../system.ts';
import { BoardResetSignal } from '../system.ts';

const RESET_REASONS: readonly ResetReason[] = ['power-on', 'software', 'fota', 'watchdog', 'power-cut'];

function checkReason(op: string, reason: unknown): ResetReason {
  if (!RESET_REASONS.includes(reason as ResetReason)) {
    throw new FotaError('SYSTEM_BAD_RESET_REASON', `${op}: unknown reset reason '${String(reason)}' (known: ${RESET_REASONS.join(', ')})`, { reason: String(reason) });
  }
  return reason as ResetReason;
}

/** What a SimSystem keeps across process restarts (with a board state directory). */
export interface SimSystemState {
  resetReason: ResetReason;
  pendingReset?: ResetReason;
  bootCount: number;
}

export interface SimSystemOptions {
  /** Reset reason at creation (default 'power-on'); ignored when `state` is given. */
  initialReason?: ResetReason;
  /** State saved by an earlier run (see `onChange`). */
  state?: SimSystemState;
  /** Called after every change, e.g. to save the state to a file. */
  onChange?: (state: SimSystemState) => void;
}

export class SimSystem implements System {
  private reason: ResetReason;
  private pending: ResetReason | undefined;
  private readonly history: ResetReason[] = [];
  private boots = 1;
  private readonly onChange: ((state: SimSystemState) => void) | undefined;

  constructor(options: SimSystemOptions = {}) {
    this.onChange = options.onChange;
    const st = options.state;
    if (st) {
      this.reason = checkReason('simSystem', st.resetReason);
      this.pending = st.pendingReset === undefined ? undefined : checkReason('simSystem', st.pendingReset);
      if (!Number.isSafeInteger(st.bootCount) || st.bootCount < 1) {
        throw new FotaError('SYSTEM_BAD_STATE', `simSystem: saved boot count ${String(st.bootCount)} is not a positive integer`, { bootCount: st.bootCount });
      }
      this.boots = st.bootCount;
    } else this.reason = checkReason('simSystem', options.initialReason ?? 'power-on');
  }

  state(): SimSystemState {
    const s: SimSystemState = { resetReason: this.reason, bootCount: this.boots };
    if (this.pending !== undefined) s.pendingReset = this.pending;
    return s;
  }

  resetReason(): ResetReason {
    return this.reason;
  }

  async reboot(reason: ResetReason): Promise<never> {
    checkReason('system.reboot', reason);
    this.pending = reason;
    this.history.push(reason);
    this.onChange?.(this.state());
    throw new BoardResetSignal(reason);
  }

  /** The reboot requested and not yet booted from, if any. */
  get pendingReset(): ResetReason | undefined {
    return this.pending;
  }

  /** Every reason passed to reboot(), oldest first. */
  get reboots(): readonly ResetReason[] {
    return this.history;
  }

  /** Times the board started (1 at creation). */
  get bootCount(): number {
    return this.boots;
  }

  /**
   * The board starts again: the reset reason becomes `reason`, else the pending reboot's, else
   * 'power-on'.
   */
  boot(reason?: ResetReason): ResetReason {
    this.reason = reason === undefined ? (this.pending ?? 'power-on') : checkReason('simSystem.boot', reason);
    this.pending = undefined;
    this.boots++;
    this.onChange?.(this.state());
    return this.reason;
  }
}

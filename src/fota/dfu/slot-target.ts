/**
 * Where a downloaded image goes: one interface, two worlds (DESIGN.md "Where the image goes").
 * - local: the board's own secondary slot through a stream writer (src/fota/dfu/flash-slot.ts);
 * - remote: an MCUboot board reached over SMP, serial or BLE (src/fota/dfu/smp-slot.ts).
 * Sequence: begin(size) → write(offset, bytes)… → flush() → [verify elsewhere] → requestUpgrade(mode)
 * → reset() → after the reboot: state() shows the new image active → confirm(), or reset() again and
 * let MCUboot revert.
 */

export type UpgradeMode = 'test' | 'permanent';

export interface SlotImageState {
  /** Version string of the image in the slot, `maj.min.rev+build`, or undefined when empty/invalid. */
  version?: string;
  /** MCUboot's image hash (the SHA-256 TLV), when an image is there. */
  hash?: Uint8Array;
  active: boolean;
  pending: boolean;
  confirmed: boolean;
}

export interface SlotTarget {
  /** Human-readable name, e.g. `nrf9160 slot1_partition` or `smp serial /dev/ttyACM0`. */
  readonly name: string;
  /** Largest image the slot takes, in bytes (slot size minus the MCUboot trailer). */
  capacityBytes(): Promise<number>;
  /**
   * Starts receiving an image of `size` bytes identified by `imageId` (e.g. the release URL + ETag).
   * Resumes when the same image was being received: returns the byte count already persisted (0 when
   * starting over). EFBIG-coded error (`DFU_IMAGE_TOO_BIG`) when size exceeds the capacity, before any write.
   */
  begin(size: number, imageId: string): Promise<number>;
  /** Appends bytes at `offset` (== bytes accepted so far). */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Makes everything written persistent; returns the persisted byte count. */
  flush(): Promise<number>;
  /** Reads back the staged image bytes (used to re-verify after a reboot); remote slots may not support it. */
  read?(offset: number, length: number): Promise<Uint8Array>;
  /** Marks the staged image for MCUboot: test (revert unless confirmed) or permanent. */
  requestUpgrade(mode: UpgradeMode): Promise<void>;
  /**
   * Resets the device that owns the slot so MCUboot runs. Local slot: the board itself reboots (on a
   * simulated board this rejects with BoardResetSignal and never resolves). Remote slot: the device is
   * told to reset (SMP OS reset) and this resolves once it answers again (or rejects with ETIMEDOUT).
   */
  reset(): Promise<void>;
  /** Confirms the running image (boot_set_confirmed / SMP image state confirm). */
  confirm(): Promise<void>;
  /** The images the slot's device reports (primary first). */
  state(): Promise<SlotImageState[]>;
  /** Drops a partial or rejected image so nothing stale can be marked later. */
  discard(): Promise<void>;
}

/** Clock HAL: monotonic milliseconds and sleeping (k_uptime_get, k_sleep). */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * Calls `fn` after `ms` unless the returned function is called first (a cancellable timeout, so a
   * timeout that did not fire leaves nothing behind on a virtual clock). Optional: a clock without it
   * is driven by sleeps only.
   */
  timer?(ms: number, fn: () => void): () => void;
}

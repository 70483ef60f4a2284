/** Clock HAL: monotonic milliseconds and sleeping (k_uptime_get, k_sleep). */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Log HAL: leveled messages with structured fields. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Log {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** A log that drops everything (tests, quiet runs). */
export const silentLog: Log = { log() {} };

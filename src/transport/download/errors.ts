/**
 * Range downloader errors (HTTP-level ones stay HttpErrors, socket ones NetErrors):
 * RANGE_NOT_SUPPORTED (a range request answered with the whole file), DOWNLOAD_FILE_UNSTABLE (the file
 * changed again after restarts), DOWNLOAD_RECORD_LIMIT_TOO_SMALL (no useful range fits one record),
 * DOWNLOAD_GAVE_UP (retries exhausted without progress; the last failure is the cause),
 * DOWNLOAD_BAD_OPTIONS, DOWNLOAD_SINK_MISMATCH (the sink holds more than the file).
 */
import { FotaError } from '../../hal/errors.ts';

/** Range downloader errors. */
export const DOWNLOAD_ERROR_CODES = {
  RANGE_NOT_SUPPORTED: 'a range request answered with the whole file (the server ignores Range)',
  DOWNLOAD_FILE_UNSTABLE: 'the file changed again after DOWNLOAD_MAX_RESTARTS restarts',
  DOWNLOAD_RECORD_LIMIT_TOO_SMALL: 'no useful range fits one TLS record under the limit',
  DOWNLOAD_GAVE_UP: 'retries exhausted without progress (the last failure is the cause)',
  DOWNLOAD_BAD_OPTIONS: 'options that cannot work (no client or connect, a bad policy setting)',
  DOWNLOAD_SINK_FAILED: 'the sink failed with an untyped error',
  DOWNLOAD_SINK_OFFSET: 'bytes handed to a sink at an offset other than what it holds',
  DOWNLOAD_STALLED: 'no whole range accepted within the stall limit',
} as const;

export type DownloadErrorCode = keyof typeof DOWNLOAD_ERROR_CODES;

export class DownloadError extends FotaError {}

declare module '../../hal/errors.ts' {
  interface FotaErrorCodeRegistry
    extends Record<keyof typeof DOWNLOAD_ERROR_CODES, true> {}
}


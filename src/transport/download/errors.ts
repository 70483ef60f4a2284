/**
 * Range downloader errors (HTTP-level ones stay HttpErrors, socket ones NetErrors):
 * RANGE_NOT_SUPPORTED (a range request answered with the whole file), DOWNLOAD_FILE_UNSTABLE (the file
 * changed again after restarts), DOWNLOAD_RECORD_LIMIT_TOO_SMALL (no useful range fits one record),
 * DOWNLOAD_GAVE_UP (retries exhausted without progress; the last failure is the cause),
 * DOWNLOAD_BAD_OPTIONS, DOWNLOAD_SINK_MISMATCH (the sink holds more than the file).
 */
import { FotaError } from '../../hal/errors.ts';

export class DownloadError extends FotaError {}

/**
 * What the FOTA agent needs from the layers below, as small interfaces (constructor injection, so the
 * same agent runs on a simulated board, a serial-bridged board, or in a test):
 * an image verifier (the MCUboot streaming verifier), a downloader (the range downloader over the
 * certificate-selecting connector), the update check, and the self-test hook.
 */
import type { FotaErrorCode } from '../../hal/errors.ts';
import type { ReleaseCheck } from '../update-check.ts';

/** Verdict of a whole image, as the agent needs it. */
export interface ImageVerdict {
  valid: boolean;
  /** Error code when invalid (IMAGE_BAD_HASH, IMAGE_BAD_SIGNATURE, IMAGE_UNKNOWN_KEY, ...). */
  code?: FotaErrorCode;
  message?: string;
  /** `maj.min.rev+build` from the header. */
  version?: string;
  securityCounter?: number;
  /** MCUboot's image hash (SHA TLV), hex. */
  hashHex?: string;
  /** A trusted key's signature verified (false: hash-only, when that was allowed). */
  signed?: boolean;
}

/** Header facts known after the first 32 bytes (early checks before anything is written). */
export interface ImageHeaderInfo {
  version: string;
  /** Header + body + TLVs, when known from the header alone (TLV sizes arrive at the end). */
  imageBytes?: number;
}

export interface StreamingImageVerifier {
  update(chunk: Uint8Array): void;
  /** The header, once 32 bytes were fed; throws a typed error for a bad header. */
  header(): ImageHeaderInfo | undefined;
  finish(): Promise<ImageVerdict>;
}

export type CreateVerifier = () => StreamingImageVerifier;

/**
 * Where the downloader puts bytes (the range downloader's sink contract, src/transport/download/sink.ts):
 * asked what survived a reboot, told the file's size and validators before the first write of a run,
 * handed bytes strictly in order, reset when the file changed.
 */
export interface DownloadSink {
  persistedBytes(): Promise<number>;
  open(file: { size: number; etag?: string; lastModified?: string }): Promise<void>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  reset(): Promise<void>;
}

export interface DownloadProgress {
  bytes: number;
  total: number;
  requests: number;
  retries: number;
  rangeBytes: number;
  /** Status line and headers of the response just received, when the downloader knows. */
  headBytes?: number;
  maxRecordBytes: number;
}

export interface DownloadSummary {
  bytes: number;
  total: number;
  requests: number;
  retries: number;
  maxRecordBytes: number;
}

export interface DownloadPort {
  download(url: string, sink: DownloadSink, onProgress: (p: DownloadProgress) => void): Promise<DownloadSummary>;
}

export interface ReleasePort {
  check(currentVersion: string): Promise<ReleaseCheck>;
}

/** Runs after booting a new image; true to confirm it. */
export type SelfTest = (version: string) => Promise<boolean>;

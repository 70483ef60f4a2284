/**
 * Range planning: how many body bytes to ask for so that the WHOLE response (status line, header
 * fields, body) fits one TLS record under the modem's limit (docs/reference/nrf91-fota.md, EMSGSIZE).
 * A pure function of (offset, file size, the head bytes observed on an earlier response, record limit),
 * so the C test vectors can reproduce every decision.
 *
 * Record overhead (RFC 5246 6.2.3.3, RFC 8446 5.2), per record: the 5-byte header plus
 * - TLS 1.2 AES-GCM: 8-byte explicit nonce + 16-byte tag = 29 bytes;
 * - TLS 1.3 AEAD: 1-byte inner content type + 16-byte tag = 22 bytes.
 * The default takes the larger, so a plan holds for either version.
 *
 * The head of a 206 response changes length only with the digits of the numbers in it
 * (`Content-Range: bytes <first>-<last>/<size>`, `Content-Length: <n>`), so one observed head predicts
 * every later one exactly: base = observed - digits of its numbers; predicted = base + digits of ours.
 */
import { DownloadError } from './errors.ts';

/** TLS record header: content type (1), version (2), length (2). */
export const TLS_RECORD_HEADER_BYTES = 5;
/** TLS 1.2 AES-GCM record: header + 8-byte explicit nonce + 16-byte tag. */
export const TLS12_AES_GCM_RECORD_OVERHEAD_BYTES = TLS_RECORD_HEADER_BYTES + 8 + 16;
/** TLS 1.3 AEAD record: header + 1-byte inner content type + 16-byte tag. */
export const TLS13_AEAD_RECORD_OVERHEAD_BYTES = TLS_RECORD_HEADER_BYTES + 1 + 16;
/** Overhead planned for when the caller does not know the version: the larger of the two. */
export const DOWNLOAD_RECORD_OVERHEAD_BYTES = Math.max(TLS12_AES_GCM_RECORD_OVERHEAD_BYTES, TLS13_AEAD_RECORD_OVERHEAD_BYTES);
/**
 * Slack kept under the limit for what the digit rule cannot predict (an `Age` field growing, a server
 * adding a short field). A misprediction beyond it costs one EMSGSIZE, after which the policy shrinks by
 * the measured overshoot.
 */
export const DOWNLOAD_RECORD_MARGIN_BYTES = 16;
/** Response head assumed before any has been seen: generous, so the first range is safe. */
export const DOWNLOAD_FIRST_HEAD_BUDGET_BYTES = 1024;
/** Smallest range worth a request; a limit that leaves less is DOWNLOAD_RECORD_LIMIT_TOO_SMALL. */
export const DOWNLOAD_MIN_RANGE_BYTES = 64;

/** A response head seen earlier and the numbers it carried. */
export interface ObservedHead {
  headBytes: number;
  /** Content-Range first and last byte positions it answered. */
  first: number;
  last: number;
}

export interface RangePlanInput {
  /** First byte wanted. */
  offset: number;
  /** File size when known (from an earlier Content-Range). */
  size?: number;
  /** The modem's TLS record limit, header included (MODEM_TLS_MAX_RECORD_BYTES). */
  recordLimitBytes: number;
  recordOverheadBytes?: number;
  marginBytes?: number;
  /** The head of an earlier 206 response (the largest base seen, for safety). */
  observed?: ObservedHead;
  /** A tighter plaintext budget learned from a refused record. */
  plaintextCapBytes?: number;
  /** An upper bound of the caller's own (e.g. sink buffer). */
  maxRangeBytes?: number;
}

export interface RangePlan {
  first: number;
  last: number;
  length: number;
  /** Head bytes expected on the response. */
  predictedHeadBytes: number;
  /** Plaintext bytes one record may carry under this plan. */
  plaintextBudgetBytes: number;
}

/** Decimal digits of a non-negative integer. */
export function decimalDigits(n: number): number {
  return String(Math.floor(Math.abs(n))).length;
}

/** Head bytes that do not depend on the range: observed minus the digits of its range numbers. */
export function headBase(o: ObservedHead): number {
  return o.headBytes - decimalDigits(o.first) - decimalDigits(o.last) - decimalDigits(o.last - o.first + 1);
}

/** Head bytes predicted for the range [first, first + length). */
export function predictHead(base: number, first: number, length: number): number {
  return base + decimalDigits(first) + decimalDigits(first + length - 1) + decimalDigits(length);
}

/** The next range to request. Throws DOWNLOAD_RECORD_LIMIT_TOO_SMALL when no useful range fits. */
export function planRange(input: RangePlanInput): RangePlan {
  const overhead = input.recordOverheadBytes ?? DOWNLOAD_RECORD_OVERHEAD_BYTES;
  const margin = input.marginBytes ?? DOWNLOAD_RECORD_MARGIN_BYTES;
  if (!Number.isSafeInteger(input.offset) || input.offset < 0) {
    throw new DownloadError('DOWNLOAD_BAD_OPTIONS', `planner.planRange: bad offset ${input.offset}`, { offset: input.offset });
  }
  if (input.size !== undefined && input.offset >= input.size) {
    throw new DownloadError('DOWNLOAD_BAD_OPTIONS', `planner.planRange: offset ${input.offset} at or past the end (${input.size})`, input as unknown as Record<string, unknown>);
  }
  let budget = input.recordLimitBytes - overhead - margin;
  if (input.plaintextCapBytes !== undefined) budget = Math.min(budget, input.plaintextCapBytes);
  const remaining = input.size === undefined ? Infinity : input.size - input.offset;
  const cap = Math.min(remaining, input.maxRangeBytes ?? Infinity);
  let length: number;
  let head: number;
  if (input.observed === undefined) {
    head = DOWNLOAD_FIRST_HEAD_BUDGET_BYTES;
    length = budget - head;
  } else {
    const base = headBase(input.observed);
    // Over-estimate the digits first (they only grow with the numbers), then take back the slack once.
    const rough = budget - predictHead(base, input.offset, Math.max(1, budget));
    length = rough;
    const refined = budget - predictHead(base, input.offset, Math.max(1, rough));
    if (refined > rough && predictHead(base, input.offset, refined) + refined <= budget) length = refined;
    head = predictHead(base, input.offset, Math.max(1, Math.min(length, cap)));
  }
  if (length < DOWNLOAD_MIN_RANGE_BYTES && cap > length) {
    throw new DownloadError(
      'DOWNLOAD_RECORD_LIMIT_TOO_SMALL',
      `planner.planRange: a ${input.recordLimitBytes}-byte record leaves ${length} body bytes after a ${head}-byte head`,
      { recordLimitBytes: input.recordLimitBytes, headBytes: head, bodyBytes: length },
    );
  }
  length = Math.max(1, Math.min(length, cap));
  return { first: input.offset, last: input.offset + length - 1, length, predictedHeadBytes: head, plaintextBudgetBytes: budget };
}

/**
 * How many range requests the downloader keeps in flight, and why fewer than the policy's depth:
 * - the server's per-connection request limit, learned: a response with `Connection: close` after N
 *   answers (nginx's keepalive_requests does exactly this on its last answer), or a connection that
 *   ends cleanly after the same N answers twice in a row. No more than N requests are then written
 *   on a connection, so none are sent only to go unanswered;
 * - pipelining off after failures with several requests in flight: switched back on after
 *   DOWNLOAD_PIPELINE_RECOVER_AFTER_RANGES good ranges, at most DOWNLOAD_PIPELINE_MAX_RECOVERIES times;
 * - pipelining off for good when the server coalesced pipelined answers into records over the limit
 *   (a property of the server, not a passing fault).
 * Every change is logged with its reason and kept in `summary()` for the run log and the report.
 */
import type { Log } from '../../hal/log.ts';

/** Failures with pipelined requests in flight before going one request at a time. */
export const DOWNLOAD_PIPELINE_FAILURES_BEFORE_SEQUENTIAL = 2;
/** Good ranges in a row, one at a time, before pipelining is tried again. */
export const DOWNLOAD_PIPELINE_RECOVER_AFTER_RANGES = 16;
/** Times pipelining is switched back on in one download before it stays off. */
export const DOWNLOAD_PIPELINE_MAX_RECOVERIES = 2;

/** The log messages of a pipelining change (the run log turns them into 'pipeline' entries). */
export const PIPELINE_LOG_OFF = 'download: pipelining off';
export const PIPELINE_LOG_ON = 'download: pipelining back on';
export const PIPELINE_LOG_LIMIT = 'download: server request limit per connection';

export interface PipelineChange {
  what: 'off' | 'on' | 'limit';
  reason?: string;
  why?: string;
  stays?: boolean;
  requestsPerConnection?: number;
}

/** The pipelining change a downloader log line reports, or undefined for any other line. */
export function pipelineChangeOf(message: string, fields: Record<string, unknown> | undefined): PipelineChange | undefined {
  const f = fields ?? {};
  if (message === PIPELINE_LOG_OFF) {
    return { what: 'off', ...(typeof f.reason === 'string' ? { reason: f.reason } : {}), ...(typeof f.why === 'string' ? { why: f.why } : {}), stays: f.for !== undefined };
  }
  if (message === PIPELINE_LOG_ON) return { what: 'on' };
  if (message === PIPELINE_LOG_LIMIT && typeof f.requestsPerConnection === 'number') return { what: 'limit', requestsPerConnection: f.requestsPerConnection };
  return undefined;
}

export type PipelineOffReason = 'failures-while-pipelined' | 'coalesced-records';

export const PIPELINE_OFF_REASON_TEXT: Readonly<Record<PipelineOffReason, string>> = {
  'failures-while-pipelined': 'connections failed with pipelined requests in flight',
  'coalesced-records': 'the server joins pipelined answers into TLS records over the limit',
};

export interface PipelineSummary {
  /** Requests in flight at the end. */
  depth: number;
  /** Why pipelining is off at the end (absent: on, or limited only by the server's request limit). */
  offReason?: PipelineOffReason;
  /** Times it was switched back on after failures. */
  recoveries: number;
  /** Requests the server answers per connection, when it showed a limit. */
  requestsPerConnection?: number;
}

export class PipelineControl {
  private sequential = false;
  private reason: PipelineOffReason | undefined;
  private failures = 0;
  private goodRanges = 0;
  private recoveries = 0;
  private limit: number | undefined;
  /** Answers before a silent close, waiting for a second connection to confirm it. */
  private silentCloseAfter: number | undefined;

  constructor(
    private readonly policyDepth: () => number,
    private readonly log?: Log,
  ) {}

  /** Requests to keep in flight now. */
  depth(): number {
    const d = this.sequential ? 1 : this.policyDepth();
    return Math.min(d, this.limit ?? Infinity);
  }

  /** Whether another request may be written on a connection that carried `sent` already. */
  mayWrite(sent: number): boolean {
    return sent < (this.limit ?? Infinity);
  }

  /**
   * The server ended a connection after `answered` answers with requests still unanswered:
   * `explicit` when it said so (Connection: close), else a clean close before the next answer.
   */
  serverClosed(answered: number, explicit: boolean): void {
    if (answered < 1) return;
    if (!explicit) {
      if (this.silentCloseAfter !== answered) {
        this.silentCloseAfter = answered;
        return;
      }
    }
    if (this.limit !== undefined && this.limit <= answered) return;
    this.limit = answered;
    this.log?.log('info', PIPELINE_LOG_LIMIT, { requestsPerConnection: answered, explicit });
  }

  /** A retryable failure with `inFlight` requests outstanding. */
  failure(inFlight: number): void {
    this.goodRanges = 0;
    if (inFlight > 1 && !this.sequential && ++this.failures >= DOWNLOAD_PIPELINE_FAILURES_BEFORE_SEQUENTIAL) this.off('failures-while-pipelined');
  }

  /** The range policy asked for one request at a time (coalesced records). */
  coalesced(): void {
    this.off('coalesced-records');
  }

  /** A whole range was accepted. */
  rangeAccepted(): void {
    if (!this.sequential || this.reason !== 'failures-while-pipelined') return;
    if (++this.goodRanges < DOWNLOAD_PIPELINE_RECOVER_AFTER_RANGES) return;
    if (this.recoveries >= DOWNLOAD_PIPELINE_MAX_RECOVERIES) return;
    this.recoveries++;
    this.sequential = false;
    this.reason = undefined;
    this.failures = 0;
    this.goodRanges = 0;
    this.log?.log('info', PIPELINE_LOG_ON, { afterRanges: DOWNLOAD_PIPELINE_RECOVER_AFTER_RANGES, recoveries: this.recoveries });
  }

  summary(): PipelineSummary {
    return {
      depth: this.depth(),
      ...(this.reason !== undefined ? { offReason: this.reason } : {}),
      recoveries: this.recoveries,
      ...(this.limit !== undefined ? { requestsPerConnection: this.limit } : {}),
    };
  }

  private off(reason: PipelineOffReason): void {
    if (this.sequential && this.reason === 'coalesced-records') return;
    const stays = reason === 'coalesced-records' || this.recoveries >= DOWNLOAD_PIPELINE_MAX_RECOVERIES;
    this.sequential = true;
    this.reason = reason;
    this.goodRanges = 0;
    this.log?.log('warn', PIPELINE_LOG_OFF, { reason, why: PIPELINE_OFF_REASON_TEXT[reason], ...(stays ? { for: 'rest of the download' } : { retryAfterRanges: DOWNLOAD_PIPELINE_RECOVER_AFTER_RANGES }) });
  }
}

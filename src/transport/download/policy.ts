/**
 * Range policies: how long the next range is and what to do when the modem refuses a record. The
 * downloader runs any of them; fotakit's own is AdaptiveRangePolicy (record-exact ranges from the
 * observed head, pipelined). The field's strategies, kept as measured baselines, are siblings in
 * baseline-policies.ts.
 */
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../hal/net.ts';
import { DownloadError } from './errors.ts';
import {
  DOWNLOAD_RECORD_MARGIN_BYTES,
  DOWNLOAD_RECORD_OVERHEAD_BYTES,
  headBase,
  planRange,
  type ObservedHead,
  type RangePlan,
} from './planner.ts';

/**
 * Requests in flight on one connection by default. LTE-M (≈300 kbit/s down, ≈200 ms round trip) has a
 * bandwidth-delay product of ≈7.5 KB: a little over three 2.2 KB ranges; six keeps the pipe full with
 * room for the request uplink and jitter.
 */
export const DOWNLOAD_PIPELINE_DEPTH_DEFAULT = 6;
/**
 * A refused record at least this many times the planned response holds more than one response (a
 * second response is never much smaller than the first); below it, one response overshot.
 */
export const DOWNLOAD_COALESCED_RECORD_FACTOR = 1.5;
/** Most requests in flight accepted (each costs a little modem memory and is lost on a drop). */
export const DOWNLOAD_PIPELINE_DEPTH_MAX = 32;

export interface RecordRefusal {
  /** Body bytes of the range whose response was refused (the oldest in flight). */
  rangeBytes: number;
  /** Head bytes predicted for it. */
  predictedHeadBytes: number;
  /** The refused record's size, header included, when the modem says (NetError details.recordBytes). */
  recordBytes?: number;
  /** Requests in flight when it happened. */
  inFlight: number;
  /** The modem's error, for policies that give up by rethrowing it. */
  error: Error;
}

/** What the downloader does after a refusal: retry with smaller ranges, or stop pipelining too. */
export type RefusalAction = 'shrink' | 'sequential';

export interface RangePolicy {
  readonly name: string;
  /** Requests kept in flight once the file size is known. */
  readonly pipelineDepth: number;
  plan(offset: number, size: number | undefined): RangePlan;
  /** A 206 head arrived for the range [first, last] (or one remembered from before a reboot). */
  observe(head: ObservedHead): void;
  /** The observation plans rest on, to remember across a reboot (policies that learn nothing: none). */
  observedHead?(): ObservedHead | undefined;
  /** The modem refused a record (EMSGSIZE). Throws to give up. */
  recordRefused(r: RecordRefusal): RefusalAction;
}

export interface AdaptivePolicyOptions {
  recordLimitBytes?: number;
  recordOverheadBytes?: number;
  marginBytes?: number;
  pipelineDepth?: number;
  maxRangeBytes?: number;
}

/** fotakit: ranges sized from the observed head to fill one record exactly, several in flight. */
export class AdaptiveRangePolicy implements RangePolicy {
  readonly name = 'fotakit';
  readonly pipelineDepth: number;
  readonly recordLimitBytes: number;
  private readonly overhead: number;
  private readonly margin: number;
  private readonly maxRangeBytes: number | undefined;
  private observed: ObservedHead | undefined;
  /** Budget learned from refusals of ranges planned on an observed head (exact prediction: it sticks). */
  private plaintextCap: number | undefined;
  /**
   * Budget learned from refusals before any head was seen: the guessed head was too small. Dropped at
   * the first observed head, whose prediction is exact.
   */
  private blindCap: number | undefined;

  constructor(o: AdaptivePolicyOptions = {}) {
    this.recordLimitBytes = o.recordLimitBytes ?? MODEM_TLS_MAX_RECORD_BYTES;
    this.overhead = o.recordOverheadBytes ?? DOWNLOAD_RECORD_OVERHEAD_BYTES;
    this.margin = o.marginBytes ?? DOWNLOAD_RECORD_MARGIN_BYTES;
    this.maxRangeBytes = o.maxRangeBytes;
    const depth = o.pipelineDepth ?? DOWNLOAD_PIPELINE_DEPTH_DEFAULT;
    if (!Number.isInteger(depth) || depth < 1 || depth > DOWNLOAD_PIPELINE_DEPTH_MAX) {
      throw new DownloadError('DOWNLOAD_BAD_OPTIONS', `policy.adaptive: pipeline depth must be 1..${DOWNLOAD_PIPELINE_DEPTH_MAX}, got ${depth}`);
    }
    this.pipelineDepth = depth;
  }

  plan(offset: number, size: number | undefined): RangePlan {
    return planRange({
      offset,
      size,
      recordLimitBytes: this.recordLimitBytes,
      recordOverheadBytes: this.overhead,
      marginBytes: this.margin,
      observed: this.observed,
      plaintextCapBytes: minDefined(this.plaintextCap, this.blindCap),
      maxRangeBytes: this.maxRangeBytes,
    });
  }

  /** Keeps the observation with the largest range-independent head: predictions stay on the safe side. */
  observe(head: ObservedHead): void {
    if (this.observed === undefined || headBase(head) > headBase(this.observed)) this.observed = { ...head };
    this.blindCap = undefined;
  }

  observedHead(): ObservedHead | undefined {
    return this.observed === undefined ? undefined : { ...this.observed };
  }

  recordRefused(r: RecordRefusal): RefusalAction {
    const planned = r.predictedHeadBytes + r.rangeBytes;
    const budget = this.recordLimitBytes - this.overhead - this.margin;
    const current = minDefined(this.plaintextCap, this.blindCap) ?? budget;
    let cap: number;
    if (r.recordBytes === undefined) {
      // Nothing measured: halve what one record may carry (bounded: the planner stops at its minimum).
      cap = Math.floor(Math.min(current, planned) / 2);
    } else {
      const plaintext = r.recordBytes - this.overhead;
      if (r.inFlight > 1 && plaintext >= DOWNLOAD_COALESCED_RECORD_FACTOR * planned) {
        // Room for more than one response in the record: the server coalesced pipelined answers.
        return 'sequential';
      }
      // One response overshot by (record - limit): take exactly that, plus the margin, off the budget.
      cap = Math.min(current, budget - Math.max(r.recordBytes - this.recordLimitBytes, 0) - this.margin);
    }
    if (this.observed === undefined) this.blindCap = cap;
    else this.plaintextCap = cap;
    return 'shrink';
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * The field's range strategies, kept to measure fotakit against (docs/reference/nrf91-fota.md):
 * - Memfault on NCS: fixed 1024-byte ranges, one request at a time;
 * - NCS ≥ 2.9 `downloader`: ranges capped at 2048 bytes on nRF91 TLS; on EMSGSIZE shrink by 128 bytes
 *   (by 8 once at or under 256) and reconnect; give up at or under 8.
 */
import { DownloadError } from './errors.ts';
import type { ObservedHead, RangePlan } from './planner.ts';
import type { RangePolicy, RecordRefusal, RefusalAction } from './policy.ts';

/** Memfault's forced fragment size on nRF91 (CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE_1024). */
export const MEMFAULT_NRF91_RANGE_BYTES = 1024;
/** NCS downloader's range cap on nRF91 TLS. */
export const NCS_DOWNLOADER_RANGE_MAX_BYTES = 2048;
/** Shrink step on EMSGSIZE above the fine threshold. */
export const NCS_DOWNLOADER_SHRINK_STEP_BYTES = 128;
/** At or under this size the shrink step becomes the fine one. */
export const NCS_DOWNLOADER_FINE_THRESHOLD_BYTES = 256;
export const NCS_DOWNLOADER_FINE_STEP_BYTES = 8;
/** At or under this size the downloader gives up. */
export const NCS_DOWNLOADER_GIVE_UP_BYTES = 8;

function fixedPlan(offset: number, size: number | undefined, length: number): RangePlan {
  const n = size === undefined ? length : Math.min(length, size - offset);
  return { first: offset, last: offset + n - 1, length: n, predictedHeadBytes: 0, plaintextBudgetBytes: n };
}

/** Fixed-size ranges, sequential; a refused record is fatal (the field's build simply never exceeded it). */
export class FixedRangePolicy implements RangePolicy {
  readonly name: string;
  readonly pipelineDepth = 1;
  constructor(readonly rangeBytes = MEMFAULT_NRF91_RANGE_BYTES) {
    if (!Number.isInteger(rangeBytes) || rangeBytes < 1) throw new DownloadError('DOWNLOAD_BAD_OPTIONS', `policy.fixed: bad range size ${rangeBytes}`);
    this.name = `fixed-${rangeBytes}`;
  }
  plan(offset: number, size: number | undefined): RangePlan {
    return fixedPlan(offset, size, this.rangeBytes);
  }
  observe(_head: ObservedHead): void {}
  recordRefused(r: RecordRefusal): RefusalAction {
    throw r.error;
  }
}

/** NCS ≥ 2.9: start at 2048, shrink by 128 (8 at or under 256) on each EMSGSIZE, sequential. */
export class NcsShrinkPolicy implements RangePolicy {
  readonly name = 'ncs-shrink';
  readonly pipelineDepth = 1;
  rangeBytes = NCS_DOWNLOADER_RANGE_MAX_BYTES;
  plan(offset: number, size: number | undefined): RangePlan {
    return fixedPlan(offset, size, this.rangeBytes);
  }
  observe(_head: ObservedHead): void {}
  recordRefused(r: RecordRefusal): RefusalAction {
    this.rangeBytes -= this.rangeBytes > NCS_DOWNLOADER_FINE_THRESHOLD_BYTES ? NCS_DOWNLOADER_SHRINK_STEP_BYTES : NCS_DOWNLOADER_FINE_STEP_BYTES;
    if (this.rangeBytes <= NCS_DOWNLOADER_GIVE_UP_BYTES) throw r.error;
    return 'shrink';
  }
}

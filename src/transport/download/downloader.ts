/**
 * The range downloader: fetches a file in HTTP range requests each small enough that the whole
 * response fits one TLS record under the modem's limit (policy.ts, planner.ts), several in flight on
 * one keep-alive connection, into a sink that sees every byte exactly once and in order.
 *
 * - A dropped connection, a timeout, a short body or a refused record (EMSGSIZE): reconnect and ask
 *   again from the last byte the sink accepted. A refused record also shrinks the ranges (the policy
 *   decides from the record's size); a server that cannot take pipelining gets one request at a time.
 * - Pipelined from the first request (conservative ranges until the first head is seen), so finding
 *   out the size costs no round trip.
 * - Resume across reboots: {id, ETag/Last-Modified, size, offset, head} in Settings (resume.ts); every
 *   range carries If-Range, so a changed file answers 200 (or a new validator or size shows): the sink
 *   is reset and the download starts over, a bounded number of times.
 * - Behind the record gate a 200 with the whole file is usually never seen: its first 16 KiB record is
 *   refused. A refused record far bigger than anything asked for is taken for one (range-response.ts):
 *   after an If-Range request, one request without it shows the new validator; otherwise, or again,
 *   RANGE_NOT_SUPPORTED. A 200 whose head does arrive is handled the same way, its body never read.
 * - Resuming at offset == size asks for the byte past the end: 416 means done (not a doom loop).
 * - Never splice: every 206 must carry the validator the accepted bytes came with; one that disappears
 *   (or a redirect to a server that gives none, when none was known) starts the file over from 0.
 *   A redirect never leaves TLS (HTTP_REDIRECT_INSECURE).
 * - Liveness (liveness.ts): deadlines per response (first byte, whole response scaled by its planned
 *   bytes and the link rate: HTTP_RESPONSE_TIMEOUT, retried) and a stall limit (DOWNLOAD_STALLED).
 * - Pipelining (pipeline-control.ts): the server's per-connection request limit is learned and never
 *   exceeded; pipelining turned off after failures comes back after good ranges, and every change is
 *   logged with its reason.
 * Spec: docs/reference/nrf91-fota.md ("EMSGSIZE", "NCS download_client / downloader behaviour").
 */
import type { Clock } from '../../hal/clock.ts';
import { FotaError, TlsError, isFotaError, type FotaErrorCode } from '../../hal/errors.ts';
import type { Log } from '../../hal/log.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../hal/net.ts';
import type { Settings } from '../../hal/settings.ts';
import { HttpClient, HTTP_MAX_REDIRECTS, isRedirect, redirectTarget, type Connector } from '../http/client.ts';
import type { HttpConnection } from '../http/connection.ts';
import { HttpError } from '../http/errors.ts';
import { ifRangeValidator, parseContentRange } from '../http/headers.ts';
import type { ResponseHead } from '../http/response-parser.ts';
import { formatUrl, parseUrl, type HttpUrl } from '../http/url.ts';
import { DownloadError } from './errors.ts';
import { DOWNLOAD_STALL_LIMIT_MS, StallWatch, responseDeadlines, type LivenessOptions } from './liveness.ts';
import { PipelineControl, type PipelineSummary } from './pipeline-control.ts';
import type { RangePlan } from './planner.ts';
import { checkPartialMatches, isForeignRecord, parsePartial } from './range-response.ts';
import { AdaptiveRangePolicy, type RangePolicy } from './policy.ts';
import { DOWNLOAD_STATE_KEY_DEFAULT, clearDownloadState, loadDownloadState, saveDownloadState, stateId } from './resume.ts';
import type { DownloadSink } from './sink.ts';

/** Failed attempts in a row (no byte accepted in between) before DOWNLOAD_GAVE_UP. */
export const DOWNLOAD_MAX_RETRIES = 8;
/** First wait before a retry; doubles per failure in a row. */
export const DOWNLOAD_RETRY_BACKOFF_MS = 200;
export const DOWNLOAD_RETRY_BACKOFF_MAX_MS = 5_000;
/** Times the file may change under the download before DOWNLOAD_FILE_UNSTABLE. */
export const DOWNLOAD_MAX_RESTARTS = 3;
/**
 * Progress written to Settings at most this often (flash wear), and at the end — for a sink that cannot
 * tell what it kept. A sink with `persistedBytes` owns the byte count (a flash slot saves it per page it
 * commits): the record then holds only the file's identity and is written when that changes.
 */
export const DOWNLOAD_PERSIST_INTERVAL_BYTES = 16 * 1024;
export { DOWNLOAD_PIPELINE_FAILURES_BEFORE_SEQUENTIAL } from './pipeline-control.ts';

/** Socket failures worth a reconnect (TLS verdicts and unknown hosts are not). */
const RETRYABLE_NET_CODES: readonly FotaErrorCode[] = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTCONN', 'EPIPE', 'ENOMEM', 'ECONNABORTED'];
/** Refused record sizes kept for the result (the count is `emsgsize`). */
export const DOWNLOAD_REFUSED_RECORDS_KEPT = 32;
/** HTTP failures worth a reconnect. */
const RETRYABLE_HTTP_CODES: readonly FotaErrorCode[] = ['HTTP_TRUNCATED', 'HTTP_RESPONSE_TIMEOUT'];
/** Statuses that say "try again later". */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export interface DownloadProgress {
  /** Bytes the sink holds. */
  bytes: number;
  total: number | undefined;
  requests: number;
  retries: number;
  /** Body bytes of the range just received. */
  rangeBytes: number;
  /** Status line and header bytes of the response just received. */
  headBytes: number;
  /** Largest TLS record seen so far (socket.info()). */
  maxRecordBytes: number;
  inFlight: number;
}

export interface DownloadResult {
  url: string;
  /** The URL the bytes came from after redirects. */
  finalUrl: string;
  size: number;
  /** Bytes fetched in this run (size - resumedFrom when nothing was lost). */
  bytesFetched: number;
  resumedFrom: number;
  requests: number;
  retries: number;
  restarts: number;
  connections: number;
  emsgsize: number;
  /** Largest TLS record accepted (0 when the modem cannot tell). */
  maxRecordBytes: number;
  /** Sizes of the records the modem refused (EMSGSIZE), header included, when it told them. */
  refusedRecordBytes: number[];
  /** False when the modem cannot see TLS records (the serial modem): record sizes are unknown. */
  recordSizesKnown: boolean;
  /** Largest response head seen. */
  maxHeadBytes: number;
  /** Pipeline depth at the end (1 after a fall back). */
  pipelineDepth: number;
  /** Why pipelining ended where it did: off and why, recoveries, the server's request limit. */
  pipeline: PipelineSummary;
  etag?: string;
  lastModified?: string;
  elapsedMs: number;
}

export interface DownloadOptions {
  url: string;
  sink: DownloadSink;
  clock: Clock;
  /** A client to share (its connect decides certificates per host); else one is made from `connect`. */
  client?: HttpClient;
  connect?: Connector;
  /** Range policy; default AdaptiveRangePolicy with the limit and depth below. */
  policy?: RangePolicy;
  recordLimitBytes?: number;
  pipelineDepth?: number;
  /** Where resume state lives; without it every run starts from 0. */
  settings?: Settings;
  stateKey?: string;
  /** Identity of the download for resume (default: the URL). */
  resumeId?: string;
  maxRetries?: number;
  retryBackoffMs?: number;
  /** Longest wait for any byte (socket receive timeout); default MODEM_SOCKET_TIMEOUT_MS. */
  idleTimeoutMs?: number;
  /**
   * A fixed deadline for every whole response; by default one scaled by the response's planned bytes
   * and `linkBitsPerS` (liveness.ts).
   */
  responseTimeoutMs?: number;
  /** Deadline of each response's first byte; default DOWNLOAD_FIRST_BYTE_TIMEOUT_MS. */
  firstByteTimeoutMs?: number;
  /** Fixed part of the scaled response deadline; default DOWNLOAD_RESPONSE_BASE_MS. */
  responseBaseMs?: number;
  /** The link's downlink rate (from its profile), for the scaled response deadline. */
  linkBitsPerS?: number;
  /** No whole range for this long: DOWNLOAD_STALLED. Default DOWNLOAD_STALL_LIMIT_MS. */
  stallLimitMs?: number;
  userAgent?: string;
  headers?: Array<[string, string]>;
  onProgress?: (p: DownloadProgress) => void;
  log?: Log;
}

interface InFlight extends RangePlan {
  ifRange: boolean;
}

type Verdict = 'next' | 'reconnect';

/** Downloads `url` into the sink; resolves when the sink holds the whole file. */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  return new RangeDownload(options).run();
}

class RangeDownload {
  private readonly o: DownloadOptions;
  private readonly client: HttpClient;
  private readonly policy: RangePolicy;
  private readonly id: string;
  private readonly stateKey: string;
  private url: HttpUrl;
  private offset = 0;
  private size: number | undefined;
  private etag: string | undefined;
  private lastModified: string | undefined;
  /** True once the last byte arrived in this run or a 416 confirmed the end. */
  private complete = false;
  private resumedFrom = 0;
  private persistedOffset = -1;
  /** The file identity last written to the record (when the sink owns the byte count). */
  private persistedIdentity: string | undefined;
  /** The sink was told the file's size and validators (sink.open) in this run. */
  private sinkOpened = false;
  private requests = 0;
  private retries = 0;
  private restarts = 0;
  private emsgsize = 0;
  private failuresInRow = 0;
  private redirectsInRow = 0;
  private readonly pipeline: PipelineControl;
  private readonly liveness: LivenessOptions;
  private stall!: StallWatch;
  /** The URL whose server gave the bytes accepted so far (a 206 from another one must prove the same file). */
  private bytesFrom: string | undefined;
  private maxRecordBytes = 0;
  private readonly refusedRecords: number[] = [];
  private recordSizesKnown = true;
  private maxHeadBytes = 0;
  private inflight: InFlight[] = [];
  private inflightPlaintext = 0;
  private lastRefusedRecordBytes: number | undefined;
  /** Set after an oversized answer to If-Range: the next request goes alone and without it. */
  private probeWithoutIfRange = false;

  constructor(o: DownloadOptions) {
    if (!o.client && !o.connect) throw new DownloadError('DOWNLOAD_BAD_OPTIONS', 'download: needs a client or a connect function');
    this.o = o;
    this.url = parseUrl(o.url);
    this.client = o.client ?? new HttpClient({
        connect: o.connect!,
        clock: o.clock,
        userAgent: o.userAgent,
        idleTimeoutMs: o.idleTimeoutMs,
      });
    this.policy = o.policy ?? new AdaptiveRangePolicy({ recordLimitBytes: o.recordLimitBytes ?? MODEM_TLS_MAX_RECORD_BYTES, pipelineDepth: o.pipelineDepth });
    this.pipeline = new PipelineControl(() => this.policy.pipelineDepth, o.log);
    this.liveness = {
      ...(o.firstByteTimeoutMs !== undefined ? { firstByteTimeoutMs: o.firstByteTimeoutMs } : {}),
      ...(o.responseTimeoutMs !== undefined ? { responseTimeoutMs: o.responseTimeoutMs } : {}),
      ...(o.responseBaseMs !== undefined ? { responseBaseMs: o.responseBaseMs } : {}),
      ...(o.linkBitsPerS !== undefined ? { linkBitsPerS: o.linkBitsPerS } : {}),
    };
    this.id = o.resumeId ?? o.url;
    this.stateKey = o.stateKey ?? DOWNLOAD_STATE_KEY_DEFAULT;
  }

  async run(): Promise<DownloadResult> {
    const t0 = this.o.clock.now();
    const connectionsBefore = this.client.connectionsOpened;
    this.stall = new StallWatch(this.o.stallLimitMs ?? DOWNLOAD_STALL_LIMIT_MS, t0);
    try {
      await this.resume();
      while (!this.complete) {
        try {
          await this.runConnection();
        } catch (e) {
          await this.failed(e);
        }
      }
      await this.persist(true);
    } finally {
      if (!this.o.client) await this.client.close();
    }
    return {
      url: this.o.url,
      finalUrl: formatUrl(this.url),
      size: this.size!,
      bytesFetched: this.offset - this.resumedFrom,
      resumedFrom: this.resumedFrom,
      requests: this.requests,
      retries: this.retries,
      restarts: this.restarts,
      connections: this.client.connectionsOpened - connectionsBefore,
      emsgsize: this.emsgsize,
      maxRecordBytes: this.maxRecordBytes,
      refusedRecordBytes: [...this.refusedRecords],
      recordSizesKnown: this.recordSizesKnown,
      maxHeadBytes: this.maxHeadBytes,
      pipelineDepth: this.depth(),
      pipeline: this.pipeline.summary(),
      etag: this.etag,
      lastModified: this.lastModified,
      elapsedMs: this.o.clock.now() - t0,
    };
  }

  /** Picks up a download this id left behind, trusting the sink's persisted count over the record. */
  private async resume(): Promise<void> {
    const sinkHas = this.o.sink.persistedBytes ? await this.o.sink.persistedBytes() : undefined;
    const st = this.o.settings ? await loadDownloadState(this.o.settings, this.stateKey) : undefined;
    if (st !== undefined && st.id === stateId(this.id)) {
      const offset = sinkHas ?? st.offset;
      if (offset <= st.size) {
        this.offset = offset;
        this.size = st.size;
        this.etag = st.etag;
        this.lastModified = st.lastModified;
        this.resumedFrom = offset;
        this.bytesFrom = formatUrl(this.url);
        this.persistedOffset = st.offset;
        this.persistedIdentity = this.identity(st.head);
        if (st.head !== undefined) this.policy.observe({ headBytes: st.head[0], first: st.head[1], last: st.head[2] });
        this.o.log?.log('info', 'download: resuming', { offset, size: st.size });
        await this.openSink();
        return;
      }
    }
    if ((sinkHas ?? 0) > 0 || st !== undefined) await this.o.sink.reset();
    if (st !== undefined && this.o.settings) await clearDownloadState(this.o.settings, this.stateKey);
  }

  private depth(): number {
    return this.pipeline.depth();
  }

  /** One connection's worth: fill the pipeline, take responses in order, until done or reconnect. */
  private async runConnection(): Promise<void> {
    const { conn } = await this.client.connection(this.url);
    this.inflight = [];
    let next = this.offset;
    let answered = 0;
    let sendFailed = false;
    try {
      for (;;) {
        // Pipelined from the first request on (conservative ranges until a head is seen): waiting for
        // the size would cost a round trip. Alone only for the end-of-file probe and the If-Range probe.
        const depth = (this.size !== undefined && this.offset >= this.size) || this.probeWithoutIfRange ? 1 : this.depth();
        while (this.inflight.length < depth && conn.reusable && this.pipeline.mayWrite(conn.requests) && this.wants(next)) {
          const plan = this.nextPlan(next);
          const validator = this.probeWithoutIfRange ? undefined : ifRangeValidator(this.etag, this.lastModified);
          const headers = this.client.requestHeaders([...(this.o.headers ?? []), ['Range', `bytes=${plan.first}-${plan.last}`]]);
          if (validator !== undefined) headers.push(['If-Range', validator]);
          try {
            await conn.send({ method: 'GET', url: this.url, headers });
          } catch (e) {
            // The answers to what was sent before may still be readable; the failure shows again,
            // in order, where the stream breaks.
            if (this.inflight.length === 0) throw e;
            sendFailed = true;
            break;
          }
          this.inflight.push({ ...plan, ifRange: validator !== undefined });
          this.requests++;
          next = plan.last + 1;
        }
        if (this.inflight.length === 0) break;
        const oldest = this.inflight[0]!;
        const head = await conn.readHead(responseDeadlines(this.liveness, oldest.predictedHeadBytes + oldest.length));
        this.maxHeadBytes = Math.max(this.maxHeadBytes, head.headBytes);
        const verdict = await this.answer(head, this.inflight[0]!, conn);
        this.inflight.shift();
        answered++;
        this.noteRecords(conn);
        if (verdict === 'reconnect') {
          // Whatever is left on this connection (an unread body, later answers) is of no use.
          this.inflight = [];
          await conn.close();
          return;
        }
        if (this.complete) break;
        if (!conn.reusable && !sendFailed) {
          // The server closes after answering (Connection: close): what it did not answer was sent for
          // nothing; from now on no connection carries more than it answers.
          if (this.inflight.length > 0) this.pipeline.serverClosed(answered, true);
          break;
        }
        if (this.inflight.length === 0 && !this.pipeline.mayWrite(conn.requests)) break;
      }
    } catch (e) {
      this.noteRecords(conn);
      // A clean close before any byte of the next answer, after some answers: perhaps a request limit.
      if (answered > 0 && !conn.responseStarted && isFotaError(e, 'HTTP_TRUNCATED', 'ECONNRESET')) this.pipeline.serverClosed(answered, false);
      await conn.close();
      throw e;
    }
    // A connection that carried the server's limit of requests is done, whatever its headers said.
    if (this.inflight.length === 0 && conn.reusable && this.pipeline.mayWrite(conn.requests)) await this.client.release(this.url, conn);
    else await conn.close();
    this.inflight = [];
    await this.persist(false);
  }

  /** Whether another request starting at `next` is wanted. */
  private wants(next: number): boolean {
    if (this.size === undefined) return true;
    if (this.offset >= this.size) return this.inflight.length === 0 && next === this.offset; // the 416 probe
    return next < this.size;
  }

  private nextPlan(next: number): RangePlan {
    if (this.size !== undefined && next >= this.size) {
      // Resumed with everything already here: ask for the first byte past the end, expecting 416.
      return { first: next, last: next, length: 1, predictedHeadBytes: 0, plaintextBudgetBytes: 0 };
    }
    return this.policy.plan(next, this.size);
  }

  private noteRecords(conn: HttpConnection): void {
    const info = conn.socket.info();
    this.maxRecordBytes = Math.max(this.maxRecordBytes, info.maxRecordBytes);
    if (info.recordSizesKnown === false) this.recordSizesKnown = false;
  }

  /** Acts on one response head (reading its body when it is ours to keep). */
  private async answer(head: ResponseHead, req: InFlight, conn: HttpConnection): Promise<Verdict> {
    const where = formatUrl(this.url);
    if (head.status === 206) return this.partial(head, req, conn);
    if (head.status === 200) {
      if (req.ifRange) return this.restart(`200 to If-Range at ${req.first}: the file changed`);
      throw new DownloadError(
        'RANGE_NOT_SUPPORTED',
        `download: ${where} answered the range request bytes=${req.first}-${req.last} with 200 and the whole file; ` +
          `without ranges the modem's TLS record limit would be exceeded`,
        { url: where, contentLength: head.contentLength },
      );
    }
    if (head.status === 416) {
      const value = head.headers.get('content-range');
      const cr = value === undefined ? undefined : parseContentRange(value);
      if (cr !== undefined && cr.unsatisfied && req.first === this.offset) {
        if (cr.size === this.offset && (this.size === undefined || this.size === cr.size)) {
          this.size = cr.size;
          this.complete = true;
          return 'reconnect';
        }
        return this.restart(`416 says the file has ${cr.size} bytes, ${this.offset} already here`);
      }
      throw new HttpError('HTTP_STATUS', `download: ${where} answered 416 to bytes=${req.first}-${req.last}`, { status: 416, url: where });
    }
    if (isRedirect(head.status)) {
      const location = head.headers.get('location');
      if (location === undefined) throw new HttpError('HTTP_BAD_REDIRECT', `download: ${head.status} from ${where} without Location`, { status: head.status });
      if (++this.redirectsInRow > HTTP_MAX_REDIRECTS) {
        throw new HttpError('HTTP_TOO_MANY_REDIRECTS', `download: more than ${HTTP_MAX_REDIRECTS} redirects from ${where}`, { limit: HTTP_MAX_REDIRECTS });
      }
      this.url = redirectTarget(this.url, location, head.status);
      return 'reconnect';
    }
    throw new HttpError('HTTP_STATUS', `download: ${where} answered ${head.status} ${head.reason}`, {
      status: head.status,
      url: where,
      retryable: RETRYABLE_STATUSES.has(head.status),
    });
  }

  private async partial(head: ResponseHead, req: InFlight, conn: HttpConnection): Promise<Verdict> {
    const cr = parsePartial(head, req.first);
    // A changed file first: its Content-Range may not match what was asked of the old one.
    if (this.size !== undefined && cr.size !== this.size) return this.restart(`size changed from ${this.size} to ${cr.size}`);
    const { etag, lastModified } = cr;
    if ((this.etag !== undefined && etag !== undefined && etag !== this.etag) || (this.etag === undefined && this.lastModified !== undefined && lastModified !== undefined && lastModified !== this.lastModified)) {
      return this.restart(`validator changed (${this.etag ?? this.lastModified} → ${etag ?? lastModified})`);
    }
    const splice = this.spliceRisk(etag, lastModified);
    if (splice !== undefined) return this.restart(splice);
    const length = checkPartialMatches(cr, head, req.first, req.last);
    this.policy.observe({ headBytes: head.headBytes, first: cr.first, last: cr.last });
    if (this.size === undefined) {
      this.size = cr.size;
      this.etag = etag;
      this.lastModified = lastModified;
      this.bytesFrom = formatUrl(this.url);
      await this.persist(true);
    }
    if (req.first !== this.offset) {
      // Responses come in order and each ends where the next starts: anything else is a bug here.
      throw new DownloadError('DOWNLOAD_SINK_OFFSET', `download: response for ${req.first} while ${this.offset} accepted`);
    }
    this.probeWithoutIfRange = false;
    this.lastRefusedRecordBytes = undefined;
    await this.openSink();
    let got = 0;
    await conn.readBody(async (bytes) => {
      if (got + bytes.length > length) throw new HttpError('HTTP_BAD_CONTENT_LENGTH', `download: body longer than the ${length}-byte range`, { length });
      await this.sinkWrite(bytes);
      this.offset += bytes.length;
      got += bytes.length;
      this.failuresInRow = 0;
      this.redirectsInRow = 0;
    });
    if (got !== length) {
      throw new HttpError('HTTP_TRUNCATED', `download: range ${cr.first}-${cr.last} ended after ${got} bytes`, { missingBytes: length - got });
    }
    if (this.offset === this.size) this.complete = true;
    this.stall.rangeAccepted(this.o.clock.now());
    this.pipeline.rangeAccepted();
    this.noteRecords(conn);
    this.o.onProgress?.({
      bytes: this.offset,
      total: this.size,
      requests: this.requests,
      retries: this.retries,
      rangeBytes: length,
      headBytes: head.headBytes,
      maxRecordBytes: this.maxRecordBytes,
      inFlight: this.inflight.length - 1,
    });
    if (this.offset - this.persistedOffset >= DOWNLOAD_PERSIST_INTERVAL_BYTES) await this.persist(false);
    return 'next';
  }

  /**
   * Why a 206 cannot be joined to the bytes already accepted, or undefined when it can: the validator
   * they came with is missing from it, or it comes from another URL (a redirect) and no validator was
   * ever known to prove it is the same file.
   */
  private spliceRisk(etag: string | undefined, lastModified: string | undefined): string | undefined {
    if (this.size === undefined || this.offset === 0) return undefined;
    if (this.etag !== undefined && etag === undefined) return `the ETag ${this.etag} disappeared from ${formatUrl(this.url)}`;
    if (this.etag === undefined && this.lastModified !== undefined && lastModified === undefined) {
      return `the Last-Modified ${this.lastModified} disappeared from ${formatUrl(this.url)}`;
    }
    if (this.etag === undefined && this.lastModified === undefined && this.bytesFrom !== undefined && this.bytesFrom !== formatUrl(this.url)) {
      return `redirected to ${formatUrl(this.url)}, and no validator proves it serves the file the first ${this.offset} bytes came from`;
    }
    return undefined;
  }

  /** Hands bytes to the sink; a sink failing with something untyped becomes DOWNLOAD_SINK_FAILED. */
  private async sinkWrite(bytes: Uint8Array): Promise<void> {
    try {
      await this.o.sink.write(this.offset, bytes);
    } catch (e) {
      if (e instanceof FotaError) throw e;
      throw new DownloadError('DOWNLOAD_SINK_FAILED', `download: sink.write at ${this.offset} failed: ${(e as Error)?.message ?? String(e)}`, { offset: this.offset }, { cause: e });
    }
  }

  /** Tells the sink what the file is, once per run and after every reset. */
  private async openSink(): Promise<void> {
    if (this.sinkOpened || this.size === undefined || !this.o.sink.open) return;
    this.sinkOpened = true;
    await this.o.sink.open({ size: this.size, ...(this.etag !== undefined ? { etag: this.etag } : {}), ...(this.lastModified !== undefined ? { lastModified: this.lastModified } : {}) });
  }

  /** The file changed: drop what the sink has and start from byte 0. */
  private async restart(why: string): Promise<Verdict> {
    if (++this.restarts > DOWNLOAD_MAX_RESTARTS) {
      throw new DownloadError('DOWNLOAD_FILE_UNSTABLE', `download: the file changed ${this.restarts} times (${why})`, { restarts: this.restarts });
    }
    this.o.log?.log('warn', 'download: starting over', { why });
    await this.o.sink.reset();
    this.sinkOpened = false;
    this.offset = 0;
    this.resumedFrom = 0;
    this.size = undefined;
    this.etag = undefined;
    this.lastModified = undefined;
    this.complete = false;
    this.bytesFrom = undefined;
    if (this.o.settings) await clearDownloadState(this.o.settings, this.stateKey);
    this.persistedOffset = -1;
    this.persistedIdentity = undefined;
    return 'reconnect';
  }

  /** What the record says about the file apart from the offset: a change must reach the record. */
  private identity(head: readonly number[] | undefined): string {
    return JSON.stringify([this.size, this.etag, this.lastModified, head]);
  }

  private async persist(force: boolean): Promise<void> {
    if (!this.o.settings || this.size === undefined) return;
    if (!force && this.offset === this.persistedOffset) return;
    const h = this.policy.observedHead?.();
    const identity = this.identity(h === undefined ? undefined : [h.headBytes, h.first, h.last]);
    // The sink keeps its own count: only a new identity is worth a settings write (flash wear).
    if (!force && this.o.sink.persistedBytes && identity === this.persistedIdentity) return;
    this.persistedIdentity = identity;
    await saveDownloadState(
      this.o.settings,
      {
        id: this.id,
        etag: this.etag,
        lastModified: this.lastModified,
        size: this.size,
        offset: Math.min(this.offset, this.size),
        head: h === undefined ? undefined : [h.headBytes, h.first, h.last],
      },
      this.stateKey,
    );
    this.persistedOffset = this.offset;
  }

  /** Decides whether a failure is retried (after a back-off) or ends the download. */
  private async failed(e: unknown): Promise<void> {
    const inFlight = this.inflight.length;
    const current = this.inflight[0];
    this.inflightPlaintext = this.inflight.reduce((n, r) => n + r.predictedHeadBytes + r.length, 0);
    this.inflight = [];
    await this.persist(false).catch(() => undefined);
    if (isFotaError(e, 'EMSGSIZE')) {
      this.emsgsize++;
      this.retries++;
      const recordBytes = typeof e.context.recordBytes === 'number' ? e.context.recordBytes : undefined;
      if (recordBytes !== undefined && this.refusedRecords.length < DOWNLOAD_REFUSED_RECORDS_KEPT) this.refusedRecords.push(recordBytes);
      const foreign =
        current !== undefined &&
        recordBytes !== undefined &&
        isForeignRecord({
          recordBytes,
          plannedBytes: current.predictedHeadBytes + current.length,
          inFlightPlannedBytes: this.inflightPlaintext,
          inFlight,
          previousRecordBytes: this.lastRefusedRecordBytes,
        });
      if (foreign) {
        this.lastRefusedRecordBytes = recordBytes;
        if (current.ifRange && !this.probeWithoutIfRange) {
          // Most likely a 200 with the whole (changed) file: ask once without If-Range; the 206 then
          // shows the new validator or size, and the download starts over from there.
          this.probeWithoutIfRange = true;
          this.o.log?.log('warn', 'download: oversized answer to If-Range; probing without it', { recordBytes });
          return;
        }
        throw new DownloadError(
          'RANGE_NOT_SUPPORTED',
          `download: ${formatUrl(this.url)} answered bytes=${current.first}-${current.last} with a ${recordBytes}-byte TLS record, ` +
            `not the ${current.length}-byte range asked for (the server ignores Range?)`,
          { url: formatUrl(this.url), recordBytes, first: current.first, last: current.last },
          { cause: e },
        );
      }
      this.lastRefusedRecordBytes = recordBytes;
      const action = this.policy.recordRefused({
        rangeBytes: current?.length ?? 0,
        predictedHeadBytes: current?.predictedHeadBytes ?? 0,
        recordBytes,
        inFlight,
        error: e,
      });
      if (action === 'sequential') this.pipeline.coalesced();
      this.o.log?.log('warn', 'download: record refused', { recordBytes, action, inFlight });
      return;
    }
    const retryable =
      (isFotaError(e, ...RETRYABLE_NET_CODES) && !(e instanceof TlsError)) ||
      isFotaError(e, ...RETRYABLE_HTTP_CODES) ||
      (isFotaError(e, 'HTTP_STATUS') && e.context.retryable === true);
    if (!retryable) throw e;
    const stalledMs = this.stall.stalledFor(this.o.clock.now());
    if (stalledMs > 0) {
      const fe = e as FotaError;
      throw new DownloadError(
        'DOWNLOAD_STALLED',
        `download: no whole range from ${formatUrl(this.url)} in ${Math.round(stalledMs)} ms (limit ${this.stall.limit} ms), at byte ${this.offset}; last: ${fe.message}`,
        { offset: this.offset, stalledMs: Math.round(stalledMs), limitMs: this.stall.limit, lastCode: fe.code },
        { cause: e },
      );
    }
    this.pipeline.failure(inFlight);
    const maxRetries = this.o.maxRetries ?? DOWNLOAD_MAX_RETRIES;
    if (++this.failuresInRow > maxRetries) {
      const fe = e as FotaError;
      throw new DownloadError('DOWNLOAD_GAVE_UP', `download: ${maxRetries} retries without progress at byte ${this.offset}; last: ${fe.message}`, {
        offset: this.offset,
        lastCode: fe.code,
      }, { cause: e });
    }
    this.retries++;
    const base = this.o.retryBackoffMs ?? DOWNLOAD_RETRY_BACKOFF_MS;
    const wait = Math.min(base * 2 ** (this.failuresInRow - 1), DOWNLOAD_RETRY_BACKOFF_MAX_MS);
    this.o.log?.log('info', 'download: retrying', { code: (e as FotaError).code, offset: this.offset, waitMs: wait });
    await this.o.clock.sleep(wait);
  }
}

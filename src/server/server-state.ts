/**
 * The mutable state of one local update server (src/server/update-server.ts): the release it serves,
 * the fault set, the request log and connection numbers, the CDN byte counter of the `changeAfterBytes`
 * fault, and the fault timers still pending. The request handling reads and changes it; the server's
 * handle (setFaults, setRelease, close) changes it from outside, at any time.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Clock } from '../hal/clock.ts';
import type { ServerFaults } from './faults.ts';

/** XOR applied to every byte when the `changeAfterBytes` fault changes the image. */
const CHANGED_IMAGE_XOR = 0x5a;
const MS_PER_S = 1000;

/** One request as the server saw it. */
export interface RequestRecord {
  seq: number;
  /** Connection number (requests on one keep-alive connection share it). */
  connection: number;
  method: string;
  host: string;
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  /** Body bytes written (fewer than planned when a fault cut it). */
  bytes: number;
  /** The fault that shaped this answer, if any. */
  fault?: string;
}

/** The release served: the image, and the validators ranges and If-Range are checked against. */
export interface Release {
  image: Uint8Array;
  version: string;
  etag: string;
  lastModified: string;
}

/** A cancellable timeout: `fn` runs after `ms` unless the returned cancel ran first. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export function makeRelease(image: Uint8Array, version: string, previous?: Release): Release {
  const etag = `"${createHash('sha256').update(image).digest('hex').slice(0, 32)}"`;
  // HTTP dates have second resolution: a new release must not share the previous Last-Modified.
  let seconds = Math.floor(Date.now() / MS_PER_S);
  if (previous && seconds * MS_PER_S <= Date.parse(previous.lastModified)) seconds = Date.parse(previous.lastModified) / MS_PER_S + 1;
  return { image, version, etag, lastModified: new Date(seconds * MS_PER_S).toUTCString() };
}

/** The request's host name without the port (lower case; an IPv6 literal keeps its brackets). */
function hostOnly(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

/** Whether a fault set holds a fault that shapes single answers (and so is counted by `count`). */
function hasPerRequestFault(f: ServerFaults): boolean {
  return f.status !== undefined || f.dropAfterBytes !== undefined || f.stallAfterBytes !== undefined ||
    Boolean(f.ignoreRange) || f.wrongContentRange !== undefined || Boolean(f.connectionClose) || f.redirect !== undefined;
}

export class ServerState {
  /** Every request so far, in order (the server's handle hands out this very array). */
  readonly requests: RequestRecord[] = [];
  /** Open connections and their numbers, for the request records and for close(). */
  readonly connections = new Map<NetSocket, number>();
  private nextConnection = 1;
  /** CDN image body bytes served since the fault set was last replaced. */
  private cdnBytesServed = 0;
  /** Whether the `changeAfterBytes` fault already changed the image (once per fault set). */
  private changed = false;
  /** Cancels of the fault timers still pending (stall and coalesce), for close(). */
  private readonly timers = new Set<() => void>();

  constructor(
    public faults: ServerFaults,
    public release: Release,
    /** The clock of the fault timers; absent: real time. */
    private readonly clock?: Clock,
  ) {}

  /** Numbers a new connection; it leaves the table when it closes. */
  openConnection(s: NetSocket): void {
    this.connections.set(s, this.nextConnection++);
    s.on('close', () => this.connections.delete(s));
  }

  /** Logs a request as it arrives (status and bytes are filled in as it is answered). */
  record(req: IncomingMessage, url: URL): RequestRecord {
    const rec: RequestRecord = {
      seq: this.requests.length + 1,
      connection: this.connections.get(req.socket) ?? 0,
      method: req.method ?? '',
      host: hostOnly(req.headers.host),
      path: url.pathname + url.search,
      status: 0,
      bytes: 0,
    };
    if (typeof req.headers.range === 'string') rec.range = req.headers.range;
    if (typeof req.headers['if-range'] === 'string') rec.ifRange = req.headers['if-range'];
    this.requests.push(rec);
    return rec;
  }

  /**
   * The faults that shape one answer of this kind: the fault set when its target covers the kind and it
   * holds a per-request fault, one of `count` used up (the set left then says how many remain); else none.
   */
  takeFaults(kind: 'api' | 'cdn'): ServerFaults {
    const target = this.faults.target ?? 'cdn';
    if (target !== 'both' && target !== kind) return {};
    if (!hasPerRequestFault(this.faults)) return {};
    if (this.faults.count !== undefined) {
      if (this.faults.count === 0) return {};
      this.faults = { ...this.faults, count: this.faults.count - 1 };
    }
    return this.faults;
  }

  /** Counts image body bytes sent; past `changeAfterBytes` the image changes (once) under the client. */
  countImageBytes(n: number): void {
    this.cdnBytesServed += n;
    const after = this.faults.changeAfterBytes;
    if (after !== undefined && this.cdnBytesServed >= after && !this.changed) {
      this.changed = true;
      const r = this.release;
      this.release = makeRelease(r.image.map((b) => b ^ CHANGED_IMAGE_XOR), r.version, r);
    }
  }

  /** Replaces the fault set (already validated); the `changeAfterBytes` count starts again. */
  setFaults(faults: ServerFaults): void {
    this.faults = faults;
    this.changed = false;
    this.cdnBytesServed = 0;
  }

  /** A fault timer on the server's clock, cancelled by `cancelTimers` if still pending. */
  readonly schedule: Schedule = (ms, fn) => {
    const cancel = this.after(ms, () => {
      this.timers.delete(cancel);
      fn();
    });
    this.timers.add(cancel);
    return () => {
      cancel();
      this.timers.delete(cancel);
    };
  };

  /** Cancels every pending fault timer (the server closes). */
  cancelTimers(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }

  /** A cancellable timeout on the server's clock (real time by default). */
  private after(ms: number, fn: () => void): () => void {
    if (this.clock?.timer) return this.clock.timer(ms, fn);
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  }
}

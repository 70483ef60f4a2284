/**
 * The local update server: a Memfault-compatible release API and a CDN serving the image with byte
 * ranges, over HTTPS on loopback with the test PKI (the API and the CDN are different hosts chaining to
 * different roots, chosen by SNI), with fault injection settable at runtime and a log of every request.
 * Spec: docs/reference/nrf91-fota.md; RFC 9110 (ranges, conditional requests).
 */
import { createHash } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Clock } from '../hal/clock.ts';
import { UsageError } from '../hal/errors.ts';
import type { HostTable } from '../hal/sim/hosts.ts';
import { TLS_MAX_SEND_FRAGMENT_BYTES, validateFaults, type ServerFaults } from './faults.ts';
import { BAD_HOSTS, DEFAULT_API_HOST, DEFAULT_CDN_HOST, DEFAULT_MIRROR_HOST, createTestPki, sharedTestPki, type PkiIdentity, type TestPki } from './pki.ts';
import { ifRangeMatches, planRange } from './range.ts';
import { RELEASE_API_LATEST_URL_PATH, RELEASE_API_PROJECT_KEY_HEADER, answerReleaseCheck } from './release-api.ts';

/** The project key the server accepts when none is given. */
export const DEFAULT_PROJECT_KEY = 'fotakit-test-project-key';
/** Idle keep-alive connections are closed after this (an NB-IoT device is slow between ranges). */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Largest image served (it is held in memory). */
export const SERVER_IMAGE_MAX_BYTES = 64 * 1024 * 1024;
/** The payload file name under /fw/<version>/. */
export const CDN_IMAGE_FILE_NAME = 'app_update.bin';
/** XOR applied to every byte when the `changeAfterBytes` fault changes the image. */
const CHANGED_IMAGE_XOR = 0x5a;
const MS_PER_S = 1000;
const HTTPS_DEFAULT_PORT = 443;

export interface UpdateServerOptions {
  image: Uint8Array;
  /** The release's version string; a device reporting it gets 204. */
  version: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  faults?: ServerFaults;
  /** A PKI to use; by default the process-wide test PKI (or a fresh one for other host names). */
  pki?: TestPki;
  projectKey?: string;
  apiHost?: string;
  cdnHost?: string;
  /** The host the `redirect` fault sends image requests to. */
  mirrorHost?: string;
  /**
   * The clock of the fault timers (`stallMs`, `coalesceMs`); default real time. A simulated run in
   * virtual time passes its VirtualClock (the connections then come in memory, through `accept`).
   */
  clock?: Clock;
}

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

export interface UpdateServer {
  /** `https://api.fotakit.test:<port>` */
  apiUrl: string;
  /** `https://cdn.fotakit.test:<port>` */
  cdnUrl: string;
  /** The payload URL the release API hands out. */
  imageUrl: string;
  apiHost: string;
  cdnHost: string;
  /** Where the `redirect` fault points (chains to the Baltimore-like root). */
  mirrorHost: string;
  port: number;
  /** Address it listens on. */
  address: string;
  projectKey: string;
  /** Every root a client may hold, PEM. */
  rootsPem: string;
  pki: TestPki;
  /** Host table for the simulated modem: every served name → the listening address (and 443 → port). */
  hosts: HostTable;
  /**
   * Serves one connection arriving as an in-memory byte stream (the server's end of a duplex pair)
   * instead of over TCP: the same TLS, SNI, HTTP and faults as a loopback connection.
   */
  accept(socket: Duplex): void;
  /** Replaces the fault set (validated). */
  setFaults(faults: ServerFaults): void;
  faults(): ServerFaults;
  /** Every request so far, in order. */
  readonly requests: RequestRecord[];
  /** Publishes another release (image and version). */
  setRelease(image: Uint8Array, version: string): void;
  /** The image and ETag currently served. */
  current(): { image: Uint8Array; version: string; etag: string; lastModified: string };
  close(): Promise<void>;
}

interface Release {
  image: Uint8Array;
  version: string;
  etag: string;
  lastModified: string;
}

function makeRelease(image: Uint8Array, version: string, previous?: Release): Release {
  const etag = `"${createHash('sha256').update(image).digest('hex').slice(0, 32)}"`;
  // HTTP dates have second resolution: a new release must not share the previous Last-Modified.
  let seconds = Math.floor(Date.now() / MS_PER_S);
  if (previous && seconds * MS_PER_S <= Date.parse(previous.lastModified)) seconds = Date.parse(previous.lastModified) / MS_PER_S + 1;
  return { image, version, etag, lastModified: new Date(seconds * MS_PER_S).toUTCString() };
}

function checkRelease(op: string, image: Uint8Array, version: string): void {
  if (!(image instanceof Uint8Array) || image.length === 0) throw new UsageError(`${op}: the image must be a non-empty Uint8Array`);
  if (image.length > SERVER_IMAGE_MAX_BYTES) throw new UsageError(`${op}: the image is over ${SERVER_IMAGE_MAX_BYTES} bytes`);
  if (typeof version !== 'string' || !/^[\w.+-]{1,64}$/.test(version)) {
    throw new UsageError(`${op}: version must be 1-64 characters of letters, digits, '.', '+', '-', '_', got '${String(version)}'`);
  }
}

function hostOnly(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

export async function startUpdateServer(options: UpdateServerOptions): Promise<UpdateServer> {
  const op = 'startUpdateServer';
  checkRelease(op, options.image, options.version);
  const apiHost = (options.apiHost ?? DEFAULT_API_HOST).toLowerCase();
  const cdnHost = (options.cdnHost ?? DEFAULT_CDN_HOST).toLowerCase();
  const mirrorHost = (options.mirrorHost ?? DEFAULT_MIRROR_HOST).toLowerCase();
  if (new Set([apiHost, cdnHost, mirrorHost]).size !== 3) throw new UsageError(`${op}: the API, the CDN and the mirror must be different hosts`);
  const defaultNames = apiHost === DEFAULT_API_HOST && cdnHost === DEFAULT_CDN_HOST && mirrorHost === DEFAULT_MIRROR_HOST;
  const pki =
    options.pki ??
    (defaultNames ? await sharedTestPki() : await createTestPki({ apiHosts: [apiHost], cdnHosts: [cdnHost], mirrorHosts: [mirrorHost] }));
  const projectKey = options.projectKey ?? DEFAULT_PROJECT_KEY;
  let faults = validateFaults(options.faults ?? {}, op);
  let release = makeRelease(options.image, options.version);
  let cdnBytesServed = 0;
  const requests: RequestRecord[] = [];
  const connections = new Map<NetSocket, number>();
  /** Cancels of the fault timers still pending (stall and coalesce), for close(). */
  const timers = new Set<() => void>();
  const clock = options.clock;
  /** A cancellable timeout on the server's clock (real time by default). */
  const after = (ms: number, fn: () => void): (() => void) => {
    if (clock?.timer) return clock.timer(ms, fn);
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  };
  let nextConnection = 1;

  // SNI picks the identity: API, CDN, or one of the bad leaves.
  const context = (id: PkiIdentity): tls.SecureContext => tls.createSecureContext({ key: id.keyPem, cert: id.chainPem });
  const contexts = new Map<string, tls.SecureContext>();
  for (const id of [pki.api, pki.cdn, pki.mirror, pki.expired, pki.notYetValid, pki.unknownCa]) for (const n of id.names) contexts.set(n.toLowerCase(), context(id));
  contexts.set(BAD_HOSTS.wrongHost, context(pki.wrongHost));

  const server = https.createServer({
    key: pki.api.keyPem,
    cert: pki.api.chainPem,
    SNICallback: (name, cb) => cb(null, contexts.get(name.toLowerCase())),
    keepAliveTimeout: SERVER_KEEP_ALIVE_TIMEOUT_MS,
  });
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (s: tls.TLSSocket) => {
    connections.set(s, nextConnection++);
    s.on('close', () => connections.delete(s));
    s.on('error', () => {});
    s.setMaxSendFragment(faults.recordPlaintextBytes ?? TLS_MAX_SEND_FRAGMENT_BYTES);
    if (faults.coalesceMs) holdWrites(s, faults.coalesceMs);
  });

  /**
   * Coalescing: every write is taken at once (so HTTP goes on to the next pipelined answer) and the
   * lot is flushed as one write each `everyMs`, which TLS packs into records of up to 16 KiB.
   */
  const holdWrites = (s: tls.TLSSocket, everyMs: number): void => {
    const write = s.write.bind(s) as (data: Uint8Array) => boolean;
    let held: Uint8Array[] = [];
    (s as unknown as { write: (...args: unknown[]) => boolean }).write = (chunk: unknown, enc?: unknown, cb?: unknown) => {
      const done = typeof enc === 'function' ? enc : cb;
      held.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8') : (chunk as Uint8Array));
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    let cancel: () => void = () => {};
    const tick = (): void => {
      timers.delete(cancel);
      if (held.length > 0 && !s.destroyed) {
        const all = Buffer.concat(held);
        held = [];
        write(all);
      }
      if (s.destroyed) return;
      cancel = after(everyMs, tick);
      timers.add(cancel);
    };
    cancel = after(everyMs, tick);
    timers.add(cancel);
    s.on('close', () => {
      cancel();
      timers.delete(cancel);
    });
  };

  const laterTimer = (fn: () => void, ms: number): void => {
    const cancel = after(ms, () => {
      timers.delete(cancel);
      fn();
    });
    timers.add(cancel);
  };

  /** True (and counts it) when the per-request faults apply to this kind of request. */
  const takeFault = (kind: 'api' | 'cdn'): boolean => {
    const target = faults.target ?? 'cdn';
    if (target !== 'both' && target !== kind) return false;
    const perRequest = faults.status !== undefined || faults.dropAfterBytes !== undefined || faults.stallAfterBytes !== undefined ||
      faults.ignoreRange || faults.wrongContentRange !== undefined || faults.connectionClose || faults.redirect !== undefined;
    if (!perRequest) return false;
    if (faults.count !== undefined) {
      if (faults.count === 0) return false;
      faults = { ...faults, count: faults.count - 1 };
    }
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://x');
    const rec: RequestRecord = {
      seq: requests.length + 1,
      connection: connections.get(req.socket) ?? 0,
      method: req.method ?? '',
      host: hostOnly(req.headers.host),
      path: url.pathname + url.search,
      status: 0,
      bytes: 0,
    };
    if (typeof req.headers.range === 'string') rec.range = req.headers.range;
    if (typeof req.headers['if-range'] === 'string') rec.ifRange = req.headers['if-range'];
    requests.push(rec);
    // A fault set changed at runtime applies to connections already open too.
    (req.socket as tls.TLSSocket).setMaxSendFragment?.(faults.recordPlaintextBytes ?? TLS_MAX_SEND_FRAGMENT_BYTES);

    const isApi = url.pathname === RELEASE_API_LATEST_URL_PATH;
    const isImage = url.pathname === imagePath(release.version);
    const faulted = isApi || isImage ? takeFault(isApi ? 'api' : 'cdn') : false;
    const f = faulted ? faults : {};
    const headers: Record<string, string | number> = {};
    if (f.connectionClose) {
      headers.Connection = 'close';
      rec.fault = 'connection-close';
    }

    const finish = (status: number, body: Uint8Array, extra: Record<string, string | number> = {}): void => {
      Object.assign(headers, extra);
      rec.status = status;
      const head = req.method === 'HEAD';
      res.writeHead(status, { 'Content-Length': body.length, ...headers });
      if (head || body.length === 0) {
        res.end();
        return;
      }
      const countCdn = (n: number): void => {
        rec.bytes += n;
        if (isImage) {
          cdnBytesServed += n;
          if (faults.changeAfterBytes !== undefined && cdnBytesServed >= faults.changeAfterBytes && !changed) {
            changed = true;
            release = makeRelease(release.image.map((b) => b ^ CHANGED_IMAGE_XOR), release.version, release);
          }
        }
      };
      if (f.dropAfterBytes !== undefined && f.dropAfterBytes < body.length) {
        rec.fault = 'drop';
        const part = body.subarray(0, f.dropAfterBytes);
        res.write(part, () => {
          countCdn(part.length);
          res.socket?.destroy();
        });
        return;
      }
      if (f.stallAfterBytes !== undefined && f.stallAfterBytes < body.length) {
        rec.fault = 'stall';
        const part = body.subarray(0, f.stallAfterBytes);
        res.write(part, () => countCdn(part.length));
        if (f.stallMs !== undefined) {
          laterTimer(() => {
            if (res.destroyed) return;
            const rest = body.subarray(f.stallAfterBytes);
            res.end(rest, () => countCdn(rest.length));
          }, f.stallMs);
        }
        return;
      }
      res.end(body, () => countCdn(body.length));
      if (f.connectionClose) res.on('finish', () => res.socket?.end());
    };
    const text = (status: number, body: string): void => finish(status, new TextEncoder().encode(body), { 'Content-Type': 'text/plain; charset=utf-8' });

    if (f.status !== undefined) {
      rec.fault = `status ${f.status}`;
      text(f.status, `fault: ${f.status}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(405, 'only GET and HEAD\n');
      return;
    }
    if (isApi) {
      const keyHeader = req.headers[RELEASE_API_PROJECT_KEY_HEADER];
      const answer = answerReleaseCheck(url.search, typeof keyHeader === 'string' ? keyHeader : undefined, projectKey, {
        version: release.version,
        url: imageUrl(release.version),
      });
      text(answer.status, answer.body);
      return;
    }
    if (!isImage) {
      text(404, `no such file: ${url.pathname}\n`);
      return;
    }
    if (f.redirect !== undefined && rec.host === cdnHost) {
      rec.fault = `redirect ${f.redirect}`;
      headers.Location = `https://${mirrorHost}:${port}${url.pathname}`;
      text(f.redirect, 'moved to the mirror\n');
      return;
    }
    // The CDN.
    const { image, etag, lastModified } = release;
    const size = image.length;
    const common = { 'Content-Type': 'application/octet-stream', ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes' };
    const rangeHeader = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
    let plan = planRange(rangeHeader, size);
    if (plan.kind !== 'whole' && !ifRangeMatches(ifRange, etag, lastModified)) plan = { kind: 'whole' };
    if (plan.kind !== 'whole' && f.ignoreRange) {
      rec.fault = 'ignore-range';
      plan = { kind: 'whole' };
    }
    if (plan.kind === 'unsatisfiable') {
      finish(416, new Uint8Array(0), { ...common, 'Content-Range': `bytes */${size}` });
      return;
    }
    if (plan.kind === 'whole') {
      finish(200, image, common);
      return;
    }
    let { start, end } = plan;
    const extra: Record<string, string | number> = { ...common };
    if (f.wrongContentRange === 'missing') rec.fault = 'content-range missing';
    else if (f.wrongContentRange === 'shifted') {
      rec.fault = 'content-range shifted';
      extra['Content-Range'] = `bytes ${start + 1}-${end + 1}/${size}`;
    } else extra['Content-Range'] = `bytes ${start}-${end}/${size}`;
    finish(206, image.subarray(start, end + 1), extra);
  };
  let changed = false;

  server.on('request', (req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}\n`);
    }
  });

  const bindHost = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(`${op}: cannot listen on ${bindHost}:${options.port ?? 0}: ${e.message}`)));
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const address = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost;
  const imagePath = (version: string): string => `/fw/${encodeURIComponent(version)}/${CDN_IMAGE_FILE_NAME}`;
  const cdnUrl = `https://${cdnHost}:${port}`;
  const imageUrl = (version: string): string => `${cdnUrl}${imagePath(version)}`;
  const hosts: HostTable = {};
  // URLs carry the port; a URL without one (443) reaches this server too.
  for (const n of [apiHost, cdnHost, mirrorHost, ...Object.values(BAD_HOSTS)]) hosts[n] = { address, ports: { [HTTPS_DEFAULT_PORT]: port } };

  let closed = false;
  return {
    apiUrl: `https://${apiHost}:${port}`,
    cdnUrl,
    get imageUrl() {
      return imageUrl(release.version);
    },
    apiHost,
    cdnHost,
    mirrorHost,
    port,
    address,
    projectKey,
    rootsPem: pki.rootsPem,
    pki,
    hosts,
    requests,
    accept(socket: Duplex) {
      if (closed) {
        socket.destroy();
        return;
      }
      server.emit('connection', socket);
    },
    setFaults(next: ServerFaults) {
      faults = validateFaults(next);
      changed = false;
      cdnBytesServed = 0;
    },
    faults: () => ({ ...faults }),
    setRelease(image: Uint8Array, version: string) {
      checkRelease('server.setRelease', image, version);
      release = makeRelease(image, version, release);
    },
    current: () => ({ ...release }),
    async close() {
      if (closed) return;
      closed = true;
      for (const cancel of timers) cancel();
      timers.clear();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const s of connections.keys()) s.destroy();
      await done;
    },
  };
}

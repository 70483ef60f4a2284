/**
 * The local update server: a Memfault-compatible release API and a CDN serving the image with byte
 * ranges, over HTTPS on loopback with the test PKI (the API and the CDN are different hosts chaining to
 * different roots, chosen by SNI), with fault injection settable at runtime and a log of every request.
 * Spec: docs/reference/nrf91-fota.md; RFC 9110 (ranges, conditional requests).
 * This file starts the server and routes requests; the parts live beside it: server-state.ts (release,
 * faults, request log, fault timers), tls-connection.ts (SNI, record shaping), answer.ts (sending, with
 * the drop and stall faults), cdn.ts (the image and its ranges), release-api.ts (the update check).
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { Clock } from '../hal/clock.ts';
import { UsageError } from '../hal/errors.ts';
import type { HostTable } from '../hal/sim/hosts.ts';
import { sendAnswer, textAnswer, type Answer } from './answer.ts';
import { answerImage } from './cdn.ts';
import { validateFaults, type ServerFaults } from './faults.ts';
import { BAD_HOSTS, DEFAULT_API_HOST, DEFAULT_CDN_HOST, DEFAULT_MIRROR_HOST, createTestPki, sharedTestPki, type TestPki } from './pki.ts';
import { RELEASE_API_LATEST_URL_PATH, RELEASE_API_PROJECT_KEY_HEADER, answerReleaseCheck } from './release-api.ts';
import { ServerState, makeRelease, type RequestRecord } from './server-state.ts';
import { sendFragmentBytes, shapeConnection, sniContexts } from './tls-connection.ts';

export type { RequestRecord } from './server-state.ts';

/** The project key the server accepts when none is given. */
export const DEFAULT_PROJECT_KEY = 'fotakit-test-project-key';
/** Idle keep-alive connections are closed after this (an NB-IoT device is slow between ranges). */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Largest image served (it is held in memory). */
export const SERVER_IMAGE_MAX_BYTES = 64 * 1024 * 1024;
/** The payload file name under /fw/<version>/. */
export const CDN_IMAGE_FILE_NAME = 'app_update.bin';
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

/** The names and URLs the server answers for. */
interface Site {
  apiHost: string;
  cdnHost: string;
  mirrorHost: string;
  projectKey: string;
  /** 0 until the server listens. */
  port: number;
}

/** One request as routed: what it asks for and the per-request faults it took. */
interface Routed {
  req: IncomingMessage;
  url: URL;
  rec: RequestRecord;
  /** `api`: the release check; `cdn`: the current release's image; `other`: anything else. */
  kind: 'api' | 'cdn' | 'other';
  faults: ServerFaults;
}

function checkRelease(op: string, image: Uint8Array, version: string): void {
  if (!(image instanceof Uint8Array) || image.length === 0) throw new UsageError(`${op}: the image must be a non-empty Uint8Array`);
  if (image.length > SERVER_IMAGE_MAX_BYTES) throw new UsageError(`${op}: the image is over ${SERVER_IMAGE_MAX_BYTES} bytes`);
  if (typeof version !== 'string' || !/^[\w.+-]{1,64}$/.test(version)) {
    throw new UsageError(`${op}: version must be 1-64 characters of letters, digits, '.', '+', '-', '_', got '${String(version)}'`);
  }
}

const imagePath = (version: string): string => `/fw/${encodeURIComponent(version)}/${CDN_IMAGE_FILE_NAME}`;
const imageUrl = (site: Site, version: string): string => `https://${site.cdnHost}:${site.port}${imagePath(version)}`;

export async function startUpdateServer(options: UpdateServerOptions): Promise<UpdateServer> {
  const op = 'startUpdateServer';
  checkRelease(op, options.image, options.version);
  const names = hostNames(options, op);
  const pki = options.pki ?? (await serverPki(names));
  const site: Site = { ...names, projectKey: options.projectKey ?? DEFAULT_PROJECT_KEY, port: 0 };
  const state = new ServerState(validateFaults(options.faults ?? {}, op), makeRelease(options.image, options.version), options.clock);
  const server = createHttpsServer(pki, state, site);
  const bindHost = options.host ?? '127.0.0.1';
  site.port = await listen(server, bindHost, options.port ?? 0, op);
  return serverHandle(server, state, site, pki, bindHost);
}

/** The API, CDN and mirror host names, lower case; they must differ, since SNI tells them apart. */
function hostNames(options: UpdateServerOptions, op: string): { apiHost: string; cdnHost: string; mirrorHost: string } {
  const apiHost = (options.apiHost ?? DEFAULT_API_HOST).toLowerCase();
  const cdnHost = (options.cdnHost ?? DEFAULT_CDN_HOST).toLowerCase();
  const mirrorHost = (options.mirrorHost ?? DEFAULT_MIRROR_HOST).toLowerCase();
  if (new Set([apiHost, cdnHost, mirrorHost]).size !== 3) throw new UsageError(`${op}: the API, the CDN and the mirror must be different hosts`);
  return { apiHost, cdnHost, mirrorHost };
}

/** The process-wide test PKI for the default host names (made once, it is slow), else a fresh one for these. */
async function serverPki(names: { apiHost: string; cdnHost: string; mirrorHost: string }): Promise<TestPki> {
  const { apiHost, cdnHost, mirrorHost } = names;
  const defaultNames = apiHost === DEFAULT_API_HOST && cdnHost === DEFAULT_CDN_HOST && mirrorHost === DEFAULT_MIRROR_HOST;
  return defaultNames ? await sharedTestPki() : await createTestPki({ apiHosts: [apiHost], cdnHosts: [cdnHost], mirrorHosts: [mirrorHost] });
}

/** The HTTPS server: SNI picks the identity, each connection is numbered and shaped, each request answered. */
function createHttpsServer(pki: TestPki, state: ServerState, site: Site): https.Server {
  const contexts = sniContexts(pki);
  const server = https.createServer({
    key: pki.api.keyPem,
    cert: pki.api.chainPem,
    SNICallback: (name, cb) => cb(null, contexts.get(name.toLowerCase())),
    keepAliveTimeout: SERVER_KEEP_ALIVE_TIMEOUT_MS,
  });
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (s: tls.TLSSocket) => {
    state.openConnection(s);
    s.on('error', () => {});
    shapeConnection(s, state.faults, state.schedule);
  });
  server.on('request', (req, res) => {
    try {
      answerRequest(state, site, req, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}\n`);
    }
  });
  return server;
}

/** Listens on `host:port` (port 0: a free one) and returns the port. */
async function listen(server: https.Server, host: string, port: number, op: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(`${op}: cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Answers one request: logs it, sets its connection's record size, takes the per-request faults when it
 * is a release check or an image request, decides the answer and sends it (a `connectionClose` fault's
 * header first).
 */
function answerRequest(state: ServerState, site: Site, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://x');
  const rec = state.record(req, url);
  // A fault set changed at runtime applies to connections already open too.
  (req.socket as tls.TLSSocket).setMaxSendFragment?.(sendFragmentBytes(state.faults));
  const kind = url.pathname === RELEASE_API_LATEST_URL_PATH ? 'api' : url.pathname === imagePath(state.release.version) ? 'cdn' : 'other';
  const faults = kind === 'other' ? {} : state.takeFaults(kind);
  if (faults.connectionClose) rec.fault = 'connection-close';
  const answer = decideAnswer(state, site, { req, url, rec, kind, faults });
  sendAnswer(res, { ...answer, headers: { ...(faults.connectionClose ? { Connection: 'close' } : {}), ...answer.headers } }, {
    rec,
    head: req.method === 'HEAD',
    faults,
    // Every body byte sent on the image path counts, whatever the answer (fault statuses too).
    onBytes: (n) => {
      if (kind === 'cdn') state.countImageBytes(n);
    },
    schedule: state.schedule,
  });
}

/** The answer, in order of precedence: a fault status, 405, the release check, 404, the redirect fault, the image. */
function decideAnswer(state: ServerState, site: Site, r: Routed): Answer {
  const { req, url, faults: f } = r;
  if (f.status !== undefined) return { ...textAnswer(f.status, `fault: ${f.status}\n`), fault: `status ${f.status}` };
  if (req.method !== 'GET' && req.method !== 'HEAD') return textAnswer(405, 'only GET and HEAD\n');
  if (r.kind === 'api') return answerApi(state, site, r);
  if (r.kind !== 'cdn') return textAnswer(404, `no such file: ${url.pathname}\n`);
  if (f.redirect !== undefined && r.rec.host === site.cdnHost) {
    const moved = textAnswer(f.redirect, 'moved to the mirror\n');
    const location = `https://${site.mirrorHost}:${site.port}${url.pathname}`;
    return { ...moved, headers: { Location: location, ...moved.headers }, fault: `redirect ${f.redirect}` };
  }
  const header = (name: string): string | undefined => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined);
  return answerImage(state.release, header('range'), header('if-range'), f);
}

/** The release check's answer: the current release, its URL on the CDN (src/server/release-api.ts). */
function answerApi(state: ServerState, site: Site, r: Routed): Answer {
  const keyHeader = r.req.headers[RELEASE_API_PROJECT_KEY_HEADER];
  const { version } = state.release;
  const answer = answerReleaseCheck(r.url.search, typeof keyHeader === 'string' ? keyHeader : undefined, site.projectKey, {
    version,
    url: imageUrl(site, version),
  });
  return textAnswer(answer.status, answer.body);
}

/** The handle `startUpdateServer` returns, over the listening server and its state. */
function serverHandle(server: https.Server, state: ServerState, site: Site, pki: TestPki, bindHost: string): UpdateServer {
  const { apiHost, cdnHost, mirrorHost, port } = site;
  const address = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost;
  const hosts: HostTable = {};
  // URLs carry the port; a URL without one (443) reaches this server too.
  for (const n of [apiHost, cdnHost, mirrorHost, ...Object.values(BAD_HOSTS)]) hosts[n] = { address, ports: { [HTTPS_DEFAULT_PORT]: port } };
  let closed = false;
  return {
    apiUrl: `https://${apiHost}:${port}`,
    cdnUrl: `https://${cdnHost}:${port}`,
    get imageUrl() {
      return imageUrl(site, state.release.version);
    },
    apiHost,
    cdnHost,
    mirrorHost,
    port,
    address,
    projectKey: site.projectKey,
    rootsPem: pki.rootsPem,
    pki,
    hosts,
    requests: state.requests,
    accept(socket: Duplex) {
      if (closed) {
        socket.destroy();
        return;
      }
      server.emit('connection', socket);
    },
    setFaults(next: ServerFaults) {
      state.setFaults(validateFaults(next));
    },
    faults: () => ({ ...state.faults }),
    setRelease(image: Uint8Array, version: string) {
      checkRelease('server.setRelease', image, version);
      state.release = makeRelease(image, version, state.release);
    },
    current: () => ({ ...state.release }),
    async close() {
      if (closed) return;
      closed = true;
      state.cancelTimers();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const s of state.connections.keys()) s.destroy();
      await done;
    },
  };
}

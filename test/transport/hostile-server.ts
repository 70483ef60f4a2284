/**
 * Test helper (not a test file): a plain Node HTTP/1.1 server on 127.0.0.1, TLS or not, that misbehaves
 * on purpose. It parses pipelined GET requests itself (no node:http, which would hide the wire) and
 * hands each to a handler that writes whatever it likes on the socket: a good 206, a redirect out of
 * TLS, one byte a second, a close after N answers. The PKI identity is chosen by SNI from the shared
 * test PKI, so the simulated modem's real handshake checks the host name.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TestPki, PkiIdentity } from '../../src/server/pki.ts';

export interface HostileRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Map<string, string>;
  /** 1-based index of this request on its connection. */
  onConnection: number;
  /** 1-based index of the connection on this server. */
  connection: number;
  /** 1-based index over the server's lifetime. */
  index: number;
}

export interface HostileConn {
  readonly socket: net.Socket;
  write(text: string | Uint8Array): void;
  /** Writes in pieces of at most `pieceBytes`, each flushed before the next (one TLS record each). */
  writePieces(text: string | Uint8Array, pieceBytes: number): Promise<void>;
  /** Ends the connection after what was written (FIN). */
  end(): void;
  /** Resets it. */
  destroy(): void;
  /** Requests parsed on this connection so far. */
  readonly requests: number;
}

/** Writes the answer (may be async: later requests on the connection wait for it). */
export type HostileHandler = (req: HostileRequest, conn: HostileConn) => void | Promise<void>;

export interface HostileServer {
  port: number;
  /** Every request seen, in order. */
  requests: HostileRequest[];
  connections: number;
  setHandler(h: HostileHandler): void;
  close(): Promise<void>;
}

export interface HostileServerOptions {
  /** TLS identities by host name (SNI); plain TCP when absent. */
  identities?: PkiIdentity[];
  /** Extra TLS server options (weak versions, ciphers). */
  tlsOptions?: tls.TlsOptions;
  /** Called right after the TLS handshake (or the TCP accept): return true when it handled the socket. */
  onConnect?: (socket: net.Socket) => boolean;
}

const HEAD_END = '\r\n\r\n';

export async function startHostileServer(handler: HostileHandler, o: HostileServerOptions = {}): Promise<HostileServer> {
  let current = handler;
  const requests: HostileRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const connection = ++connections;
    if (o.onConnect?.(socket)) return;
    let buf = '';
    let onConnection = 0;
    let chain: Promise<void> = Promise.resolve();
    const conn: HostileConn = {
      socket,
      write: (t) => {
        if (!socket.destroyed) socket.write(t);
      },
      writePieces: async (t, pieceBytes) => {
        const bytes = typeof t === 'string' ? Buffer.from(t, 'latin1') : t;
        for (let i = 0; i < bytes.length && !socket.destroyed; i += pieceBytes) {
          await new Promise<void>((r) => socket.write(bytes.subarray(i, i + pieceBytes), () => r()));
        }
      },
      end: () => socket.end(),
      destroy: () => socket.destroy(),
      get requests() {
        return onConnection;
      },
    };
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (let i = buf.indexOf(HEAD_END); i >= 0; i = buf.indexOf(HEAD_END)) {
        const head = buf.slice(0, i);
        buf = buf.slice(i + HEAD_END.length);
        const [line, ...fields] = head.split('\r\n');
        const [method = '', path = ''] = (line ?? '').split(' ');
        const headers = new Map<string, string>();
        for (const f of fields) {
          const c = f.indexOf(':');
          if (c > 0) headers.set(f.slice(0, c).trim().toLowerCase(), f.slice(c + 1).trim());
        }
        const req: HostileRequest = { method, path, headers, onConnection: ++onConnection, connection, index: requests.length + 1 };
        requests.push(req);
        chain = chain.then(() => (socket.destroyed ? undefined : current(req, conn))).catch(() => {
          socket.destroy();
        });
      }
    });
  };
  let server: net.Server;
  if (o.identities && o.identities.length > 0) {
    const contexts = new Map<string, tls.SecureContext>();
    for (const id of o.identities) {
      const ctx = tls.createSecureContext({ key: id.keyPem, cert: id.chainPem, ...(o.tlsOptions ?? {}) });
      for (const n of id.names) contexts.set(n, ctx);
    }
    const first = o.identities[0]!;
    server = tls.createServer(
      { key: first.keyPem, cert: first.chainPem, ...(o.tlsOptions ?? {}), SNICallback: (name, cb) => cb(null, contexts.get(name) ?? contexts.values().next().value) },
      onSocket,
    );
    server.on('tlsClientError', () => {});
  } else {
    server = net.createServer(onSocket);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    get connections() {
      return connections;
    },
    setHandler(h) {
      current = h;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** `bytes=a-b` → [a, b] clamped to the file, or undefined. */
export function parseRangeHeader(value: string | undefined, size: number): [number, number] | undefined {
  const m = value === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(value);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return first <= last ? [first, last] : undefined;
}

export interface RangeAnswerOptions {
  etag?: string;
  lastModified?: string;
  /** Extra header lines, e.g. `Connection: close`. */
  extra?: string[];
}

/** A whole 206 (or 200 without Range, 416 past the end) for `file`, as the wire carries it. */
export function rangeAnswer(req: HostileRequest, file: Uint8Array, o: RangeAnswerOptions = {}): Uint8Array {
  const range = parseRangeHeader(req.headers.get('range'), file.length);
  const validators = [...(o.etag ? [`ETag: ${o.etag}`] : []), ...(o.lastModified ? [`Last-Modified: ${o.lastModified}`] : [])];
  const extra = o.extra ?? [];
  let status: string;
  let body: Uint8Array;
  const lines: string[] = [];
  if (req.headers.has('range') && range === undefined) {
    status = '416 Range Not Satisfiable';
    body = new Uint8Array(0);
    lines.push(`Content-Range: bytes */${file.length}`);
  } else if (range === undefined) {
    status = '200 OK';
    body = file;
  } else {
    status = '206 Partial Content';
    body = file.subarray(range[0], range[1] + 1);
    lines.push(`Content-Range: bytes ${range[0]}-${range[1]}/${file.length}`);
  }
  const head = [`HTTP/1.1 ${status}`, ...validators, ...lines, `Content-Length: ${body.length}`, ...extra, '', ''].join('\r\n');
  const out = new Uint8Array(head.length + body.length);
  out.set(Uint8Array.from(head, (c) => c.charCodeAt(0)));
  out.set(body, head.length);
  return out;
}

/** Host table entries for the simulated modem: every name of `pki` identities on 127.0.0.1. */
export function loopbackHosts(...ids: PkiIdentity[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ids) for (const n of id.names) out[n] = '127.0.0.1';
  return out;
}

export type { TestPki };

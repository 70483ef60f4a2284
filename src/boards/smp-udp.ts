/**
 * SMP over UDP (Zephyr's CONFIG_MCUMGR_TRANSPORT_UDP, port 1337): one whole SMP message per datagram,
 * on real Node dgram sockets. The client transport talks to one device address; the server side
 * answers each request to the address it came from.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { SMP_UDP_MAX_DATAGRAM_BYTES, SMP_UDP_PORT } from '../transport/smp/constants.ts';
import { SmpError } from '../transport/smp/errors.ts';
import type { SmpServer } from '../transport/smp/server.ts';
import type { SmpTransport } from '../transport/smp/transport.ts';

function family(host: string): 'udp4' | 'udp6' {
  return isIPv6(host) ? 'udp6' : 'udp4';
}

/** Client side: datagrams to `host:port`, answers from anywhere accepted (the device may be multi-homed). */
export class UdpSmpTransport implements SmpTransport {
  readonly kind = 'udp' as const;
  private messageListener: (m: Uint8Array) => void = () => {};
  private errorListener: (e: SmpError) => void = () => {};
  private closed = false;

  private constructor(private readonly socket: Socket, readonly host: string, readonly port: number) {
    socket.on('message', (msg) => this.messageListener(Uint8Array.from(msg)));
    socket.on('error', (e) => this.errorListener(new SmpError('SMP_LINK', `udp: ${e.message}`, {}, { cause: e })));
  }

  /** Opens a socket bound to an ephemeral port for the device at `host:port`. */
  static async open(host: string, port = SMP_UDP_PORT): Promise<UdpSmpTransport> {
    const socket = createSocket(family(host));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpSmpTransport(socket, host, port);
  }

  maxMessageBytes(bufSize: number): number {
    return Math.min(bufSize, SMP_UDP_MAX_DATAGRAM_BYTES);
  }

  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new SmpError('SMP_CLOSED', 'udp.send: the transport is closed'));
    if (message.length > SMP_UDP_MAX_DATAGRAM_BYTES) {
      return Promise.reject(new SmpError('SMP_MSGSIZE', `udp.send: ${message.length} bytes do not fit a datagram`, { length: message.length }));
    }
    return new Promise((resolve, reject) => {
      this.socket.send(message, this.port, this.host, (e) =>
        e ? reject(new SmpError('SMP_LINK', `udp.send: ${e.message}`, {}, { cause: e })) : resolve(),
      );
    });
  }

  onMessage(listener: (message: Uint8Array) => void): void {
    this.messageListener = listener;
  }

  onError(listener: (error: SmpError) => void): void {
    this.errorListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A running UDP SMP server: the bound address and a close(). */
export interface UdpSmpServerHandle {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `server` on UDP `host:port` (port 0: an ephemeral one, reported back). Requests are handled
 * one at a time in arrival order, through the server's buf_count buffers; each answer goes to the
 * request's sender.
 */
export async function serveSmpUdp(server: SmpServer, host = '127.0.0.1', port = SMP_UDP_PORT): Promise<UdpSmpServerHandle> {
  const socket = createSocket(family(host));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  let closed = false;
  // Each datagram goes through the server's buffer pool and work queue, as smp_udp.c hands it to smp_rx_req.
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    server.receive(Uint8Array.from(msg), (response) =>
      closed ? Promise.resolve() : new Promise<void>((resolve) => socket.send(response, from.port, from.address, () => resolve())),
    );
  });
  socket.on('error', () => {});
  const bound = socket.address();
  return {
    host: bound.address,
    port: bound.port,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.idle();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

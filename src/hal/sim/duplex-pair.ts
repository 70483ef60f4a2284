/**
 * Two connected in-memory byte streams, the ends of one simulated TCP connection (Node 20 has no
 * stream.duplexPair): what one end writes the other reads, in order, on the next tick (as a socket
 * would, never inside the writer's call). `end()` is a FIN: the other end reads to its end. Destroying
 * one end (a reset, a server dropping the connection) ends the other end's reading side as well, and
 * what it writes from then on is dropped. Used to run TLS and the update server without loopback TCP,
 * so a simulated run can go in virtual time (`onActivity` tells the clock bytes are moving).
 */
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  peer: PairEnd | undefined;
  private peerGone = false;
  /** push(null) was called: nothing more may be pushed. */
  private eof = false;

  constructor(private readonly onActivity: (() => void) | undefined) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const peer = this.peer;
    this.onActivity?.();
    if (peer && !this.peerGone) {
      const bytes = Buffer.from(chunk);
      process.nextTick(() => {
        this.onActivity?.();
        peer.deliver(bytes);
      });
    }
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    const peer = this.peer;
    this.onActivity?.();
    if (peer && !this.peerGone) process.nextTick(() => peer.endReading());
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    const peer = this.peer;
    this.onActivity?.();
    if (peer && !peer.peerGone) {
      peer.peerGone = true;
      process.nextTick(() => peer.endReading());
    }
    cb(e);
  }

  deliver(bytes: Buffer): void {
    if (!this.destroyed && !this.eof) this.push(bytes);
  }

  /** The peer finished or went away: no more bytes to read. */
  endReading(): void {
    this.onActivity?.();
    if (this.destroyed || this.eof) return;
    this.eof = true;
    this.push(null);
  }
}

/** `[client, server]`: the two ends of one in-memory connection. */
export function createDuplexPair(onActivity?: () => void): [Duplex, Duplex] {
  const a = new PairEnd(onActivity);
  const b = new PairEnd(onActivity);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

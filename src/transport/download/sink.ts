/**
 * Where downloaded bytes go. The FOTA agent plugs a slot target and a streaming verifier behind this;
 * tests and the CLI use MemorySink or a file. Bytes arrive strictly in order: `write(offset, bytes)`
 * always has offset == bytes accepted so far, so a sink never sees a gap or a repeat.
 */
import { DownloadError } from './errors.ts';

export interface DownloadSink {
  /**
   * Accepts `bytes` at `offset` (== bytes accepted so far). Resolving means accepted. `bytes` may be a
   * view into a receive buffer: copy what is kept past the call.
   */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Drops everything (the file changed, or a new download starts). */
  reset(): Promise<void>;
  /** Bytes that survive a reboot, when the sink can tell (a flash slot's persisted progress). */
  persistedBytes?(): Promise<number>;
  /**
   * Told what the file is once the downloader knows (from the resume record or the first response),
   * before the first write of a run and again after every reset: lets a sink size its slot and key its
   * progress to the validator.
   */
  open?(file: DownloadFile): Promise<void>;
}

export interface DownloadFile {
  size: number;
  etag?: string;
  lastModified?: string;
}

/** Initial capacity of a MemorySink that was not told the size. */
const MEMORY_SINK_INITIAL_BYTES = 64 * 1024;

/** A growable in-memory sink that checks the in-order contract. */
export class MemorySink implements DownloadSink {
  private buf = new Uint8Array(MEMORY_SINK_INITIAL_BYTES);
  private n = 0;
  /** Times reset() was called. */
  resets = 0;
  /** Every write as [offset, length], for tests. */
  readonly writes: Array<[number, number]> = [];

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset !== this.n) {
      throw new DownloadError('DOWNLOAD_SINK_OFFSET', `sink.write: offset ${offset} but ${this.n} bytes accepted`, { offset, accepted: this.n });
    }
    if (this.n + bytes.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.n + bytes.length));
      grown.set(this.buf.subarray(0, this.n));
      this.buf = grown;
    }
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
    this.writes.push([offset, bytes.length]);
  }

  async reset(): Promise<void> {
    this.n = 0;
    this.resets++;
  }

  async persistedBytes(): Promise<number> {
    return this.n;
  }

  get length(): number {
    return this.n;
  }

  /** A copy of the bytes accepted. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

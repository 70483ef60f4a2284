/**
 * Test doubles for the agent's ports: a slot target that behaves like an MCUboot device (test swap on
 * reset, revert when unconfirmed), a release API, a downloader that feeds bytes in chunks, a verifier that
 * reads a tiny fake image format. They let the state machine be tested on its own.
 */
import { bytesEqual, readU32LE } from '../../../src/hal/bytes.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import type { Clock } from '../../../src/hal/clock.ts';
import type { SlotImageState, SlotTarget } from '../../../src/fota/dfu/slot-target.ts';
import type { DownloadPort, ImageVerdict, StreamingImageVerifier } from '../../../src/fota/agent/ports.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';

export { MemorySettings };

/** Fake image: 32-byte header with the MCUboot magic and version bytes at 20..23, then a body, then a 1-byte "signature" (0x5a = good). */
export function fakeImage(version: [number, number, number], bodyBytes: number, good = true): Uint8Array {
  const img = new Uint8Array(32 + bodyBytes + 1);
  img.set([0x3d, 0xb8, 0xf3, 0x96]);
  img[20] = version[0];
  img[21] = version[1];
  img[22] = version[2];
  for (let i = 0; i < bodyBytes; i++) img[32 + i] = (i * 7) & 0xff;
  img[img.length - 1] = good ? 0x5a : 0x00;
  return img;
}

export function fakeVersion(img: Uint8Array): string {
  return `${img[20]}.${img[21]}.${img[22]}`;
}

export class FakeVerifier implements StreamingImageVerifier {
  private bytes: number[] = [];
  update(chunk: Uint8Array): void {
    for (const b of chunk) this.bytes.push(b);
  }
  header() {
    if (this.bytes.length < 32) return undefined;
    const h = Uint8Array.from(this.bytes.slice(0, 32));
    if (readU32LE(h, 0) !== 0x96f3b83d) throw new FotaError('IMAGE_BAD_MAGIC', 'fake: bad magic');
    return { version: fakeVersion(h) };
  }
  async finish(): Promise<ImageVerdict> {
    const img = Uint8Array.from(this.bytes);
    if (img.length < 33) return { valid: false, code: 'IMAGE_TRUNCATED' };
    const ok = img[img.length - 1] === 0x5a;
    return ok ? { valid: true, version: fakeVersion(img), hashHex: 'ab' } : { valid: false, code: 'IMAGE_BAD_SIGNATURE', message: 'bad signature' };
  }
}

/** An MCUboot device in miniature: primary + secondary, test swap on reset, revert unless confirmed. */
export class FakeSlot implements SlotTarget {
  readonly name = 'fake';
  primary: Uint8Array<ArrayBufferLike>;
  secondary: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  secondaryId = '';
  pending = false;
  confirmed = true;
  resets = 0;
  writes = 0;
  constructor(primary: Uint8Array, readonly capacity = 1 << 20, readonly canRead = true) {
    this.primary = primary;
    // A remote (SMP) slot cannot be read back.
    if (!canRead) Object.defineProperty(this, 'read', { value: undefined });
  }
  async capacityBytes() { return this.capacity; }
  async begin(size: number, imageId: string) {
    if (imageId === this.secondaryId && this.secondary.length <= size) return this.secondary.length;
    this.secondary = new Uint8Array(0);
    this.secondaryId = imageId;
    return 0;
  }
  async write(offset: number, bytes: Uint8Array) {
    if (offset !== this.secondary.length) throw new FotaError('DFU_BAD_OFFSET', `fake.write at ${offset}, have ${this.secondary.length}`);
    const n = new Uint8Array(offset + bytes.length);
    n.set(this.secondary);
    n.set(bytes, offset);
    this.secondary = n;
    this.writes++;
  }
  async flush() { return this.secondary.length; }
  async read(offset: number, length: number) { return this.secondary.slice(offset, offset + length); }
  async requestUpgrade() {
    if (this.secondary.length === 0) throw new FotaError('BOOT_SET_PENDING_FAILED', 'nothing staged');
    this.pending = true;
  }
  async reset() {
    this.resets++;
    if (this.pending) {
      [this.primary, this.secondary] = [this.secondary, this.primary];
      this.pending = false;
      this.confirmed = false;
    } else if (!this.confirmed) {
      [this.primary, this.secondary] = [this.secondary, this.primary];
      this.confirmed = true;
    }
  }
  async confirm() { this.confirmed = true; }
  async state(): Promise<SlotImageState[]> {
    return [{ version: fakeVersion(this.primary), active: true, pending: false, confirmed: this.confirmed }];
  }
  async discard() { this.secondary = new Uint8Array(0); this.secondaryId = ''; }
  holds(img: Uint8Array) { return bytesEqual(this.secondary, img); }
}

/**
 * Feeds `image` to the sink in `chunk`-byte pieces following the range downloader's contract
 * (persistedBytes, open, write, reset); can fail once after `failAfter` bytes.
 */
export class FakeDownloader implements DownloadPort {
  calls = 0;
  failAfter: number | undefined;
  constructor(public image: Uint8Array, readonly chunk = 100, readonly validator = '"v1"') {}
  async download(_url: string, sink: Parameters<DownloadPort['download']>[1], onProgress: Parameters<DownloadPort['download']>[2]) {
    this.calls++;
    let off = await sink.persistedBytes();
    if (off > this.image.length) throw new FotaError('DFU_OVERFLOW', 'fake: persisted more than the file');
    await sink.open({ size: this.image.length, etag: this.validator });
    let requests = 0;
    while (off < this.image.length) {
      if (this.failAfter !== undefined && off >= this.failAfter) {
        this.failAfter = undefined;
        throw new FotaError('ECONNRESET', 'fake: link dropped');
      }
      const piece = this.image.subarray(off, Math.min(off + this.chunk, this.image.length));
      await sink.write(off, piece);
      off += piece.length;
      requests++;
      onProgress({ bytes: off, total: this.image.length, requests, retries: 0, rangeBytes: this.chunk, maxRecordBytes: 0 });
    }
    return { bytes: this.image.length, total: this.image.length, requests, retries: 0, maxRecordBytes: 0 };
  }
}

export const fakeClock: Clock = { now: () => 0, sleep: async () => {} };

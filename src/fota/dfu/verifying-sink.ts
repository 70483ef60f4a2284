/**
 * The verifying slot sink: the image-writer layer between the downloader and a slot target. Every byte
 * the downloader hands over goes, in order, through the streaming image verifier (hash, signature, key,
 * version policy as the header arrives) and into the slot (src/fota/dfu/slot-target.ts), so the image is
 * verified as it is written and never read back — except on resume, when the bytes a reboot left in the
 * slot are fed to a fresh verifier once.
 *
 *   downloader → VerifyingSlotSink → slot target (local: stream writer → flash area; remote: SMP upload)
 *
 * Resume: the slot owns how many bytes are safe (its persisted progress, keyed by `<url>#<validator>`);
 * the file's size and validator are handed to `onFile` so the agent's record can name the file after a
 * reboot. A remote slot that cannot be read back gets the prefix downloaded again, for the verifier only
 * (`writeFrom`): those bytes are not written twice.
 */
import { FotaError } from '../../hal/errors.ts';
import type { CreateVerifier, DownloadSink, StreamingImageVerifier } from '../agent/ports.ts';
import { IMAGE_TYPE_DETECT_BYTES, requireImageType } from './image-type.ts';
import type { SlotTarget } from './slot-target.ts';

/** Chunk size when reading staged bytes back from a slot (resume and re-verification only). */
export const SLOT_READ_BACK_CHUNK_BYTES = 4096;

/** The file as the download knows it: its size and validator (ETag or Last-Modified, '' when none). */
export interface SinkFile {
  size: number;
  validator: string;
}

export interface VerifyingSlotSinkOptions {
  slot: SlotTarget;
  createVerifier: CreateVerifier;
  /** Names the image in the slot's progress (the release URL); the validator is appended. */
  imageKey: string;
  /** The file a previous run left behind, as the agent's record names it. */
  resumeFile?: Partial<SinkFile>;
  /** The file's size or validator became known or changed: the agent records it before the slot starts. */
  onFile: (file: SinkFile) => Promise<void>;
  /** The file was dropped (it changed under the download): its validator no longer names the slot's bytes. */
  onFileDropped?: () => void;
  /** The slot's capacity (SlotTarget.capacityBytes), asked once by the caller. */
  capacityBytes: number;
  /** Early checks once the header is in (known-bad version, version policy); throws a typed error to stop. */
  checkHeader?: (verifier: StreamingImageVerifier) => void;
}

/** What a completed download leaves: the verifier that saw every byte, and where this run resumed. */
export interface SinkResult {
  verifier: StreamingImageVerifier;
  resumedAt: number;
}

/** Feeds a verifier everything `slot` holds below `bytes` (re-verification after a reboot). */
export async function readBackInto(slot: SlotTarget, verifier: StreamingImageVerifier, bytes: number): Promise<void> {
  if (!slot.read) throw new FotaError('DFU_NO_READ_BACK', `verifyingSink.readBack: the slot ${slot.name} cannot be read back`);
  for (let off = 0; off < bytes; off += SLOT_READ_BACK_CHUNK_BYTES) {
    verifier.update(await slot.read(off, Math.min(SLOT_READ_BACK_CHUNK_BYTES, bytes - off)));
  }
}

export class VerifyingSlotSink implements DownloadSink {
  private readonly o: VerifyingSlotSinkOptions;
  private file: Partial<SinkFile>;
  private verifier: StreamingImageVerifier;
  /** Bytes the verifier has seen. */
  private fed = 0;
  /** From here on bytes also go to the slot (below it the slot already has them). */
  private writeFrom = 0;
  private opened = false;
  private resumedAt = 0;
  /** The first bytes, for image-type detection before anything is written. */
  private readonly head = new Uint8Array(IMAGE_TYPE_DETECT_BYTES);

  constructor(o: VerifyingSlotSinkOptions) {
    this.o = o;
    this.file = { ...o.resumeFile };
    this.verifier = o.createVerifier();
  }

  async persistedBytes(): Promise<number> {
    if (this.file.size === undefined || this.file.validator === undefined) return 0;
    return this.openSlot({ size: this.file.size, validator: this.file.validator });
  }

  async open(f: { size: number; etag?: string; lastModified?: string }): Promise<void> {
    const file = { size: f.size, validator: f.etag ?? f.lastModified ?? '' };
    if (this.opened && this.file.size === file.size && this.file.validator === file.validator) return;
    const have = await this.openSlot(file);
    if (have !== 0) {
      // The downloader starts over but the slot held bytes of this file: start the slot over too.
      await this.o.slot.discard();
      await this.openSlot(file);
    }
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (!this.opened) throw new FotaError('DFU_NOT_STARTED', 'verifyingSink.write: bytes before the file was opened');
    if (offset !== this.fed) throw new FotaError('DFU_BAD_OFFSET', `verifyingSink.write: bytes at ${offset}, expected ${this.fed}`, { offset, expected: this.fed });
    this.feed(bytes);
    const end = offset + bytes.length;
    if (end > this.writeFrom) {
      const from = Math.max(offset, this.writeFrom);
      await this.o.slot.write(from, bytes.subarray(from - offset));
    }
  }

  async reset(): Promise<void> {
    await this.o.slot.discard();
    this.opened = false;
    this.fed = 0;
    this.writeFrom = 0;
    this.resumedAt = 0;
    this.verifier = this.o.createVerifier();
    this.file = { ...this.file, validator: undefined };
    this.o.onFileDropped?.();
  }

  /** After the downloader finished: every byte was seen; the slot makes them persistent. */
  async finish(): Promise<SinkResult> {
    if (this.fed !== this.file.size) {
      throw new FotaError('DFU_INCOMPLETE', `verifyingSink.finish: the verifier saw ${this.fed} of ${this.file.size} bytes`, { fed: this.fed, size: this.file.size });
    }
    await this.o.slot.flush();
    return { verifier: this.verifier, resumedAt: this.resumedAt };
  }

  /** Starts or resumes the slot for this file; returns the bytes the downloader may skip. */
  private async openSlot(file: SinkFile): Promise<number> {
    const slot = this.o.slot;
    const capacity = this.o.capacityBytes;
    if (file.size > capacity) {
      throw new FotaError('DFU_IMAGE_TOO_BIG', `verifyingSink.open: the ${file.size}-byte image does not fit the ${capacity}-byte slot`, { size: file.size, capacity });
    }
    if (this.file.size !== file.size || this.file.validator !== file.validator) {
      this.file = { ...file };
      await this.o.onFile(file);
    }
    this.verifier = this.o.createVerifier();
    this.fed = 0;
    this.opened = true;
    const have = await slot.begin(file.size, `${this.o.imageKey}#${file.validator}`);
    this.writeFrom = have;
    if (have === 0 || !slot.read) return 0;
    // The one read-back: what a reboot left in the slot goes through the fresh verifier.
    for (let off = 0; off < have; off += SLOT_READ_BACK_CHUNK_BYTES) {
      this.feed(await slot.read(off, Math.min(SLOT_READ_BACK_CHUNK_BYTES, have - off)));
    }
    this.resumedAt = have;
    return have;
  }

  private feed(bytes: Uint8Array): void {
    if (this.fed < IMAGE_TYPE_DETECT_BYTES) {
      const n = Math.min(bytes.length, IMAGE_TYPE_DETECT_BYTES - this.fed);
      this.head.set(bytes.subarray(0, n), this.fed);
      if (this.fed + n === IMAGE_TYPE_DETECT_BYTES) {
        requireImageType(this.head, ['mcuboot']);
        this.verifier.update(bytes);
        this.fed += bytes.length;
        this.o.checkHeader?.(this.verifier);
        return;
      }
    }
    this.verifier.update(bytes);
    this.fed += bytes.length;
  }
}

/**
 * Stream writer: takes image bytes in order and puts them on a flash area page by page, erasing each
 * page just before writing it, and saves its progress in settings so a reboot or power cut resumes at
 * the last complete page. In the spirit of Zephyr's stream_flash with progress saving (NCS dfu/<target>).
 *
 * Why whole pages: after a power cut the page being written may hold a prefix of new bytes; resuming at
 * a page boundary and re-erasing that page means a resumed write never lands on unerased bytes, and no
 * byte before the resume point is ever touched again.
 *
 * Resume state and wear: this progress record is the one owner of "how many image bytes are safe" on a
 * local slot (the downloader resumes from it, docs/agent.md "What survives a reset"). It is written once
 * per committed page, right after the page's erase and write, and at flush: settings wear stays in step
 * with the slot's own erases, never per range or per request.
 */
import { FotaError, FlashError } from '../../hal/errors.ts';
import type { FlashArea } from '../../hal/flash.ts';
import { alignUp } from '../../hal/flash.ts';
import type { Settings } from '../../hal/settings.ts';
import { getJson, setJson } from '../../hal/settings.ts';

export interface StreamProgress {
  /** What is being written (release URL + validator): a different id starts over. */
  imageId: string;
  /** Total image bytes expected. */
  size: number;
  /** Bytes on flash and safe: a multiple of the page size, or `size` once complete. */
  persisted: number;
}

export class StreamWriter {
  private readonly area: FlashArea;
  private readonly settings: Settings;
  private readonly key: string;
  private readonly page: Uint8Array;
  private progress: StreamProgress | undefined;
  /** Bytes accepted so far (persisted + what sits in the page buffer). */
  private accepted = 0;

  constructor(area: FlashArea, settings: Settings, progressKey: string) {
    this.area = area;
    this.settings = settings;
    this.key = progressKey;
    this.page = new Uint8Array(area.eraseBlockBytes);
  }

  /** Bytes accepted so far. */
  offset(): number {
    return this.accepted;
  }

  /** Saved progress, if any. */
  async saved(): Promise<StreamProgress | undefined> {
    return getJson<StreamProgress>(this.settings, this.key);
  }

  /**
   * Starts writing `size` bytes of `imageId`, or resumes it: returns the offset to continue from.
   * `eraseFirst` lists area offsets whose pages must be erased on a fresh start (the trailer).
   */
  async begin(size: number, imageId: string, eraseFirst: readonly number[] = []): Promise<number> {
    if (!Number.isSafeInteger(size) || size <= 0 || size > this.area.size) {
      throw new FlashError('DFU_IMAGE_TOO_BIG', `streamWriter.begin: ${size} bytes do not fit the ${this.area.size}-byte area ${this.area.label}`, { size, capacity: this.area.size });
    }
    const saved = await this.saved();
    if (saved && saved.imageId === imageId && saved.size === size && saved.persisted <= size) {
      this.progress = saved;
      this.accepted = saved.persisted;
      return saved.persisted;
    }
    this.progress = { imageId, size, persisted: 0 };
    await setJson(this.settings, this.key, this.progress);
    for (const off of eraseFirst) {
      const start = Math.floor(off / this.area.eraseBlockBytes) * this.area.eraseBlockBytes;
      await this.area.erase(start, this.area.eraseBlockBytes);
    }
    this.accepted = 0;
    return 0;
  }

  /** Appends `bytes`, which must start at the current offset. */
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const p = this.requireProgress('write');
    if (offset !== this.accepted) {
      throw new FotaError('DFU_BAD_OFFSET', `streamWriter.write: offset ${offset}, expected ${this.accepted}`, { offset, expected: this.accepted });
    }
    if (offset + bytes.length > p.size) {
      throw new FotaError('DFU_OVERFLOW', `streamWriter.write: ${offset + bytes.length} bytes exceed the announced size ${p.size}`, { offset, size: p.size });
    }
    const pageBytes = this.page.length;
    let i = 0;
    while (i < bytes.length) {
      const inPage = this.accepted % pageBytes;
      const n = Math.min(pageBytes - inPage, bytes.length - i);
      this.page.set(bytes.subarray(i, i + n), inPage);
      this.accepted += n;
      i += n;
      if (this.accepted % pageBytes === 0) await this.commitPage(this.accepted - pageBytes, pageBytes);
    }
  }

  /** Writes the partial last page (padded with the erased value) and saves progress. */
  async flush(): Promise<number> {
    const p = this.requireProgress('flush');
    const pageBytes = this.page.length;
    const inPage = this.accepted % pageBytes;
    if (inPage > 0 && this.accepted > p.persisted) {
      const padded = alignUp(inPage, this.area.writeAlignBytes);
      this.page.fill(this.area.erasedValue, inPage, padded);
      await this.commitPage(this.accepted - inPage, padded);
    }
    return p.persisted;
  }

  /** Forgets the progress (the next begin starts over). */
  async reset(): Promise<void> {
    this.progress = undefined;
    this.accepted = 0;
    await this.settings.delete(this.key);
  }

  private async commitPage(pageStart: number, length: number): Promise<void> {
    const p = this.requireProgress('commit');
    await this.area.erase(pageStart, this.page.length);
    await this.area.write(pageStart, this.page.subarray(0, length));
    p.persisted = Math.min(this.accepted, p.size);
    await setJson(this.settings, this.key, p);
  }

  private requireProgress(op: string): StreamProgress {
    if (!this.progress) throw new FotaError('DFU_NOT_STARTED', `streamWriter.${op}: begin() was not called`);
    return this.progress;
  }
}

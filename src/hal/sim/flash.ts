/**
 * Simulated NOR flash with a partition map (the FlashMap HAL of src/hal/flash.ts), strict the way
 * MCUboot's simulator flash is: erase whole pages only, aligned writes only, a write over a byte that is
 * not erased is refused, bounds checked per area (offsets relative to the area).
 *
 * Power cuts: every erase and write that reaches the flash is one *operation*, numbered from 0 on a
 * device-wide counter (`operationCount`). `cutAtOperation(n)` arms a cut: operation n then has a partial
 * effect and rejects with PowerCutError, and every later call rejects too until `powerOn()`. Partial
 * effects, deterministic for a seed and an operation index:
 * - a cut write leaves a prefix of its bytes written (0 to length-1 bytes); the rest stays as it was;
 * - a cut erase of several pages leaves the pages before the cut page erased, the cut page partly
 *   erased (a seeded progress p in [0, 1), skewed toward 0: each bit has reached the erased value
 *   with probability p, else is as it was), the pages after untouched.
 *
 * Persistence (optional): the device image lives in a file (raw bytes, device size); it is loaded when
 * the flash is made and each operation writes the range it changed back (or `save()` on demand).
 */
import { mulberry32 } from '../prng.ts';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FlashError, PowerCutError } from '../errors.ts';
import type { FlashArea, FlashGeometry, FlashMap } from '../flash.ts';
import type { BoardProfile, PartitionSpec } from './profiles.ts';
import { validateProfile } from './profiles.ts';

/** When the image file is written: after each erase/write, or only on `save()`. */
export type SimFlashPersist = 'each-operation' | 'manual';

export interface SimFlashOptions {
  profile: BoardProfile;
  /** Seed for the partial effects of power cuts (default 1). */
  seed?: number;
  /** File holding the device image: loaded if it exists, created erased otherwise. */
  statePath?: string;
  /** Default 'each-operation'. */
  persist?: SimFlashPersist;
}

/** What a power cut interrupted (for campaign reports). */
export interface SimFlashCut {
  index: number;
  op: 'write' | 'erase';
  label: string;
  /** Offset and length of the operation, relative to the area. */
  offset: number;
  length: number;
  /** Cut write: bytes of the prefix that reached the flash. */
  bytesWritten?: number;
  /** Cut erase: the page (index within the operation) left partly erased, and the erase progress 0..1. */
  cutPage?: number;
  progress?: number;
}

export interface SimFlashStats {
  reads: number;
  writes: number;
  erases: number;
  bytesRead: number;
  bytesWritten: number;
  pagesErased: number;
}

/** Seed used when none is given. */
export const SIM_FLASH_DEFAULT_SEED = 1;

const prng = mulberry32;

/** The generator for the partial effect of operation `index` under `seed`: independent of history. */
function cutRandom(seed: number, index: number): () => number {
  const mix = Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77);
  return prng(mix ^ (mix >>> 16));
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

class SimFlashArea implements FlashArea {
  readonly label: string;
  readonly deviceOffset: number;
  readonly size: number;
  readonly eraseBlockBytes: number;
  readonly writeAlignBytes: number;
  readonly erasedValue: number;
  private readonly flash: SimFlash;

  constructor(flash: SimFlash, part: PartitionSpec) {
    this.flash = flash;
    this.label = part.label;
    this.deviceOffset = part.offset;
    this.size = part.size;
    this.eraseBlockBytes = flash.device.eraseBlockBytes;
    this.writeAlignBytes = flash.device.writeAlignBytes;
    this.erasedValue = flash.device.erasedValue;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.flash.areaRead(this, offset, length);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.flash.areaWrite(this, offset, bytes);
  }

  async erase(offset: number, length: number): Promise<void> {
    this.flash.areaErase(this, offset, length);
  }
}

export class SimFlash implements FlashMap {
  readonly profile: BoardProfile;
  readonly device: FlashGeometry;
  readonly seed: number;
  readonly statePath: string | undefined;
  readonly persist: SimFlashPersist;
  private readonly mem: Uint8Array;
  private readonly wear: Uint32Array;
  private readonly areas = new Map<string, SimFlashArea>();
  private ops = 0;
  private armedCut: number | undefined;
  private cutIndex: number | undefined;
  private cutInfo: SimFlashCut | undefined;
  private counters: SimFlashStats = { reads: 0, writes: 0, erases: 0, bytesRead: 0, bytesWritten: 0, pagesErased: 0 };

  constructor(options: SimFlashOptions) {
    validateProfile(options.profile);
    this.profile = options.profile;
    this.device = options.profile.flash;
    const seed = options.seed ?? SIM_FLASH_DEFAULT_SEED;
    if (!Number.isSafeInteger(seed)) throw new FlashError('FLASH_BAD_ARGUMENT', `simFlash: seed must be an integer, got ${seed}`, { seed });
    this.seed = seed;
    this.statePath = options.statePath;
    this.persist = options.persist ?? 'each-operation';
    this.mem = new Uint8Array(this.device.size).fill(this.device.erasedValue);
    this.wear = new Uint32Array(this.device.size / this.device.eraseBlockBytes);
    for (const part of this.profile.partitions) this.areas.set(part.label, new SimFlashArea(this, part));
    if (this.statePath !== undefined) this.load(this.statePath);
  }

  labels(): readonly string[] {
    return this.profile.partitions.map((p) => p.label);
  }

  open(label: string): FlashArea {
    const area = this.areas.get(label);
    if (!area) {
      throw new FlashError('FLASH_NO_AREA', `flash.open: board ${this.profile.name} has no partition '${label}'`, { label, board: this.profile.name });
    }
    return area;
  }

  // ---- power-cut control ----

  /** Erases and writes that reached the flash so far (the index the next one will get). */
  get operationCount(): number {
    return this.ops;
  }

  /** Restarts operation numbering at 0 (e.g. after a campaign's setup). Leaves an armed cut disarmed. */
  resetOperationCount(): void {
    this.ops = 0;
    this.armedCut = undefined;
  }

  /** Arms a power cut at operation `index` (>= operationCount), or disarms with undefined. */
  cutAtOperation(index: number | undefined): void {
    if (index !== undefined && (!Number.isSafeInteger(index) || index < this.ops)) {
      throw new FlashError('FLASH_BAD_ARGUMENT', `flash.cutAtOperation: index ${index} is not an operation still to come (next is ${this.ops})`, { index, next: this.ops });
    }
    this.armedCut = index;
  }

  /** The armed cut's operation index, if any. */
  get armedCutOperation(): number | undefined {
    return this.armedCut;
  }

  /** True after a cut until powerOn(). */
  get poweredOff(): boolean {
    return this.cutIndex !== undefined;
  }

  /** The last operation a power cut interrupted (kept after powerOn, replaced by the next cut). */
  get lastCut(): SimFlashCut | undefined {
    return this.cutInfo;
  }

  /** Index of the operation the power was cut at, while powered off. */
  get cutOperation(): number | undefined {
    return this.cutIndex;
  }

  /**
   * Cuts the power now, between operations (e.g. while the device waits on the network): every call
   * rejects with POWER_CUT until powerOn(). Nothing on flash changes.
   */
  powerOff(): void {
    if (this.cutIndex === undefined) this.cutIndex = this.ops;
    this.armedCut = undefined;
  }

  /** Powers the board on again after a cut: operations work again (the armed cut has fired). */
  powerOn(): void {
    this.cutIndex = undefined;
  }

  // ---- inspection ----

  /** A copy of `length` bytes at absolute device offset `offset`, whatever the power state. */
  peek(offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.device.size) {
      throw new FlashError('FLASH_OUT_OF_BOUNDS', `flash.peek: [${offset}, +${length}) is outside the ${this.device.size}-byte device`, { offset, length });
    }
    return this.mem.slice(offset, offset + length);
  }

  /** A copy of a whole partition's bytes. */
  areaBytes(label: string): Uint8Array {
    const a = this.open(label);
    return this.mem.slice(a.deviceOffset, a.deviceOffset + a.size);
  }

  /** A copy of the whole device image. */
  snapshot(): Uint8Array {
    return this.mem.slice();
  }

  /** Replaces the device image with `image` (same size), e.g. a snapshot taken after setup. */
  restore(image: Uint8Array): void {
    if (!(image instanceof Uint8Array) || image.length !== this.mem.length) {
      throw new FlashError('FLASH_BAD_ARGUMENT', `flash.restore: image must be ${this.mem.length} bytes`, { length: image?.length });
    }
    this.mem.set(image);
    if (this.statePath !== undefined && this.persist === 'each-operation') this.save();
  }

  /** Erase count of each page (wear), a copy. */
  eraseCounts(): Uint32Array {
    return this.wear.slice();
  }

  stats(): SimFlashStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = { reads: 0, writes: 0, erases: 0, bytesRead: 0, bytesWritten: 0, pagesErased: 0 };
  }

  /** Writes the whole image to statePath (no-op without one). */
  save(): void {
    if (this.statePath === undefined) return;
    mkdirSync(dirname(this.statePath), { recursive: true });
    writeFileSync(this.statePath, this.mem);
  }

  // ---- operations (called by the areas) ----

  /** @internal */
  areaRead(area: SimFlashArea, offset: number, length: number): Uint8Array {
    this.checkPower('flash.read');
    this.checkRange('flash.read', area, offset, length);
    const start = area.deviceOffset + offset;
    this.counters.reads++;
    this.counters.bytesRead += length;
    return this.mem.slice(start, start + length);
  }

  /** @internal */
  areaWrite(area: SimFlashArea, offset: number, bytes: Uint8Array): void {
    const op = 'flash.write';
    this.checkPower(op);
    if (!(bytes instanceof Uint8Array)) throw new FlashError('FLASH_BAD_ARGUMENT', `${op}: ${area.label}: bytes must be a Uint8Array`, { label: area.label });
    const length = bytes.length;
    this.checkRange(op, area, offset, length);
    const align = this.device.writeAlignBytes;
    if (offset % align !== 0 || length % align !== 0) {
      throw new FlashError('FLASH_MISALIGNED', `${op}: ${area.label}: offset ${hex(offset)} length ${length} not aligned to ${align} bytes`, { label: area.label, offset, length, align });
    }
    if (length === 0) return;
    const start = area.deviceOffset + offset;
    const mem = this.mem;
    const erased = this.device.erasedValue;
    for (let i = start, end = start + length; i < end; i++) {
      if (mem[i] !== erased) {
        throw new FlashError('FLASH_NOT_ERASED', `${op}: ${area.label}: byte at ${hex(i - area.deviceOffset)} is not erased`, { label: area.label, offset: i - area.deviceOffset });
      }
    }
    const index = this.ops++;
    if (index === this.armedCut) {
      const written = cutRandom(this.seed, index)() % length;
      mem.set(bytes.subarray(0, written), start);
      this.cutInfo = { index, op: 'write', label: area.label, offset, length, bytesWritten: written };
      this.counters.writes++;
      this.counters.bytesWritten += written;
      this.cut(index, start, length, op);
    }
    mem.set(bytes, start);
    this.counters.writes++;
    this.counters.bytesWritten += length;
    this.persistRange(start, length);
  }

  /** @internal */
  areaErase(area: SimFlashArea, offset: number, length: number): void {
    const op = 'flash.erase';
    this.checkPower(op);
    this.checkRange(op, area, offset, length);
    const page = this.device.eraseBlockBytes;
    if (offset % page !== 0 || length % page !== 0) {
      throw new FlashError('FLASH_MISALIGNED', `${op}: ${area.label}: [${hex(offset)}, +${length}) is not whole ${page}-byte pages`, { label: area.label, offset, length, page });
    }
    if (length === 0) return;
    const start = area.deviceOffset + offset;
    const pages = length / page;
    const erased = this.device.erasedValue;
    const index = this.ops++;
    if (index === this.armedCut) {
      const rnd = cutRandom(this.seed, index);
      const cutPage = rnd() % pages;
      this.eraseRange(start, cutPage * page, false);
      this.counters.erases++;
      this.counters.pagesErased += cutPage;
      const ps = start + cutPage * page;
      const mem = this.mem;
      // How far the erase got (0..1): each bit has reached the erased state with that probability,
      // so an early cut leaves the page nearly as it was and a late one nearly erased. Skewed toward
      // little progress (cube of a uniform draw): a page that still looks valid but is not is the hard
      // case for recovery code.
      const progress = (rnd() / 0x100000000) ** 3;
      this.cutInfo = { index, op: 'erase', label: area.label, offset, length, cutPage, progress };
      for (let i = ps; i < ps + page; i++) {
        let flip = 0;
        for (let bit = 0; bit < 8; bit++) if (rnd() / 0x100000000 < progress) flip |= 1 << bit;
        mem[i] = erased === 0xff ? mem[i]! | flip : erased === 0 ? mem[i]! & ~flip : flip === 0xff ? erased : mem[i]!;
      }
      this.wear[ps / page]!++;
      this.cut(index, start, length, op);
    }
    this.eraseRange(start, length);
    this.persistRange(start, length);
  }

  private eraseRange(start: number, length: number, count = true): void {
    const page = this.device.eraseBlockBytes;
    this.mem.fill(this.device.erasedValue, start, start + length);
    for (let p = start / page, end = (start + length) / page; p < end; p++) this.wear[p]!++;
    if (!count) return;
    this.counters.erases++;
    this.counters.pagesErased += length / page;
  }

  private cut(index: number, start: number, length: number, op: string): never {
    this.cutIndex = index;
    this.armedCut = undefined;
    this.persistRange(start, length);
    throw new PowerCutError(index, op);
  }

  private checkPower(op: string): void {
    if (this.cutIndex !== undefined) throw new PowerCutError(this.cutIndex, op);
  }

  private checkRange(op: string, area: SimFlashArea, offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 0) {
      throw new FlashError('FLASH_BAD_ARGUMENT', `${op}: ${area.label}: offset and length must be integers, length >= 0 (got ${offset}, ${length})`, { label: area.label, offset, length });
    }
    if (offset < 0 || offset + length > area.size) {
      throw new FlashError('FLASH_OUT_OF_BOUNDS', `${op}: ${area.label}: [${hex(offset)}, +${length}) is outside the ${area.size}-byte area`, { label: area.label, offset, length, size: area.size });
    }
  }

  private load(path: string): void {
    if (!existsSync(path)) {
      this.save();
      return;
    }
    const data = readFileSync(path);
    if (data.length !== this.mem.length) {
      throw new FlashError('FLASH_STATE_MISMATCH', `simFlash: state file ${path} holds ${data.length} bytes, board ${this.profile.name} has ${this.mem.length}`, { path, length: data.length, expected: this.mem.length });
    }
    this.mem.set(data);
  }

  private persistRange(start: number, length: number): void {
    if (this.statePath === undefined || this.persist !== 'each-operation') return;
    const fd = openSync(this.statePath, 'r+');
    try {
      writeSync(fd, this.mem, start, length, start);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The local slot target: the board's own secondary slot, written through the stream writer, marked
 * for MCUboot with boot_set_pending, confirmed with boot_set_confirmed. Like NCS's dfu_target_mcuboot.
 * Capacity is what the board's MCUboot strategy installs (swap-move keeps a sector free; no image may
 * reach into a trailer sector), so erasing the trailer sectors never touches image bytes.
 */
import { FotaError } from '../../hal/errors.ts';
import type { FlashArea, FlashMap } from '../../hal/flash.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY } from '../../hal/flash.ts';
import type { Settings } from '../../hal/settings.ts';
import type { ResetReason } from '../../hal/system.ts';
import { bootSetConfirmed, bootSetPending } from '../mcuboot/boot-requests.ts';
import { bootMaxImageBytes, type BootStrategyName } from '../mcuboot/bootloader.ts';
import { ImageError } from '../mcuboot/errors.ts';
import { parseHeader } from '../mcuboot/header.ts';
import {
  BOOT_FLAG_SET,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_UNSET,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_TEST,
  areaTrailerLayout,
  readTrailerState,
  type TrailerOptions,
} from '../mcuboot/trailer.ts';
import { formatVersion } from '../mcuboot/version.ts';
import type { SlotImageState, SlotTarget, UpgradeMode } from './slot-target.ts';
import { StreamWriter } from './stream-writer.ts';

/** Settings key of the secondary slot's write progress (NCS keeps `dfu/<target>`). */
export const FLASH_SLOT_PROGRESS_KEY = 'dfu/mcuboot';
/** MCUboot image index of the application. */
const APP_IMAGE_INDEX = 0;
/** Bytes read from the start of a slot to find the image header. */
const HEADER_READ_BYTES = 32;

export interface FlashSlotOptions {
  flash: FlashMap;
  settings: Settings;
  /** The board's MCUboot strategy (decides the capacity). */
  strategy: BootStrategyName;
  /** BOOT_MAX_ALIGN of the board's MCUboot; default 8. */
  maxAlign?: number;
  /** Resets the board (System.reboot). */
  reboot: (reason: ResetReason) => Promise<never>;
  name?: string;
}

export class FlashSlotTarget implements SlotTarget {
  readonly name: string;
  private readonly primary: FlashArea;
  private readonly secondary: FlashArea;
  private readonly scratch: FlashArea | undefined;
  private readonly trailer: TrailerOptions;
  private readonly writer: StreamWriter;
  private readonly o: FlashSlotOptions;

  constructor(o: FlashSlotOptions) {
    this.o = o;
    this.primary = o.flash.open(FLASH_AREA_PRIMARY);
    this.secondary = o.flash.open(FLASH_AREA_SECONDARY);
    this.scratch = o.strategy === 'swap-scratch' ? o.flash.open(FLASH_AREA_SCRATCH) : undefined;
    this.trailer = { maxAlign: o.maxAlign ?? 8, writeAlignBytes: this.secondary.writeAlignBytes };
    this.writer = new StreamWriter(this.secondary, o.settings, FLASH_SLOT_PROGRESS_KEY);
    this.name = o.name ?? this.secondary.label;
  }

  async capacityBytes(): Promise<number> {
    return bootMaxImageBytes(this.o.strategy, this.primary, this.secondary, { ...this.trailer, ...(this.scratch ? { scratch: this.scratch } : {}) });
  }

  /** Area offsets of every sector that holds trailer bytes: erased before a new image so no stale magic stays. */
  private trailerSectors(): number[] {
    const layout = areaTrailerLayout(this.secondary, this.trailer);
    const sector = this.secondary.eraseBlockBytes;
    const out: number[] = [];
    for (let off = Math.floor(layout.statusOff / sector) * sector; off < this.secondary.size; off += sector) out.push(off);
    return out;
  }

  async begin(size: number, imageId: string): Promise<number> {
    const capacity = await this.capacityBytes();
    if (size > capacity) {
      throw new FotaError('DFU_IMAGE_TOO_BIG', `flashSlot.begin: the ${size}-byte image does not fit the ${capacity}-byte slot`, { size, capacity });
    }
    return this.writer.begin(size, imageId, this.trailerSectors());
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    await this.writer.write(offset, bytes);
  }

  async flush(): Promise<number> {
    return this.writer.flush();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.secondary.read(offset, length);
  }

  async requestUpgrade(mode: UpgradeMode): Promise<void> {
    // Start from an erased trailer: a torn earlier request (BAD magic) or what a revert left there
    // must not decide the swap type. The trailer sectors hold no image bytes, so this is safe to repeat.
    for (const off of this.trailerSectors()) await this.secondary.erase(off, this.secondary.eraseBlockBytes);
    const rc = await bootSetPending(this.secondary, APP_IMAGE_INDEX, mode === 'permanent', this.trailer);
    if (rc !== 0) throw new FotaError('BOOT_SET_PENDING_FAILED', `flashSlot.requestUpgrade: boot_set_pending returned ${rc}`, { rc });
  }

  async reset(): Promise<void> {
    await this.o.reboot('fota');
  }

  async confirm(): Promise<void> {
    const rc = await bootSetConfirmed(this.primary, APP_IMAGE_INDEX, this.trailer);
    if (rc !== 0) throw new FotaError('BOOT_SET_CONFIRMED_FAILED', `flashSlot.confirm: boot_set_confirmed returned ${rc}`, { rc });
  }

  async state(): Promise<SlotImageState[]> {
    const p = await readTrailerState(this.primary, this.trailer);
    const s = await readTrailerState(this.secondary, this.trailer);
    const primary: SlotImageState = {
      ...(await this.versionOf(this.primary)),
      active: true,
      pending: false,
      // An image MCUboot started without a test request (magic unset) is permanent.
      confirmed: p.imageOk === BOOT_FLAG_SET || p.magic === BOOT_MAGIC_UNSET,
    };
    const secondary: SlotImageState = {
      ...(await this.versionOf(this.secondary)),
      active: false,
      pending: s.magic === BOOT_MAGIC_GOOD && (s.swapType === BOOT_SWAP_TYPE_TEST || s.swapType === BOOT_SWAP_TYPE_PERM),
      confirmed: false,
    };
    return [primary, secondary];
  }

  private async versionOf(area: FlashArea): Promise<{ version?: string }> {
    try {
      return { version: formatVersion(parseHeader(await area.read(0, HEADER_READ_BYTES)).version) };
    } catch (e) {
      if (e instanceof ImageError) return {};
      throw e;
    }
  }

  async discard(): Promise<void> {
    await this.writer.reset();
    // Invalidate the header so nothing can mark what is left there.
    const head = await this.secondary.read(0, HEADER_READ_BYTES);
    if (head.some((b) => b !== this.secondary.erasedValue)) await this.secondary.erase(0, this.secondary.eraseBlockBytes);
  }
}

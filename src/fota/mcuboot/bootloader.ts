/**
 * The MCUboot model that runs at every simulated reset (MCUboot loader.c context_boot_go, one image):
 * 1. finish a swap a reset interrupted (the strategy reads its progress from the primary's trailer);
 * 2. otherwise ask the swap table; for TEST/PERM validate the secondary image first (hash + signature
 *    with the board's trusted keys) and erase it when invalid (swap type FAIL), else install it; for
 *    REVERT bring the previous image back;
 * 3. validate the primary (MCUBOOT_VALIDATE_PRIMARY_SLOT) and report what booted, or that the board
 *    does not boot (BOOT_NO_VALID_IMAGE).
 * Portable: everything goes through FlashAreas and the injected validator. A PowerCutError from the
 * flash propagates (the harness powers on and resets); nothing else escapes untyped.
 * With `encryption` (MCUBOOT_ENC_IMAGES, boot-encryption.ts) an encrypted secondary is validated
 * decrypted, decrypted while it is copied into the primary, and the primary's image is encrypted again
 * on its way into the secondary; both image keys go into the primary's trailer for a resumed swap.
 */
import { FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, type FlashArea, type FlashMap } from '../../hal/flash.ts';
import { silentLog, type Log } from '../../hal/log.ts';
import { type BootSlots, type BootStrategy, BootError, makeBootSlots } from './boot-slots.ts';
import { ImageError } from './errors.ts';
import { overwriteOnly } from './overwrite-only.ts';
import { readSlotStates, swapTypeFromStates } from './swap-table.ts';
import { swapMove, swapMoveHeaderPlaces } from './swap-move.ts';
import { decryptingArea, loadSlotCipher, readImageHeader, type BootEncryptionOptions, type SlotCipher } from './boot-encryption.ts';
import { isSwapInProgress } from './swap-status.ts';
import { encryptedKeyBytes } from './encryption.ts';
import { swapScratch, swapScratchHeaderPlaces } from './swap-scratch.ts';
import {
  BOOT_SWAP_TYPE_FAIL,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PANIC,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  readEncKey,
  swapTypeName,
  type TrailerOptions,
  type TrailerState,
} from './trailer.ts';
import type { VerifyOptions } from './verdict.ts';
import { verifyImageFrom } from './verify.ts';

/** What the bootloader learns from checking the image in a slot. */
export interface ImageCheck {
  valid: boolean;
  /** `maj.min.rev+build` when the header could be read. */
  version?: string;
  /** Header to end of the TLVs, in bytes, when the header could be read. */
  imageBytes?: number;
  /** Why not valid (an IMAGE_* code). */
  reason?: string;
}

export type ImageValidator = (area: FlashArea) => Promise<ImageCheck>;

/** A validator on the image toolkit's verifier: hash + a signature by one of the trusted keys. */
export function imageValidator(options: VerifyOptions): ImageValidator {
  return async (area) => {
    try {
      const v = await verifyImageFrom((o, l) => area.read(o, l), area.size, options);
      return {
        valid: v.valid,
        version: v.versionText,
        imageBytes: v.imageSize,
        ...(v.valid ? {} : { reason: v.code ?? 'IMAGE_INVALID' }),
      };
    } catch (e) {
      if (e instanceof ImageError) return { valid: false, reason: e.code };
      throw e;
    }
  };
}

export type BootStrategyName = 'swap-move' | 'swap-scratch' | 'overwrite-only';

export const BOOT_STRATEGIES: Readonly<Record<BootStrategyName, BootStrategy>> = {
  'swap-move': swapMove,
  'swap-scratch': swapScratch,
  'overwrite-only': overwriteOnly,
};

export interface BootloaderOptions extends TrailerOptions {
  primary: FlashArea;
  secondary: FlashArea;
  /** Needed by swap-scratch. */
  scratch?: FlashArea;
  strategy: BootStrategy | BootStrategyName;
  validate: ImageValidator;
  imageIndex?: number;
  log?: Log;
  /** MCUBOOT_ENC_IMAGES: open encrypted secondary images with this key. */
  encryption?: BootEncryptionOptions;
}

export type BootFailureCode = 'BOOT_NO_VALID_IMAGE' | 'BOOT_PANIC';

/** What one run of the bootloader did (shaped like the device runner's BootOutcome). */
export interface BootResult {
  booted: boolean;
  /** The slot MCUboot jumped to (always the primary in swap and overwrite modes). */
  slot?: 'primary';
  version?: string;
  /** BOOT_SWAP_TYPE_* acted on: NONE, TEST, PERM, REVERT, FAIL (secondary rejected), PANIC. */
  swapType: number;
  /** swapTypeName(swapType). */
  swap: string;
  /** True when this run finished a swap an earlier reset interrupted. */
  resumed: boolean;
  /** Set when nothing booted. */
  code?: BootFailureCode;
  /** Why the primary (or, with FAIL, the secondary) was rejected. */
  reason?: string;
}

export class Bootloader {
  readonly slots: BootSlots;
  readonly strategy: BootStrategy;
  private readonly validate: ImageValidator;
  private readonly log: Log;
  private readonly encryption: BootEncryptionOptions | undefined;

  constructor(o: BootloaderOptions) {
    this.strategy = typeof o.strategy === 'string' ? BOOT_STRATEGIES[o.strategy] : o.strategy;
    if (!this.strategy) {
      throw new BootError('BOOT_BAD_ARGUMENT', `bootloader: unknown strategy ${String(o.strategy)}`, { strategy: o.strategy });
    }
    this.encryption = o.encryption;
    if (o.encryption && this.strategy !== swapMove && this.strategy !== swapScratch && this.strategy !== overwriteOnly) {
      throw new BootError('BOOT_BAD_ARGUMENT', `bootloader: encrypted images are modelled with swap-move, swap-scratch and overwrite-only, not ${this.strategy.name}`, { strategy: this.strategy.name });
    }
    this.slots = makeBootSlots(o.primary, o.secondary, o.encryption ? { ...o, encKeyBytes: o.encryption.keyBytes ?? 16 } : o);
    if (o.encryption) this.slots.enc = { crypto: o.encryption.crypto, slot: [undefined, undefined] };
    // Fails early (BOOT_NO_SCRATCH) when the strategy needs a partition the board lacks.
    this.strategy.maxImageBytes(this.slots);
    this.validate = o.validate;
    this.log = o.log ?? silentLog;
  }

  /** Largest image this bootloader installs, in bytes. */
  maxImageBytes(): number {
    return this.strategy.maxImageBytes(this.slots);
  }

  async boot(): Promise<BootResult> {
    const { primary, secondary } = this.slots;
    const opts = this.slots.trailerOptions;
    const states = await readSlotStates(primary, secondary, opts);
    if ('panic' in states) return this.fail('BOOT_PANIC', BOOT_SWAP_TYPE_PANIC, false, states.panic);
    const { primary: p, secondary: s } = states;

    let performed = BOOT_SWAP_TYPE_NONE;
    let rejected: string | undefined;
    if (this.slots.enc) {
      this.slots.enc.slot = [undefined, undefined];
      if (isSwapInProgress(p)) await this.loadResumeCiphers(p);
    }
    const resumed = await this.strategy.resume(this.slots, p, s);
    if (resumed !== undefined) {
      performed = resumed;
      this.log.log('info', 'bootloader: finished an interrupted swap', { swap: swapTypeName(resumed) });
    } else {
      const type = swapTypeFromStates(p, s);
      if (type === BOOT_SWAP_TYPE_TEST || type === BOOT_SWAP_TYPE_PERM) {
        let check: ImageCheck;
        try {
          // An encrypted secondary is validated decrypted, as MCUboot does (the primary never is).
          check = await this.validate(await this.prepareCiphers());
        } catch (e) {
          if (!(e instanceof ImageError)) throw e;
          check = { valid: false, reason: e.code };
        }
        const max = this.maxImageBytes();
        if (!check.valid || check.imageBytes === undefined || check.imageBytes > max) {
          rejected = check.valid ? 'IMAGE_TOO_LARGE' : check.reason ?? 'IMAGE_INVALID';
          this.log.log('warn', 'bootloader: secondary image rejected, erasing it', { reason: rejected });
          await secondary.erase(0, secondary.size);
          performed = BOOT_SWAP_TYPE_FAIL;
        } else {
          const current = await this.validate(primary);
          const bytes = Math.min(max, Math.max(check.imageBytes, current.imageBytes ?? 0));
          await this.strategy.upgrade(this.slots, type, s, bytes);
          performed = type;
        }
      } else if (type === BOOT_SWAP_TYPE_REVERT && this.strategy.canRevert) {
        if (this.slots.enc) {
          try {
            await this.prepareCiphers();
          } catch (e) {
            if (!(e instanceof ImageError)) throw e;
            this.log.log('warn', 'bootloader: cannot open an image key for the revert; copying as is', { reason: e.code });
          }
        }
        const current = await this.validate(primary);
        const old = await this.validate(secondary);
        const bytes = Math.min(this.maxImageBytes(), Math.max(current.imageBytes ?? 0, old.imageBytes ?? 0));
        await this.strategy.revert(this.slots, p, bytes);
        performed = BOOT_SWAP_TYPE_REVERT;
      }
    }

    const check = await this.validate(primary);
    if (!check.valid) return this.fail('BOOT_NO_VALID_IMAGE', performed, resumed !== undefined, check.reason ?? 'IMAGE_INVALID');
    return {
      booted: true,
      slot: 'primary',
      ...(check.version !== undefined ? { version: check.version } : {}),
      swapType: performed,
      swap: swapTypeName(performed),
      resumed: resumed !== undefined,
      ...(rejected !== undefined ? { reason: rejected } : {}),
    };
  }

  /**
   * Before a swap: the ciphers of both images (keys from their TLVs). Returns the secondary as the
   * validator should read it (decrypted when encrypted). Throws ImageError when the secondary is
   * encrypted and its key cannot be opened.
   */
  private async prepareCiphers(): Promise<FlashArea> {
    const { primary, secondary, enc } = this.slots;
    if (!enc || !this.encryption) return secondary;
    let primaryCipher: SlotCipher | undefined;
    try {
      primaryCipher = await loadSlotCipher(this.encryption, primary);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      primaryCipher = undefined; // an image the device cannot open stays as it is in the primary
    }
    const secondaryCipher = await loadSlotCipher(this.encryption, secondary);
    enc.slot = [primaryCipher, secondaryCipher];
    return secondaryCipher ? decryptingArea(enc.crypto, secondary, secondaryCipher) : secondary;
  }

  /** On resume: the keys from the primary's trailer, the body bounds from the headers where the swap left them. */
  private async loadResumeCiphers(p: TrailerState): Promise<void> {
    const { primary, enc, layout, sectorBytes } = this.slots;
    if (!enc) return;
    const keyBytes = this.encryption?.keyBytes ?? 16;
    const size = p.swapSize ?? 0;
    const places: Array<[FlashArea, number]> =
      this.strategy === swapMove
        ? await swapMoveHeaderPlaces(this.slots, size)
        : this.strategy === swapScratch
          ? await swapScratchHeaderPlaces(this.slots, size)
          : [[primary, 0], [this.slots.secondary, 0]];
    for (const slot of [0, 1] as const) {
      const key = await readEncKey(primary, layout, slot, keyBytes);
      if (!key) continue;
      const [area, sector] = places[slot]!;
      const h = await readImageHeader(area, sector * sectorBytes);
      if (h && encryptedKeyBytes(h.flags) === keyBytes) enc.slot[slot] = { key, hdrSize: h.hdrSize, imgSize: h.imgSize };
    }
  }

  private fail(code: BootFailureCode, swapType: number, resumed: boolean, reason: string): BootResult {
    this.log.log('error', `bootloader: ${code}`, { reason });
    return { booted: false, code, swapType, swap: swapTypeName(swapType), resumed, reason };
  }
}

/**
 * A bootloader over a board's flash map: opens the primary and secondary slots (and the scratch
 * partition for swap-scratch) by their devicetree labels.
 */
export function bootloaderFromFlashMap(map: FlashMap, o: Omit<BootloaderOptions, 'primary' | 'secondary' | 'scratch'>): Bootloader {
  const strategy = typeof o.strategy === 'string' ? o.strategy : o.strategy.name;
  return new Bootloader({
    ...o,
    primary: map.open(FLASH_AREA_PRIMARY),
    secondary: map.open(FLASH_AREA_SECONDARY),
    ...(strategy === 'swap-scratch' ? { scratch: map.open(FLASH_AREA_SCRATCH) } : {}),
  });
}

/**
 * Largest image (header to end of TLVs) a strategy installs from these slots: what an uploader
 * should accept. Swap-move keeps one sector free for the move; no strategy lets an image reach
 * into a sector holding trailer bytes.
 */
export function bootMaxImageBytes(
  strategy: BootStrategy | BootStrategyName,
  primary: FlashArea,
  secondary: FlashArea,
  options: TrailerOptions & { scratch?: FlashArea } = {},
): number {
  const s = typeof strategy === 'string' ? BOOT_STRATEGIES[strategy] : strategy;
  if (!s) throw new BootError('BOOT_BAD_ARGUMENT', `bootloader.maxImageBytes: unknown strategy ${String(strategy)}`, { strategy });
  return s.maxImageBytes(makeBootSlots(primary, secondary, options));
}

/** One bootloader run (a reset). */
export async function runBootloader(o: BootloaderOptions): Promise<BootResult> {
  return new Bootloader(o).boot();
}


/**
 * A simulated MCUboot board with an MCUmgr SMP server (the nRF52833 as the FOTA agent's remote slot):
 * strict simulated flash with the board's partitions, the SMP server on its primary and secondary
 * slots, and the MCUboot bootloader model (swap-move, revert) run on every reset. Reach it over the
 * simulated UART / BLE links (attachSerial / attachBle) or over UDP (./smp-udp.ts).
 * Also builds the small hash-only MCUboot images the tests and the bench upload.
 */
import { seededBytes } from '../prng.ts';
import type { Clock } from '../clock.ts';
import type { Crypto } from '../crypto.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SECONDARY, type FlashArea } from '../flash.ts';
import { silentLog, type Log } from '../log.ts';
import { SimFlash } from './flash.ts';
import { NRF52833_PROFILE, type BoardProfile } from './profiles.ts';
import { Bootloader, imageValidator, type BootResult } from '../../fota/mcuboot/bootloader.ts';
import type { BootEncryptionOptions } from '../../fota/mcuboot/boot-encryption.ts';
import { signImage } from '../../fota/mcuboot/sign.ts';
import { SmpServer } from '../../transport/smp/server.ts';
import type { TrustedKey } from '../../fota/mcuboot/keys.ts';

/** nRF52833 flash timing (Product Specification, NVMC): 41 µs per 32-bit word written, 85 ms per page erase. */
export const NRF52_FLASH_WRITE_US_PER_WORD = 41;
export const NRF52_FLASH_WORD_BYTES = 4;
export const NRF52_FLASH_ERASE_MS_PER_PAGE = 85;
const US_PER_MS = 1000;

/** How long flash operations take on the simulated board (slept on `clock`). */
export interface SimFlashTiming {
  clock: Clock;
  writeUsPerWord?: number;
  eraseMsPerPage?: number;
}

/** A FlashArea that takes the hardware's time for each write and erase. */
export function timedFlashArea(area: FlashArea, timing: SimFlashTiming): FlashArea {
  const writeUs = timing.writeUsPerWord ?? NRF52_FLASH_WRITE_US_PER_WORD;
  const eraseMs = timing.eraseMsPerPage ?? NRF52_FLASH_ERASE_MS_PER_PAGE;
  return {
    label: area.label,
    deviceOffset: area.deviceOffset,
    size: area.size,
    eraseBlockBytes: area.eraseBlockBytes,
    writeAlignBytes: area.writeAlignBytes,
    erasedValue: area.erasedValue,
    read: (offset, length) => area.read(offset, length),
    async write(offset, bytes) {
      await area.write(offset, bytes);
      await timing.clock.sleep((Math.ceil(bytes.length / NRF52_FLASH_WORD_BYTES) * writeUs) / US_PER_MS);
    },
    async erase(offset, length) {
      await area.erase(offset, length);
      await timing.clock.sleep((length / area.eraseBlockBytes) * eraseMs);
    },
  };
}

export interface SimSmpDeviceOptions {
  crypto: Crypto;
  /** Flash operations take the board's time on this clock (default: instantaneous). */
  flashTiming?: SimFlashTiming;
  profile?: BoardProfile;
  /** SMP buffer limits reported by os params (Zephyr defaults 384 / 4). */
  bufSize?: number;
  bufCount?: number;
  /** Keys MCUboot trusts; without any, hash-only (unsigned) images boot. */
  trustedKeys?: ReadonlyArray<TrustedKey>;
  /** The image the board runs at first (written to the primary slot before the first boot). */
  initialImage?: Uint8Array;
  /** MCUBOOT_ENC_IMAGES: the board's MCUboot opens encrypted images with this device key. */
  encryption?: BootEncryptionOptions;
  log?: Log;
}

export class SimSmpDevice {
  readonly flash: SimFlash;
  readonly primary: FlashArea;
  readonly secondary: FlashArea;
  readonly server: SmpServer;
  readonly bootloader: Bootloader;
  /** Every bootloader run, oldest first. */
  readonly boots: BootResult[] = [];

  private constructor(o: SimSmpDeviceOptions) {
    this.flash = new SimFlash({ profile: o.profile ?? NRF52833_PROFILE });
    const primary = this.flash.open(FLASH_AREA_PRIMARY);
    const secondary = this.flash.open(FLASH_AREA_SECONDARY);
    this.primary = o.flashTiming ? timedFlashArea(primary, o.flashTiming) : primary;
    this.secondary = o.flashTiming ? timedFlashArea(secondary, o.flashTiming) : secondary;
    this.bootloader = new Bootloader({
      primary: this.primary,
      secondary: this.secondary,
      strategy: 'swap-move',
      validate: imageValidator({
        crypto: o.crypto,
        ...(o.trustedKeys && o.trustedKeys.length > 0 ? { trustedKeys: o.trustedKeys } : { allowUnsigned: true }),
      }),
      log: o.log ?? silentLog,
      ...(o.encryption ? { encryption: o.encryption } : {}),
    });
    this.server = new SmpServer({
      primary: this.primary,
      secondary: this.secondary,
      maxImageBytes: this.bootloader.maxImageBytes(),
      ...(o.bufSize !== undefined ? { bufSize: o.bufSize } : {}),
      ...(o.bufCount !== undefined ? { bufCount: o.bufCount } : {}),
      onReset: async () => {
        await this.reset();
      },
    });
  }

  /** Makes the board, writes `initialImage` to the primary slot and boots it. */
  static async create(o: SimSmpDeviceOptions): Promise<SimSmpDevice> {
    const d = new SimSmpDevice(o);
    if (o.initialImage) {
      const align = d.primary.writeAlignBytes;
      const padded = new Uint8Array(Math.ceil(o.initialImage.length / align) * align).fill(d.primary.erasedValue);
      padded.set(o.initialImage);
      await d.primary.write(0, padded);
    }
    await d.reset();
    return d;
  }

  /** A reset: MCUboot runs (swap, revert) and the SMP server forgets its RAM state. */
  async reset(): Promise<BootResult> {
    this.server.img.resetState();
    const r = await this.bootloader.boot();
    this.boots.push(r);
    return r;
  }
}

/**
 * A hash-only MCUboot image (imgtool sign without a key, --pad-header, header 32 bytes) around a
 * deterministic payload of `payloadBytes` bytes, at `version`.
 */
export async function buildTestImage(crypto: Crypto, payloadBytes: number, version = '1.0.0', seed = 1): Promise<Uint8Array> {
  const payload = seededBytes(payloadBytes, seed);
  return signImage(payload, { crypto, headerSize: 32, padHeader: true, version, align: 4 });
}

/**
 * A simulated MCUboot board with an MCUmgr SMP server (the nRF52833 as the FOTA agent's remote slot):
 * strict simulated flash with the board's partitions, the SMP server on its primary and secondary
 * slots, and the MCUboot bootloader model (swap-move, revert) run on every reset; optionally a second
 * updatable image (image 1, its own slots and MCUboot image index 1), as a multi-image smp_svr. Reach it over the
 * simulated UART / BLE links (attachSerial / attachBle) or over UDP (./smp-udp.ts).
 * Also builds the small hash-only MCUboot images the tests and the bench upload.
 */
import { seededBytes } from '../hal/prng.ts';
import type { Clock } from '../hal/clock.ts';
import type { Crypto } from '../hal/crypto.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SECONDARY, flashAreaView, type FlashArea } from '../hal/flash.ts';
import { silentLog, type Log } from '../hal/log.ts';
import { SimFlash } from '../hal/sim/flash.ts';
import { NRF52833_PROFILE, NRF_FLASH_ERASED_VALUE, NRF_FLASH_PAGE_BYTES, NRF_FLASH_WRITE_ALIGN_BYTES, type BoardProfile } from '../hal/sim/profiles.ts';
import { Bootloader, imageValidator, type BootResult } from '../fota/mcuboot/bootloader.ts';
import type { BootEncryptionOptions } from '../fota/mcuboot/boot-encryption.ts';
import { signImage } from '../fota/mcuboot/sign.ts';
import { SmpServer } from '../transport/smp/server.ts';
import { ImgMgmt } from '../fota/mgmt/img-mgmt.ts';
import type { TrustedKey } from '../fota/mcuboot/keys.ts';

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
  return flashAreaView(area, {
    async write(offset, bytes) {
      await area.write(offset, bytes);
      await timing.clock.sleep((Math.ceil(bytes.length / NRF52_FLASH_WORD_BYTES) * writeUs) / US_PER_MS);
    },
    async erase(offset, length) {
      await area.erase(offset, length);
      await timing.clock.sleep((length / area.eraseBlockBytes) * eraseMs);
    },
  });
}

/** Image 1's slots on a multi-image board (Zephyr's slot2_partition / slot3_partition). */
export const FLASH_AREA_IMAGE1_PRIMARY = 'slot2_partition';
export const FLASH_AREA_IMAGE1_SECONDARY = 'slot3_partition';

/** A flash device holding only image 1's two slots of `slotBytes` each (a second core's or external flash). */
function imageOneProfile(slotBytes: number): BoardProfile {
  return {
    name: 'nrf52833',
    description: `image 1: two ${slotBytes / 1024} KiB slots`,
    flash: { size: 2 * slotBytes, eraseBlockBytes: NRF_FLASH_PAGE_BYTES, writeAlignBytes: NRF_FLASH_WRITE_ALIGN_BYTES, erasedValue: NRF_FLASH_ERASED_VALUE },
    partitions: [
      { label: FLASH_AREA_IMAGE1_PRIMARY, offset: 0, size: slotBytes },
      { label: FLASH_AREA_IMAGE1_SECONDARY, offset: slotBytes, size: slotBytes },
    ],
    hasModem: false,
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
  /** v1 answers as Zephyr 3.1 and earlier gave them (see SmpServerOptions.legacyRc). */
  legacyRc?: boolean;
  /** Keys MCUboot trusts; without any, hash-only (unsigned) images boot. */
  trustedKeys?: ReadonlyArray<TrustedKey>;
  /** The image the board runs at first (written to the primary slot before the first boot). */
  initialImage?: Uint8Array;
  /**
   * Multi-image (CONFIG_MCUMGR_GRP_IMG_UPDATABLE_IMAGE_NUMBER = 2): image 1 gets two slots of this
   * many bytes, its own MCUboot image (swap-move, image index 1), and `image: 1` in SMP selects it.
   */
  imageOneSlotBytes?: number;
  /** The image 1 runs at first. */
  initialImageOne?: Uint8Array;
  /** MCUBOOT_ENC_IMAGES: the board's MCUboot opens encrypted images with this device key. */
  encryption?: BootEncryptionOptions;
  log?: Log;
}

export class SimSmpDevice {
  readonly flash: SimFlash;
  readonly primary: FlashArea;
  readonly secondary: FlashArea;
  readonly server: SmpServer;
  /** The IMAGE group the server answers with (its RAM state is lost on reset). */
  private readonly img: ImgMgmt;
  readonly bootloader: Bootloader;
  /** Every bootloader run, oldest first. */
  readonly boots: BootResult[] = [];
  /** Image 1 (multi-image boards): its slots, its bootloader run and its boots. */
  readonly imageOne: { primary: FlashArea; secondary: FlashArea; bootloader: Bootloader; boots: BootResult[] } | undefined;

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
    if (o.imageOneSlotBytes !== undefined) {
      const flash1 = new SimFlash({ profile: imageOneProfile(o.imageOneSlotBytes) });
      const p1 = flash1.open(FLASH_AREA_IMAGE1_PRIMARY);
      const s1 = flash1.open(FLASH_AREA_IMAGE1_SECONDARY);
      const primary = o.flashTiming ? timedFlashArea(p1, o.flashTiming) : p1;
      const secondary = o.flashTiming ? timedFlashArea(s1, o.flashTiming) : s1;
      const bootloader = new Bootloader({
        primary,
        secondary,
        strategy: 'swap-move',
        imageIndex: 1,
        validate: imageValidator({
          crypto: o.crypto,
          ...(o.trustedKeys && o.trustedKeys.length > 0 ? { trustedKeys: o.trustedKeys } : { allowUnsigned: true }),
        }),
        log: o.log ?? silentLog,
      });
      this.imageOne = { primary, secondary, bootloader, boots: [] };
    } else {
      this.imageOne = undefined;
    }
    const one = this.imageOne;
    this.img = new ImgMgmt({
      ...(one ? { moreImages: [{ primary: one.primary, secondary: one.secondary, maxImageBytes: one.bootloader.maxImageBytes() }] } : {}),
      primary: this.primary,
      secondary: this.secondary,
      maxImageBytes: this.bootloader.maxImageBytes(),
      legacyRc: o.legacyRc === true,
    });
    this.server = new SmpServer({
      img: this.img,
      ...(o.bufSize !== undefined ? { bufSize: o.bufSize } : {}),
      ...(o.bufCount !== undefined ? { bufCount: o.bufCount } : {}),
      ...(o.legacyRc ? { legacyRc: true } : {}),
      ...(o.flashTiming ? { now: () => o.flashTiming!.clock.now() } : {}),
      onReset: async () => {
        await this.reset();
      },
    });
  }

  /** Makes the board, writes `initialImage` to the primary slot and boots it. */
  static async create(o: SimSmpDeviceOptions): Promise<SimSmpDevice> {
    const d = new SimSmpDevice(o);
    const place = async (area: FlashArea, image: Uint8Array) => {
      const align = area.writeAlignBytes;
      const padded = new Uint8Array(Math.ceil(image.length / align) * align).fill(area.erasedValue);
      padded.set(image);
      await area.write(0, padded);
    };
    if (o.initialImage) await place(d.primary, o.initialImage);
    if (o.initialImageOne && d.imageOne) await place(d.imageOne.primary, o.initialImageOne);
    await d.reset();
    return d;
  }

  /** A reset: MCUboot runs (swap, revert) and the SMP server forgets its RAM state. */
  async reset(): Promise<BootResult> {
    this.img.resetState();
    const r = await this.bootloader.boot();
    this.boots.push(r);
    if (this.imageOne) this.imageOne.boots.push(await this.imageOne.bootloader.boot());
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

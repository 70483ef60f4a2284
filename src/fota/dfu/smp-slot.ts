/**
 * The remote slot (DESIGN.md "Where the image goes"): an MCUboot board reached over MCUmgr SMP
 * (serial, BLE or UDP), e.g. the nRF52833 the nRF9160 updates. Implements SlotTarget with the SMP client:
 * - the image is gathered in RAM while it downloads and uploaded at flush() once complete, with
 *   `sha`, so an interrupted upload resumes on the device (img_mgmt answers the offset it holds);
 *   until then nothing is persisted on the device, and flush() says so (0);
 * - requestUpgrade marks the uploaded image (its MCUboot SHA-256 TLV) for test or permanent;
 * - reset sends OS reset and waits until the device answers echo again;
 * - confirm / state / discard map to image state confirm / read and image erase.
 */
import type { SlotImageState, SlotTarget, UpgradeMode } from './slot-target.ts';
import { FotaError } from '../../hal/errors.ts';
import type { SmpClient } from '../../transport/smp/client.ts';
import { SmpError } from '../../transport/smp/errors.ts';
import { uploadImage, type UploadOptions, type UploadResult } from '../../transport/smp/upload.ts';

/** How long the device may take to come back after a reset (MCUboot swap included). */
export const SMP_SLOT_RESET_TIMEOUT_MS = 60000;
/** Pause between echo probes while the device reboots. */
export const SMP_SLOT_RESET_POLL_MS = 500;
/** The secondary slot of image 0. */
const SMP_SLOT_SECONDARY = 1;

/** img_mgmt's version text: `maj.min.rev`, with `.build` when the build is not 0. */
const IMG_MGMT_VERSION_RE = /^(\d+)\.(\d+)\.(\d+)(?:[.+](\d+))?$/;

/**
 * The device's version in the SlotTarget form `maj.min.rev+build` (what the image verifier reports), so
 * the agent can compare them; text of another shape is passed through.
 */
export function slotVersion(deviceVersion: string): string {
  const m = IMG_MGMT_VERSION_RE.exec(deviceVersion);
  return m ? `${m[1]}.${m[2]}.${m[3]}+${m[4] ?? '0'}` : deviceVersion;
}

export interface SmpSlotOptions {
  /** Shown in logs, e.g. `smp serial /dev/ttyACM0`. */
  name?: string;
  upload?: Omit<UploadOptions, 'onProgress'>;
  onProgress?: (sent: number, total: number) => void;
  resetTimeoutMs?: number;
}

export class SmpSlotTarget implements SlotTarget {
  readonly name: string;
  private image: Uint8Array | undefined;
  private imageId: string | undefined;
  private received = 0;
  private uploaded = false;
  /** The last upload's figures (for logs and benches). */
  lastUpload: UploadResult | undefined;

  constructor(private readonly client: SmpClient, private readonly options: SmpSlotOptions = {}) {
    this.name = options.name ?? `smp ${client.transport.kind}`;
  }

  async capacityBytes(): Promise<number> {
    const info = await this.client.slotInfo();
    const images = info.images as Array<Record<string, unknown>> | undefined;
    const max = images?.[0]?.max_image_size;
    if (typeof max === 'number' && Number.isInteger(max) && max > 0) return max;
    const slots = images?.[0]?.slots as Array<Record<string, unknown>> | undefined;
    const size = slots?.find((s) => s.slot === SMP_SLOT_SECONDARY)?.size;
    if (typeof size === 'number' && Number.isInteger(size) && size > 0) return size;
    throw new SmpError('SMP_BAD_BODY', 'smpSlot.capacity: slot info has neither max_image_size nor the secondary slot size');
  }

  async begin(size: number, imageId: string): Promise<number> {
    if (!Number.isInteger(size) || size <= 0) throw new FotaError('DFU_BAD_ARGUMENT', `smpSlot.begin: size ${size} is not a positive integer`, { size });
    const capacity = await this.capacityBytes();
    if (size > capacity) {
      throw new FotaError('DFU_IMAGE_TOO_BIG', `smpSlot.begin: the ${size}-byte image does not fit the ${capacity}-byte slot`, { size, capacity });
    }
    if (this.image && this.imageId === imageId && this.image.length === size) return this.uploaded ? size : 0;
    this.image = new Uint8Array(size);
    this.imageId = imageId;
    this.received = 0;
    this.uploaded = false;
    return 0;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const image = this.image;
    if (!image) throw new FotaError('DFU_NOT_STARTED', 'smpSlot.write: begin() was not called');
    if (offset !== this.received) {
      throw new FotaError('DFU_BAD_OFFSET', `smpSlot.write: offset ${offset} is not the ${this.received} bytes received`, { offset, expected: this.received });
    }
    if (offset + bytes.length > image.length) {
      throw new FotaError('DFU_IMAGE_TOO_BIG', `smpSlot.write: ${offset + bytes.length} bytes run past the announced ${image.length}`, { offset, length: bytes.length });
    }
    image.set(bytes, offset);
    this.received += bytes.length;
  }

  /** Uploads once the whole image is here; the device then holds it all. Before that, nothing is persisted. */
  async flush(): Promise<number> {
    const image = this.image;
    if (!image || this.received < image.length) return 0;
    if (!this.uploaded) {
      this.lastUpload = await uploadImage(this.client, image, {
        ...this.options.upload,
        ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
      });
      this.uploaded = true;
    }
    return image.length;
  }

  async requestUpgrade(mode: UpgradeMode): Promise<void> {
    const states = await this.client.imageState();
    const staged = states.find((s) => s.slot === SMP_SLOT_SECONDARY && s.hash);
    if (!staged?.hash) throw new FotaError('DFU_NO_IMAGE', 'smpSlot.requestUpgrade: the device reports no image in the secondary slot');
    if (mode === 'test') await this.client.imageTest(staged.hash);
    else await this.client.imageConfirm(staged.hash);
  }

  async reset(): Promise<void> {
    await this.client.reset();
    const clock = this.client.clock;
    const deadline = clock.now() + (this.options.resetTimeoutMs ?? SMP_SLOT_RESET_TIMEOUT_MS);
    while (clock.now() < deadline) {
      try {
        await this.client.echo('fotakit');
        this.image = undefined;
        this.uploaded = false;
        this.received = 0;
        return;
      } catch (e) {
        if (!(e instanceof SmpError) || (e.code !== 'SMP_TIMEOUT' && e.code !== 'SMP_LINK')) throw e;
        await clock.sleep(SMP_SLOT_RESET_POLL_MS);
      }
    }
    throw new SmpError('ETIMEDOUT', `smpSlot.reset: ${this.name} did not answer after the reset`, {});
  }

  async confirm(): Promise<void> {
    await this.client.imageConfirm();
  }

  async state(): Promise<SlotImageState[]> {
    const states = await this.client.imageState();
    return states
      .sort((a, b) => a.slot - b.slot)
      .map((s) => ({
        ...(s.version ? { version: slotVersion(s.version) } : {}),
        ...(s.hash ? { hash: s.hash } : {}),
        active: s.active,
        pending: s.pending,
        confirmed: s.confirmed,
      }));
  }

  async discard(): Promise<void> {
    this.image = undefined;
    this.uploaded = false;
    this.received = 0;
    await this.client.imageErase();
  }
}

/**
 * Device side of the IMAGE group (Zephyr's img_mgmt) over two FlashAreas (primary, secondary) and the
 * MCUboot trailer / boot-request model (src/fota/mcuboot). Semantics kept from Zephyr:
 * - upload: the first chunk (off 0) needs `len`, at least 32 bytes starting with the MCUboot magic, a
 *   free secondary slot, an image that fits, and with `upgrade: true` a newer version; it erases the slot. `off = 0` with the `sha` of the
 *   upload in progress resumes (answers the current offset); `sha` of the image already complete in
 *   the slot answers `off = len, match: true`. A chunk at another offset than expected is dropped and
 *   the answer carries the expected `off`. The last chunk's answer adds `match` when `sha` was given.
 * - state read: every slot holding a valid image header, with its version, SHA-256 TLV and the flags
 *   derived from the swap type (Zephyr's img_mgmt_state_flags table).
 * - state write: `{hash, confirm: false}` test, `{hash, confirm: true}` permanent, `{confirm: true}`
 *   confirm the running image; erase refused (EBADSTATE) while the secondary is pending or confirmed.
 * The upload progress lives in RAM, like Zephyr's: a reset forgets it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, readU32LE } from '../../hal/bytes.ts';
import type { FlashArea } from '../../hal/flash.ts';
import { alignDown, alignUp } from '../../hal/flash.ts';
import { IMAGE_F_NON_BOOTABLE, IMAGE_HEADER_SIZE, IMAGE_MAGIC, IMAGE_TLV_INFO_SIZE, IMAGE_TLV_SHA256 } from '../mcuboot/constants.ts';
import { hashedRegionLength, parseHeader } from '../mcuboot/header.ts';
import { parseTlvArea, parseTlvInfo } from '../mcuboot/tlv.ts';
import { compareVersions } from '../mcuboot/version.ts';
import {
  areaTrailerLayout,
  BOOT_MAGIC_GOOD,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  readTrailerState,
  type TrailerOptions,
} from '../mcuboot/trailer.ts';
import { swapTypeFromStates } from '../mcuboot/swap-table.ts';
import { bootSetConfirmed, bootSetPending } from '../mcuboot/boot-requests.ts';
import type { SmpBody } from '../../transport/smp/cbor.ts';
import {
  IMG_MGMT_DATA_SHA_MAX_BYTES,
  IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER,
  IMG_MGMT_ERR_FLASH_ERASE_FAILED,
  IMG_MGMT_ERR_FLASH_WRITE_FAILED,
  IMG_MGMT_ERR_HASH_NOT_FOUND,
  IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED,
  IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN,
  IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC,
  IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
  IMG_MGMT_ERR_INVALID_LENGTH,
  IMG_MGMT_ERR_INVALID_SLOT,
  IMG_MGMT_ERR_NO_FREE_SLOT,
  IMG_MGMT_FIRST_CHUNK_MIN_BYTES,
  IMG_MGMT_HASH_BYTES,
  IMG_MGMT_ID_ERASE,
  IMG_MGMT_ID_SLOT_INFO,
  IMG_MGMT_ID_STATE,
  IMG_MGMT_ID_UPLOAD,
  MGMT_ERR_EBADSTATE,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOENT,
  MGMT_ERR_ENOMEM,
  MGMT_ERR_ENOTSUP,
  MGMT_ERR_EUNKNOWN,
  MGMT_OP_READ,
  MGMT_OP_WRITE,
} from '../../transport/smp/constants.ts';
import type { HandlerResult } from '../../transport/smp/server.ts';

/** Zephyr's slot numbers for image 0. */
export const IMG_MGMT_SLOT_PRIMARY = 0;
export const IMG_MGMT_SLOT_SECONDARY = 1;

/** How a group-specific error reads for a v1 client (Zephyr's img_mgmt_translate_error_code). */
const IMG_MGMT_V1_RC: Readonly<Record<number, number>> = {
  [IMG_MGMT_ERR_NO_FREE_SLOT]: MGMT_ERR_ENOMEM,
  [IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_LENGTH]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_HASH_NOT_FOUND]: MGMT_ERR_ENOENT,
  [IMG_MGMT_ERR_INVALID_SLOT]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED]: MGMT_ERR_EBADSTATE,
  [IMG_MGMT_ERR_FLASH_WRITE_FAILED]: MGMT_ERR_EUNKNOWN,
  [IMG_MGMT_ERR_FLASH_ERASE_FAILED]: MGMT_ERR_EUNKNOWN,
  [IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER]: MGMT_ERR_EBADSTATE,
};

function groupError(rc: number): HandlerResult {
  return { groupRc: rc, v1Rc: IMG_MGMT_V1_RC[rc] ?? MGMT_ERR_EUNKNOWN };
}

/** Image state flags for one slot, from the swap type (Zephyr's img_mgmt_state_flags). */
interface SlotFlags {
  active: boolean;
  confirmed: boolean;
  pending: boolean;
  permanent: boolean;
}

/**
 * Zephyr's img_mgmt_state_flags as a table: per swap type, the flags of the active (primary) slot
 * and of the other (secondary) slot.
 */
const IMG_MGMT_STATE_FLAG_TABLE: ReadonlyArray<{ swapType: number; active: Omit<SlotFlags, 'active'>; other: Omit<SlotFlags, 'active'> }> = [
  { swapType: BOOT_SWAP_TYPE_NONE, active: { confirmed: true, pending: false, permanent: false }, other: { confirmed: false, pending: false, permanent: false } },
  { swapType: BOOT_SWAP_TYPE_TEST, active: { confirmed: true, pending: false, permanent: false }, other: { confirmed: false, pending: true, permanent: false } },
  { swapType: BOOT_SWAP_TYPE_PERM, active: { confirmed: true, pending: false, permanent: false }, other: { confirmed: false, pending: true, permanent: true } },
  { swapType: BOOT_SWAP_TYPE_REVERT, active: { confirmed: false, pending: false, permanent: false }, other: { confirmed: true, pending: false, permanent: false } },
];

export interface SlotImageInfo {
  slot: number;
  version: string;
  hash?: Uint8Array;
  bootable: boolean;
}

interface UploadState {
  len: number;
  /** Bytes accepted (written or held in `tail`). */
  off: number;
  sha?: Uint8Array;
  /** Accepted bytes not yet written because they do not fill a write unit. */
  tail: Uint8Array;
}

export interface ImgMgmtOptions {
  primary: FlashArea;
  secondary: FlashArea;
  trailer?: TrailerOptions;
  /**
   * Largest image the bootloader installs (swap-move keeps a sector free); default: the secondary
   * slot minus the MCUboot trailer, rounded down to whole sectors.
   */
  maxImageBytes?: number;
}

export class ImgMgmt {
  private readonly primary: FlashArea;
  private readonly secondary: FlashArea;
  private readonly trailer: TrailerOptions;
  private readonly maxImageBytes: number | undefined;
  private upload: UploadState | undefined;
  /** The last completed upload (for the "already in the slot" answer). */
  private completed: { len: number; sha: Uint8Array } | undefined;

  constructor(o: ImgMgmtOptions) {
    this.primary = o.primary;
    this.secondary = o.secondary;
    this.trailer = o.trailer ?? {};
    this.maxImageBytes = o.maxImageBytes;
  }

  /** Largest image the device accepts: the bootloader's limit, or slot size minus the MCUboot trailer. */
  capacityBytes(): number {
    if (this.maxImageBytes !== undefined) return this.maxImageBytes;
    return alignDown(this.secondary.size - areaTrailerLayout(this.secondary, this.trailer).trailerBytes, this.secondary.eraseBlockBytes);
  }

  /** Forgets the upload in progress (what a device reset does to RAM). */
  resetState(): void {
    this.upload = undefined;
    this.completed = undefined;
  }

  async handle(op: number, command: number, body: SmpBody): Promise<HandlerResult> {
    if (command === IMG_MGMT_ID_STATE && op === MGMT_OP_READ) return { body: await this.stateBody() };
    if (command === IMG_MGMT_ID_STATE && op === MGMT_OP_WRITE) return this.stateWrite(body);
    if (command === IMG_MGMT_ID_UPLOAD && op === MGMT_OP_WRITE) return this.uploadChunk(body);
    if (command === IMG_MGMT_ID_ERASE && op === MGMT_OP_WRITE) return this.erase(body);
    if (command === IMG_MGMT_ID_SLOT_INFO && op === MGMT_OP_READ) return { body: this.slotInfo() };
    return { rc: MGMT_ERR_ENOTSUP };
  }

  // ---- image info ----

  private area(slot: number): FlashArea {
    return slot === IMG_MGMT_SLOT_PRIMARY ? this.primary : this.secondary;
  }

  /** Version and SHA-256 TLV of the image in `slot`, or undefined when the slot holds no valid image. */
  async slotImage(slot: number): Promise<SlotImageInfo | undefined> {
    const area = this.area(slot);
    try {
      const header = parseHeader(await area.read(0, IMAGE_HEADER_SIZE));
      const unprot = hashedRegionLength(header);
      if (unprot + IMAGE_TLV_INFO_SIZE > area.size) return undefined;
      const info = parseTlvInfo(await area.read(unprot, IMAGE_TLV_INFO_SIZE), 'unprotected', unprot);
      if (unprot + info.tlvTot > area.size) return undefined;
      const tlvs = parseTlvArea(await area.read(unprot, info.tlvTot), 'unprotected', unprot);
      const hashTlv = tlvs.entries.find((t) => t.type === IMAGE_TLV_SHA256 && t.value.length === IMG_MGMT_HASH_BYTES);
      const v = header.version;
      const out: SlotImageInfo = {
        slot,
        version: `${v.major}.${v.minor}.${v.revision}${v.build !== 0 ? `.${v.build}` : ''}`,
        bootable: (header.flags & IMAGE_F_NON_BOOTABLE) === 0,
      };
      if (hashTlv) out.hash = Uint8Array.from(hashTlv.value);
      return out;
    } catch {
      return undefined;
    }
  }

  private async swapType(): Promise<number> {
    const p = await readTrailerState(this.primary, this.trailer);
    const s = await readTrailerState(this.secondary, this.trailer);
    return swapTypeFromStates(p, s);
  }

  async stateBody(): Promise<SmpBody> {
    const swap = await this.swapType();
    const row = IMG_MGMT_STATE_FLAG_TABLE.find((r) => r.swapType === swap) ?? IMG_MGMT_STATE_FLAG_TABLE[0]!;
    const images: SmpBody[] = [];
    for (const slot of [IMG_MGMT_SLOT_PRIMARY, IMG_MGMT_SLOT_SECONDARY]) {
      const info = await this.slotImage(slot);
      if (!info) continue;
      const active = slot === IMG_MGMT_SLOT_PRIMARY;
      const flags = active ? row.active : row.other;
      const entry: SmpBody = { image: 0, slot, version: info.version };
      if (info.hash) entry.hash = info.hash;
      entry.bootable = info.bootable;
      entry.pending = flags.pending;
      entry.confirmed = flags.confirmed;
      entry.active = active;
      entry.permanent = flags.permanent;
      images.push(entry);
    }
    return { images, splitStatus: 0 };
  }

  private async stateWrite(body: SmpBody): Promise<HandlerResult> {
    const confirm = body.confirm;
    if (confirm !== undefined && typeof confirm !== 'boolean') return { rc: MGMT_ERR_EINVAL };
    const hash = body.hash;
    if (hash === undefined) {
      if (confirm !== true) return { rc: MGMT_ERR_EINVAL };
      if ((await bootSetConfirmed(this.primary, 0, this.trailer)) !== 0) return { rc: MGMT_ERR_EUNKNOWN };
      return { body: await this.stateBody() };
    }
    if (!(hash instanceof Uint8Array) || hash.length !== IMG_MGMT_HASH_BYTES) return { rc: MGMT_ERR_EINVAL };
    let slot: number | undefined;
    for (const s of [IMG_MGMT_SLOT_PRIMARY, IMG_MGMT_SLOT_SECONDARY]) {
      const info = await this.slotImage(s);
      if (info?.hash && bytesEqual(info.hash, hash)) {
        slot = s;
        break;
      }
    }
    if (slot === undefined) return groupError(IMG_MGMT_ERR_HASH_NOT_FOUND);
    if (slot === IMG_MGMT_SLOT_PRIMARY) {
      if (confirm !== true) return groupError(IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
      if ((await bootSetConfirmed(this.primary, 0, this.trailer)) !== 0) return { rc: MGMT_ERR_EUNKNOWN };
      return { body: await this.stateBody() };
    }
    if (this.upload) return { rc: MGMT_ERR_EBADSTATE };
    if ((await bootSetPending(this.secondary, 0, confirm === true, this.trailer)) !== 0) return { rc: MGMT_ERR_EBADSTATE };
    return { body: await this.stateBody() };
  }

  /** Whether the secondary slot is pending or holds the confirmed image to revert to (img_mgmt_slot_in_use). */
  private async secondaryInUse(): Promise<boolean> {
    const s = await readTrailerState(this.secondary, this.trailer);
    if (s.magic === BOOT_MAGIC_GOOD) return true;
    const swap = await this.swapType();
    return swap === BOOT_SWAP_TYPE_REVERT;
  }

  private async erase(body: SmpBody): Promise<HandlerResult> {
    const slot = body.slot ?? IMG_MGMT_SLOT_SECONDARY;
    if (slot !== IMG_MGMT_SLOT_SECONDARY) return groupError(IMG_MGMT_ERR_INVALID_SLOT);
    if (await this.secondaryInUse()) return { rc: MGMT_ERR_EBADSTATE };
    try {
      await this.secondary.erase(0, this.secondary.size);
    } catch {
      return groupError(IMG_MGMT_ERR_FLASH_ERASE_FAILED);
    }
    this.upload = undefined;
    this.completed = undefined;
    return { body: {} };
  }

  private slotInfo(): SmpBody {
    return {
      images: [
        {
          image: 0,
          slots: [
            { slot: IMG_MGMT_SLOT_PRIMARY, size: this.primary.size },
            { slot: IMG_MGMT_SLOT_SECONDARY, size: this.secondary.size, upload_image_id: 0 },
          ],
          max_image_size: this.capacityBytes(),
        },
      ],
    };
  }

  // ---- upload ----

  private async uploadChunk(body: SmpBody): Promise<HandlerResult> {
    const { off, len, data, sha, image } = body;
    if (!isUint(off) || !(data instanceof Uint8Array)) return { rc: MGMT_ERR_EINVAL };
    if (image !== undefined && image !== 0) return groupError(IMG_MGMT_ERR_INVALID_SLOT);
    if (sha !== undefined && (!(sha instanceof Uint8Array) || sha.length === 0 || sha.length > IMG_MGMT_DATA_SHA_MAX_BYTES)) {
      return { rc: MGMT_ERR_EINVAL };
    }
    if (off === 0) {
      if (!isUint(len) || len === 0) return { rc: MGMT_ERR_EINVAL };
      const shaBytes = sha as Uint8Array | undefined;
      if (shaBytes && this.upload?.sha && this.upload.len === len && bytesEqual(this.upload.sha, shaBytes)) {
        return { body: { off: this.upload.off } };
      }
      if (shaBytes && this.completed && this.completed.len === len && bytesEqual(this.completed.sha.subarray(0, shaBytes.length), shaBytes)) {
        return { body: { off: len, match: true } };
      }
      if (data.length < IMG_MGMT_FIRST_CHUNK_MIN_BYTES || readU32LE(data, 0) !== IMAGE_MAGIC) {
        return groupError(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
      }
      if (len > this.capacityBytes()) return groupError(IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
      if (body.upgrade === true && !(await this.isUpgrade(data))) return groupError(IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER);
      if (await this.secondaryInUse()) return groupError(IMG_MGMT_ERR_NO_FREE_SLOT);
      try {
        await this.secondary.erase(0, this.secondary.size);
      } catch {
        this.upload = undefined;
        return groupError(IMG_MGMT_ERR_FLASH_ERASE_FAILED);
      }
      this.completed = undefined;
      this.upload = { len, off: 0, tail: new Uint8Array(0), ...(shaBytes ? { sha: Uint8Array.from(shaBytes) } : {}) };
    }
    const u = this.upload;
    if (!u || off !== u.off) return { body: { off: u ? u.off : 0 } };
    if (off + data.length > u.len) return groupError(IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    try {
      await this.writeData(u, data);
    } catch {
      this.upload = undefined;
      return groupError(IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    }
    if (u.off < u.len) return { body: { off: u.off } };
    this.upload = undefined;
    const written = await this.secondary.read(0, u.len);
    const digest = sha256(written);
    this.completed = { len: u.len, sha: digest };
    const out: SmpBody = { off: u.len };
    if (u.sha) out.match = bytesEqual(digest.subarray(0, u.sha.length), u.sha);
    return { body: out };
  }

  /**
   * `upgrade: true` on the first chunk: img_mgmt refuses an image that is not newer than the running
   * one (major.minor.revision) with IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER.
   */
  private async isUpgrade(firstChunk: Uint8Array): Promise<boolean> {
    let next;
    try {
      next = parseHeader(firstChunk).version;
    } catch {
      return false;
    }
    let running;
    try {
      running = parseHeader(await this.primary.read(0, IMAGE_HEADER_SIZE)).version;
    } catch {
      return true;
    }
    return compareVersions(next, running) > 0;
  }

  /** Writes accepted bytes in whole write units; the unaligned rest waits in RAM, padded at the end. */
  private async writeData(u: UploadState, data: Uint8Array): Promise<void> {
    const align = this.secondary.writeAlignBytes;
    const start = u.off - u.tail.length;
    const pending = new Uint8Array(u.tail.length + data.length);
    pending.set(u.tail, 0);
    pending.set(data, u.tail.length);
    const last = u.off + data.length === u.len;
    let whole = alignDown(pending.length, align);
    let bytes = pending.subarray(0, whole);
    if (last && whole < pending.length) {
      const padded = new Uint8Array(alignUp(pending.length, align)).fill(this.secondary.erasedValue);
      padded.set(pending, 0);
      bytes = padded;
      whole = pending.length;
    }
    if (bytes.length > 0) await this.secondary.write(start, bytes);
    u.tail = Uint8Array.from(pending.subarray(whole));
    u.off += data.length;
  }
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}


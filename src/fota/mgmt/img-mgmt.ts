/**
 * Device side of the IMAGE group (Zephyr's img_mgmt: subsys/mgmt/mcumgr/grp/img_mgmt/src/img_mgmt.c,
 * img_mgmt_state.c, zephyr_img_mgmt.c) over each image's two FlashAreas and the MCUboot trailer /
 * boot-request model (src/fota/mcuboot). Slots are numbered as Zephyr does: image n has slots 2n
 * (primary, the one that runs) and 2n + 1 (secondary). Semantics kept from current Zephyr:
 * - upload (img_mgmt_upload_inspect, in its order): no `off`: INVALID_OFFSET. First chunk (off 0):
 *   fewer than 32 data bytes: INVALID_IMAGE_HEADER; no `len`: INVALID_LENGTH; no MCUboot magic:
 *   INVALID_IMAGE_HEADER_MAGIC; `sha` over 32 bytes: INVALID_HASH; the same `sha` as the upload in
 *   progress: resume (answer its `off`); then a free slot (img_mgmt_slot_in_use) or NO_FREE_SLOT, then
 *   the size (slot, and the bootloader's max image size) or INVALID_IMAGE_TOO_LARGE, then with
 *   `upgrade` a newer version than the running one or CURRENT_VERSION_IS_NEWER. Only then, with a
 *   full 32-byte `sha` the slot already holds (IMG_ENABLE_IMAGE_CHECK): `off = len, match: true`.
 *   Else the image's pages and the trailer's are erased (unless the slot is blank).
 *   Later chunks: another `off` than expected drops the data and answers the expected `off` (0 with no
 *   upload in progress); data past `len`: INVALID_IMAGE_DATA_OVERRUN. The last chunk's answer adds
 *   `match` (the slot's SHA-256 against the full 32-byte `sha`). Any error forgets the upload.
 * - state read (img_mgmt_state_read): per image, the running slot then the other, each listed only when
 *   it holds a readable image (magic, TLVs with the SHA-256); flags from the next boot slot and type
 *   (img_mgmt_get_next_boot_slot); `image` only on multi-image servers; `splitStatus: 0`.
 * - state write (img_mgmt_set_next_boot_slot): test without hash or a hash not 32 bytes: INVALID_HASH;
 *   unknown hash: HASH_NOT_FOUND; test of the running slot: SETTING_TEST_TO_ACTIVE_DENIED; a change
 *   while another slot is already chosen: IMAGE_ALREADY_PENDING; repeating what is set: no-op;
 *   confirming the running slot of image 1+: IMAGE_CONFIRMATION_DENIED. Answers with the state.
 * - erase (img_mgmt_erase): `slot` default the secondary; a slot holding a readable image that is in use:
 *   NO_FREE_SLOT; a blank slot: nothing to do.
 * - slot info: per image, both slots' sizes, `upload_image_id` on the secondary, `max_image_size`.
 * v1 clients get img_mgmt_translate_error_code's rc (current Zephyr), or with `legacyRc` the rc the
 * original mcumgr img_mgmt (Zephyr 3.1 and before) answered directly. The upload progress lives in RAM: a reset forgets it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, readU32LE } from '../../hal/bytes.ts';
import type { FlashArea } from '../../hal/flash.ts';
import { PowerCutError } from '../../hal/errors.ts';
import { alignDown, alignUp } from '../../hal/flash.ts';
import { IMAGE_F_NON_BOOTABLE, IMAGE_HEADER_SIZE, IMAGE_MAGIC, IMAGE_TLV_INFO_SIZE, IMAGE_TLV_SHA256 } from '../mcuboot/constants.ts';
import { hashedRegionLength, parseHeader } from '../mcuboot/header.ts';
import { parseTlvArea, parseTlvInfo } from '../mcuboot/tlv.ts';
import { compareVersions } from '../mcuboot/version.ts';
import {
  areaTrailerLayout,
  BOOT_EBADIMAGE,
  BOOT_EBADVECT,
  BOOT_EFLASH,
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
  IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER,
  IMG_MGMT_ERR_FLASH_ERASE_FAILED,
  IMG_MGMT_ERR_FLASH_WRITE_FAILED,
  IMG_MGMT_ERR_HASH_NOT_FOUND,
  IMG_MGMT_ERR_IMAGE_ALREADY_PENDING,
  IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED,
  IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED,
  IMG_MGMT_ERR_INVALID_HASH,
  IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN,
  IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
  IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC,
  IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
  IMG_MGMT_ERR_INVALID_LENGTH,
  IMG_MGMT_ERR_INVALID_OFFSET,
  IMG_MGMT_ERR_INVALID_SLOT,
  IMG_MGMT_ERR_NO_FREE_SLOT,
  IMG_MGMT_ERR_VERSION_GET_FAILED,
  IMG_MGMT_HASH_BYTES,
  IMG_MGMT_ID_ERASE,
  IMG_MGMT_ID_SLOT_INFO,
  IMG_MGMT_ID_STATE,
  IMG_MGMT_ID_UPLOAD,
  IMG_MGMT_SLOTS_PER_IMAGE,
  IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX,
  IMG_MGMT_DATA_SHA_MAX_BYTES,
  MGMT_ERR_EBADSTATE,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOENT,
  MGMT_ERR_ENOMEM,
  MGMT_ERR_EUNKNOWN,
  MGMT_GROUP_ID_IMAGE,
  IMG_MGMT_ERR_NO_IMAGE,
  IMG_MGMT_ERR_NO_TLVS,
  IMG_MGMT_ERR_NO_FREE_MEMORY,
  IMG_MGMT_ERR_INVALID_PAGE_OFFSET,
  IMG_MGMT_ERR_INVALID_FLASH_ADDRESS,
  IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE,
  IMG_MGMT_ERR_UNKNOWN,
} from '../../transport/smp/constants.ts';
import { SmpError } from '../../transport/smp/errors.ts';
import { decodeBulk, type HandlerResult, type MgmtGroup, type MgmtRequest } from '../../transport/smp/mgmt-handler.ts';

/** Zephyr's slot numbers for image 0. */
export const IMG_MGMT_SLOT_PRIMARY = 0;
export const IMG_MGMT_SLOT_SECONDARY = 1;
/** The running image (the application runs from image 0's primary slot). */
const ACTIVE_IMAGE = 0;

/** img_mgmt_translate_error_code (current Zephyr): every code not listed is EUNKNOWN. */
export const IMG_MGMT_V1_RC: Readonly<Record<number, number>> = {
  [IMG_MGMT_ERR_NO_IMAGE]: MGMT_ERR_ENOENT,
  [IMG_MGMT_ERR_NO_TLVS]: MGMT_ERR_ENOENT,
  [IMG_MGMT_ERR_NO_FREE_SLOT]: MGMT_ERR_EBADSTATE,
  [IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER]: MGMT_ERR_EBADSTATE,
  [IMG_MGMT_ERR_IMAGE_ALREADY_PENDING]: MGMT_ERR_EBADSTATE,
  [IMG_MGMT_ERR_NO_FREE_MEMORY]: MGMT_ERR_ENOMEM,
  [IMG_MGMT_ERR_INVALID_SLOT]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_PAGE_OFFSET]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_OFFSET]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_LENGTH]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_IMAGE_HEADER]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_HASH]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_FLASH_ADDRESS]: MGMT_ERR_EINVAL,
};

/**
 * What the original mcumgr img_mgmt (Zephyr 3.1 and before, img_mgmt_find_best_area_id) answered v1
 * clients directly, where it differs: bad magic, too large, data overrun and unknown hash EINVAL, no
 * free slot ENOMEM. Clients written against it can select it with `legacyRc`. (Zephyr 3.2 briefly
 * answered ENOENT for no free slot before the group codes came.)
 */
export const IMG_MGMT_V1_RC_LEGACY: Readonly<Record<number, number>> = {
  ...IMG_MGMT_V1_RC,
  [IMG_MGMT_ERR_NO_FREE_SLOT]: MGMT_ERR_ENOMEM,
  [IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN]: MGMT_ERR_EINVAL,
  [IMG_MGMT_ERR_HASH_NOT_FOUND]: MGMT_ERR_EINVAL,
};

/** Next boot types (enum img_mgmt_next_boot_type). */
type NextBootType = 'normal' | 'test' | 'revert';

/** Flags of one listed slot. */
interface SlotFlags {
  active: boolean;
  pending: boolean;
  confirmed: boolean;
  permanent: boolean;
}

export interface SlotImageInfo {
  slot: number;
  version: string;
  hash?: Uint8Array;
  bootable: boolean;
}

/** One updatable image: where it runs and where its update goes. */
export interface ImgMgmtImage {
  primary: FlashArea;
  secondary: FlashArea;
  /** Largest image the bootloader installs for it (default: slot minus trailer, whole sectors). */
  maxImageBytes?: number;
}

interface UploadState {
  /** Absolute slot being written. */
  slot: number;
  len: number;
  /** Bytes accepted (written or held in `tail`). */
  off: number;
  /** The client's `sha`, zero-padded to 32 bytes as Zephyr keeps it, and its given length. */
  sha: Uint8Array;
  shaLen: number;
  /** Accepted bytes not yet written because they do not fill a write unit. */
  tail: Uint8Array;
}

export interface ImgMgmtOptions {
  primary: FlashArea;
  secondary: FlashArea;
  /** Images 1, 2 (multi-image): `image` in requests selects them, and state lists `image`. */
  moreImages?: ReadonlyArray<ImgMgmtImage>;
  trailer?: TrailerOptions;
  /** Image 0's bootloader limit (swap-move keeps a sector free). */
  maxImageBytes?: number;
  /** v1 answers as older Zephyr gave them (see IMG_MGMT_V1_RC_LEGACY). */
  legacyRc?: boolean;
}

export class ImgMgmt implements MgmtGroup {
  readonly groupId = MGMT_GROUP_ID_IMAGE;
  readonly handlers;
  private readonly images: ReadonlyArray<ImgMgmtImage>;
  private readonly trailer: TrailerOptions;
  private readonly v1Rc: Readonly<Record<number, number>>;
  private upload: UploadState | undefined;

  constructor(o: ImgMgmtOptions) {
    const first: ImgMgmtImage = { primary: o.primary, secondary: o.secondary, ...(o.maxImageBytes !== undefined ? { maxImageBytes: o.maxImageBytes } : {}) };
    this.images = [first, ...(o.moreImages ?? [])];
    if (this.images.length > IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX) {
      throw new SmpError('SMP_BAD_ARG', `imgMgmt: ${this.images.length} images, at most ${IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX}`, { images: this.images.length });
    }
    this.trailer = o.trailer ?? {};
    this.v1Rc = o.legacyRc ? IMG_MGMT_V1_RC_LEGACY : IMG_MGMT_V1_RC;
    this.handlers = {
      [IMG_MGMT_ID_STATE]: { read: () => this.stateRead(), write: (r: MgmtRequest) => this.stateWrite(r) },
      [IMG_MGMT_ID_UPLOAD]: { write: (r: MgmtRequest) => this.uploadChunk(r) },
      [IMG_MGMT_ID_ERASE]: { write: (r: MgmtRequest) => this.erase(r) },
      [IMG_MGMT_ID_SLOT_INFO]: { read: () => ({ body: this.slotInfo() }) },
    };
  }

  /** Number of updatable images (CONFIG_MCUMGR_GRP_IMG_UPDATABLE_IMAGE_NUMBER). */
  get imageCount(): number {
    return this.images.length;
  }

  private err(rc: number): HandlerResult {
    return { groupRc: rc, v1Rc: this.v1Rc[rc] ?? MGMT_ERR_EUNKNOWN };
  }

  /** Largest image `image` accepts: the bootloader's limit, or slot size minus the trailer, whole sectors. */
  capacityBytes(image = 0): number {
    const i = this.images[image];
    if (!i) return 0;
    if (i.maxImageBytes !== undefined) return i.maxImageBytes;
    return alignDown(i.secondary.size - areaTrailerLayout(i.secondary, this.trailer).trailerBytes, i.secondary.eraseBlockBytes);
  }

  /** Forgets the upload in progress (what a device reset does to RAM). */
  resetState(): void {
    this.upload = undefined;
  }

  // ---- slots and boot state ----

  /** The FlashArea of an absolute slot number, or undefined (img_mgmt_flash_area_id < 0). */
  private area(slot: number): FlashArea | undefined {
    if (!Number.isInteger(slot) || slot < 0) return undefined;
    const image = this.images[Math.floor(slot / IMG_MGMT_SLOTS_PER_IMAGE)];
    if (!image) return undefined;
    return slot % IMG_MGMT_SLOTS_PER_IMAGE === 0 ? image.primary : image.secondary;
  }

  private static activeSlot(image: number): number {
    return image * IMG_MGMT_SLOTS_PER_IMAGE;
  }

  private static oppositeSlot(slot: number): number {
    return slot % IMG_MGMT_SLOTS_PER_IMAGE === 0 ? slot + 1 : slot - 1;
  }

  /** img_mgmt_read_info: version, SHA-256 TLV and bootable flag of the image in `slot`, if readable. */
  async slotImage(slot: number): Promise<SlotImageInfo | undefined> {
    const area = this.area(slot);
    if (!area) return undefined;
    try {
      const header = parseHeader(await area.read(0, IMAGE_HEADER_SIZE));
      const unprot = hashedRegionLength(header);
      if (unprot + IMAGE_TLV_INFO_SIZE > area.size) return undefined;
      const info = parseTlvInfo(await area.read(unprot, IMAGE_TLV_INFO_SIZE), 'unprotected', unprot);
      if (unprot + info.tlvTot > area.size) return undefined;
      const tlvs = parseTlvArea(await area.read(unprot, info.tlvTot), 'unprotected', unprot);
      const hashTlv = tlvs.entries.find((t) => t.type === IMAGE_TLV_SHA256 && t.value.length === IMG_MGMT_HASH_BYTES);
      // All images need a hash TLV; without it Zephyr does not list the slot.
      if (!hashTlv) return undefined;
      const v = header.version;
      return {
        slot,
        version: `${v.major}.${v.minor}.${v.revision}${v.build !== 0 ? `.${v.build}` : ''}`,
        bootable: (header.flags & IMAGE_F_NON_BOOTABLE) === 0,
        hash: Uint8Array.from(hashTlv.value),
      };
    } catch {
      return undefined;
    }
  }

  private async swapType(image: number): Promise<number> {
    const i = this.images[image]!;
    const p = await readTrailerState(i.primary, this.trailer);
    const s = await readTrailerState(i.secondary, this.trailer);
    return swapTypeFromStates(p, s);
  }

  /** img_mgmt_get_next_boot_slot (swap modes): the slot MCUboot boots next for `image`, and how. */
  private async nextBoot(image: number): Promise<{ slot: number; type: NextBootType }> {
    const active = ImgMgmt.activeSlot(image);
    switch (await this.swapType(image)) {
      case BOOT_SWAP_TYPE_PERM:
        return { slot: active + 1, type: 'normal' };
      case BOOT_SWAP_TYPE_REVERT:
        return { slot: ImgMgmt.oppositeSlot(active), type: 'revert' };
      case BOOT_SWAP_TYPE_TEST:
        return { slot: ImgMgmt.oppositeSlot(active), type: 'test' };
      case BOOT_SWAP_TYPE_NONE:
      default:
        return { slot: active, type: 'normal' };
    }
  }

  /** img_mgmt_slot_in_use: the running slot, the slot to revert to, or any slot of an image with an upgrade pending. */
  private async slotInUse(slot: number): Promise<boolean> {
    const image = Math.floor(slot / IMG_MGMT_SLOTS_PER_IMAGE);
    if (!this.images[image]) return true;
    const active = ImgMgmt.activeSlot(image);
    const nbs = await this.nextBoot(image);
    if (slot === nbs.slot && nbs.type === 'revert') return true;
    if ((slot === nbs.slot && nbs.type === 'test') || (active !== nbs.slot && nbs.type === 'normal')) return true;
    return active === slot;
  }

  // ---- state ----

  private async stateRead(): Promise<HandlerResult> {
    return { body: await this.stateBody() };
  }

  async stateBody(): Promise<SmpBody> {
    const images: SmpBody[] = [];
    const multi = this.images.length > 1;
    for (let i = 0; i < this.images.length; i++) {
      const nbs = await this.nextBoot(i);
      const slotA = ImgMgmt.activeSlot(i);
      const slotO = ImgMgmt.oppositeSlot(slotA);
      const flagsA: SlotFlags = { active: true, confirmed: nbs.type !== 'revert', pending: false, permanent: false };
      const flagsO: SlotFlags = { active: false, confirmed: false, pending: false, permanent: false };
      if (nbs.slot !== slotA) {
        if (nbs.type === 'normal') Object.assign(flagsO, { pending: true, permanent: true });
        else if (nbs.type === 'revert') flagsO.confirmed = true;
        else flagsO.pending = true;
      }
      for (const [slot, flags] of [
        [slotA, flagsA],
        [slotO, flagsO],
      ] as const) {
        const info = await this.slotImage(slot);
        if (!info) continue;
        const entry: SmpBody = {};
        if (multi) entry.image = i;
        entry.slot = slot % IMG_MGMT_SLOTS_PER_IMAGE;
        entry.version = info.version;
        entry.hash = info.hash;
        entry.bootable = info.bootable;
        entry.pending = flags.pending;
        entry.confirmed = flags.confirmed;
        entry.active = flags.active;
        entry.permanent = flags.permanent;
        images.push(entry);
      }
    }
    return { images, splitStatus: 0 };
  }

  private async stateWrite(req: MgmtRequest): Promise<HandlerResult> {
    const f = decodeBulk(req.body, { hash: 'bstr', confirm: 'bool' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    const confirm = f.confirm === true;
    let slot: number;
    if (f.hash === undefined || f.hash.length === 0) {
      if (!confirm) return this.err(IMG_MGMT_ERR_INVALID_HASH);
      slot = ImgMgmt.activeSlot(ACTIVE_IMAGE);
    } else if (f.hash.length !== IMG_MGMT_HASH_BYTES) {
      return this.err(IMG_MGMT_ERR_INVALID_HASH);
    } else {
      const found = await this.findByHash(f.hash);
      if (found === undefined) return this.err(IMG_MGMT_ERR_HASH_NOT_FOUND);
      slot = found;
    }
    const rc = await this.setNextBootSlot(slot, confirm);
    if (rc !== 0) return this.err(rc);
    return { body: await this.stateBody() };
  }

  private async findByHash(hash: Uint8Array): Promise<number | undefined> {
    for (let slot = 0; slot < this.images.length * IMG_MGMT_SLOTS_PER_IMAGE; slot++) {
      const info = await this.slotImage(slot);
      if (info?.hash && bytesEqual(info.hash, hash)) return slot;
    }
    return undefined;
  }

  /**
   * img_mgmt_set_next_boot_slot: returns 0 or an IMG_MGMT_ERR code. Confirming the secondary slot of
   * another image stays allowed (CONFIG_MCUMGR_GRP_IMG_ALLOW_CONFIRM_NON_ACTIVE_IMAGE_SECONDARY, default y).
   */
  private async setNextBootSlot(slot: number, confirm: boolean): Promise<number> {
    const image = Math.floor(slot / IMG_MGMT_SLOTS_PER_IMAGE);
    const active = ImgMgmt.activeSlot(image);
    const nbs = await this.nextBoot(image);
    if (confirm && image !== ACTIVE_IMAGE && slot === active) return IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED;
    if (!confirm && slot === active) return IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED;
    if (nbs.type === 'test') return !confirm && slot === nbs.slot ? 0 : IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
    if (nbs.type === 'normal') {
      if (confirm && slot === nbs.slot) return 0;
      if ((slot === active && active !== nbs.slot) || (!confirm && slot !== active && slot === nbs.slot)) return IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
    }
    if (nbs.type === 'revert') {
      if (confirm && slot === nbs.slot) return 0;
      if (!confirm) return IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
    }
    return this.bootSetNext(image, slot === active, confirm);
  }

  /**
   * MCUboot's boot_set_next as img_mgmt_set_next_boot_slot_common calls it, its rc translated to an
   * IMG_MGMT_ERR code. A secondary slot whose trailer magic is corrupt (a power cut while it was being
   * marked) is erased whole, "to allow future upgrades", and answered BOOT_EBADIMAGE.
   */
  private async bootSetNext(image: number, active: boolean, confirm: boolean): Promise<number> {
    const i = this.images[image]!;
    let rc: number;
    try {
      rc = active ? await bootSetConfirmed(i.primary, image, this.trailer) : await bootSetPending(i.secondary, image, confirm, this.trailer);
      if (!active && rc === BOOT_EBADIMAGE) await i.secondary.erase(0, i.secondary.size);
    } catch (e) {
      if (isPowerCut(e)) throw e;
      rc = BOOT_EFLASH;
    }
    if (rc === 0) return 0;
    if (rc === BOOT_EFLASH) return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    if (rc === BOOT_EBADVECT) return IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE;
    if (rc === BOOT_EBADIMAGE) return IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
    return IMG_MGMT_ERR_UNKNOWN;
  }

  // ---- erase, slot info ----

  private async erase(req: MgmtRequest): Promise<HandlerResult> {
    const f = decodeBulk(req.body, { slot: 'uint' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    const slot = f.slot ?? ImgMgmt.oppositeSlot(ImgMgmt.activeSlot(ACTIVE_IMAGE));
    if ((await this.slotImage(slot)) && (await this.slotInUse(slot))) return this.err(IMG_MGMT_ERR_NO_FREE_SLOT);
    const area = this.area(slot);
    this.upload = undefined;
    if (!area) return this.err(IMG_MGMT_ERR_INVALID_SLOT);
    if (!(await isBlank(area, area.size))) {
      try {
        await area.erase(0, area.size);
      } catch (e) {
        if (isPowerCut(e)) throw e;
        return this.err(IMG_MGMT_ERR_FLASH_ERASE_FAILED);
      }
    }
    return { body: {} };
  }

  private slotInfo(): SmpBody {
    return {
      images: this.images.map((i, n) => ({
        image: n,
        slots: [
          { slot: IMG_MGMT_SLOT_PRIMARY, size: i.primary.size },
          { slot: IMG_MGMT_SLOT_SECONDARY, size: i.secondary.size, upload_image_id: n },
        ],
        max_image_size: this.capacityBytes(n),
      })),
    };
  }

  // ---- upload ----

  /** img_mgmt_get_unused_slot_area_id: single image: slot 1 when free (`image` ignored); multi: that image's secondary. */
  private async unusedSlot(image: number): Promise<number | undefined> {
    if (this.images.length === 1) {
      for (const slot of [IMG_MGMT_SLOT_PRIMARY, IMG_MGMT_SLOT_SECONDARY]) if (!(await this.slotInUse(slot))) return slot;
      return undefined;
    }
    if (!this.images[image]) return undefined;
    const slot = ImgMgmt.oppositeSlot(ImgMgmt.activeSlot(image));
    return (await this.slotInUse(slot)) ? undefined : slot;
  }

  private async uploadChunk(req: MgmtRequest): Promise<HandlerResult> {
    const f = decodeBulk(req.body, { image: 'uint', data: 'bstr', len: 'uint', off: 'uint', sha: 'bstr', upgrade: 'bool' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    const r = await this.inspectAndWrite(f);
    // Any error forgets the upload (img_mgmt_reset_upload).
    if (!('body' in r)) this.upload = undefined;
    return r;
  }

  private async inspectAndWrite(f: { image?: number; data?: Uint8Array; len?: number; off?: number; sha?: Uint8Array; upgrade?: boolean }): Promise<HandlerResult> {
    const data = f.data ?? new Uint8Array(0);
    if (f.off === undefined) return this.err(IMG_MGMT_ERR_INVALID_OFFSET);
    if (f.off === 0) {
      if (data.length < IMAGE_HEADER_SIZE) return this.err(IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
      if (f.len === undefined) return this.err(IMG_MGMT_ERR_INVALID_LENGTH);
      if (readU32LE(data, 0) !== IMAGE_MAGIC) return this.err(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
      const sha = f.sha ?? new Uint8Array(0);
      if (sha.length > IMG_MGMT_DATA_SHA_MAX_BYTES) return this.err(IMG_MGMT_ERR_INVALID_HASH);
      const u = this.upload;
      if (sha.length > 0 && u && u.shaLen === sha.length && bytesEqual(u.sha.subarray(0, sha.length), sha)) return { body: { off: u.off } };
      const slot = await this.unusedSlot(f.image ?? 0);
      if (slot === undefined) return this.err(IMG_MGMT_ERR_NO_FREE_SLOT);
      const area = this.area(slot)!;
      const image = Math.floor(slot / IMG_MGMT_SLOTS_PER_IMAGE);
      if (f.len > area.size || f.len > this.capacityBytes(image)) return this.err(IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
      if (f.upgrade === true) {
        const cmp = await this.compareWithRunning(data);
        if (cmp === undefined) return this.err(IMG_MGMT_ERR_VERSION_GET_FAILED);
        if (cmp <= 0) return this.err(IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER);
      }
      const padded = new Uint8Array(IMG_MGMT_HASH_BYTES);
      padded.set(sha);
      // IMG_ENABLE_IMAGE_CHECK: a full SHA-256 the slot already holds ends the upload at once.
      if (sha.length === IMG_MGMT_HASH_BYTES && f.len > 0 && bytesEqual(sha256(await area.read(0, f.len)), sha)) {
        this.upload = undefined;
        return { body: { off: f.len, match: true } };
      }
      try {
        await eraseForImage(area, f.len, areaTrailerLayout(area, this.trailer).trailerBytes);
      } catch (e) {
        if (isPowerCut(e)) throw e;
        return this.err(IMG_MGMT_ERR_FLASH_ERASE_FAILED);
      }
      this.upload = { slot, len: f.len, off: 0, sha: padded, shaLen: sha.length, tail: new Uint8Array(0) };
    }
    const u = this.upload;
    if (!u || f.off !== u.off) return { body: { off: u ? u.off : 0 } };
    if (f.off + data.length > u.len) return this.err(IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    const area = this.area(u.slot)!;
    if (data.length > 0) {
      try {
        await writeData(area, u, data);
      } catch (e) {
        if (isPowerCut(e)) throw e;
        return this.err(IMG_MGMT_ERR_FLASH_WRITE_FAILED);
      }
    }
    if (u.off < u.len) return { body: { off: u.off } };
    this.upload = undefined;
    const match = bytesEqual(sha256(await area.read(0, u.len)), u.sha);
    return { body: { off: u.len, match } };
  }

  /** New image's version against the running one (img_mgmt_vercmp, build number ignored); undefined when unreadable. */
  private async compareWithRunning(firstChunk: Uint8Array): Promise<number | undefined> {
    try {
      const next = parseHeader(firstChunk).version;
      const running = parseHeader(await this.images[ACTIVE_IMAGE]!.primary.read(0, IMAGE_HEADER_SIZE)).version;
      return compareVersions(next, running);
    } catch {
      return undefined;
    }
  }
}

/** A power cut is the device dying, never an answer. */
function isPowerCut(e: unknown): boolean {
  return e instanceof PowerCutError;
}

/** Bytes compared per read when checking a slot is blank (img_mgmt_flash_check_empty). */
const BLANK_CHECK_CHUNK_BYTES = 4096;

async function isBlank(area: FlashArea, length: number): Promise<boolean> {
  for (let off = 0; off < length; off += BLANK_CHECK_CHUNK_BYTES) {
    const b = await area.read(off, Math.min(BLANK_CHECK_CHUNK_BYTES, length - off));
    if (b.some((x) => x !== area.erasedValue)) return false;
  }
  return true;
}

/**
 * img_mgmt_erase_image_data: unless the slot is blank, erases the pages the image will use and the
 * sector(s) holding the MCUboot trailer.
 */
async function eraseForImage(area: FlashArea, len: number, trailerBytes: number): Promise<void> {
  if (await isBlank(area, area.size)) return;
  const imageEnd = Math.min(area.size, alignUp(Math.max(len, 1), area.eraseBlockBytes));
  await area.erase(0, imageEnd);
  const trailerStart = alignDown(area.size - trailerBytes, area.eraseBlockBytes);
  if (trailerStart >= imageEnd) await area.erase(trailerStart, area.size - trailerStart);
}

/** Writes accepted bytes in whole write units; the unaligned rest waits in RAM, padded at the end. */
async function writeData(area: FlashArea, u: UploadState, data: Uint8Array): Promise<void> {
  const align = area.writeAlignBytes;
  const start = u.off - u.tail.length;
  const pending = new Uint8Array(u.tail.length + data.length);
  pending.set(u.tail, 0);
  pending.set(data, u.tail.length);
  const last = u.off + data.length === u.len;
  let whole = alignDown(pending.length, align);
  let bytes = pending.subarray(0, whole);
  if (last && whole < pending.length) {
    const padded = new Uint8Array(alignUp(pending.length, align)).fill(area.erasedValue);
    padded.set(pending, 0);
    bytes = padded;
    whole = pending.length;
  }
  if (bytes.length > 0) await area.write(start, bytes);
  u.tail = Uint8Array.from(pending.subarray(whole));
  u.off += data.length;
}

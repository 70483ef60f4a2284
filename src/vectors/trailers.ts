/**
 * MCUboot trailer vectors: for BOOT_MAX_ALIGN 8/16/32 and erased value 0xff/0x00, (1) every
 * swap-table row (and the no-match cases) as the two slots' trailer bytes → decoded states, matching
 * row and swap type, and (2) the trailer bytes before and after boot_set_pending (test, permanent) and
 * boot_set_confirmed, run on a small in-memory slot with fotakit's own trailer writers.
 * Spec: mcuboot.md "Image trailer", "Swap type decision", "boot_set_pending_multi".
 */
import { toHex } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';
import { bootSetConfirmed, bootSetPending } from '../fota/mcuboot/boot-requests.ts';
import { BOOT_SWAP_TABLES, matchSwapTable, swapType } from '../fota/mcuboot/swap-table.ts';
import {
  areaTrailerLayout,
  trailerLayout,
  BOOT_EBADIMAGE,
  BOOT_EBADVECT,
  BOOT_FLAG_ANY,
  BOOT_FLAG_BAD,
  BOOT_FLAG_SET,
  BOOT_FLAG_UNSET,
  BOOT_MAGIC_ANY,
  BOOT_MAGIC_BAD,
  BOOT_MAGIC_GOOD,
  BOOT_MAGIC_NOTGOOD,
  BOOT_MAGIC_SZ,
  BOOT_MAGIC_UNSET,
  BOOT_MAX_ALIGN_VALUES,
  BOOT_SWAP_TYPE_NONE,
  BOOT_SWAP_TYPE_PERM,
  BOOT_SWAP_TYPE_REVERT,
  BOOT_SWAP_TYPE_TEST,
  BOOT_SWAP_TYPE_FAIL,
  BOOT_SWAP_TYPE_PANIC,
  BOOT_SWAP_INFO_IMAGE_SHIFT,
  BOOT_SWAP_INFO_TYPE_MASK,
  bootMagic,
  paddedField,
  readTrailerState,
  swapTypeName,
  writeCopyDone,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  type TrailerLayout,
  type TrailerState,
} from '../fota/mcuboot/trailer.ts';
import { CHeaderWriter, cString } from './c-header.ts';
import { Bootloader, imageValidator } from '../fota/mcuboot/bootloader.ts';
import { signImage } from '../fota/mcuboot/sign.ts';
import { nodeCrypto } from '../hal/node/crypto.ts';
import { readU32LE } from '../hal/bytes.ts';
import { vectorPayload } from './images.ts';
import { vectorSigner } from './keys.ts';
import { VECTORS_SCHEMA_VERSION, type VectorCategory } from './category.ts';
import { VectorMemArea } from './mem-area.ts';

/** Slot of the trailer vectors: two 4 KiB erase blocks (room for the default 128-sector trailer). */
export const VECTOR_TRAILER_SLOT_BYTES = 0x2000;
export const VECTOR_TRAILER_ERASE_BLOCK_BYTES = 0x1000;
/** Flash write unit of the vector slots (nRF52/nRF91 internal flash: one 32-bit word). */
export const VECTOR_TRAILER_WRITE_ALIGN_BYTES = 4;
/** Erased values covered: NOR flash (0xff) and flash that erases to zero. */
export const VECTOR_TRAILER_ERASED_VALUES: readonly number[] = [0xff, 0x00];
/** A flag byte that is neither erased nor 0x01 (reads BOOT_FLAG_BAD with either erased value). */
const FLAG_BAD_BYTE = 0x02;

type FieldSpec = { magic: 'unset' | 'good' | 'bad'; imageOk: 'unset' | 'set' | 'bad'; copyDone: 'unset' | 'set'; swapInfo?: number };

interface SwapScenario {
  name: string;
  description: string;
  primary: FieldSpec;
  secondary: FieldSpec;
  swapUsingOffset: boolean;
}

const EMPTY: FieldSpec = { magic: 'unset', imageOk: 'unset', copyDone: 'unset' };

/** One scenario per table row (ANY fields made concrete), plus no-match cases. */
const SWAP_SCENARIOS: readonly SwapScenario[] = [
  { name: 'empty', description: 'both slots erased: no row matches', primary: EMPTY, secondary: EMPTY, swapUsingOffset: false },
  { name: 'test', description: 'secondary magic good, image_ok unset: TEST row', primary: EMPTY, secondary: { magic: 'good', imageOk: 'unset', copyDone: 'unset' }, swapUsingOffset: false },
  { name: 'test_primary_confirmed', description: 'TEST row with a confirmed primary (primary fields are ANY)', primary: { magic: 'good', imageOk: 'set', copyDone: 'set' }, secondary: { magic: 'good', imageOk: 'unset', copyDone: 'unset' }, swapUsingOffset: false },
  { name: 'perm', description: 'secondary magic good, image_ok set: PERM row', primary: EMPTY, secondary: { magic: 'good', imageOk: 'set', copyDone: 'unset' }, swapUsingOffset: false },
  { name: 'revert', description: 'primary magic good, image_ok unset, copy_done set: REVERT row', primary: { magic: 'good', imageOk: 'unset', copyDone: 'set' }, secondary: EMPTY, swapUsingOffset: false },
  { name: 'confirmed', description: 'primary good, image_ok set, copy_done set: no row', primary: { magic: 'good', imageOk: 'set', copyDone: 'set' }, secondary: EMPTY, swapUsingOffset: false },
  { name: 'revert_copy_not_done', description: 'primary good, image_ok unset, copy_done unset: no row', primary: { magic: 'good', imageOk: 'unset', copyDone: 'unset' }, secondary: EMPTY, swapUsingOffset: false },
  { name: 'secondary_bad_magic', description: 'secondary magic bad: no row', primary: EMPTY, secondary: { magic: 'bad', imageOk: 'unset', copyDone: 'unset' }, swapUsingOffset: false },
  { name: 'secondary_bad_image_ok', description: 'secondary good with image_ok 0x02 (BAD): no row', primary: EMPTY, secondary: { magic: 'good', imageOk: 'bad', copyDone: 'unset' }, swapUsingOffset: false },
  { name: 'primary_bad_magic_revert', description: 'primary magic bad with REVERT flags: no row', primary: { magic: 'bad', imageOk: 'unset', copyDone: 'set' }, secondary: EMPTY, swapUsingOffset: false },
  { name: 'offset_revert', description: 'swap-using-offset build: secondary good, image_ok unset, copy_done set: its REVERT row', primary: EMPTY, secondary: { magic: 'good', imageOk: 'unset', copyDone: 'set' }, swapUsingOffset: true },
  { name: 'offset_row_without_offset', description: 'the same slots in a build without swap-using-offset: TEST row', primary: EMPTY, secondary: { magic: 'good', imageOk: 'unset', copyDone: 'set' }, swapUsingOffset: false },
];

function newSlot(erased: number): VectorMemArea {
  return new VectorMemArea({ size: VECTOR_TRAILER_SLOT_BYTES, eraseBlockBytes: VECTOR_TRAILER_ERASE_BLOCK_BYTES, writeAlignBytes: VECTOR_TRAILER_WRITE_ALIGN_BYTES, erasedValue: erased });
}

function layoutOf(area: VectorMemArea, maxAlign: number): TrailerLayout {
  return areaTrailerLayout(area, { maxAlign });
}

async function writeFields(area: VectorMemArea, layout: TrailerLayout, f: FieldSpec): Promise<void> {
  if (f.magic === 'good') await writeMagic(area, layout);
  if (f.magic === 'bad') {
    const block = new Uint8Array(layout.magicBlockBytes).fill(area.erasedValue);
    const magic = bootMagic(layout.maxAlign);
    magic[BOOT_MAGIC_SZ - 1]! ^= 0x01;
    block.set(magic, layout.magicBlockBytes - BOOT_MAGIC_SZ);
    await area.write(layout.magicBlockOff, block);
  }
  if (f.imageOk === 'set') await writeImageOk(area, layout);
  if (f.imageOk === 'bad') await area.write(layout.imageOkOff, paddedField(Uint8Array.of(FLAG_BAD_BYTE), area.writeAlignBytes, area.erasedValue));
  if (f.copyDone === 'set') await writeCopyDone(area, layout);
  if (f.swapInfo !== undefined) await writeSwapInfo(area, layout, f.swapInfo, 0);
}

/** The slot's trailer fields after the status area: swap_size .. end of the slot. */
function tail(area: VectorMemArea, layout: TrailerLayout): Uint8Array {
  return area.bytes.slice(layout.swapSizeOff);
}

function stateJson(s: TrailerState): Record<string, unknown> {
  return { magic: s.magic, image_ok: s.imageOk, copy_done: s.copyDone, swap_type: s.swapType, image_num: s.imageNum, swap_size: s.swapSize };
}

function layoutJson(l: TrailerLayout): Record<string, number> {
  return {
    slot_size: l.slotSize,
    max_align: l.maxAlign,
    write_align: l.writeAlignBytes,
    max_img_sectors: l.maxImgSectors,
    magic_off: l.magicOff,
    image_ok_off: l.imageOkOff,
    copy_done_off: l.copyDoneOff,
    swap_info_off: l.swapInfoOff,
    swap_size_off: l.swapSizeOff,
    status_off: l.statusOff,
    trailer_size: l.trailerBytes,
    enc_key_field_size: l.encKeyFieldBytes,
    enc_key0_off: l.encKeyOffs[0] ?? 0,
    enc_key1_off: l.encKeyOffs[1] ?? 0,
  };
}

/** Write units beyond the slots' own 4 (1: nRF53 network core style, 8: STM32-style double words). */
const EXTRA_LAYOUT_WRITE_ALIGNS: readonly number[] = [1, 8];
/** Image key sizes of an MCUBOOT_ENC_IMAGES trailer (AES-128, AES-256). */
const ENC_LAYOUT_KEY_BYTES: readonly number[] = [16, 32];

/** Geometry of the interrupted-swap vectors: 16 sectors of 1 KiB, room for 16 sectors of status. */
const PROGRESS_SLOT_BYTES = 16 * 1024;
const PROGRESS_SECTOR_BYTES = 1024;
const PROGRESS_MAX_IMG_SECTORS = 16;
const PROGRESS_MAX_ALIGN = 8;
/** Payload sizes of the old and new image (a few sectors each). */
const PROGRESS_OLD_PAYLOAD_BYTES = 2500;
const PROGRESS_NEW_PAYLOAD_BYTES = 3500;

interface ProgressVector {
  /** Status entry just written (moves 0..n-1, then swap steps from max_img_sectors on). */
  entryIndex: number;
  entriesWritten: number;
  tail: Uint8Array;
  statusOff: number;
  swapSize: number;
  swapType: number;
}

/**
 * Interrupted swaps: the primary's trailer, from the status area to the end, right after each status
 * entry of a swap-move test upgrade (what a reset at that point leaves for MCUboot to resume from).
 */
async function swapProgressVectors(): Promise<ProgressVector[]> {
  const mk = () => new VectorMemArea({ size: PROGRESS_SLOT_BYTES, eraseBlockBytes: PROGRESS_SECTOR_BYTES, writeAlignBytes: VECTOR_TRAILER_WRITE_ALIGN_BYTES, erasedValue: 0xff });
  const primary = mk();
  const secondary = mk();
  const signer = vectorSigner('ed25519');
  const sign = (bytes: number, version: string) => signImage(vectorPayload(bytes), { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version });
  const stage = async (area: VectorMemArea, img: Uint8Array) => {
    const padded = new Uint8Array(Math.ceil(img.length / area.writeAlignBytes) * area.writeAlignBytes).fill(area.erasedValue);
    padded.set(img);
    await area.write(0, padded);
  };
  await stage(primary, await sign(PROGRESS_OLD_PAYLOAD_BYTES, '1.0.0'));
  await stage(secondary, await sign(PROGRESS_NEW_PAYLOAD_BYTES, '2.0.0'));
  const opts = { maxAlign: PROGRESS_MAX_ALIGN, maxImgSectors: PROGRESS_MAX_IMG_SECTORS };
  if ((await bootSetPending(secondary, 0, false, opts)) !== 0) throw new FotaError('VECTORS_BAD_INPUT', 'vectors.trailers: boot_set_pending failed');
  const layout = trailerLayout(PROGRESS_SLOT_BYTES, { ...opts, writeAlignBytes: VECTOR_TRAILER_WRITE_ALIGN_BYTES });
  const out: ProgressVector[] = [];
  const write = primary.write.bind(primary);
  primary.write = async (off: number, bytes: Uint8Array): Promise<void> => {
    await write(off, bytes);
    if (off < layout.statusOff || off >= layout.statusOff + layout.statusBytes) return;
    const tail = primary.bytes.slice(layout.statusOff);
    let written = 0;
    for (let i = 0; i < layout.statusBytes; i += layout.statusEntryBytes) if (tail[i] !== primary.erasedValue) written++;
    const info = tail[layout.swapInfoOff - layout.statusOff]!;
    out.push({ entryIndex: (off - layout.statusOff) / layout.statusEntryBytes, entriesWritten: written, tail, statusOff: layout.statusOff, swapSize: readU32LE(tail, layout.swapSizeOff - layout.statusOff), swapType: info & BOOT_SWAP_INFO_TYPE_MASK });
  };
  const bl = new Bootloader({ primary, secondary, strategy: 'swap-move', validate: imageValidator({ crypto: nodeCrypto, trustedKeys: [signer.publicKeyDer] }), ...opts });
  const r = await bl.boot();
  if (r.version !== '2.0.0+0' || out.length === 0) throw new FotaError('VECTORS_BAD_INPUT', `vectors.trailers: the progress swap booted ${r.version}`);
  return out;
}

interface RequestVector {
  name: string;
  op: 'set_pending_test' | 'set_pending_permanent' | 'set_confirmed';
  description: string;
  maxAlign: number;
  erased: number;
  before: Uint8Array;
  after: Uint8Array;
  rc: number;
  stateAfter: TrailerState;
  swapTypeAfter: number;
}

const REQUEST_SCENARIOS: ReadonlyArray<{ name: string; op: RequestVector['op']; description: string; start: FieldSpec; image?: number }> = [
  { name: 'pending_test', op: 'set_pending_test', description: 'boot_set_pending(0) on an erased secondary: magic, swap_info TEST', start: EMPTY },
  { name: 'pending_permanent', op: 'set_pending_permanent', description: 'boot_set_pending(1) on an erased secondary: magic, image_ok, swap_info PERM', start: EMPTY },
  { name: 'pending_test_image1', op: 'set_pending_test', description: 'boot_set_pending_multi(1, 0) on an erased secondary of image 1: swap_info 0x12 (image 1 in the high nibble)', start: EMPTY, image: 1 },
  { name: 'pending_permanent_image1', op: 'set_pending_permanent', description: 'boot_set_pending_multi(1, 1) on an erased secondary of image 1: image_ok, swap_info 0x13', start: EMPTY, image: 1 },
  { name: 'pending_again', op: 'set_pending_test', description: 'boot_set_pending on a secondary already pending: nothing written, rc 0', start: { magic: 'good', imageOk: 'unset', copyDone: 'unset', swapInfo: BOOT_SWAP_TYPE_TEST } },
  { name: 'pending_bad_magic', op: 'set_pending_test', description: 'boot_set_pending on a secondary with a bad magic: nothing written, BOOT_EBADIMAGE', start: { magic: 'bad', imageOk: 'unset', copyDone: 'unset' } },
  { name: 'confirm_after_test_swap', op: 'set_confirmed', description: 'boot_set_confirmed on a primary after a test swap (magic, copy_done, swap_info TEST): writes image_ok', start: { magic: 'good', imageOk: 'unset', copyDone: 'set', swapInfo: BOOT_SWAP_TYPE_TEST } },
  { name: 'confirm_already', op: 'set_confirmed', description: 'boot_set_confirmed on a confirmed primary: nothing written, rc 0', start: { magic: 'good', imageOk: 'set', copyDone: 'set' } },
  { name: 'confirm_erased', op: 'set_confirmed', description: 'boot_set_confirmed on a primary with no trailer: nothing written, rc 0', start: EMPTY },
  { name: 'confirm_bad_magic', op: 'set_confirmed', description: 'boot_set_confirmed on a primary with a bad magic: BOOT_EBADVECT', start: { magic: 'bad', imageOk: 'unset', copyDone: 'set' } },
];

async function requestVectors(maxAlign: number, erased: number): Promise<RequestVector[]> {
  const out: RequestVector[] = [];
  for (const s of REQUEST_SCENARIOS) {
    const target = newSlot(erased);
    const other = newSlot(erased);
    const layout = layoutOf(target, maxAlign);
    await writeFields(target, layout, s.start);
    const before = tail(target, layout);
    const rc =
      s.op === 'set_confirmed'
        ? await bootSetConfirmed(target, 0, { maxAlign })
        : await bootSetPending(target, s.image ?? 0, s.op === 'set_pending_permanent', { maxAlign });
    const [primary, secondary] = s.op === 'set_confirmed' ? [target, other] : [other, target];
    out.push({
      name: s.name,
      op: s.op,
      description: s.description,
      maxAlign,
      erased,
      before,
      after: tail(target, layout),
      rc,
      stateAfter: await readTrailerState(target, { maxAlign }),
      swapTypeAfter: await swapType(primary, secondary, { maxAlign }),
    });
  }
  return out;
}

export async function generateTrailerVectors(): Promise<VectorCategory> {
  const layouts: Array<{ erased: number; layout: TrailerLayout }> = [];
  const swaps: Array<Record<string, unknown> & { _p: Uint8Array; _s: Uint8Array }> = [];
  const requests: RequestVector[] = [];
  const progress = await swapProgressVectors();
  for (const maxAlign of BOOT_MAX_ALIGN_VALUES) {
    // Other flash write units and encrypted-image trailers (two image key fields below swap_size).
    for (const writeAlignBytes of EXTRA_LAYOUT_WRITE_ALIGNS) layouts.push({ erased: 0xff, layout: trailerLayout(VECTOR_TRAILER_SLOT_BYTES, { maxAlign, writeAlignBytes }) });
    for (const encKeyBytes of ENC_LAYOUT_KEY_BYTES) {
      layouts.push({ erased: 0xff, layout: trailerLayout(VECTOR_TRAILER_SLOT_BYTES, { maxAlign, writeAlignBytes: VECTOR_TRAILER_WRITE_ALIGN_BYTES, encKeyBytes }) });
    }
    for (const erased of VECTOR_TRAILER_ERASED_VALUES) {
      const probe = newSlot(erased);
      layouts.push({ erased, layout: layoutOf(probe, maxAlign) });
      for (const sc of SWAP_SCENARIOS) {
        const p = newSlot(erased);
        const s = newSlot(erased);
        const layout = layoutOf(p, maxAlign);
        await writeFields(p, layout, sc.primary);
        await writeFields(s, layout, sc.secondary);
        const ps = await readTrailerState(p, { maxAlign });
        const ss = await readTrailerState(s, { maxAlign });
        const row = matchSwapTable(ps, ss, { swapUsingOffset: sc.swapUsingOffset });
        const type = await swapType(p, s, { maxAlign, swapUsingOffset: sc.swapUsingOffset });
        swaps.push({
          name: `${sc.name}_a${maxAlign}_e${erased.toString(16).padStart(2, '0')}`,
          scenario: sc.name,
          description: sc.description,
          max_align: maxAlign,
          erased_val: erased,
          swap_using_offset: sc.swapUsingOffset,
          tail_off: layout.swapSizeOff,
          primary_tail_hex: toHex(tail(p, layout)),
          secondary_tail_hex: toHex(tail(s, layout)),
          primary_state: stateJson(ps),
          secondary_state: stateJson(ss),
          row: row === undefined ? -1 : BOOT_SWAP_TABLES.indexOf(row),
          swap_type: type,
          swap_type_name: swapTypeName(type),
          _p: tail(p, layout),
          _s: tail(s, layout),
        });
      }
      requests.push(...(await requestVectors(maxAlign, erased)));
    }
  }

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'trailers',
    slot_size: VECTOR_TRAILER_SLOT_BYTES,
    write_align: VECTOR_TRAILER_WRITE_ALIGN_BYTES,
    layouts: layouts.map(({ erased, layout }) => ({ erased_val: erased, ...layoutJson(layout), good_magic_hex: toHex(bootMagic(layout.maxAlign)) })),
    swap_table: BOOT_SWAP_TABLES.map((r) => ({
      swap_using_offset_only: r.swapUsingOffsetOnly === true,
      magic_primary: r.magicPrimarySlot,
      magic_secondary: r.magicSecondarySlot,
      image_ok_primary: r.imageOkPrimarySlot,
      image_ok_secondary: r.imageOkSecondarySlot,
      copy_done_primary: r.copyDonePrimarySlot,
      copy_done_secondary: r.copyDoneSecondarySlot ?? BOOT_FLAG_ANY,
      swap_type: r.swapType,
    })),
    swap_vectors: swaps.map(({ _p, _s, ...rest }) => rest),
    swap_progress: progress.map((v) => ({
      strategy: 'swap-move',
      slot_size: PROGRESS_SLOT_BYTES,
      sector_size: PROGRESS_SECTOR_BYTES,
      max_img_sectors: PROGRESS_MAX_IMG_SECTORS,
      write_align: VECTOR_TRAILER_WRITE_ALIGN_BYTES,
      max_align: PROGRESS_MAX_ALIGN,
      status_off: v.statusOff,
      entry_index: v.entryIndex,
      entries_written: v.entriesWritten,
      swap_size: v.swapSize,
      swap_type: v.swapType,
      tail_hex: toHex(v.tail),
    })),
    boot_requests: requests.map((r) => ({
      name: `${r.name}_a${r.maxAlign}_e${r.erased.toString(16).padStart(2, '0')}`,
      op: r.op,
      description: r.description,
      max_align: r.maxAlign,
      erased_val: r.erased,
      tail_off: VECTOR_TRAILER_SLOT_BYTES - r.before.length,
      before_hex: toHex(r.before),
      after_hex: toHex(r.after),
      rc: r.rc,
      state_after: stateJson(r.stateAfter),
      swap_type_after: r.swapTypeAfter,
    })),
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_TRAILERS_H', 'MCUboot trailer vectors: swap-type decisions and boot request writes.');
  w.comment('bootutil_public.h constants.');
  for (const [n, v] of [
    ['BOOT_MAGIC_GOOD', BOOT_MAGIC_GOOD],
    ['BOOT_MAGIC_BAD', BOOT_MAGIC_BAD],
    ['BOOT_MAGIC_UNSET', BOOT_MAGIC_UNSET],
    ['BOOT_MAGIC_ANY', BOOT_MAGIC_ANY],
    ['BOOT_MAGIC_NOTGOOD', BOOT_MAGIC_NOTGOOD],
    ['BOOT_FLAG_SET', BOOT_FLAG_SET],
    ['BOOT_FLAG_BAD', BOOT_FLAG_BAD],
    ['BOOT_FLAG_UNSET', BOOT_FLAG_UNSET],
    ['BOOT_FLAG_ANY', BOOT_FLAG_ANY],
    ['BOOT_SWAP_TYPE_NONE', BOOT_SWAP_TYPE_NONE],
    ['BOOT_SWAP_TYPE_TEST', BOOT_SWAP_TYPE_TEST],
    ['BOOT_SWAP_TYPE_PERM', BOOT_SWAP_TYPE_PERM],
    ['BOOT_SWAP_TYPE_REVERT', BOOT_SWAP_TYPE_REVERT],
    ['BOOT_SWAP_TYPE_FAIL', BOOT_SWAP_TYPE_FAIL],
    ['BOOT_SWAP_TYPE_PANIC', BOOT_SWAP_TYPE_PANIC],
    ['BOOT_EBADIMAGE', BOOT_EBADIMAGE],
    ['BOOT_EBADVECT', BOOT_EBADVECT],
    ['BOOT_MAGIC_SZ', BOOT_MAGIC_SZ],
    ['BOOT_SWAP_INFO_TYPE_MASK', BOOT_SWAP_INFO_TYPE_MASK],
    ['BOOT_SWAP_INFO_IMAGE_SHIFT', BOOT_SWAP_INFO_IMAGE_SHIFT],
  ] as const) w.define(n, v);
  w.define('FOTAKIT_TRAILER_SLOT_SIZE', VECTOR_TRAILER_SLOT_BYTES, 'slot size of every trailer vector');
  w.define('FOTAKIT_TRAILER_WRITE_ALIGN', VECTOR_TRAILER_WRITE_ALIGN_BYTES);
  w.blank();
  for (const maxAlign of BOOT_MAX_ALIGN_VALUES) w.bytes(`fotakit_boot_magic_a${maxAlign}`, bootMagic(maxAlign));
  w.blank().raw(
    [
      'struct fotakit_trailer_layout {',
      '\tuint32_t max_align;',
      '\tuint8_t erased_val;',
      '\tuint32_t slot_size;',
      '\tuint32_t write_align;',
      '\tuint32_t max_img_sectors;',
      '\tuint32_t magic_off;',
      '\tuint32_t image_ok_off;',
      '\tuint32_t copy_done_off;',
      '\tuint32_t swap_info_off;',
      '\tuint32_t swap_size_off;',
      '\tuint32_t status_off;',
      '\tuint32_t trailer_size; /* boot_trailer_sz */',
      '\tuint32_t enc_key_field_size; /* MCUBOOT_ENC_IMAGES: align_up(key size, max_align); 0 without encryption */',
      '\tuint32_t enc_key0_off; /* key of the primary slot image (0 without encryption) */',
      '\tuint32_t enc_key1_off; /* key of the secondary slot image */',
      '\tconst uint8_t *good_magic; /* BOOT_MAGIC_SZ bytes */',
      '};',
      '',
      '/* One row of boot_swap_tables[] (swap_using_offset_only rows apply only to such builds). */',
      'struct fotakit_swap_table_row {',
      '\tint swap_using_offset_only;',
      '\tuint8_t magic_primary, magic_secondary;',
      '\tuint8_t image_ok_primary, image_ok_secondary;',
      '\tuint8_t copy_done_primary, copy_done_secondary;',
      '\tuint8_t swap_type;',
      '};',
      '',
      '/* Tails run from swap_size_off (tail_off) to the end of the slot. */',
      'struct fotakit_swap_vector {',
      '\tconst char *name;',
      '\tuint32_t max_align;',
      '\tuint8_t erased_val;',
      '\tint swap_using_offset;',
      '\tuint32_t tail_off;',
      '\tconst uint8_t *primary_tail;',
      '\tconst uint8_t *secondary_tail;',
      '\tsize_t tail_len;',
      '\tuint8_t primary_magic, primary_image_ok, primary_copy_done;',
      '\tuint8_t secondary_magic, secondary_image_ok, secondary_copy_done;',
      '\tint row; /* index in fotakit_swap_table, -1 when none matches */',
      '\tuint8_t swap_type;',
      '};',
      '',
      'struct fotakit_boot_request_vector {',
      '\tconst char *name;',
      '\tconst char *op; /* "set_pending_test", "set_pending_permanent", "set_confirmed" */',
      '\tuint32_t max_align;',
      '\tuint8_t erased_val;',
      '\tuint32_t tail_off;',
      '\tconst uint8_t *before;',
      '\tconst uint8_t *after;',
      '\tsize_t tail_len;',
      '\tint rc;',
      '\tuint8_t magic_after, image_ok_after, copy_done_after, swap_type_after_info;',
      '\tuint8_t swap_type_after; /* boot_swap_type with the other slot erased */',
      '};',
    ].join('\n'),
    'fotakit_trailer_layout',
    'fotakit_swap_table_row',
    'fotakit_swap_vector',
    'fotakit_boot_request_vector',
  );
  const hex8 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
  w.table(
    'fotakit_trailer_layout',
    'fotakit_trailer_layouts',
    layouts.map(({ erased, layout: l }) =>
      [l.maxAlign, hex8(erased), l.slotSize, l.writeAlignBytes, l.maxImgSectors, l.magicOff, l.imageOkOff, l.copyDoneOff, l.swapInfoOff, l.swapSizeOff, l.statusOff, l.trailerBytes, l.encKeyFieldBytes, l.encKeyOffs[0] ?? 0, l.encKeyOffs[1] ?? 0]
        .map(String)
        .concat(`fotakit_boot_magic_a${l.maxAlign}`),
    ),
    'FOTAKIT_TRAILER_LAYOUT_COUNT',
  );
  w.table(
    'fotakit_swap_table_row',
    'fotakit_swap_table',
    BOOT_SWAP_TABLES.map((r) =>
      [r.swapUsingOffsetOnly ? 1 : 0, r.magicPrimarySlot, r.magicSecondarySlot, r.imageOkPrimarySlot, r.imageOkSecondarySlot, r.copyDonePrimarySlot, r.copyDoneSecondarySlot ?? BOOT_FLAG_ANY, r.swapType].map(String),
    ),
    'FOTAKIT_SWAP_TABLE_ROWS',
  );
  w.blank();
  swaps.forEach((s, i) => {
    w.bytes(`fotakit_swap_${i}_primary`, s._p);
    w.bytes(`fotakit_swap_${i}_secondary`, s._s);
  });
  w.table(
    'fotakit_swap_vector',
    'fotakit_swap_vectors',
    swaps.map((s, i) => {
      const ps = s.primary_state as Record<string, number>;
      const ss = s.secondary_state as Record<string, number>;
      return [
        cString(s.name as string),
        String(s.max_align),
        hex8(s.erased_val as number),
        s.swap_using_offset ? '1' : '0',
        String(s.tail_off),
        `fotakit_swap_${i}_primary`,
        `fotakit_swap_${i}_secondary`,
        `fotakit_swap_${i}_primary_len`,
        String(ps.magic),
        String(ps.image_ok),
        String(ps.copy_done),
        String(ss.magic),
        String(ss.image_ok),
        String(ss.copy_done),
        String(s.row),
        String(s.swap_type),
      ];
    }),
    'FOTAKIT_SWAP_VECTOR_COUNT',
  );
  w.blank();
  requests.forEach((r, i) => {
    w.bytes(`fotakit_request_${i}_before`, r.before);
    w.bytes(`fotakit_request_${i}_after`, r.after);
  });
  w.table(
    'fotakit_boot_request_vector',
    'fotakit_boot_request_vectors',
    requests.map((r, i) => [
      cString(json.boot_requests[i]!.name),
      cString(r.op),
      String(r.maxAlign),
      hex8(r.erased),
      String(VECTOR_TRAILER_SLOT_BYTES - r.before.length),
      `fotakit_request_${i}_before`,
      `fotakit_request_${i}_after`,
      `fotakit_request_${i}_before_len`,
      String(r.rc),
      String(r.stateAfter.magic),
      String(r.stateAfter.imageOk),
      String(r.stateAfter.copyDone),
      String(r.stateAfter.swapType),
      String(r.swapTypeAfter),
    ]),
    'FOTAKIT_BOOT_REQUEST_VECTOR_COUNT',
  );
  w.blank().comment('Interrupted swap-move: the primary trailer (status area to the end) after each status entry.');
  progress.forEach((v, i) => w.bytes(`fotakit_swap_progress_${i}_tail`, v.tail));
  w.raw(
    [
      'struct fotakit_swap_progress_vector {',
      '\tuint32_t slot_size, sector_size, max_img_sectors, write_align, max_align;',
      '\tuint32_t status_off; /* tail starts here */',
      '\tuint32_t entry_index; /* the entry just written: moves 0..n-1, swap steps from max_img_sectors on */',
      '\tuint32_t entries_written;',
      '\tuint32_t swap_size;',
      '\tuint8_t swap_type;',
      '\tconst uint8_t *tail;',
      '\tsize_t tail_len;',
      '};',
    ].join('\n'),
    'fotakit_swap_progress_vector',
  );
  w.table(
    'fotakit_swap_progress_vector',
    'fotakit_swap_progress_vectors',
    progress.map((v, i) => [PROGRESS_SLOT_BYTES, PROGRESS_SECTOR_BYTES, PROGRESS_MAX_IMG_SECTORS, VECTOR_TRAILER_WRITE_ALIGN_BYTES, PROGRESS_MAX_ALIGN, v.statusOff, v.entryIndex, v.entriesWritten, v.swapSize, v.swapType].map(String).concat(`fotakit_swap_progress_${i}_tail`, `fotakit_swap_progress_${i}_tail_len`)),
    'FOTAKIT_SWAP_PROGRESS_VECTOR_COUNT',
  );
  if (swaps.length === 0 || requests.length === 0 || progress.length === 0) throw new FotaError('VECTORS_EMPTY', 'vectors.trailers: no vectors');
  return { name: 'trailers', count: layouts.length + swaps.length + requests.length + progress.length, json, header: w.toString() };
}

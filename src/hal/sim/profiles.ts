/**
 * Board profiles of the simulated boards: flash geometry and an NCS-like partition map (as the
 * Partition Manager lays it out for an MCUboot build), exported as data. Labels are the devicetree
 * labels of src/hal/flash.ts. Both slots are equal and page multiples; a 4-page scratch partition is
 * there for swap-using-scratch (swap-using-move ignores it), and the settings storage takes 4 pages.
 *
 * nRF9160: 1 MiB internal flash, 4 KiB pages, 32-bit word writes (nRF9160 PS, NVMC).
 * nRF52833: 512 KiB internal flash, 4 KiB pages, 32-bit word writes (nRF52833 PS, NVMC).
 * Both erase to 0xff.
 */
import type { BoardName } from '../board.ts';
import { FlashError } from '../errors.ts';
import type { FlashGeometry } from '../flash.ts';
import { FLASH_AREA_BOOT, FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../flash.ts';

const KIB = 1024;

/** nRF91/nRF52 NVMC page (erase unit). */
export const NRF_FLASH_PAGE_BYTES = 4 * KIB;
/** nRF91/nRF52 NVMC write unit: one 32-bit word. */
export const NRF_FLASH_WRITE_ALIGN_BYTES = 4;
export const NRF_FLASH_ERASED_VALUE = 0xff;

export const NRF9160_FLASH_BYTES = 1024 * KIB;
export const NRF52833_FLASH_BYTES = 512 * KIB;

/** MCUboot partition size NCS uses by default (0xc000). */
export const NCS_MCUBOOT_PARTITION_BYTES = 48 * KIB;
/** Scratch partition for swap-using-scratch: 4 pages. */
export const SIM_SCRATCH_PARTITION_BYTES = 4 * NRF_FLASH_PAGE_BYTES;
/** Settings storage partition: 4 pages (NVS/ZMS sectors). */
export const SIM_STORAGE_PARTITION_BYTES = 4 * NRF_FLASH_PAGE_BYTES;

export const NRF9160_SLOT_BYTES = (NRF9160_FLASH_BYTES - NCS_MCUBOOT_PARTITION_BYTES - SIM_SCRATCH_PARTITION_BYTES - SIM_STORAGE_PARTITION_BYTES) / 2;
export const NRF52833_SLOT_BYTES = (NRF52833_FLASH_BYTES - NCS_MCUBOOT_PARTITION_BYTES - SIM_SCRATCH_PARTITION_BYTES - SIM_STORAGE_PARTITION_BYTES) / 2;

export interface PartitionSpec {
  readonly label: string;
  /** Absolute start on the flash device, in bytes. */
  readonly offset: number;
  readonly size: number;
}

export interface BoardProfile {
  readonly name: BoardName;
  /** Human description, for CLI output. */
  readonly description: string;
  readonly flash: FlashGeometry;
  /** Partitions in address order; they tile the device without gaps. */
  readonly partitions: readonly PartitionSpec[];
  /** Whether the board has an LTE modem (the nRF9160's). */
  readonly hasModem: boolean;
}

/** Lays partitions back to back from offset 0. */
function tile(parts: ReadonlyArray<readonly [label: string, size: number]>): PartitionSpec[] {
  const out: PartitionSpec[] = [];
  let offset = 0;
  for (const [label, size] of parts) {
    out.push(Object.freeze({ label, offset, size }));
    offset += size;
  }
  return out;
}

function profile(p: BoardProfile): BoardProfile {
  validateProfile(p);
  return Object.freeze({ ...p, flash: Object.freeze({ ...p.flash }), partitions: Object.freeze([...p.partitions]) });
}

/**
 * nRF9160: mcuboot 0x00000 (48 KiB), slot0 0x0c000 and slot1 0x82000 (472 KiB each),
 * scratch 0xf8000 (16 KiB), storage 0xfc000 (16 KiB).
 */
export const NRF9160_PROFILE: BoardProfile = profile({
  name: 'nrf9160',
  description: 'nRF9160 (LTE-M/NB-IoT modem), 1 MiB flash, 4 KiB pages',
  flash: { size: NRF9160_FLASH_BYTES, eraseBlockBytes: NRF_FLASH_PAGE_BYTES, writeAlignBytes: NRF_FLASH_WRITE_ALIGN_BYTES, erasedValue: NRF_FLASH_ERASED_VALUE },
  partitions: tile([
    [FLASH_AREA_BOOT, NCS_MCUBOOT_PARTITION_BYTES],
    [FLASH_AREA_PRIMARY, NRF9160_SLOT_BYTES],
    [FLASH_AREA_SECONDARY, NRF9160_SLOT_BYTES],
    [FLASH_AREA_SCRATCH, SIM_SCRATCH_PARTITION_BYTES],
    [FLASH_AREA_STORAGE, SIM_STORAGE_PARTITION_BYTES],
  ]),
  hasModem: true,
});

/**
 * nRF52833: mcuboot 0x00000 (48 KiB), slot0 0x0c000 and slot1 0x42000 (216 KiB each),
 * scratch 0x78000 (16 KiB), storage 0x7c000 (16 KiB).
 */
export const NRF52833_PROFILE: BoardProfile = profile({
  name: 'nrf52833',
  description: 'nRF52833 (BLE), 512 KiB flash, 4 KiB pages',
  flash: { size: NRF52833_FLASH_BYTES, eraseBlockBytes: NRF_FLASH_PAGE_BYTES, writeAlignBytes: NRF_FLASH_WRITE_ALIGN_BYTES, erasedValue: NRF_FLASH_ERASED_VALUE },
  partitions: tile([
    [FLASH_AREA_BOOT, NCS_MCUBOOT_PARTITION_BYTES],
    [FLASH_AREA_PRIMARY, NRF52833_SLOT_BYTES],
    [FLASH_AREA_SECONDARY, NRF52833_SLOT_BYTES],
    [FLASH_AREA_SCRATCH, SIM_SCRATCH_PARTITION_BYTES],
    [FLASH_AREA_STORAGE, SIM_STORAGE_PARTITION_BYTES],
  ]),
  hasModem: false,
});

export const BOARD_PROFILES: Readonly<Record<BoardName, BoardProfile>> = Object.freeze({
  nrf9160: NRF9160_PROFILE,
  nrf52833: NRF52833_PROFILE,
});

/** The profile of a board by name; FlashError `FLASH_NO_BOARD` for an unknown name. */
export function boardProfile(name: string): BoardProfile {
  const p = (BOARD_PROFILES as Record<string, BoardProfile | undefined>)[name];
  if (!p) {
    throw new FlashError('FLASH_NO_BOARD', `boardProfile: unknown board '${name}' (known: ${Object.keys(BOARD_PROFILES).join(', ')})`, { board: name });
  }
  return p;
}

/** The partition with `label`, if the profile has one. */
export function findPartition(profile: BoardProfile, label: string): PartitionSpec | undefined {
  return profile.partitions.find((p) => p.label === label);
}

/**
 * Checks a profile is a real flash layout: sane geometry, partitions page-aligned, non-empty, in address
 * order, not overlapping, inside the device, labels unique. FlashError `FLASH_BAD_PROFILE` otherwise.
 */
export function validateProfile(p: BoardProfile): void {
  const bad = (why: string, details: Record<string, unknown> = {}): never => {
    throw new FlashError('FLASH_BAD_PROFILE', `validateProfile: ${p.name}: ${why}`, { board: p.name, ...details });
  };
  const g = p.flash;
  const posInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;
  if (!posInt(g.size) || !posInt(g.eraseBlockBytes) || !posInt(g.writeAlignBytes)) bad('geometry values must be positive integers');
  if (g.size % g.eraseBlockBytes !== 0) bad('device size is not a multiple of the page size');
  if (g.eraseBlockBytes % g.writeAlignBytes !== 0) bad('page size is not a multiple of the write alignment');
  if (!Number.isInteger(g.erasedValue) || g.erasedValue < 0 || g.erasedValue > 0xff) bad('erased value is not a byte');
  const seen = new Set<string>();
  let end = 0;
  for (const part of p.partitions) {
    if (seen.has(part.label)) bad(`duplicate partition '${part.label}'`, { label: part.label });
    seen.add(part.label);
    if (!posInt(part.size) || !Number.isSafeInteger(part.offset) || part.offset < 0) bad(`partition '${part.label}' has a bad offset or size`, { label: part.label });
    if (part.offset % g.eraseBlockBytes !== 0 || part.size % g.eraseBlockBytes !== 0) {
      bad(`partition '${part.label}' is not page-aligned`, { label: part.label });
    }
    if (part.offset < end) bad(`partition '${part.label}' overlaps the one before or is out of order`, { label: part.label });
    if (part.offset + part.size > g.size) bad(`partition '${part.label}' runs past the device`, { label: part.label });
    end = part.offset + part.size;
  }
}

/**
 * Flash HAL. Shaped like Zephyr's flash_map: a device is split into named areas (partitions); an area
 * is bounds-checked and addressed relative to its start. Implementations show the hardware's rules
 * honestly: erase whole erase blocks only, aligned writes only, no write over unerased bytes.
 */

export interface FlashGeometry {
  /** Size of the area (or device) in bytes. */
  readonly size: number;
  /** Smallest erasable unit (page) in bytes; erase offsets and lengths are multiples of it. */
  readonly eraseBlockBytes: number;
  /** Write offsets and lengths are multiples of this. */
  readonly writeAlignBytes: number;
  /** Value of every byte after an erase (0xff on NOR flash, 0x00 on some). */
  readonly erasedValue: number;
}

/** Partition labels, as in NCS/Zephyr devicetree. */
export const FLASH_AREA_BOOT = 'boot_partition';
export const FLASH_AREA_PRIMARY = 'slot0_partition';
export const FLASH_AREA_SECONDARY = 'slot1_partition';
export const FLASH_AREA_SCRATCH = 'scratch_partition';
export const FLASH_AREA_STORAGE = 'storage_partition';

export interface FlashArea extends FlashGeometry {
  /** Partition label, e.g. `slot1_partition`. */
  readonly label: string;
  /** Absolute start of the area on its device, in bytes. */
  readonly deviceOffset: number;
  /** Reads `length` bytes at `offset` (relative to the area). Returns a copy. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Writes `bytes` at `offset`; both aligned to writeAlignBytes, target bytes erased. */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Erases [offset, offset + length); both multiples of eraseBlockBytes. */
  erase(offset: number, length: number): Promise<void>;
}

/** A flash device split into partitions. */
export interface FlashMap {
  readonly device: FlashGeometry;
  /** Labels of the partitions this board has, in address order. */
  labels(): readonly string[];
  /** Opens a partition by label; throws FlashError `FLASH_NO_AREA` when the board has none. */
  open(label: string): FlashArea;
}

/**
 * A view of `area` (same label, offset and geometry) whose operations are `area`'s unless `overrides`
 * replaces them: how a layer that adds something to reads, writes or erases (timing, decryption) wraps a
 * flash area without restating its geometry.
 */
export function flashAreaView(area: FlashArea, overrides: Partial<Pick<FlashArea, 'read' | 'write' | 'erase'>>): FlashArea {
  return {
    label: area.label,
    deviceOffset: area.deviceOffset,
    size: area.size,
    eraseBlockBytes: area.eraseBlockBytes,
    writeAlignBytes: area.writeAlignBytes,
    erasedValue: area.erasedValue,
    read: overrides.read ?? ((offset, length) => area.read(offset, length)),
    write: overrides.write ?? ((offset, bytes) => area.write(offset, bytes)),
    erase: overrides.erase ?? ((offset, length) => area.erase(offset, length)),
  };
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

export function alignDown(value: number, align: number): number {
  return Math.floor(value / align) * align;
}

/**
 * Settings on flash: a log-structured key-value store in the storage partition, in the spirit of
 * Zephyr's NVS (subsys/fs/nvs): the partition is a ring of sectors (one erase page each, at least 2);
 * in the sector being written, data grows up from the sector header and allocation table entries (ATEs)
 * grow down from the sector end. The newest record of a key wins; a delete is a record too.
 *
 * Why a power cut at any flash operation leaves every key at its old or new value:
 * - a record's data (key + value) is written first, its ATE after; the ATE carries a CRC-32 of itself
 *   and of the data, so a cut data write leaves garbage no ATE points to, and a cut ATE write leaves an
 *   ATE whose CRC fails; both are skipped when the store is mounted;
 * - a full sector is left for the next one (which is always kept free): the new sector gets a header
 *   with the next sequence number, the live records of the oldest sector are copied into it, a GC-done
 *   ATE is written, and only then is the oldest sector erased. Mounting finds an unfinished rotation:
 *   with GC-done the old sector's erase is finished; without, the new sector holds only copies and is
 *   erased, so the rotation simply happens again.
 * Every record leaves one ATE slot free in its sector, so the GC-done ATE always fits and the live
 * records of a sector always fit an empty one.
 *
 * On-flash formats (little endian; each padded with erased bytes to the write alignment):
 *   sector header (16): magic u32 | sequence u32 | version u16 | reserved u16 = 0 | crc32(0..11) u32
 *   ATE (16):           type u8 | key length u8 | value length u16 | data offset u32 (in sector)
 *                       | crc32(data) u32 | crc32(0..11) u32
 *   data:               key (UTF-8) then value
 * Portable: no Node imports; all I/O through the FlashArea HAL.
 */
import { readU16LE, readU32LE, utf8Decode, writeU16LE, writeU32LE } from '../bytes.ts';
import { SettingsError } from '../errors.ts';
import type { FlashArea } from '../flash.ts';
import { alignUp } from '../flash.ts';
import type { Log } from '../log.ts';
import { silentLog } from '../log.ts';
import type { Settings } from '../settings.ts';
import { SETTINGS_MAX_KEY_BYTES, SETTINGS_MAX_VALUE_BYTES } from '../settings.ts';
import { checkSettingsKey, checkSettingsValue } from './settings-check.ts';

/** 'FSK1' as little-endian bytes. */
export const FLASH_SETTINGS_MAGIC = 0x314b5346;
export const FLASH_SETTINGS_VERSION = 1;
export const FLASH_SETTINGS_HEADER_BYTES = 16;
export const FLASH_SETTINGS_ATE_BYTES = 16;
/** The ring needs one sector to write and one kept free. */
export const FLASH_SETTINGS_MIN_SECTORS = 2;
/** ATE types: never the erased value 0xff nor 0x00, so a cut ATE write is never mistaken for erased. */
export const FLASH_SETTINGS_ATE_SET = 0x5e;
export const FLASH_SETTINGS_ATE_DELETE = 0xde;
export const FLASH_SETTINGS_ATE_GC_DONE = 0x6c;

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry {
  sector: number;
  dataOffset: number;
  keyLen: number;
  valueLen: number;
  dataCrc: number;
}

interface ScannedRecord {
  type: number;
  key: string;
  keyLen: number;
  valueLen: number;
  dataOffset: number;
  dataCrc: number;
}

interface SectorScan {
  records: ScannedRecord[];
  gcDone: boolean;
  /** End of the data region (aligned), garbage after the last record's data included. */
  dataWra: number;
  /** Offset of the next free ATE slot (may be below dataWra when the sector is full). */
  ateWra: number;
}

export interface FlashSettingsOptions {
  log?: Log;
}

export interface FlashSettingsStats {
  sectors: number;
  sectorBytes: number;
  activeSector: number;
  sequence: number;
  /** Data bytes (key + value) the next record can have in the active sector without a rotation. */
  freeBytes: number;
  keys: number;
  /** Sector rotations and records copied by garbage collection since open. */
  rotations: number;
  recordsCopied: number;
}

export class FlashSettings implements Settings {
  readonly area: FlashArea;
  private readonly log: Log;
  private readonly sectorBytes: number;
  private readonly sectorCount: number;
  private readonly headerBytes: number;
  private readonly ateBytes: number;
  private readonly erased: number;
  private index = new Map<string, Entry>();
  private seqs: (number | undefined)[] = [];
  private active = 0;
  private dataWra = 0;
  private ateWra = 0;
  private mounted = false;
  private queue: Promise<unknown> = Promise.resolve();
  private rotations = 0;
  private recordsCopied = 0;

  private constructor(area: FlashArea, options: FlashSettingsOptions) {
    this.area = area;
    this.log = options.log ?? silentLog;
    this.sectorBytes = area.eraseBlockBytes;
    this.sectorCount = Math.floor(area.size / area.eraseBlockBytes);
    this.headerBytes = alignUp(FLASH_SETTINGS_HEADER_BYTES, area.writeAlignBytes);
    this.ateBytes = alignUp(FLASH_SETTINGS_ATE_BYTES, area.writeAlignBytes);
    this.erased = area.erasedValue;
    const largest = alignUp(SETTINGS_MAX_KEY_BYTES + SETTINGS_MAX_VALUE_BYTES, area.writeAlignBytes);
    if (this.sectorCount < FLASH_SETTINGS_MIN_SECTORS || area.size % area.eraseBlockBytes !== 0) {
      throw new SettingsError('SETTINGS_BAD_AREA', `flashSettings.open: ${area.label} needs at least ${FLASH_SETTINGS_MIN_SECTORS} whole sectors of ${area.eraseBlockBytes} bytes`, { label: area.label, size: area.size });
    }
    if (this.headerBytes + largest + 2 * this.ateBytes > this.sectorBytes || this.sectorBytes > 0xffffffff) {
      throw new SettingsError('SETTINGS_BAD_AREA', `flashSettings.open: ${this.sectorBytes}-byte sectors of ${area.label} cannot hold the largest record`, { label: area.label, sectorBytes: this.sectorBytes });
    }
  }

  /** Mounts the store in `area` (initialising an empty or foreign one; finishing a cut rotation). */
  static async open(area: FlashArea, options: FlashSettingsOptions = {}): Promise<FlashSettings> {
    const s = new FlashSettings(area, options);
    await s.exclusive(async () => undefined);
    return s;
  }

  /** Reads the store from flash again (e.g. after the board was powered on after a cut). */
  async remount(): Promise<void> {
    this.mounted = false;
    await this.exclusive(async () => undefined);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkSettingsKey('settings.get', key);
    return this.exclusive(async () => {
      const e = this.index.get(key);
      return e ? this.readValue('settings.get', key, e) : undefined;
    });
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const keyBytes = checkSettingsKey('settings.set', key);
    checkSettingsValue('settings.set', key, value);
    const data = new Uint8Array(keyBytes.length + value.length);
    data.set(keyBytes, 0);
    data.set(value, keyBytes.length);
    await this.exclusive(async () => {
      const e = this.index.get(key);
      if (e && e.valueLen === value.length && e.dataCrc === crc32(data)) {
        const old = await this.readValue('settings.set', key, e);
        if (old.every((b, i) => b === value[i])) return;
      }
      await this.append('settings.set', FLASH_SETTINGS_ATE_SET, key, keyBytes.length, data);
    });
  }

  async delete(key: string): Promise<void> {
    const keyBytes = checkSettingsKey('settings.delete', key);
    await this.exclusive(async () => {
      if (!this.index.has(key)) return;
      await this.append('settings.delete', FLASH_SETTINGS_ATE_DELETE, key, keyBytes.length, keyBytes);
    });
  }

  async keys(prefix = ''): Promise<string[]> {
    return this.exclusive(async () => [...this.index.keys()].filter((k) => k.startsWith(prefix)).sort());
  }

  stats(): FlashSettingsStats {
    return {
      sectors: this.sectorCount,
      sectorBytes: this.sectorBytes,
      activeSector: this.active,
      sequence: this.seqs[this.active] ?? 0,
      freeBytes: Math.max(0, this.ateWra - this.ateBytes - this.dataWra),
      keys: this.index.size,
      rotations: this.rotations,
      recordsCopied: this.recordsCopied,
    };
  }

  // ---- internals ----

  /**
   * Runs `fn` alone (calls are queued), mounting first if needed. After any failure (a power cut, a
   * flash error, a full store, a corrupt value) memory may be out of step with flash: the next call
   * mounts again.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        if (!this.mounted) {
          await this.mount();
          this.mounted = true;
        }
        return await fn();
      } catch (e) {
        // Mounting again is cheap (one read per sector) and always matches flash.
        this.mounted = false;
        throw e;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private sectorBase(sector: number): number {
    return sector * this.sectorBytes;
  }

  private async mount(): Promise<void> {
    const n = this.sectorCount;
    const images: Uint8Array[] = [];
    this.seqs = [];
    for (let s = 0; s < n; s++) {
      const img = await this.area.read(this.sectorBase(s), this.sectorBytes);
      images.push(img);
      this.seqs.push(this.parseHeader(img));
    }
    let active = -1;
    for (let s = 0; s < n; s++) {
      const q = this.seqs[s];
      if (q !== undefined && (active < 0 || q > this.seqs[active]!)) active = s;
    }
    this.index = new Map();
    if (active < 0) {
      this.log.log('info', 'flashSettings.mount: no valid sector, initialising', { label: this.area.label });
      await this.startSector(0, 1, images[0]!);
      return;
    }
    const next = (active + 1) % n;
    if (this.seqs[next] !== undefined) {
      if (this.scanSector(images[active]!).gcDone) {
        this.log.log('info', 'flashSettings.mount: finishing the erase of a collected sector', { sector: next });
        await this.eraseSector(next);
        images[next] = new Uint8Array(this.sectorBytes).fill(this.erased);
      } else {
        // A rotation was cut before its GC finished: the new sector holds only copies. Drop it; the
        // rotation runs again when the store next needs room.
        this.log.log('info', 'flashSettings.mount: dropping a sector whose garbage collection was cut', { sector: active });
        await this.eraseSector(active);
        return this.mount();
      }
    }
    const order = [...Array(n).keys()].filter((s) => this.seqs[s] !== undefined).sort((a, b) => this.seqs[a]! - this.seqs[b]!);
    let activeScan: SectorScan | undefined;
    for (const s of order) {
      const scan = this.scanSector(images[s]!);
      for (const r of scan.records) {
        if (r.type === FLASH_SETTINGS_ATE_SET) {
          this.index.set(r.key, { sector: s, dataOffset: r.dataOffset, keyLen: r.keyLen, valueLen: r.valueLen, dataCrc: r.dataCrc });
        } else this.index.delete(r.key);
      }
      if (s === active) activeScan = scan;
    }
    this.active = active;
    this.dataWra = activeScan!.dataWra;
    this.ateWra = activeScan!.ateWra;
  }

  /** Sequence number of a valid sector header, undefined otherwise. */
  private parseHeader(img: Uint8Array): number | undefined {
    if (readU32LE(img, 0) !== FLASH_SETTINGS_MAGIC) return undefined;
    if (readU32LE(img, 12) !== crc32(img, 0, 12)) return undefined;
    if (readU16LE(img, 8) !== FLASH_SETTINGS_VERSION) return undefined;
    return readU32LE(img, 4);
  }

  private scanSector(img: Uint8Array): SectorScan {
    const records: ScannedRecord[] = [];
    let gcDone = false;
    let dataEnd = this.headerBytes;
    let slot = this.sectorBytes - this.ateBytes;
    const align = this.area.writeAlignBytes;
    for (; slot >= dataEnd; slot -= this.ateBytes) {
      if (this.isErased(img, slot, slot + this.ateBytes)) break;
      if (readU32LE(img, slot + 12) !== crc32(img, slot, slot + 12)) continue;
      const type = img[slot]!;
      const keyLen = img[slot + 1]!;
      const valueLen = readU16LE(img, slot + 2);
      const dataOffset = readU32LE(img, slot + 4);
      const dataCrc = readU32LE(img, slot + 8);
      if (type === FLASH_SETTINGS_ATE_GC_DONE) {
        gcDone = true;
        continue;
      }
      if (type !== FLASH_SETTINGS_ATE_SET && type !== FLASH_SETTINGS_ATE_DELETE) continue;
      const end = dataOffset + keyLen + valueLen;
      if (keyLen === 0 || keyLen > SETTINGS_MAX_KEY_BYTES || valueLen > SETTINGS_MAX_VALUE_BYTES || dataOffset < this.headerBytes || end > slot) continue;
      dataEnd = Math.max(dataEnd, alignUp(end, align));
      if (crc32(img, dataOffset, end) !== dataCrc) {
        this.log.log('warn', 'flashSettings.mount: record data fails its CRC, skipped', { dataOffset });
        continue;
      }
      let key: string;
      try {
        key = utf8Decode(img.subarray(dataOffset, dataOffset + keyLen));
      } catch {
        continue;
      }
      records.push({ type, key, keyLen, valueLen, dataOffset, dataCrc });
    }
    // Bytes of a cut data write may follow the last record's data: start after them.
    let dataWra = dataEnd;
    for (let i = Math.min(slot, this.sectorBytes) - 1; i >= dataEnd; i--) {
      if (img[i] !== this.erased) {
        dataWra = alignUp(i + 1, align);
        break;
      }
    }
    return { records, gcDone, dataWra, ateWra: slot };
  }

  private isErased(img: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (img[i] !== this.erased) return false;
    return true;
  }

  private async eraseSector(sector: number): Promise<void> {
    await this.area.erase(this.sectorBase(sector), this.sectorBytes);
    this.seqs[sector] = undefined;
  }

  /** Makes `sector` the active one with sequence `seq`: erased if needed, header written. */
  private async startSector(sector: number, seq: number, img?: Uint8Array): Promise<void> {
    const current = img ?? (await this.area.read(this.sectorBase(sector), this.sectorBytes));
    if (!this.isErased(current, 0, this.sectorBytes)) await this.eraseSector(sector);
    const h = new Uint8Array(this.headerBytes).fill(this.erased);
    writeU32LE(h, 0, FLASH_SETTINGS_MAGIC);
    writeU32LE(h, 4, seq);
    writeU16LE(h, 8, FLASH_SETTINGS_VERSION);
    writeU16LE(h, 10, 0);
    writeU32LE(h, 12, crc32(h, 0, 12));
    await this.area.write(this.sectorBase(sector), h);
    this.seqs[sector] = seq;
    this.active = sector;
    this.dataWra = this.headerBytes;
    this.ateWra = this.sectorBytes - this.ateBytes;
  }

  /** True when `dataBytes` of data plus its ATE fit the active sector, leaving the GC-done slot free. */
  private fits(dataBytes: number): boolean {
    return this.dataWra + alignUp(dataBytes, this.area.writeAlignBytes) + this.ateBytes <= this.ateWra;
  }

  /** Appends a record, rotating sectors (with garbage collection) as long as it helps. */
  private async append(op: string, type: number, key: string, keyLen: number, data: Uint8Array): Promise<void> {
    for (let rotations = 0; !this.fits(data.length); rotations++) {
      if (rotations >= this.sectorCount - 1) {
        throw new SettingsError('SETTINGS_FULL', `${op}: no room for '${key}' (${data.length} bytes) after garbage collection`, { key, bytes: data.length, live: this.index.size });
      }
      await this.rotate(op);
    }
    await this.writeRecord(type, key, keyLen, data);
  }

  private async writeRecord(type: number, key: string, keyLen: number, data: Uint8Array): Promise<void> {
    const align = this.area.writeAlignBytes;
    const base = this.sectorBase(this.active);
    const padded = new Uint8Array(alignUp(data.length, align)).fill(this.erased);
    padded.set(data);
    const dataOffset = this.dataWra;
    const dataCrc = crc32(data);
    await this.area.write(base + dataOffset, padded);
    this.dataWra += padded.length;
    await this.writeAte(type, keyLen, data.length - keyLen, dataOffset, dataCrc);
    if (type === FLASH_SETTINGS_ATE_SET) this.index.set(key, { sector: this.active, dataOffset, keyLen, valueLen: data.length - keyLen, dataCrc });
    else this.index.delete(key);
  }

  private async writeAte(type: number, keyLen: number, valueLen: number, dataOffset: number, dataCrc: number): Promise<void> {
    const a = new Uint8Array(this.ateBytes).fill(this.erased);
    a[0] = type;
    a[1] = keyLen;
    writeU16LE(a, 2, valueLen);
    writeU32LE(a, 4, dataOffset);
    writeU32LE(a, 8, dataCrc);
    writeU32LE(a, 12, crc32(a, 0, 12));
    await this.area.write(this.sectorBase(this.active) + this.ateWra, a);
    this.ateWra -= this.ateBytes;
  }

  /**
   * Leaves the active sector for the next (kept free), copies the live records of the oldest sector
   * into it, marks GC done, and erases the oldest sector, which becomes the free one.
   */
  private async rotate(op: string): Promise<void> {
    const n = this.sectorCount;
    const target = (this.active + 1) % n;
    const victim = (this.active + 2) % n;
    const seq = (this.seqs[this.active] ?? 0) + 1;
    await this.startSector(target, seq);
    this.rotations++;
    if (this.seqs[victim] === undefined) return;
    const live = [...this.index.entries()].filter(([, e]) => e.sector === victim);
    for (const [key, e] of live) {
      const data = await this.area.read(this.sectorBase(victim) + e.dataOffset, e.keyLen + e.valueLen);
      if (crc32(data) !== e.dataCrc) {
        throw new SettingsError('SETTINGS_CORRUPT', `${op}: record of '${key}' changed on flash during garbage collection`, { key, sector: victim });
      }
      if (!this.fits(data.length)) {
        throw new SettingsError('SETTINGS_CORRUPT', `${op}: live records of sector ${victim} do not fit an empty sector`, { sector: victim });
      }
      await this.writeRecord(FLASH_SETTINGS_ATE_SET, key, e.keyLen, data);
      this.recordsCopied++;
    }
    await this.writeAte(FLASH_SETTINGS_ATE_GC_DONE, 0, 0, 0, 0);
    await this.eraseSector(victim);
  }

  private async readValue(op: string, key: string, e: Entry): Promise<Uint8Array> {
    const data = await this.area.read(this.sectorBase(e.sector) + e.dataOffset, e.keyLen + e.valueLen);
    if (crc32(data) !== e.dataCrc) {
      throw new SettingsError('SETTINGS_CORRUPT', `${op}: stored value of '${key}' fails its CRC`, { key, sector: e.sector, dataOffset: e.dataOffset });
    }
    return data.slice(e.keyLen);
  }
}

/** Opens the settings store on a board's storage partition (a shorthand for FlashSettings.open). */
export async function openFlashSettings(area: FlashArea, options: FlashSettingsOptions = {}): Promise<FlashSettings> {
  return FlashSettings.open(area, options);
}


/**
 * Test helper: a small strict in-memory flash slot for the MCUboot boot-side tests. NOR rules (whole
 * erase blocks, aligned writes, no write over unerased bytes), an operation counter (writes and erases)
 * and a power cut at operation N: the cut write leaves a prefix of its bytes, the cut erase leaves the
 * first half of the range erased and the rest garbage; every later operation fails until powerOn().
 */
import { FlashError, PowerCutError } from '../../../src/hal/errors.ts';
import type { FlashArea } from '../../../src/hal/flash.ts';

export class PowerRail {
  /** Flash operations (writes + erases) since the last reset of the counter. */
  ops = 0;
  /** Cut power when `ops` reaches this index (0-based); undefined: never. */
  cutAt: number | undefined;
  off = false;

  next(op: string): boolean {
    if (this.off) throw new PowerCutError(this.ops, op);
    const index = this.ops++;
    if (this.cutAt !== undefined && index === this.cutAt) {
      this.off = true;
      return true;
    }
    return false;
  }

  powerOn(): void {
    this.off = false;
    this.cutAt = undefined;
  }
}

export interface MemAreaOptions {
  label?: string;
  size: number;
  eraseBlockBytes?: number;
  writeAlignBytes?: number;
  erasedValue?: number;
  rail?: PowerRail;
}

export class MemArea implements FlashArea {
  readonly label: string;
  readonly deviceOffset = 0;
  readonly size: number;
  readonly eraseBlockBytes: number;
  readonly writeAlignBytes: number;
  readonly erasedValue: number;
  readonly rail: PowerRail;
  readonly bytes: Uint8Array;

  constructor(o: MemAreaOptions) {
    this.label = o.label ?? 'mem';
    this.size = o.size;
    this.eraseBlockBytes = o.eraseBlockBytes ?? 4096;
    this.writeAlignBytes = o.writeAlignBytes ?? 4;
    this.erasedValue = o.erasedValue ?? 0xff;
    this.rail = o.rail ?? new PowerRail();
    this.bytes = new Uint8Array(o.size).fill(this.erasedValue);
  }

  private bounds(op: string, offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FlashError('FLASH_OUT_OF_BOUNDS', `${op}: [${offset}, +${length}) outside ${this.label}`, { offset, length });
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.bounds('mem.read', offset, length);
    if (this.rail.off) throw new PowerCutError(this.rail.ops, 'mem.read');
    return this.bytes.slice(offset, offset + length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.bounds('mem.write', offset, data.length);
    if (offset % this.writeAlignBytes !== 0 || data.length % this.writeAlignBytes !== 0) {
      throw new FlashError('FLASH_MISALIGNED', `mem.write: [${offset}, +${data.length}) misaligned`, { offset });
    }
    for (let i = 0; i < data.length; i++) {
      if (this.bytes[offset + i] !== this.erasedValue) {
        throw new FlashError('FLASH_NOT_ERASED', `mem.write: byte ${offset + i} of ${this.label} is not erased`, { offset: offset + i });
      }
    }
    if (this.rail.next('mem.write')) {
      this.bytes.set(data.subarray(0, data.length >> 1), offset);
      throw new PowerCutError(this.rail.ops - 1, 'mem.write');
    }
    this.bytes.set(data, offset);
  }

  async erase(offset: number, length: number): Promise<void> {
    this.bounds('mem.erase', offset, length);
    if (offset % this.eraseBlockBytes !== 0 || length % this.eraseBlockBytes !== 0) {
      throw new FlashError('FLASH_MISALIGNED', `mem.erase: [${offset}, +${length}) not whole blocks`, { offset });
    }
    if (this.rail.next('mem.erase')) {
      const half = length >> 1;
      this.bytes.fill(this.erasedValue, offset, offset + half);
      for (let i = offset + half; i < offset + length; i++) this.bytes[i] = (i * 37 + 11) & 0xff;
      throw new PowerCutError(this.rail.ops - 1, 'mem.erase');
    }
    this.bytes.fill(this.erasedValue, offset, offset + length);
  }
}

/** Two (or three) areas sharing one power rail. */
export function memSlots(size: number, o: Omit<MemAreaOptions, 'size' | 'rail' | 'label'> = {}): { primary: MemArea; secondary: MemArea; rail: PowerRail } {
  const rail = new PowerRail();
  return {
    rail,
    primary: new MemArea({ ...o, size, rail, label: 'slot0_partition' }),
    secondary: new MemArea({ ...o, size, rail, label: 'slot1_partition' }),
  };
}

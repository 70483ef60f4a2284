/**
 * Internal helper of the vector generators: a small strict in-memory FlashArea (NOR rules: aligned
 * writes only over erased bytes, whole-block erases), so the trailer vectors come from the same
 * writes MCUboot's boot_set_pending / boot_set_confirmed make on a real slot.
 */
import { FlashError } from '../hal/errors.ts';
import type { FlashArea } from '../hal/flash.ts';

export interface MemAreaOptions {
  size: number;
  eraseBlockBytes: number;
  writeAlignBytes: number;
  erasedValue: number;
  label?: string;
}

export class VectorMemArea implements FlashArea {
  readonly label: string;
  readonly deviceOffset = 0;
  readonly size: number;
  readonly eraseBlockBytes: number;
  readonly writeAlignBytes: number;
  readonly erasedValue: number;
  readonly bytes: Uint8Array;

  constructor(o: MemAreaOptions) {
    this.label = o.label ?? 'vector_slot';
    this.size = o.size;
    this.eraseBlockBytes = o.eraseBlockBytes;
    this.writeAlignBytes = o.writeAlignBytes;
    this.erasedValue = o.erasedValue;
    this.bytes = new Uint8Array(o.size).fill(o.erasedValue);
  }

  private check(op: string, offset: number, length: number, align: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FlashError('FLASH_OUT_OF_BOUNDS', `${op}: ${length} bytes at ${offset} outside the ${this.size}-byte area`, { offset, length });
    }
    if (offset % align !== 0 || length % align !== 0) {
      throw new FlashError('FLASH_MISALIGNED', `${op}: ${length} bytes at ${offset} not aligned to ${align}`, { offset, length, align });
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check('memArea.read', offset, length, 1);
    return this.bytes.slice(offset, offset + length);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.check('memArea.write', offset, bytes.length, this.writeAlignBytes);
    for (let i = 0; i < bytes.length; i++) {
      if (this.bytes[offset + i] !== this.erasedValue) {
        throw new FlashError('FLASH_NOT_ERASED', `memArea.write: byte ${offset + i} is not erased`, { offset: offset + i });
      }
    }
    this.bytes.set(bytes, offset);
  }

  async erase(offset: number, length: number): Promise<void> {
    this.check('memArea.erase', offset, length, this.eraseBlockBytes);
    this.bytes.fill(this.erasedValue, offset, offset + length);
  }
}

/**
 * SMP over BLE (smp.md "BLE transport"): no extra framing; a message is cut into ATT_MTU - 3 byte
 * pieces and reassembled by length (header length + 8). The first fragment must hold the whole header.
 */
import { concatBytes } from '../../hal/bytes.ts';
import { BT_ATT_HEADER_BYTES, BT_ATT_MTU_MAX, BT_ATT_MTU_MIN, SMP_HEADER_BYTES } from './constants.ts';
import { SmpError } from './errors.ts';
import { announcedLength } from './message.ts';

/** Largest fragment (ATT payload) at `mtu`. */
export function bleFragmentBytes(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < BT_ATT_MTU_MIN || mtu > BT_ATT_MTU_MAX) {
    throw new SmpError('SMP_BAD_ARG', `ble.fragment: ATT MTU ${mtu} is outside ${BT_ATT_MTU_MIN}..${BT_ATT_MTU_MAX}`, { mtu });
  }
  return mtu - BT_ATT_HEADER_BYTES;
}

/** Cuts `message` into fragments of at most ATT_MTU - 3 bytes (views into `message`). */
export function fragmentMessage(message: Uint8Array, mtu: number): Uint8Array[] {
  const size = bleFragmentBytes(mtu);
  const out: Uint8Array[] = [];
  for (let o = 0; o < message.length; o += size) out.push(message.subarray(o, Math.min(message.length, o + size)));
  return out;
}

/** Reassembles messages from fragments by the header's length. */
export class BleReassembler {
  private parts: Uint8Array[] = [];
  private have = 0;
  private expected = 0;
  readonly stats = { messages: 0, errors: 0 };

  /** `maxMessageBytes`: largest message accepted (the device's buf_size when it reassembles). */
  constructor(
    private readonly onMessage: (message: Uint8Array) => void,
    private readonly onError: (error: SmpError) => void = () => {},
    private readonly maxMessageBytes = SMP_HEADER_BYTES + 0xffff,
  ) {}

  push(fragment: Uint8Array): void {
    if (this.have === 0) {
      const total = announcedLength(fragment);
      if (total === undefined) {
        this.fail(new SmpError('SMP_BAD_FRAME', `ble.reassemble: first fragment of ${fragment.length} bytes does not hold the header`, { length: fragment.length }));
        return;
      }
      if (total > this.maxMessageBytes) {
        this.fail(new SmpError('SMP_MSGSIZE', `ble.reassemble: message of ${total} bytes exceeds ${this.maxMessageBytes}`, { length: total }));
        return;
      }
      this.expected = total;
    }
    this.parts.push(Uint8Array.from(fragment));
    this.have += fragment.length;
    if (this.have < this.expected) return;
    if (this.have > this.expected) {
      this.fail(new SmpError('SMP_BAD_FRAME', `ble.reassemble: ${this.have - this.expected} bytes past the announced length`, { length: this.expected }));
      return;
    }
    const message = concatBytes(...this.parts);
    this.reset();
    this.stats.messages++;
    this.onMessage(message);
  }

  reset(): void {
    this.parts = [];
    this.have = 0;
    this.expected = 0;
  }

  private fail(e: SmpError): void {
    this.reset();
    this.stats.errors++;
    this.onError(e);
  }
}

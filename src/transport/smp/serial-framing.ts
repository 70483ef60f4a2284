/**
 * SMP over a serial console (smp.md "Serial (console) transport"): the raw stream
 * u16be(message length + 2) ‖ message ‖ CRC-16/XMODEM (big-endian) is cut into frames of at most
 * 127 bytes: a 2-byte marker (start 0x06 0x09, continuation 0x04 0x14), the base64 of up to 93 raw
 * bytes, and '\n'. Each frame's base64 decodes on its own.
 * The decoder takes bytes in any pieces, ignores console noise between frames, drops a continuation
 * with nothing started, and reports every broken frame as a typed SmpError while it keeps going.
 */
import { concatBytes, readU16BE, writeU16BE } from '../../hal/bytes.ts';
import { base64DecodeBytes, base64EncodeBytes } from './base64.ts';
import {
  SMP_SERIAL_CONTINUATION_MARKER,
  SMP_SERIAL_CRC_BYTES,
  SMP_SERIAL_LENGTH_BYTES,
  SMP_SERIAL_LINE_MAX_BYTES,
  SMP_SERIAL_MARKER_BYTES,
  SMP_SERIAL_START_MARKER,
} from './constants.ts';
import { crc16Xmodem } from './crc16.ts';
import { SmpError } from './errors.ts';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Smallest useful frame: marker + 4 base64 characters + newline. */
const SMP_SERIAL_LINE_MIN_BYTES = SMP_SERIAL_MARKER_BYTES + 4 + 1;
/**
 * Longest line a decoder keeps when not told otherwise: frames are at most 127 bytes, console log
 * lines in between can be longer, endless garbage without a newline must not grow memory.
 */
export const SMP_SERIAL_DECODER_LINE_MAX_BYTES = 4096;
/** Largest message the u16 length prefix can carry (it counts the CRC too). */
const SMP_SERIAL_MAX_MESSAGE_BYTES = 0xffff - SMP_SERIAL_CRC_BYTES;

/** Raw bytes one frame of `lineMaxBytes` carries: the base64 room rounded down to whole quads. */
export function serialRawBytesPerLine(lineMaxBytes = SMP_SERIAL_LINE_MAX_BYTES): number {
  if (!Number.isInteger(lineMaxBytes) || lineMaxBytes < SMP_SERIAL_LINE_MIN_BYTES) {
    throw new SmpError('SMP_BAD_ARG', `serial.frame: a line of ${lineMaxBytes} bytes cannot hold a frame`, { lineMaxBytes });
  }
  return Math.floor((lineMaxBytes - SMP_SERIAL_MARKER_BYTES - 1) / 4) * 3;
}

/** The raw stream of one message: length prefix, message, CRC. */
export function serialRawStream(message: Uint8Array): Uint8Array {
  if (message.length > SMP_SERIAL_MAX_MESSAGE_BYTES) {
    throw new SmpError('SMP_MSGSIZE', `serial.frame: a message of ${message.length} bytes exceeds ${SMP_SERIAL_MAX_MESSAGE_BYTES}`, {
      length: message.length,
    });
  }
  const raw = new Uint8Array(SMP_SERIAL_LENGTH_BYTES + message.length + SMP_SERIAL_CRC_BYTES);
  writeU16BE(raw, 0, message.length + SMP_SERIAL_CRC_BYTES);
  raw.set(message, SMP_SERIAL_LENGTH_BYTES);
  writeU16BE(raw, SMP_SERIAL_LENGTH_BYTES + message.length, crc16Xmodem(message));
  return raw;
}

/** Frames one message (or any raw payload) into console lines, each at most `lineMaxBytes`. */
export function encodeSerialFrames(message: Uint8Array, lineMaxBytes = SMP_SERIAL_LINE_MAX_BYTES): Uint8Array[] {
  const perLine = serialRawBytesPerLine(lineMaxBytes);
  const raw = serialRawStream(message);
  const lines: Uint8Array[] = [];
  for (let o = 0; o < raw.length; o += perLine) {
    const b64 = base64EncodeBytes(raw.subarray(o, Math.min(raw.length, o + perLine)));
    const line = new Uint8Array(SMP_SERIAL_MARKER_BYTES + b64.length + 1);
    line.set(o === 0 ? SMP_SERIAL_START_MARKER : SMP_SERIAL_CONTINUATION_MARKER, 0);
    line.set(b64, SMP_SERIAL_MARKER_BYTES);
    line[line.length - 1] = NEWLINE;
    lines.push(line);
  }
  return lines;
}

/** All frames of one message as one byte string (what goes on the wire). */
export function encodeSerialMessage(message: Uint8Array, lineMaxBytes = SMP_SERIAL_LINE_MAX_BYTES): Uint8Array {
  return concatBytes(...encodeSerialFrames(message, lineMaxBytes));
}

/** Bytes on the wire for a message of `messageBytes` (without building it): the bench's and sizing's model. */
export function serialWireBytes(messageBytes: number, lineMaxBytes = SMP_SERIAL_LINE_MAX_BYTES): number {
  const perLine = serialRawBytesPerLine(lineMaxBytes);
  const raw = SMP_SERIAL_LENGTH_BYTES + messageBytes + SMP_SERIAL_CRC_BYTES;
  const full = Math.floor(raw / perLine);
  const rest = raw - full * perLine;
  const lineOverhead = SMP_SERIAL_MARKER_BYTES + 1;
  return full * (lineOverhead + (perLine / 3) * 4) + (rest > 0 ? lineOverhead + Math.ceil(rest / 3) * 4 : 0);
}

export interface SerialDecoderOptions {
  /** Longest line accepted, newline included (Zephyr's UART line buffer); longer lines are dropped. */
  lineBufferBytes?: number;
  /** Largest message accepted (server: buf_size - 4); a bigger announced length drops the frame. */
  maxMessageBytes?: number;
}

function startsWith(b: Uint8Array, at: number, m: readonly [number, number]): boolean {
  return b[at] === m[0] && b[at + 1] === m[1];
}

/** Reassembles SMP messages from serial bytes. */
export class SerialFrameDecoder {
  private readonly lineBufferBytes: number;
  private readonly maxMessageBytes: number;
  private line: number[] = [];
  private lineOverflow = false;
  /** Raw bytes of the message being reassembled, or undefined when idle. */
  private raw: Uint8Array[] | undefined;
  private rawLength = 0;
  /** Counters for tests and diagnostics. */
  readonly stats = { messages: 0, errors: 0, droppedContinuations: 0, noiseLines: 0 };

  constructor(
    private readonly onMessage: (message: Uint8Array) => void,
    private readonly onError: (error: SmpError) => void = () => {},
    options: SerialDecoderOptions = {},
  ) {
    this.lineBufferBytes = options.lineBufferBytes ?? SMP_SERIAL_DECODER_LINE_MAX_BYTES;
    this.maxMessageBytes = options.maxMessageBytes ?? SMP_SERIAL_MAX_MESSAGE_BYTES;
  }

  /** Feeds received bytes, in any pieces. */
  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === NEWLINE) {
        const overflow = this.lineOverflow;
        const line = Uint8Array.from(this.line);
        this.line = [];
        this.lineOverflow = false;
        if (overflow) this.fail(new SmpError('SMP_BAD_FRAME', `serial.decode: a line longer than ${this.lineBufferBytes} bytes was dropped`));
        else this.onLine(line);
      } else if (!this.lineOverflow) {
        if (this.line.length + 1 >= this.lineBufferBytes) this.lineOverflow = true;
        else this.line.push(b);
      }
    }
  }

  /** Forgets any half-received line and message (e.g. after the port reopened). */
  reset(): void {
    this.line = [];
    this.lineOverflow = false;
    this.raw = undefined;
    this.rawLength = 0;
  }

  private fail(e: SmpError): void {
    this.raw = undefined;
    this.rawLength = 0;
    this.stats.errors++;
    this.onError(e);
  }

  private onLine(lineIn: Uint8Array): void {
    let line = lineIn;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    // A frame may follow console output on the same line: find the first marker.
    let at = -1;
    let start = false;
    for (let i = 0; i + 1 < line.length; i++) {
      if (startsWith(line, i, SMP_SERIAL_START_MARKER)) { at = i; start = true; break; }
      if (startsWith(line, i, SMP_SERIAL_CONTINUATION_MARKER)) { at = i; break; }
    }
    if (at < 0) {
      this.stats.noiseLines++;
      return;
    }
    if (!start && this.raw === undefined) {
      this.stats.droppedContinuations++;
      return;
    }
    let decoded: Uint8Array;
    try {
      decoded = base64DecodeBytes(line.subarray(at + SMP_SERIAL_MARKER_BYTES));
    } catch (e) {
      this.fail(e as SmpError);
      return;
    }
    if (start) {
      // A start marker always begins a new message, dropping any unfinished one.
      this.raw = [];
      this.rawLength = 0;
    }
    this.raw!.push(decoded);
    this.rawLength += decoded.length;
    this.tryComplete();
  }

  private tryComplete(): void {
    if (this.rawLength < SMP_SERIAL_LENGTH_BYTES) return;
    const raw = this.raw!.length === 1 ? this.raw![0]! : concatBytes(...this.raw!);
    this.raw = [raw];
    const length = readU16BE(raw, 0);
    if (length < SMP_SERIAL_CRC_BYTES || length - SMP_SERIAL_CRC_BYTES > this.maxMessageBytes) {
      this.fail(new SmpError('SMP_BAD_FRAME', `serial.decode: announced length ${length} is outside 2..${this.maxMessageBytes + SMP_SERIAL_CRC_BYTES}`, { length }));
      return;
    }
    const total = SMP_SERIAL_LENGTH_BYTES + length;
    if (raw.length < total) return;
    if (raw.length > total) {
      this.fail(new SmpError('SMP_BAD_FRAME', `serial.decode: ${raw.length - total} bytes past the announced length`, { length }));
      return;
    }
    const body = raw.subarray(SMP_SERIAL_LENGTH_BYTES);
    this.raw = undefined;
    this.rawLength = 0;
    if (crc16Xmodem(body) !== 0) {
      this.stats.errors++;
      this.onError(new SmpError('SMP_BAD_CRC', `serial.decode: CRC mismatch on a ${length - SMP_SERIAL_CRC_BYTES}-byte message`, { length }));
      return;
    }
    this.stats.messages++;
    this.onMessage(Uint8Array.from(body.subarray(0, body.length - SMP_SERIAL_CRC_BYTES)));
  }
}

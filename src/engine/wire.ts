/**
 * The messages that cross the boundary between the device bundle (running inside an embedded
 * JavaScript engine: XS or QuickJS) and its host (the Node side serving the HAL from a simulated
 * board). One frame carries a JSON tree whose byte arrays travel beside it as raw blobs, so a flash
 * page or a TLS payload is copied once, not hex-encoded:
 *
 *   u32 jsonBytes (little-endian) | JSON (UTF-8) | { u32 blobBytes | blob } ...
 *
 * In the JSON a byte array is `{"$b": index}`. Portable (ES2020, no TextEncoder): both sides use it.
 */
import { utf8Decode, utf8Encode } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';

/** Size of the length prefixes (u32). */
const WIRE_LENGTH_BYTES = 4;
/** Largest frame accepted (a 64 KiB flash page read plus its JSON leaves room). */
export const WIRE_MAX_FRAME_BYTES = 1024 * 1024;
/** Largest number of blobs in one frame. */
export const WIRE_MAX_BLOBS = 64;
/** Key marking a blob reference in the JSON tree. */
const BLOB_KEY = '$b';

/** A value that crosses: JSON values and byte arrays. */
export type WireValue = null | boolean | number | string | Uint8Array | WireValue[] | { [key: string]: WireValue | undefined };

function writeU32(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v & 0xff;
  out[offset + 1] = (v >>> 8) & 0xff;
  out[offset + 2] = (v >>> 16) & 0xff;
  out[offset + 3] = (v >>> 24) & 0xff;
}

function readU32(b: Uint8Array, offset: number): number {
  return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
}

/** Encodes one message. */
export function encodeWire(value: WireValue): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      blobs.push(v);
      return { [BLOB_KEY]: blobs.length - 1 };
    }
    return v;
  });
  if (blobs.length > WIRE_MAX_BLOBS) throw new FotaError('ENGINE_WIRE', `wire.encode: ${blobs.length} blobs, at most ${WIRE_MAX_BLOBS}`);
  const text = utf8Encode(json === undefined ? 'null' : json);
  let size = WIRE_LENGTH_BYTES + text.length;
  for (const b of blobs) size += WIRE_LENGTH_BYTES + b.length;
  if (size > WIRE_MAX_FRAME_BYTES) throw new FotaError('ENGINE_WIRE', `wire.encode: a ${size}-byte frame, at most ${WIRE_MAX_FRAME_BYTES}`);
  const out = new Uint8Array(size);
  writeU32(out, 0, text.length);
  out.set(text, WIRE_LENGTH_BYTES);
  let o = WIRE_LENGTH_BYTES + text.length;
  for (const b of blobs) {
    writeU32(out, o, b.length);
    out.set(b, o + WIRE_LENGTH_BYTES);
    o += WIRE_LENGTH_BYTES + b.length;
  }
  return out;
}

/** Decodes one message; ENGINE_WIRE for a frame that does not parse. */
export function decodeWire(frame: Uint8Array): WireValue {
  if (frame.length < WIRE_LENGTH_BYTES || frame.length > WIRE_MAX_FRAME_BYTES) {
    throw new FotaError('ENGINE_WIRE', `wire.decode: a ${frame.length}-byte frame`);
  }
  const jsonBytes = readU32(frame, 0);
  if (WIRE_LENGTH_BYTES + jsonBytes > frame.length) throw new FotaError('ENGINE_WIRE', 'wire.decode: the JSON runs past the frame');
  const blobs: Uint8Array[] = [];
  let o = WIRE_LENGTH_BYTES + jsonBytes;
  while (o < frame.length) {
    if (o + WIRE_LENGTH_BYTES > frame.length || blobs.length >= WIRE_MAX_BLOBS) throw new FotaError('ENGINE_WIRE', 'wire.decode: bad blob table');
    const n = readU32(frame, o);
    if (o + WIRE_LENGTH_BYTES + n > frame.length) throw new FotaError('ENGINE_WIRE', 'wire.decode: a blob runs past the frame');
    // A copy: the frame's buffer belongs to the engine binding and may be reused.
    blobs.push(frame.slice(o + WIRE_LENGTH_BYTES, o + WIRE_LENGTH_BYTES + n));
    o += WIRE_LENGTH_BYTES + n;
  }
  const text = utf8Decode(frame.subarray(WIRE_LENGTH_BYTES, WIRE_LENGTH_BYTES + jsonBytes));
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const ref = (v as Record<string, unknown>)[BLOB_KEY];
      if (typeof ref === 'number' && Object.keys(v).length === 1) {
        const blob = blobs[ref];
        if (!blob) throw new FotaError('ENGINE_WIRE', `wire.decode: blob ${ref} is missing`);
        return blob;
      }
    }
    return v;
  }) as WireValue;
}

/** An error as it crosses: enough to rebuild the same class and code on the other side. */
export interface WireError {
  [key: string]: WireValue | undefined;
  name: string;
  code: string;
  message: string;
  context?: { [key: string]: WireValue | undefined };
}

/**
 * Guest → host requests. `call`: answered at once (the guest waits, as for a register read);
 * `start`: the host answers with an id and later delivers the outcome (an interrupt, then the
 * guest's job queue runs).
 */
export type GuestRequest =
  | { t: 'call'; op: string; args: WireValue[] }
  | { t: 'start'; op: string; args: WireValue[] };

/** Host's answer to a request. `halt`: the board reset or lost power; the guest stops at once. */
export type HostReply = { ok: WireValue } | { err: WireError } | { id: number } | { halt: true };

/** Host → guest deliveries. */
export type HostDelivery =
  | { t: 'boot'; config: WireValue }
  | { t: 'settle'; id: number; ok?: WireValue; err?: WireError }
  | { t: 'event'; source: string; data: WireValue };

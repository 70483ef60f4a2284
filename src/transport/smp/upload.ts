/**
 * Image upload over SMP (img_mgmt upload, IMAGE group command 1), the way a careful client does it:
 * - every chunk fills the device's buffer exactly: the message with its `data` field is encoded and the
 *   largest data length that fits is solved for (CBOR length headers grow with the length, `off` with
 *   the offset, so it is computed per chunk, never guessed);
 * - up to `buf_count - 1` requests in flight, responses matched by sequence;
 * - the first chunk (the device erases the slot) waits UPLOAD_FIRST_CHUNK_TIMEOUT_MS, others the client's;
 * - the device's `off` is the truth: a mismatch (resume, lost chunk) jumps there, `off = 0` mid-upload
 *   means it restarted, so the upload starts over with the first-chunk fields;
 * - `match: false` at the end fails the upload.
 * Spec: smp.md "Groups used for FOTA", "Chunk sizing".
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { cborEncode, type SmpBody } from './cbor.ts';
import {
  IMG_MGMT_ID_UPLOAD,
  MGMT_GROUP_ID_IMAGE,
  MGMT_OP_WRITE,
  SMP_DEFAULT_RETRIES,
  SMP_DEFAULT_TIMEOUT_MS,
  SMP_HEADER_BYTES,
  UPLOAD_FIRST_CHUNK_TIMEOUT_MS,
  UPLOAD_MAX_OFFSET_JUMPS,
  UPLOAD_MAX_RESTARTS,
} from './constants.ts';
import { SmpError } from './errors.ts';
import { encodeMessage } from './message.ts';
import type { SmpClient } from './client.ts';

/** Bytes of an encoded upload message carrying `dataBytes` of data with the other `fields`. */
export function uploadMessageBytes(fields: SmpBody, dataBytes: number): number {
  return SMP_HEADER_BYTES + cborEncode({ ...fields, data: new Uint8Array(dataBytes) }).length;
}

/**
 * The largest data length whose upload message (header + CBOR with `fields` and `data`) is at most
 * `maxMessageBytes`, capped at `remaining`. SMP_MSGSIZE when not even one data byte fits.
 */
export function uploadChunkBytes(fields: SmpBody, maxMessageBytes: number, remaining: number): number {
  const empty = uploadMessageBytes(fields, 0);
  // An empty bstr costs its 1-byte header; n bytes cost n plus a header of 1, 2, 3 or 5 bytes.
  let n = Math.min(remaining, maxMessageBytes - empty + 1);
  while (n > 0 && uploadMessageBytes(fields, n) > maxMessageBytes) n--;
  if (n <= 0 && remaining > 0) {
    throw new SmpError('SMP_MSGSIZE', `upload.chunk: a ${maxMessageBytes}-byte message cannot carry any data`, { maxMessageBytes });
  }
  return n;
}

export interface UploadOptions {
  /** Image number (multi-image devices); sent as `image` in the first chunk when not 0. */
  image?: number;
  /** Requests in flight; default buf_count - 1 (at least 1). */
  window?: number;
  /** Override buf_size/buf_count instead of asking the device (os params). */
  bufSize?: number;
  bufCount?: number;
  /** Sent as `upgrade: true` in the first chunk (device refuses older images). */
  upgrade?: boolean;
  timeoutMs?: number;
  firstChunkTimeoutMs?: number;
  /** Timeouts tolerated per chunk offset before failing. */
  retries?: number;
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadResult {
  bytes: number;
  /** Upload requests sent (retransmissions included). */
  requests: number;
  /** Bytes of every upload message sent (header + CBOR, before transport framing). */
  messageBytes: number;
  timeouts: number;
  /** Jumps to a device-given offset other than the one expected (resume, lost chunk). */
  offsetJumps: number;
  restarts: number;
  /** Offset the device reported after the first chunk (non-zero when it resumed). */
  resumedFrom: number;
  /** `match` of the final response, if the device sent one. */
  match?: boolean;
  window: number;
  maxMessageBytes: number;
  elapsedMs: number;
  /** Time to the first chunk's answer (params read and the device's slot erase). */
  firstChunkMs: number;
}

interface InFlight {
  off: number;
  length: number;
  promise: Promise<SmpBody | SmpError>;
}

/** Uploads `image` (a whole MCUboot image file) to the device's secondary slot. */
export async function uploadImage(client: SmpClient, image: Uint8Array, options: UploadOptions = {}): Promise<UploadResult> {
  const op = 'smp.upload';
  if (image.length === 0) throw new SmpError('SMP_BAD_ARG', `${op}: the image is empty`);
  const clock = client.clock;
  const started = clock.now();
  let bufSize = options.bufSize;
  let bufCount = options.bufCount;
  if (bufSize === undefined || bufCount === undefined) {
    const p = await client.params();
    bufSize ??= p.bufSize;
    bufCount ??= p.bufCount;
  }
  const window = Math.max(1, options.window ?? bufCount - 1);
  const maxMessageBytes = client.transport.maxMessageBytes(bufSize);
  const timeoutMs = options.timeoutMs ?? SMP_DEFAULT_TIMEOUT_MS;
  const firstTimeoutMs = options.firstChunkTimeoutMs ?? UPLOAD_FIRST_CHUNK_TIMEOUT_MS;
  const retries = options.retries ?? SMP_DEFAULT_RETRIES;
  const sha = sha256(image);
  const len = image.length;
  const result: UploadResult = {
    bytes: len, requests: 0, messageBytes: 0, timeouts: 0, offsetJumps: 0, restarts: 0, resumedFrom: 0,
    window, maxMessageBytes, elapsedMs: 0, firstChunkMs: 0,
  };

  const firstFields = (): SmpBody => {
    const f: SmpBody = {};
    if (options.image) f.image = options.image;
    f.len = len;
    f.off = 0;
    f.sha = sha;
    if (options.upgrade) f.upgrade = true;
    return f;
  };

  const send = (off: number): InFlight => {
    const fields = off === 0 ? firstFields() : { off };
    const length = uploadChunkBytes(fields, maxMessageBytes, len - off);
    const seq = client.nextSequence();
    const message = encodeMessage(
      { version: client.smpVersion, op: MGMT_OP_WRITE, flags: 0, group: MGMT_GROUP_ID_IMAGE, sequence: seq, command: IMG_MGMT_ID_UPLOAD },
      { ...fields, data: image.subarray(off, off + length) },
    );
    result.requests++;
    result.messageBytes += message.length;
    const promise = client.sendRaw(message, off === 0 ? firstTimeoutMs : timeoutMs).catch((e: unknown) => e as SmpError);
    return { off, length, promise };
  };

  let next = 0; // next offset to send
  let acked = 0; // the device's latest confirmed offset
  let firstDone = false;
  let timeoutsHere = 0;
  const queue: InFlight[] = [];
  const drain = async (): Promise<void> => {
    while (queue.length > 0) await queue.shift()!.promise;
  };

  for (;;) {
    // The first chunk goes alone: the device erases the slot and may answer a resume offset.
    const limit = firstDone ? window : 1;
    while (queue.length < limit && next < len) {
      const c = send(next);
      queue.push(c);
      next += c.length;
    }
    if (queue.length === 0) break;
    const c = queue.shift()!;
    const r = await c.promise;
    if (r instanceof SmpError) {
      if (r.code !== 'SMP_TIMEOUT') {
        await drain();
        throw r;
      }
      result.timeouts++;
      if (++timeoutsHere > retries) {
        await drain();
        throw new SmpError('SMP_TIMEOUT', `${op}: no response at offset ${c.off} after ${retries} retries`, { off: c.off, retries });
      }
      await drain();
      next = acked;
      continue;
    }
    const off = r.off;
    if (typeof off !== 'number' || !Number.isInteger(off) || off < 0 || off > len) {
      await drain();
      throw new SmpError('SMP_BAD_BODY', `${op}: response offset ${String(off)} is not 0..${len}`, { off });
    }
    timeoutsHere = 0;
    const expected = c.off + c.length;
    if (c.off === 0 && !firstDone) {
      firstDone = true;
      if (result.firstChunkMs === 0) result.firstChunkMs = clock.now() - started;
      result.resumedFrom = off === expected ? 0 : off;
    }
    if (off === len) {
      await drain();
      if (typeof r.match === 'boolean') result.match = r.match;
      if (r.match === false) throw new SmpError('SMP_UPLOAD_FAILED', `${op}: the device's image does not match the sha sent`, { len });
      acked = len;
      options.onProgress?.(len, len);
      break;
    }
    if (off === expected) {
      acked = off;
      options.onProgress?.(acked, len);
      continue;
    }
    // The device wants another offset: drop what is in flight and go where it says.
    await drain();
    if (off === 0 && c.off > 0) {
      if (++result.restarts > UPLOAD_MAX_RESTARTS) {
        throw new SmpError('SMP_UPLOAD_FAILED', `${op}: the device restarted the upload ${UPLOAD_MAX_RESTARTS} times`, { restarts: UPLOAD_MAX_RESTARTS });
      }
      firstDone = false;
    } else if (++result.offsetJumps > UPLOAD_MAX_OFFSET_JUMPS) {
      throw new SmpError('SMP_UPLOAD_FAILED', `${op}: the device moved the offset ${UPLOAD_MAX_OFFSET_JUMPS} times`, { off, jumps: UPLOAD_MAX_OFFSET_JUMPS });
    }
    acked = off;
    next = off;
    options.onProgress?.(acked, len);
  }
  result.elapsedMs = clock.now() - started;
  return result;
}

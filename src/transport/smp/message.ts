/**
 * SMP message: the 8-byte big-endian header (struct smp_hdr) followed by one CBOR map.
 * Spec: smp.md "Message". Byte 0 = version (bits 4-3) | op (bits 2-0); byte 1 flags; bytes 2-3 CBOR
 * length; bytes 4-5 group; byte 6 sequence; byte 7 command id.
 */
import { readU16BE, writeU16BE } from '../../hal/bytes.ts';
import { cborDecode, cborEncode, type SmpBody } from './cbor.ts';
import {
  MGMT_OP_WRITE_RSP,
  SMP_HDR_FLAGS_OFFSET,
  SMP_HDR_GROUP_OFFSET,
  SMP_HDR_ID_OFFSET,
  SMP_HDR_LEN_OFFSET,
  SMP_HDR_OP_OFFSET,
  SMP_HDR_SEQ_OFFSET,
  SMP_HEADER_BYTES,
  SMP_MAX_PAYLOAD_BYTES,
  SMP_OP_MASK,
  SMP_VERSION_2,
  SMP_VERSION_MASK,
  SMP_VERSION_SHIFT,
} from './constants.ts';
import { SmpError } from './errors.ts';

export interface SmpHeader {
  /** 0 = SMP v1, 1 = SMP v2. */
  version: number;
  /** MGMT_OP_READ / _READ_RSP / _WRITE / _WRITE_RSP. */
  op: number;
  flags: number;
  /** CBOR payload length in bytes (header not counted). */
  length: number;
  group: number;
  sequence: number;
  command: number;
}

export interface SmpMessage {
  header: SmpHeader;
  body: SmpBody;
}

const U8_MAX = 0xff;
/** Width of the version field (bits 4-3). */
const SMP_VERSION_BITS = 2;
const U16_MAX = 0xffff;

function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new SmpError('SMP_BAD_ARG', `smp.encodeHeader: ${name} ${v} is not an integer from 0 to ${max}`, { field: name, value: v });
  }
}

export function encodeHeader(h: SmpHeader): Uint8Array {
  checkField('version', h.version, SMP_VERSION_MASK);
  checkField('op', h.op, SMP_OP_MASK);
  checkField('flags', h.flags, U8_MAX);
  checkField('length', h.length, SMP_MAX_PAYLOAD_BYTES);
  checkField('group', h.group, U16_MAX);
  checkField('sequence', h.sequence, U8_MAX);
  checkField('command', h.command, U8_MAX);
  const b = new Uint8Array(SMP_HEADER_BYTES);
  b[SMP_HDR_OP_OFFSET] = (h.version << SMP_VERSION_SHIFT) | h.op;
  b[SMP_HDR_FLAGS_OFFSET] = h.flags;
  writeU16BE(b, SMP_HDR_LEN_OFFSET, h.length);
  writeU16BE(b, SMP_HDR_GROUP_OFFSET, h.group);
  b[SMP_HDR_SEQ_OFFSET] = h.sequence;
  b[SMP_HDR_ID_OFFSET] = h.command;
  return b;
}

/** Parses the header at the start of `bytes`; SMP_BAD_HEADER when fewer than 8 bytes or reserved bits set. */
export function decodeHeader(bytes: Uint8Array): SmpHeader {
  if (bytes.length < SMP_HEADER_BYTES) {
    throw new SmpError('SMP_BAD_HEADER', `smp.decodeHeader: ${bytes.length} bytes, a header needs ${SMP_HEADER_BYTES}`, { length: bytes.length });
  }
  const b0 = bytes[SMP_HDR_OP_OFFSET]!;
  const version = (b0 >> SMP_VERSION_SHIFT) & SMP_VERSION_MASK;
  // Bits 7-5 are reserved (zero).
  if (b0 >> (SMP_VERSION_SHIFT + SMP_VERSION_BITS) !== 0) {
    throw new SmpError('SMP_BAD_HEADER', `smp.decodeHeader: reserved bits set in byte 0 (0x${b0.toString(16)})`, { byte0: b0 });
  }
  return {
    version,
    op: b0 & SMP_OP_MASK,
    flags: bytes[SMP_HDR_FLAGS_OFFSET]!,
    length: readU16BE(bytes, SMP_HDR_LEN_OFFSET),
    group: readU16BE(bytes, SMP_HDR_GROUP_OFFSET),
    sequence: bytes[SMP_HDR_SEQ_OFFSET]!,
    command: bytes[SMP_HDR_ID_OFFSET]!,
  };
}

/** Encodes header + body; the header's `length` is computed from the body. */
export function encodeMessage(header: Omit<SmpHeader, 'length'>, body: SmpBody): Uint8Array {
  const cbor = cborEncode(body);
  if (cbor.length > SMP_MAX_PAYLOAD_BYTES) {
    throw new SmpError('SMP_MSGSIZE', `smp.encodeMessage: body of ${cbor.length} bytes exceeds ${SMP_MAX_PAYLOAD_BYTES}`, { length: cbor.length });
  }
  const out = new Uint8Array(SMP_HEADER_BYTES + cbor.length);
  out.set(encodeHeader({ ...header, length: cbor.length }), 0);
  out.set(cbor, SMP_HEADER_BYTES);
  return out;
}

/**
 * Parses one whole message. The byte count must be exactly header + length (SMP_BAD_HEADER otherwise);
 * the body must be one CBOR map (SMP_BAD_CBOR / SMP_BAD_BODY).
 */
export function decodeMessage(bytes: Uint8Array): SmpMessage {
  const header = decodeHeader(bytes);
  const total = SMP_HEADER_BYTES + header.length;
  if (bytes.length !== total) {
    throw new SmpError('SMP_BAD_HEADER', `smp.decodeMessage: header says ${total} bytes, got ${bytes.length}`, {
      expected: total,
      length: bytes.length,
    });
  }
  const body = cborDecode(bytes.subarray(SMP_HEADER_BYTES));
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
    throw new SmpError('SMP_BAD_BODY', 'smp.decodeMessage: the body is not a CBOR map', { group: header.group, command: header.command });
  }
  return { header, body: body as SmpBody };
}

/** Total message length announced by a header prefix (BLE reassembly), or undefined before 8 bytes. */
export function announcedLength(prefix: Uint8Array): number | undefined {
  return prefix.length < SMP_HEADER_BYTES ? undefined : SMP_HEADER_BYTES + readU16BE(prefix, SMP_HDR_LEN_OFFSET);
}

/** The response header for a request: same group/sequence/command, op + 1, version min(request, v2). */
export function responseHeader(req: SmpHeader): Omit<SmpHeader, 'length'> {
  return {
    version: Math.min(req.version, SMP_VERSION_2),
    op: req.op + 1 > MGMT_OP_WRITE_RSP ? MGMT_OP_WRITE_RSP : req.op + 1,
    flags: 0,
    group: req.group,
    sequence: req.sequence,
    command: req.command,
  };
}

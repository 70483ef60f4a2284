/**
 * SMP (MCUmgr) vectors: requests and responses as fotakit encodes them (8-byte header + CBOR), their
 * serial console frames (one frame and multi-frame, CRC-16/XMODEM), their BLE fragments at several
 * ATT MTUs, error responses v1 (`rc`) and v2 (`err: {group, rc}`) → the error fotakit reports, and
 * damaged serial input → the decoder's error code.
 * Spec: smp.md "Message", "Serial (console) transport", "BLE transport", "Errors".
 */
import { concatBytes, toHex, utf8Encode } from '../hal/bytes.ts';
import { responseError } from '../transport/smp/client.ts';
import type { SmpBody } from '../transport/smp/cbor.ts';
import {
  BT_ATT_HEADER_BYTES,
  IMG_MGMT_ERR_NO_IMAGE,
  IMG_MGMT_ID_STATE,
  IMG_MGMT_ID_UPLOAD,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOTSUP,
  MGMT_GROUP_ID_IMAGE,
  MGMT_GROUP_ID_OS,
  MGMT_OP_READ,
  MGMT_OP_READ_RSP,
  MGMT_OP_WRITE,
  MGMT_OP_WRITE_RSP,
  OS_MGMT_ID_ECHO,
  OS_MGMT_ID_RESET,
  SMP_HEADER_BYTES,
  SMP_SERIAL_CONTINUATION_MARKER,
  SMP_SERIAL_LINE_MAX_BYTES,
  SMP_SERIAL_START_MARKER,
  SMP_VERSION_1,
  SMP_VERSION_2,
} from '../transport/smp/constants.ts';
import { crc16Xmodem } from '../transport/smp/crc16.ts';
import type { SmpError } from '../transport/smp/errors.ts';
import { fragmentMessage } from '../transport/smp/ble-framing.ts';
import { decodeMessage, encodeMessage, type SmpHeader } from '../transport/smp/message.ts';
import { encodeSerialFrames, SerialFrameDecoder } from '../transport/smp/serial-framing.ts';
import { CHeaderWriter, cString } from './c-header.ts';
import { VECTORS_SCHEMA_VERSION, type VectorCategory } from './category.ts';
import { vectorPayload } from './images.ts';

/** ATT MTUs of the BLE vectors: the minimum, a common phone value, and the nRF default maximum. */
export const VECTOR_BLE_MTUS: readonly number[] = [23, 185, 247];
/** Upload chunk size in the multi-frame vectors. */
const VECTOR_UPLOAD_CHUNK_BYTES = 300;
/** Outcome name of a response that carries no error. */
const SMP_RESULT_OK = 'OK';

interface MessageCase {
  name: string;
  description: string;
  header: Omit<SmpHeader, 'length'>;
  body: SmpBody;
}

function cases(): MessageCase[] {
  const image = vectorPayload(2 * VECTOR_UPLOAD_CHUNK_BYTES);
  const sha = new Uint8Array(32).map((_, i) => i);
  const h = (version: number, op: number, group: number, sequence: number, command: number) => ({ version, op, flags: 0, group, sequence, command });
  return [
    { name: 'echo_request', description: 'os echo "hello" (v2)', header: h(SMP_VERSION_2, MGMT_OP_WRITE, MGMT_GROUP_ID_OS, 1, OS_MGMT_ID_ECHO), body: { d: 'hello' } },
    { name: 'echo_response', description: 'os echo answer', header: h(SMP_VERSION_2, MGMT_OP_WRITE_RSP, MGMT_GROUP_ID_OS, 1, OS_MGMT_ID_ECHO), body: { r: 'hello' } },
    { name: 'reset_request', description: 'os reset (v1)', header: h(SMP_VERSION_1, MGMT_OP_WRITE, MGMT_GROUP_ID_OS, 2, OS_MGMT_ID_RESET), body: {} },
    { name: 'image_state_read', description: 'image state read', header: h(SMP_VERSION_2, MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, 3, IMG_MGMT_ID_STATE), body: {} },
    {
      name: 'image_state_response',
      description: 'image state: confirmed running image in slot 0, pending test image in slot 1',
      header: h(SMP_VERSION_2, MGMT_OP_READ_RSP, MGMT_GROUP_ID_IMAGE, 3, IMG_MGMT_ID_STATE),
      body: {
        images: [
          { image: 0, slot: 0, version: '1.2.3', hash: sha, bootable: true, pending: false, confirmed: true, active: true, permanent: false },
          { image: 0, slot: 1, version: '1.3.0', hash: sha.map((b) => b ^ 0xff), bootable: true, pending: true, confirmed: false, active: false, permanent: false },
        ],
        splitStatus: 0,
      },
    },
    { name: 'image_test', description: 'image state write: test the image with this hash', header: h(SMP_VERSION_2, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, 4, IMG_MGMT_ID_STATE), body: { hash: sha, confirm: false } },
    {
      name: 'upload_first_chunk',
      description: `image upload, first ${VECTOR_UPLOAD_CHUNK_BYTES}-byte chunk with len and sha (multi-frame on serial)`,
      header: h(SMP_VERSION_2, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, 5, IMG_MGMT_ID_UPLOAD),
      body: { image: 0, len: image.length, off: 0, sha, data: image.subarray(0, VECTOR_UPLOAD_CHUNK_BYTES), upgrade: false },
    },
    {
      name: 'upload_next_chunk',
      description: 'image upload, next chunk',
      header: h(SMP_VERSION_2, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, 6, IMG_MGMT_ID_UPLOAD),
      body: { off: VECTOR_UPLOAD_CHUNK_BYTES, data: image.subarray(VECTOR_UPLOAD_CHUNK_BYTES) },
    },
    { name: 'upload_response', description: 'image upload answer: next offset', header: h(SMP_VERSION_2, MGMT_OP_WRITE_RSP, MGMT_GROUP_ID_IMAGE, 6, IMG_MGMT_ID_UPLOAD), body: { off: image.length } },
  ];
}

/** Error responses: the request's group, the body, and what fotakit's client reports. */
const ERROR_CASES: ReadonlyArray<{ name: string; description: string; version: number; requestGroup: number; command: number; body: SmpBody }> = [
  { name: 'v1_rc_einval', description: 'SMP v1 rc 3 (MGMT_ERR_EINVAL)', version: SMP_VERSION_1, requestGroup: MGMT_GROUP_ID_IMAGE, command: IMG_MGMT_ID_UPLOAD, body: { rc: MGMT_ERR_EINVAL } },
  { name: 'v1_rc_enotsup_rsn', description: 'SMP v1 rc 8 (MGMT_ERR_ENOTSUP) with a reason text', version: SMP_VERSION_1, requestGroup: MGMT_GROUP_ID_OS, command: OS_MGMT_ID_RESET, body: { rc: MGMT_ERR_ENOTSUP, rsn: 'not supported' } },
  { name: 'v1_rc_zero', description: 'rc 0: success', version: SMP_VERSION_1, requestGroup: MGMT_GROUP_ID_OS, command: OS_MGMT_ID_ECHO, body: { r: 'x', rc: 0 } },
  { name: 'v2_err_no_image', description: 'SMP v2 err {group 1, rc 3} (IMG_MGMT_ERR_NO_IMAGE)', version: SMP_VERSION_2, requestGroup: MGMT_GROUP_ID_IMAGE, command: IMG_MGMT_ID_STATE, body: { err: { group: MGMT_GROUP_ID_IMAGE, rc: IMG_MGMT_ERR_NO_IMAGE } } },
  { name: 'v2_err_rc_zero', description: 'v2 err with rc 0: success', version: SMP_VERSION_2, requestGroup: MGMT_GROUP_ID_IMAGE, command: IMG_MGMT_ID_STATE, body: { err: { group: MGMT_GROUP_ID_IMAGE, rc: 0 } } },
  { name: 'v2_smp_layer_rc', description: 'v2 response with an SMP-layer rc (reported with the request group)', version: SMP_VERSION_2, requestGroup: MGMT_GROUP_ID_IMAGE, command: IMG_MGMT_ID_UPLOAD, body: { rc: MGMT_ERR_ENOTSUP } },
  { name: 'bad_rc_type', description: 'rc that is not an unsigned integer', version: SMP_VERSION_1, requestGroup: MGMT_GROUP_ID_OS, command: OS_MGMT_ID_ECHO, body: { rc: 'x' } },
  { name: 'bad_err_shape', description: 'err that is not {group, rc}', version: SMP_VERSION_2, requestGroup: MGMT_GROUP_ID_OS, command: OS_MGMT_ID_ECHO, body: { err: 5 } },
];

/** Serial input with a problem → the decoder's first error code (or OK when it recovers silently). */
function damagedSerial(message: Uint8Array): Array<{ name: string; description: string; bytes: Uint8Array }> {
  const frames = encodeSerialFrames(message);
  const one = frames[0]!;
  const flipped = Uint8Array.from(one);
  // Change one base64 character of the CRC (the last 4 before '\n') to another valid one.
  const at = flipped.length - 3;
  flipped[at] = flipped[at] === 0x41 ? 0x42 : 0x41;
  const shortLen = Uint8Array.from(one);
  return [
    { name: 'crc_mismatch', description: 'one base64 character of the CRC changed', bytes: flipped },
    { name: 'noise_then_frame', description: 'console log line before a good frame (ignored)', bytes: concatBytes(utf8Encode('[00:00:01.000] <inf> app: booting\n'), one) },
    { name: 'bad_base64', description: 'frame body that is not base64', bytes: concatBytes(Uint8Array.of(...SMP_SERIAL_START_MARKER), utf8Encode('!!!!\n')) },
    { name: 'orphan_continuation', description: 'a continuation frame with nothing started (dropped)', bytes: concatBytes(Uint8Array.of(...SMP_SERIAL_CONTINUATION_MARKER), shortLen.subarray(2)) },
  ];
}

function decodeSerial(bytes: Uint8Array): { code: string; messages: number } {
  const errors: SmpError[] = [];
  let messages = 0;
  const d = new SerialFrameDecoder(() => messages++, (e) => errors.push(e));
  d.push(bytes);
  return { code: errors[0]?.code ?? SMP_RESULT_OK, messages };
}

export async function generateSmpVectors(): Promise<VectorCategory> {
  const messages = cases().map((c) => {
    const bytes = encodeMessage(c.header, c.body);
    decodeMessage(bytes); // round trip: a vector fotakit could not read back is a generator bug
    const frames = encodeSerialFrames(bytes);
    const ble = VECTOR_BLE_MTUS.map((mtu) => ({ mtu, fragments: fragmentMessage(bytes, mtu) }));
    return { c, bytes, frames, crc: crc16Xmodem(bytes), ble };
  });
  const errors = ERROR_CASES.map((e) => {
    const bytes = encodeMessage({ version: e.version, op: MGMT_OP_WRITE_RSP, flags: 0, group: e.requestGroup, sequence: 9, command: e.command }, e.body);
    const err = responseError('vectors.smp', e.requestGroup, decodeMessage(bytes).body);
    return {
      e,
      bytes,
      code: err?.code ?? SMP_RESULT_OK,
      group: err?.code === 'SMP_RC' ? (err.context.group as number) : undefined,
      rc: err?.code === 'SMP_RC' ? (err.context.rc as number) : undefined,
    };
  });
  const damaged = damagedSerial(messages[0]!.bytes).map((d) => ({ d, ...decodeSerial(d.bytes) }));

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'smp',
    serial_line_max_bytes: SMP_SERIAL_LINE_MAX_BYTES,
    messages: messages.map(({ c, bytes, frames, crc, ble }) => ({
      name: c.name,
      description: c.description,
      header: { version: c.header.version, op: c.header.op, flags: c.header.flags, length: bytes.length - SMP_HEADER_BYTES, group: c.header.group, sequence: c.header.sequence, command: c.header.command },
      message_hex: toHex(bytes),
      crc16_xmodem: crc,
      serial_frames_hex: frames.map(toHex),
      ble: ble.map((b) => ({ mtu: b.mtu, fragments_hex: b.fragments.map(toHex) })),
    })),
    error_responses: errors.map((x) => ({
      name: x.e.name,
      description: x.e.description,
      request_group: x.e.requestGroup,
      message_hex: toHex(x.bytes),
      expect: { code: x.code, group: x.group ?? null, rc: x.rc ?? null },
    })),
    damaged_serial: damaged.map((x) => ({ name: x.d.name, description: x.d.description, bytes_hex: toHex(x.d.bytes), expect: { code: x.code, messages: x.messages } })),
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_SMP_H', 'SMP vectors: messages, serial frames (CRC-16/XMODEM), BLE fragments, error responses.');
  for (const [n, v] of [
    ['MGMT_OP_READ', MGMT_OP_READ],
    ['MGMT_OP_READ_RSP', MGMT_OP_READ_RSP],
    ['MGMT_OP_WRITE', MGMT_OP_WRITE],
    ['MGMT_OP_WRITE_RSP', MGMT_OP_WRITE_RSP],
    ['MGMT_GROUP_ID_OS', MGMT_GROUP_ID_OS],
    ['MGMT_GROUP_ID_IMAGE', MGMT_GROUP_ID_IMAGE],
    ['OS_MGMT_ID_ECHO', OS_MGMT_ID_ECHO],
    ['OS_MGMT_ID_RESET', OS_MGMT_ID_RESET],
    ['IMG_MGMT_ID_STATE', IMG_MGMT_ID_STATE],
    ['IMG_MGMT_ID_UPLOAD', IMG_MGMT_ID_UPLOAD],
    ['MGMT_ERR_EINVAL', MGMT_ERR_EINVAL],
    ['MGMT_ERR_ENOTSUP', MGMT_ERR_ENOTSUP],
    ['IMG_MGMT_ERR_NO_IMAGE', IMG_MGMT_ERR_NO_IMAGE],
  ] as const) w.define(n, v);
  w.define('FOTAKIT_SMP_HEADER_SIZE', SMP_HEADER_BYTES);
  w.define('FOTAKIT_SMP_SERIAL_LINE_MAX_BYTES', SMP_SERIAL_LINE_MAX_BYTES);
  w.define('FOTAKIT_BT_ATT_HEADER_BYTES', BT_ATT_HEADER_BYTES);
  w.blank().raw(
    [
      'struct fotakit_smp_message_vector {',
      '\tconst char *name;',
      '\tuint8_t version, op, flags;',
      '\tuint16_t len; /* CBOR bytes after the 8-byte header */',
      '\tuint16_t group;',
      '\tuint8_t seq, id;',
      '\tconst uint8_t *message;',
      '\tsize_t message_len;',
      '\tuint16_t crc16_xmodem; /* over the message, as the serial frames carry it */',
      '\tconst uint8_t *serial; /* every frame, one after the other, each ending in \'\\n\' */',
      '\tsize_t serial_len;',
      '\tsize_t serial_frame_count;',
      '};',
      '',
      'struct fotakit_ble_vector {',
      '\tsize_t message_index; /* in fotakit_smp_message_vectors */',
      '\tuint16_t mtu;',
      '\tconst uint16_t *fragment_lens;',
      '\tsize_t fragment_count;',
      '};',
      '',
      'struct fotakit_smp_error_vector {',
      '\tconst char *name;',
      '\tuint16_t request_group;',
      '\tconst uint8_t *message;',
      '\tsize_t message_len;',
      '\tconst char *expect_code; /* "OK", "SMP_RC", "SMP_BAD_BODY" */',
      '\tint group; /* SMP_RC only, else -1 */',
      '\tint rc;',
      '};',
      '',
      'struct fotakit_smp_serial_input_vector {',
      '\tconst char *name;',
      '\tconst uint8_t *data;',
      '\tsize_t len;',
      '\tconst char *expect_code; /* first decoder error, or "OK" */',
      '\tsize_t messages; /* messages decoded */',
      '};',
    ].join('\n'),
    'fotakit_smp_message_vector',
    'fotakit_ble_vector',
    'fotakit_smp_error_vector',
    'fotakit_smp_serial_input_vector',
  );
  messages.forEach(({ bytes, frames }, i) => {
    w.bytes(`fotakit_smp_msg_${i}`, bytes);
    w.bytes(`fotakit_smp_msg_${i}_serial`, concatBytes(...frames));
  });
  w.table(
    'fotakit_smp_message_vector',
    'fotakit_smp_message_vectors',
    messages.map(({ c, bytes, frames, crc }, i) => [
      cString(c.name),
      String(c.header.version),
      String(c.header.op),
      String(c.header.flags),
      String(bytes.length - SMP_HEADER_BYTES),
      String(c.header.group),
      String(c.header.sequence),
      String(c.header.command),
      `fotakit_smp_msg_${i}`,
      `fotakit_smp_msg_${i}_len`,
      `0x${crc.toString(16).padStart(4, '0')}`,
      `fotakit_smp_msg_${i}_serial`,
      `fotakit_smp_msg_${i}_serial_len`,
      String(frames.length),
    ]),
    'FOTAKIT_SMP_MESSAGE_VECTOR_COUNT',
  );
  const bleRows: string[][] = [];
  messages.forEach(({ ble }, i) => {
    for (const b of ble) {
      const name = `fotakit_ble_${i}_mtu${b.mtu}_lens`;
      w.raw(`static const uint16_t ${name}[] = { ${b.fragments.map((f) => f.length).join(', ')} };`, name);
      bleRows.push([String(i), String(b.mtu), name, String(b.fragments.length)]);
    }
  });
  w.table('fotakit_ble_vector', 'fotakit_ble_vectors', bleRows, 'FOTAKIT_BLE_VECTOR_COUNT');
  errors.forEach(({ bytes }, i) => w.bytes(`fotakit_smp_err_${i}`, bytes));
  w.table(
    'fotakit_smp_error_vector',
    'fotakit_smp_error_vectors',
    errors.map((x, i) => [cString(x.e.name), String(x.e.requestGroup), `fotakit_smp_err_${i}`, `fotakit_smp_err_${i}_len`, cString(x.code), String(x.group ?? -1), String(x.rc ?? -1)]),
    'FOTAKIT_SMP_ERROR_VECTOR_COUNT',
  );
  damaged.forEach(({ d }, i) => w.bytes(`fotakit_smp_serial_in_${i}`, d.bytes));
  w.table(
    'fotakit_smp_serial_input_vector',
    'fotakit_smp_serial_input_vectors',
    damaged.map((x, i) => [cString(x.d.name), `fotakit_smp_serial_in_${i}`, `fotakit_smp_serial_in_${i}_len`, cString(x.code), String(x.messages)]),
    'FOTAKIT_SMP_SERIAL_INPUT_VECTOR_COUNT',
  );
  return { name: 'smp', count: messages.length + bleRows.length + errors.length + damaged.length, json, header: w.toString() };
}

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../src/hal/bytes.ts';
import { decodeHeader, decodeMessage, encodeMessage, responseHeader } from '../../../src/transport/smp/message.ts';
import { MGMT_GROUP_ID_OS, MGMT_OP_READ_RSP, MGMT_OP_WRITE, OS_MGMT_ID_ECHO } from '../../../src/transport/smp/constants.ts';
import { smpVectors } from './vectors.ts';

test('every shared vector message decodes and re-encodes to the same bytes', () => {
  let n = 0;
  for (const v of smpVectors) {
    for (const hex of [v.hex, v.response_hex]) {
      if (!hex) continue;
      const m = decodeMessage(fromHex(hex));
      const { length: _length, ...h } = m.header;
      assert.is(toHex(encodeMessage(h, m.body)), hex, v.name);
      n++;
    }
  }
  assert.is(n, 6);
});

test('decodes the echo vector header and body exactly', () => {
  const m = decodeMessage(fromHex(smpVectors[0]!.hex!));
  assert.equal(m.header, { version: 1, op: MGMT_OP_WRITE, flags: 0, length: 16, group: MGMT_GROUP_ID_OS, sequence: 139, command: OS_MGMT_ID_ECHO });
  assert.equal(m.body, { d: 'Hello world!' });
});

test('decodes the params response vector', () => {
  const m = decodeMessage(fromHex('0900001600009806a2686275665f73697a6501696275665f636f756e7402'));
  assert.is(m.header.op, MGMT_OP_READ_RSP);
  assert.equal(m.body, { buf_size: 1, buf_count: 2 });
});

test('accepts an indefinite-length map body (Zephyr responses)', () => {
  const m = decodeMessage(fromHex('0b00000600008e05bf627263f4ff'.replace('f4', '00')));
  assert.equal(m.body, { rc: 0 });
});

test('response header copies group, sequence, command and caps the version at v2', () => {
  const req = decodeHeader(fromHex('0a00000100008d05'));
  assert.equal(responseHeader(req), { version: 1, op: 3, flags: 0, group: 0, sequence: 0x8d, command: 5 });
});

const BAD: Array<[string, string, string]> = [
  ['short header', '0a0000', 'SMP_BAD_HEADER'],
  ['length past the bytes', '0a00001000008b00a1', 'SMP_BAD_HEADER'],
  ['bytes past the length', '0800000100010d00a0a0', 'SMP_BAD_HEADER'],
  ['reserved version bits', '2800000100010d00a0', 'SMP_BAD_HEADER'],
  ['truncated CBOR', '0800000200010d00a161', 'SMP_BAD_CBOR'],
  ['break outside a map', '0800000100010d00ff', 'SMP_BAD_CBOR'],
  ['body not a map', '0800000100010d0001', 'SMP_BAD_BODY'],
  ['body an array', '0800000100010d0080', 'SMP_BAD_BODY'],
];
for (const [name, hex, code] of BAD) {
  test(`rejects a message with ${name} as ${code}`, () => {
    try {
      decodeMessage(fromHex(hex));
      assert.unreachable();
    } catch (e) {
      assert.is((e as { code: string }).code, code);
    }
  });
}

test('refuses to encode a sequence over 255', () => {
  try {
    encodeMessage({ version: 1, op: 0, flags: 0, group: 0, sequence: 256, command: 0 }, {});
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'SMP_BAD_ARG');
  }
});

test.run();

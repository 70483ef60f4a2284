import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concatBytes, fromHex, toHex } from '../../../src/hal/bytes.ts';
import { BleReassembler, fragmentMessage } from '../../../src/transport/smp/ble-framing.ts';
import { encodeMessage } from '../../../src/transport/smp/message.ts';

function big(n: number): Uint8Array {
  return encodeMessage({ version: 1, op: 2, flags: 0, group: 1, sequence: 3, command: 1 }, { data: new Uint8Array(n).fill(7) });
}

test('fragments by ATT_MTU - 3 and reassembles by the header length', () => {
  const msg = big(600);
  const frags = fragmentMessage(msg, 247);
  assert.equal(frags.map((f) => f.length), [244, 244, msg.length - 488]);
  const out: string[] = [];
  const r = new BleReassembler((m) => out.push(toHex(m)));
  for (const f of frags) r.push(f);
  assert.equal(out, [toHex(msg)]);
});

test('reassembles two messages back to back', () => {
  const a = fromHex('0800000100010d00a0');
  const out: string[] = [];
  const r = new BleReassembler((m) => out.push(toHex(m)));
  for (const f of fragmentMessage(concatBytes(big(30)), 23)) r.push(f);
  r.push(a);
  assert.equal(out, [toHex(big(30)), toHex(a)]);
});

test('rejects a first fragment shorter than the header, then recovers', () => {
  const codes: string[] = [];
  const out: string[] = [];
  const r = new BleReassembler((m) => out.push(toHex(m)), (e) => codes.push(e.code));
  r.push(fromHex('0800'));
  r.push(fromHex('0800000100010d00a0'));
  assert.equal(codes, ['SMP_BAD_FRAME']);
  assert.is(out.length, 1);
});

test('rejects a message larger than the buffer as SMP_MSGSIZE', () => {
  const codes: string[] = [];
  const r = new BleReassembler(() => {}, (e) => codes.push(e.code), 384);
  r.push(fragmentMessage(big(400), 498)[0]!);
  assert.equal(codes, ['SMP_MSGSIZE']);
});

test('rejects a fragment running past the announced length', () => {
  const codes: string[] = [];
  const r = new BleReassembler(() => {}, (e) => codes.push(e.code));
  r.push(fromHex('0800000100010d00a0ff'));
  assert.equal(codes, ['SMP_BAD_FRAME']);
});

test('refuses an MTU below 23', () => {
  try {
    fragmentMessage(new Uint8Array(10), 22);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'SMP_BAD_ARG');
  }
});

test.run();

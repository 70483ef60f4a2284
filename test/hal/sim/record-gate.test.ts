import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TlsRecordGate } from '../../../src/hal/sim/record-gate.ts';

/** A TLS 1.2 application-data record of `length` payload bytes (payload is zeros). */
function record(length: number): Uint8Array {
  const r = new Uint8Array(5 + length);
  r.set([23, 3, 3, length >> 8, length & 0xff]);
  return r;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('records within the limit pass whole and the largest is tracked', () => {
  const g = new TlsRecordGate(2303);
  const stream = join(record(100), record(2298), record(10));
  assert.equal(g.feed(stream), { pass: stream.length });
  assert.is(g.records, 3);
  assert.is(g.largestRecordBytes, 2303);
  assert.is(g.tripped, false);
});

test('a record one byte over trips at its header; the records before it pass', () => {
  const g = new TlsRecordGate(2303);
  const stream = join(record(100), record(2299));
  assert.equal(g.feed(stream), { pass: 105, oversizeRecordBytes: 2304 });
  assert.is(g.tripped, true);
  assert.equal(g.feed(record(1)), { pass: 0 });
});

test('headers split across chunks are reassembled, byte by byte', () => {
  const g = new TlsRecordGate(2303);
  const stream = join(record(3), record(16384));
  let passed = 0;
  let oversize: number | undefined;
  for (let i = 0; i < stream.length && oversize === undefined; i++) {
    const v = g.feed(stream.subarray(i, i + 1));
    passed += v.pass;
    oversize = v.oversizeRecordBytes;
  }
  // The first record (8 bytes) and the first 4 header bytes of the second passed before the 5th.
  assert.is(passed, 12);
  assert.is(oversize, 16389);
  assert.is(g.records, 2);
});

test('a limit at or under the header size is refused', () => {
  assert.throws(() => new TlsRecordGate(5), /recordGate: /);
});

test.run();

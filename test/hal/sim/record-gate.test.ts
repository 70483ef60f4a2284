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

test('a refused record is kept apart from the largest accepted one', () => {
  const g = new TlsRecordGate(2303);
  const stream = join(record(1500), record(16_000));
  const v = g.feed(stream);
  assert.is(v.oversizeRecordBytes, 16_005);
  assert.is(g.largestRecordBytes, 1505);
  assert.is(g.refusedRecordBytes, 16_005);
});

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

/** A handshake record holding a Certificate message whose certificate_list is `listBytes` long. */
function certificateRecord(listBytes: number): Uint8Array {
  const msg = new Uint8Array(4 + 3 + listBytes);
  const bodyLength = 3 + listBytes;
  msg.set([11, bodyLength >> 16, (bodyLength >> 8) & 0xff, bodyLength & 0xff, listBytes >> 16, (listBytes >> 8) & 0xff, listBytes & 0xff]);
  const r = new Uint8Array(5 + msg.length);
  r.set([22, 3, 3, msg.length >> 8, msg.length & 0xff]);
  r.set(msg, 5);
  return r;
}

/** A ServerHello-like handshake record (type 2) of `n` body bytes. */
function serverHelloRecord(n: number): Uint8Array {
  const r = new Uint8Array(5 + 4 + n);
  r.set([22, 3, 3, (4 + n) >> 8, (4 + n) & 0xff, 2, 0, n >> 8, n & 0xff]);
  return r;
}

test('measures the certificate_list of the plaintext handshake', () => {
  const g = new TlsRecordGate(18000, 4096);
  const stream = join(serverHelloRecord(70), certificateRecord(1500));
  assert.equal(g.feed(stream), { pass: stream.length });
  assert.is(g.certChainBytes, 1500);
});

test('a chain over the limit trips at the record carrying the Certificate message', () => {
  const g = new TlsRecordGate(18000, 4096);
  const hello = serverHelloRecord(70);
  const stream = join(hello, certificateRecord(4097));
  assert.equal(g.feed(stream), { pass: hello.length, certChainBytes: 4097 });
});

test('a Certificate message split over two records and two chunks is still measured', () => {
  const g = new TlsRecordGate(18000, 4096);
  const whole = certificateRecord(3000);
  const msg = whole.subarray(5);
  const r1 = join(Uint8Array.of(22, 3, 3, 0, 100), msg.subarray(0, 100));
  const rest = msg.length - 100;
  const r2 = join(Uint8Array.of(22, 3, 3, rest >> 8, rest & 0xff), msg.subarray(100));
  const stream = join(r1, r2);
  assert.equal(g.feed(stream.subarray(0, 50)), { pass: 50 });
  assert.equal(g.feed(stream.subarray(50)), { pass: stream.length - 50 });
  assert.is(g.certChainBytes, 3000);
});

test('after ChangeCipherSpec nothing is read as handshake', () => {
  const g = new TlsRecordGate(18000, 4096);
  g.feed(join(Uint8Array.of(20, 3, 3, 0, 1, 1), certificateRecord(5000)));
  assert.is(g.certChainBytes, undefined);
  assert.is(g.tripped, false);
});

test('handshake records are not held to the record limit (the chain limit applies), only application data', () => {
  const g = new TlsRecordGate(2303, 4096);
  const cert = certificateRecord(3500);
  assert.equal(g.feed(cert), { pass: cert.length });
  assert.is(g.largestHandshakeRecordBytes, cert.length);
  assert.is(g.largestRecordBytes, 0);
});

test('a limit at or under the header size is refused', () => {
  assert.throws(() => new TlsRecordGate(5), /recordGate: /);
});

test.run();

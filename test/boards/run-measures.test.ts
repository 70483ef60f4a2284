import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordLedger, RunningTotal } from '../../src/boards/run-measures.ts';

test('each response takes the records that carried its bytes, per host, in order', () => {
  const l = new RecordLedger();
  l.add('cdn', 1588); // one 1559-byte response in one record (29 bytes TLS 1.2 overhead)
  l.add('api', 400);
  l.add('cdn', 2287);
  l.add('cdn', 1000); // a 2929-byte response split over two records
  l.add('cdn', 1000);
  assert.is(l.take('cdn', 1559), 1588);
  assert.is(l.take('cdn', 2258), 2287);
  assert.is(l.take('cdn', 1942), 1000);
  assert.is(l.take('cdn', 100), 0, 'no record left');
  assert.is(l.take('api', 371), 400);
});

test('a new connection drops records no response claimed', () => {
  const l = new RecordLedger();
  l.add('cdn', 2000);
  l.reset('cdn');
  l.add('cdn', 1500);
  assert.is(l.take('cdn', 1471), 1500);
});

test('a counter that restarts each download run is summed over the runs', () => {
  const c = new RunningTotal();
  for (const v of [1, 2, 5]) c.see(v);
  for (const v of [1, 3]) c.see(v);
  assert.is(c.total(), 8);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';
import { SimLog } from '../../../src/hal/sim/log.ts';

test('collects entries stamped with the clock, with a copy of the fields', async () => {
  const clock = new VirtualClock({ autoAdvance: false });
  const log = new SimLog({ clock });
  const fields = { offset: 4096 };
  log.log('info', 'download started', fields);
  fields.offset = 0;
  await clock.advance(1500);
  log.log('warn', 'retrying');
  assert.equal(log.entries(), [
    { seq: 0, timeMs: 0, level: 'info', message: 'download started', fields: { offset: 4096 } },
    { seq: 1, timeMs: 1500, level: 'warn', message: 'retrying' },
  ]);
  assert.equal(log.messages('warn'), ['retrying']);
  assert.is(log.find('started')?.seq, 0);
});

test('drops entries below minLevel and keeps at most maxEntries', () => {
  const log = new SimLog({ minLevel: 'info', maxEntries: 2 });
  log.log('debug', 'a');
  log.log('info', 'b');
  log.log('info', 'c');
  log.log('error', 'd');
  assert.equal(log.messages(), ['c', 'd']);
  assert.equal(log.entries().map((e) => e.seq), [1, 2]);
  log.clear();
  assert.equal(log.entries(), []);
});

test('echo gets one formatted line per entry', () => {
  const lines: string[] = [];
  const log = new SimLog({ name: 'nrf9160', echo: (l) => lines.push(l) });
  log.log('error', 'flash failed', { code: 'FLASH_NOT_ERASED', bytes: new Uint8Array(3) });
  assert.equal(lines, ['[     0.000] error nrf9160: flash failed {"code":"FLASH_NOT_ERASED","bytes":"<3 bytes>"}']);
});

test.run();

/**
 * The network fault campaign in small (scripts/campaign/network.ts runs the long one): seeded random
 * fault schedules against the local server; every run ends byte-exact or with a typed error, never
 * with a corrupt sink.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSchedules, summaryLine } from '../../../scripts/campaign/network.ts';

test('12 seeded fault schedules: byte-exact or typed error, none corrupt', async () => {
  const results = await runSchedules(12, 0xc0ffee);
  const corrupt = results.filter((r) => r.outcome === 'corrupt');
  assert.equal(corrupt, [], corrupt.map((r) => r.detail).join('\n'));
  assert.ok(results.filter((r) => r.outcome === 'byte-exact').length >= 6, summaryLine(results));
  assert.match(summaryLine(results), /^network: 12 schedules, \d+ byte-exact, \d+ typed errors, 0 corrupt$/);
});

test.run();

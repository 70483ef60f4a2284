/**
 * What a simulated run says about itself (issue 13): where a power cut hit, refused records apart from
 * the largest accepted one, and why pipelining is off.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSim } from '../../src/cli/sim-run.ts';

test('a power cut is logged with the flash operation and the agent state, and kept in the summary', async () => {
  const r = await runSim({ link: 'none', payloadBytes: 16 * 1024, powerCutAt: 20, seed: 3 });
  const cut = r.entries.find((e) => e.kind === 'power-cut');
  assert.ok(cut, 'a power-cut entry');
  assert.is((cut as { operation: number }).operation, 20);
  assert.type((cut as { state?: string }).state, 'string');
  assert.is(r.summary.powerCuts?.[0]?.operation, 20);
  // The cut comes before the boot it causes.
  const i = r.entries.indexOf(cut!);
  assert.is(r.entries[i + 1]?.kind, 'board-boot');
  assert.is(r.summary.final, 'confirmed');
});

test('coalesced pipelined answers: the refused records are counted apart, pipelining off is said with its reason', async () => {
  const r = await runSim({ link: 'none', payloadBytes: 24 * 1024, faults: { coalesceMs: 5 } });
  assert.is(r.summary.final, 'confirmed');
  assert.ok(r.summary.maxRecordBytes <= r.summary.recordLimit, `largest accepted ${r.summary.maxRecordBytes}`);
  assert.ok((r.summary.refusedRecords ?? 0) >= 1);
  assert.ok((r.summary.largestRefusedRecordBytes ?? 0) > r.summary.recordLimit);
  const off = r.entries.find((e) => e.kind === 'pipeline' && e.what === 'off');
  assert.ok(off, 'a pipeline entry');
  assert.is((off as { reason?: string }).reason, 'coalesced-records');
  assert.is(r.summary.pipeline?.offReason, 'coalesced-records');
});

test.run();

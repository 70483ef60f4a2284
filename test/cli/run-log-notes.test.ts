/**
 * What a simulated run says about itself (issue 13): where a power cut hit, refused records apart from
 * the largest accepted one, and why pipelining is off.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSim } from '../../src/boards/sim-run.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';
import { HumanView } from '../../src/cli/commands/sim.ts';
import type { RunLogEntry } from '../../src/fota/run-log.ts';

function printed(entries: RunLogEntry[]): string[] {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    const view = new HumanView();
    for (const e of entries) view.entry(e);
  } finally {
    console.log = log;
  }
  return out;
}

test('a power cut is logged with the flash operation and the agent state, and kept in the summary', async () => {
  const r = await runSim({ world: localUpdateServer(), link: 'none', payloadBytes: 16 * 1024, powerCutAt: 20, seed: 3 });
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
  const r = await runSim({ world: localUpdateServer({ coalesceMs: 5 }), link: 'none', payloadBytes: 24 * 1024 });
  assert.is(r.summary.final, 'confirmed');
  assert.ok(r.summary.maxRecordBytes <= r.summary.recordLimit, `largest accepted ${r.summary.maxRecordBytes}`);
  assert.ok((r.summary.refusedRecords ?? 0) >= 1);
  assert.ok((r.summary.largestRefusedRecordBytes ?? 0) > r.summary.recordLimit);
  const off = r.entries.find((e) => e.kind === 'pipeline' && e.what === 'off');
  assert.ok(off, 'a pipeline entry');
  assert.is((off as { reason?: string }).reason, 'coalesced-records');
  assert.is(r.summary.pipeline?.offReason, 'coalesced-records');
});

test('the terminal says where the power cut, why pipelining is off, refused records apart, and unknown record sizes in one wording', () => {
  const out = printed([
    { t: 1000, kind: 'power-cut', operation: 57, op: 'flash.write', state: 'downloading', bytes: 40960 },
    { t: 2000, kind: 'pipeline', host: 'cdn', what: 'off', reason: 'coalesced-records', why: 'the server joins pipelined answers into TLS records over the limit', stays: true },
    { t: 3000, kind: 'download', bytes: 100, total: 100, requests: 1, retries: 0, maxRecordBytes: 0, resumedAt: 0 },
    {
      t: 4000, kind: 'summary', final: 'confirmed', bytes: 100, requests: 1, retries: 0, maxRecordBytes: 2290, recordLimit: 2303, seconds: 4, probes: 1, reboots: 1,
      refusedRecords: 1, largestRefusedRecordBytes: 16413, powerCuts: [{ operation: 57, op: 'flash.write', state: 'downloading', bytes: 40960 }],
    },
  ]).join('\n');
  assert.match(out, /POWER CUT at flash operation 57 \(flash\.write\) while downloading, 40960 bytes downloaded/);
  assert.match(out, /pipelining off: the server joins pipelined answers into TLS records over the limit \(stays off for the rest of the download\)/);
  assert.match(out, /TLS record sizes unknown over this modem/);
  assert.match(out, /largest accepted 2290 B of the modem's 2303 B limit;  refused 1 \(largest 16413 B, EMSGSIZE\)/);
  assert.match(out, /power cut     at flash operation 57/);
});

test.run();

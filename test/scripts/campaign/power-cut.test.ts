import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { campaignCases, run, sweepCase } from '../../../scripts/campaign/power-cut.ts';

test('campaign cases: each board × strategy × flow, no revert for overwrite-only', () => {
  const cases = campaignCases();
  assert.is(cases.length, 16);
  assert.equal(
    cases.filter((c) => c.board === 'nrf9160').map((c) => `${c.strategy}/${c.flow}`),
    [
      'swap-move/upgrade',
      'swap-move/revert',
      'swap-move/permanent',
      'swap-scratch/upgrade',
      'swap-scratch/revert',
      'swap-scratch/permanent',
      'overwrite-only/upgrade',
      'overwrite-only/permanent',
    ],
  );
});

test('swap-move upgrade: a cut at every 6th flash operation still ends on the new image, confirmed', async () => {
  const { summary, results } = await sweepCase({ board: 'nrf52833', strategy: 'swap-move', flow: 'upgrade', seed: 3 }, { stride: 6 });
  assert.is(summary.operations, 135);
  assert.is(results.length, 23);
  assert.equal(results.filter((r) => !r.ok).map((r) => `${r.cutAt}: ${r.failure}`), []);
  assert.ok(results.every((r) => r.powerCuts === 1));
  assert.ok(results.some((r) => r.booted.some((b) => b.endsWith('(resumed)'))), 'some cuts land inside the swap and are resumed');
});

test('swap-move revert: a cut at every 12th flash operation still ends on the old image', async () => {
  const { summary, results } = await sweepCase({ board: 'nrf9160', strategy: 'swap-move', flow: 'revert', seed: 1 }, { stride: 12 });
  assert.is(summary.operations, 262);
  assert.is(results.length, 22);
  assert.equal(results.filter((r) => !r.ok).map((r) => `${r.cutAt}: ${r.failure}`), []);
});

test('swap-scratch revert: a cut at every 11th flash operation still ends on the old image', async () => {
  const { summary, results } = await sweepCase({ board: 'nrf52833', strategy: 'swap-scratch', flow: 'revert', seed: 4 }, { stride: 11 });
  assert.is(summary.operations, 232);
  assert.is(results.length, 22);
  assert.equal(results.filter((r) => !r.ok).map((r) => `${r.cutAt}: ${r.failure}`), []);
});

test('overwrite-only upgrade: a cut at every 5th flash operation still ends on the new image', async () => {
  const { summary, results } = await sweepCase({ board: 'nrf52833', strategy: 'overwrite-only', flow: 'upgrade', seed: 2 }, { stride: 5 });
  assert.is(summary.operations, 53);
  assert.is(results.length, 11);
  assert.equal(results.filter((r) => !r.ok).map((r) => `${r.cutAt}: ${r.failure}`), []);
});

test('encrypted: swap-move revert with a cut at every 12th flash operation ends on the old image, the new one encrypted again', async () => {
  const cases = campaignCases({ encrypted: true });
  assert.is(cases.length, 16);
  assert.ok(cases.every((c) => c.encrypted));
  const { summary, results } = await sweepCase({ board: 'nrf52833', strategy: 'swap-move', flow: 'revert', seed: 1, encrypted: true }, { stride: 12 });
  assert.ok(summary.operations > 200, `${summary.operations} operations`);
  assert.equal(results.filter((r) => !r.ok).map((r) => `${r.cutAt}: ${r.failure}`), []);
});

async function capture(args: string[]): Promise<{ rc: number; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = () => {};
  try {
    return { rc: await run(args), lines };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('run: last line is the campaign summary, exit 0 when nothing failed', async () => {
  const { rc, lines } = await capture(['--board', 'nrf52833', '--strategy', 'overwrite-only', '--flow', 'upgrade', '--stride', '10']);
  assert.is(rc, 0);
  assert.is(lines[lines.length - 1], 'power-cut: 6 cut points, 6 booted a valid image, 0 failed');
});

test('run: an unknown option is a usage error (exit 2)', async () => {
  assert.is((await capture(['--flow', 'sideways'])).rc, 2);
  assert.is((await capture(['--seeds', '0'])).rc, 2);
});

test.run();

/**
 * Power-cut campaign for the settings store on flash (`npm run campaign -- settings-power-cut [options]`).
 * For each board's storage partition (4 sectors of 4 KiB) and each seed, a seeded sequence of sets and
 * deletes (values up to 400 bytes, so sectors rotate and garbage collection copies live records) is cut
 * at every flash operation; after power-on every key must read its old or new value and the store must
 * keep working. With --nested each recovery is also cut at every operation it does.
 * Last line: `settings-power-cut: <N> cut points (<M> nested), <F> failed`.
 */
import { EXIT_NEGATIVE, EXIT_OK, helpText, parseCommand, parseInteger, reportError, stringValue, type CommandSpec } from '../../src/cli/args.ts';
import { UsageError } from '../../src/hal/errors.ts';
import { BOARD_PROFILES } from '../../src/hal/sim/profiles.ts';
import { sweepSettingsPowerCuts, type SettingsSweepResult } from '../../src/hal/sim/settings-sweep.ts';
import type { BoardName } from '../../src/hal/board.ts';

const SPEC: CommandSpec = {
  usage: 'npm run campaign -- settings-power-cut [--board B] [--seeds N] [--steps N] [--nested] [--json]',
  summary: 'Cuts the power at every flash operation of a settings write sequence and checks each key reads its old or new value afterwards.',
  options: {
    board: { type: 'string' },
    seeds: { type: 'string' },
    steps: { type: 'string' },
    nested: { type: 'boolean' },
  },
  help: {
    board: 'nrf9160 or nrf52833 (default both)',
    seeds: 'seeds per board, 1..N (default 5)',
    steps: 'sets and deletes per sequence (default 300)',
    nested: 'also cut each recovery at every operation it does',
  },
};

const DEFAULT_SEEDS = 5;
const DEFAULT_STEPS = 300;
const MAX_SEEDS = 10_000;
const MAX_STEPS = 100_000;

export async function run(args: string[]): Promise<number> {
  let json = false;
  try {
    const p = parseCommand(SPEC, args);
    json = p.json;
    if (p.help) {
      console.log(helpText(SPEC));
      return EXIT_OK;
    }
    const boardArg = stringValue(p, 'board');
    if (boardArg !== undefined && !(boardArg in BOARD_PROFILES)) throw new UsageError(`settings-power-cut: unknown board '${boardArg}'`);
    const boards = (boardArg ? [boardArg] : Object.keys(BOARD_PROFILES)) as BoardName[];
    const seeds = parseInteger('seeds', stringValue(p, 'seeds') ?? String(DEFAULT_SEEDS), MAX_SEEDS);
    const steps = parseInteger('steps', stringValue(p, 'steps') ?? String(DEFAULT_STEPS), MAX_STEPS);
    const nested = p.values.nested === true;
    const results: (SettingsSweepResult & { board: BoardName })[] = [];
    for (const board of boards) {
      for (let seed = 1; seed <= seeds; seed++) {
        const r = await sweepSettingsPowerCuts({ profile: BOARD_PROFILES[board], seed, steps, nested });
        results.push({ board, ...r });
        if (!json) {
          console.log(`${board} seed ${seed}: ${r.cutPoints} cut points${nested ? ` + ${r.nestedCutPoints} nested` : ''}, ${r.rotations} rotations, ${r.failures.length} failed (${r.ms.toFixed(0)} ms)`);
          for (const f of r.failures) console.log(`  cut ${f.cutAt}${f.recoveryCutAt !== undefined ? ` then ${f.recoveryCutAt}` : ''}: ${f.message}`);
        }
      }
    }
    const cutPoints = results.reduce((n, r) => n + r.cutPoints, 0);
    const nestedPoints = results.reduce((n, r) => n + r.nestedCutPoints, 0);
    const failed = results.reduce((n, r) => n + r.failures.length, 0);
    if (json) console.log(JSON.stringify({ ok: failed === 0, cutPoints, nestedCutPoints: nestedPoints, failed, results }));
    console.log(`settings-power-cut: ${cutPoints} cut points (${nestedPoints} nested), ${failed} failed`);
    return failed === 0 ? EXIT_OK : EXIT_NEGATIVE;
  } catch (e) {
    return reportError(e, json);
  }
}

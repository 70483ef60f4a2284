/** `fotakit report`: a saved `sim --json` log drawn as the HTML report. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fotakit = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

test('draws a saved sim run log; a missing file is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-report-cli-'));
  try {
    const sim = fotakit(['sim', '--link', 'none', '--payload-bytes', '16384', '--json']);
    assert.is(sim.status, 0, sim.stderr);
    const log = join(dir, 'run.jsonl');
    writeFileSync(log, sim.stdout);
    const out = join(dir, 'run.html');
    const r = fotakit(['report', log, '-o', out, '--json']);
    assert.is(r.status, 0, r.stderr);
    const reply = JSON.parse(r.stdout) as { ok: boolean; entries: number };
    assert.is(reply.ok, true);
    assert.is(reply.entries, sim.stdout.trim().split('\n').length);
    assert.match(readFileSync(out, 'utf8'), /confirmed/);
    assert.is(fotakit(['report', join(dir, 'missing.jsonl'), '-o', out]).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

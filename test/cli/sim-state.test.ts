/**
 * `fotakit sim --state DIR` run twice without --key: the generated signing key and release image live in
 * DIR beside the board's flash, so the kept board boots what it was updated to and the second run checks for updates
 * (none due: it ends idle, exit 0), instead of MCUboot refusing an image signed by a forgotten key.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));

function sim(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'sim', ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status, entries: lines, summary: lines.at(-1)!, stderr: r.stderr };
}

test('the second run on a kept board boots 1.1.0 and finds no update due', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-sim-state-'));
  const state = join(dir, 'board');
  try {
    const first = sim(['--state', state, '--link', 'none', '--payload-bytes', '16384', '--json']);
    assert.is(first.code, 0, first.stderr);
    assert.is(first.summary.final, 'confirmed');
    assert.is(first.summary.version, '1.1.0+0');
    assert.ok(existsSync(join(state, 'signing-key.pem')));
    const key = readFileSync(join(state, 'signing-key.pem'), 'utf8');
    // The release the board was offered is kept beside the key, as served (an MCUboot image of 1.1.0).
    const release = readFileSync(join(state, 'app_update.bin'));
    assert.equal([...release.subarray(0, 4)], [0x3d, 0xb8, 0xf3, 0x96]);

    const second = sim(['--state', state, '--link', 'none', '--payload-bytes', '16384', '--json']);
    assert.is(second.code, 0, second.stderr + JSON.stringify(second.summary));
    assert.is(second.summary.version, '1.1.0+0');
    assert.is(second.summary.final, 'idle');
    const boot = second.entries.find((e) => e.kind === 'board-boot');
    assert.is(boot?.version, '1.1.0+0');
    assert.ok(second.entries.some((e) => e.kind === 'check'));
    assert.is(readFileSync(join(state, 'signing-key.pem'), 'utf8'), key);
    assert.ok(readFileSync(join(state, 'app_update.bin')).equals(release), 'the kept release is not rewritten');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

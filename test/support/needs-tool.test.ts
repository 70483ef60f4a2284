import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, testNeeding, toolMode } from './needs-tool.ts';

test('findTool finds an executable on the given PATH and nothing on an empty one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-needs-tool-'));
  try {
    const fake = join(dir, 'socat');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    assert.is(findTool('socat', `/nonexistent:${dir}`), fake);
    assert.is(findTool('socat', ''), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an absent tool skips its tests locally and fails them in CI', () => {
  const env = { PATH: '' };
  assert.is(toolMode('gcc', env), 'skip');
  assert.is(toolMode('gcc', { ...env, CI: 'true' }), 'fail');
});

/** A stand-in for uvu's `test` that records what is registered on it. */
function recordingBase() {
  const seen = { tests: [] as Array<{ name: string; fn: () => unknown }>, skipped: [] as string[], hooks: 0 };
  const hook = Object.assign(() => void seen.hooks++, { each: () => void seen.hooks++ });
  const base = Object.assign((name: string, fn: () => unknown) => void seen.tests.push({ name, fn }), {
    only: () => {},
    skip: (name?: string) => void seen.skipped.push(name ?? ''),
    before: hook,
    after: hook,
    run: () => {},
  });
  return { base: base as never, seen };
}

test('locally an absent tool makes each test skipped (named with what to install) and its hooks inert', () => {
  const { base, seen } = recordingBase();
  const standIn = testNeeding('chromium', base, 'skip');
  standIn.before(() => {});
  standIn.after.each(() => {});
  standIn('opens a browser', () => {});
  assert.equal(seen.skipped, ['opens a browser [skipped: needs chromium, which is not on PATH (apt-get install -y chromium)]']);
  assert.equal(seen.tests, []);
  assert.is(seen.hooks, 0);
});

test('in CI an absent tool registers each test as one that fails saying what to install', () => {
  const { base, seen } = recordingBase();
  const standIn = testNeeding('chromium', base, 'fail');
  standIn('opens a browser', () => {});
  assert.is(seen.tests.length, 1);
  assert.is(seen.tests[0]!.name, 'opens a browser');
  assert.throws(() => seen.tests[0]!.fn(), /needs chromium, which is not on PATH \(apt-get install -y chromium\); CI must install it/);
});

test('a present tool gives back the real test function', () => {
  const { base } = recordingBase();
  assert.is(testNeeding('gcc', base, 'run'), base);
});

test.run();

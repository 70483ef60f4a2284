/**
 * The repository stands alone: users and packagers clone only it, so nothing in it may read or cite the
 * sibling folder the project's reference material came from. Data the tests need lives in test/fixtures/.
 * (.ci/run proves the rest: it runs `npm ci && npm test` in a fresh clone with no sibling folders.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The outside folder's name, assembled so this file does not match its own search. */
const OUTSIDE = ['sha', 'red'].join('');
const OUTSIDE_REFERENCE = new RegExp(`\\.\\./${OUTSIDE}\\b|\\b${OUTSIDE}/(vectors|reference)\\b`);

/** Tracked and new (not ignored) text files of the repository. */
function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT });
  return out.toString('utf8').split('\0').filter((f) => f !== '' && !/\.(bin|der|png|hex)$/.test(f));
}

test('no file reads or cites a path outside the clone', () => {
  const hits: string[] = [];
  for (const file of repoFiles()) {
    let text: string;
    try {
      text = readFileSync(join(REPO_ROOT, file), 'utf8');
    } catch {
      continue; // listed but deleted in the work tree
    }
    text.split('\n').forEach((line, i) => {
      if (OUTSIDE_REFERENCE.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(hits, []);
});

test('the search pattern catches the spellings it exists for', () => {
  for (const bad of [`../${OUTSIDE}/vectors/imgtool/keys/ed25519.pem`, `Spec: ${OUTSIDE}/reference/smp.md`, `new URL('../../../${OUTSIDE}/x', u)`]) {
    assert.ok(OUTSIDE_REFERENCE.test(bad), bad);
  }
  for (const fine of ['sharedTestPki()', 'shared by the swap strategies', 'docs/reference/smp.md', 'test/fixtures/imgtool/']) {
    assert.not.ok(OUTSIDE_REFERENCE.test(fine), fine);
  }
});

test.run();

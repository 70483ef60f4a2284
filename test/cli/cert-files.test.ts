import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCandidates } from '../../src/cli/cert-files.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import type { FotaError } from '../../src/hal/errors.ts';

test('every certificate of every file, in order, under consecutive sec_tags, named by CN', async () => {
  const pki = await sharedTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-ca-'));
  try {
    const bundle = join(dir, 'roots.pem');
    const single = join(dir, 'extra.pem');
    writeFileSync(bundle, pki.rootsPem);
    writeFileSync(single, pki.untrustedRoot.pem);
    const c = readCandidates([bundle, single], 1001, 'ca');
    assert.equal(c.map((x) => x.secTag), [1001, 1002, 1003, 1004, 1005]);
    assert.is(c[0]!.name, 'fotakit test Amazon Root CA 1');
    assert.is(c[3]!.name, 'fotakit test DigiCert Global Root G2');
    assert.is(c[4]!.name, 'fotakit test Untrusted Root');
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'nothing here');
    for (const [files, why] of [[[empty], /holds no PEM certificate/], [[join(dir, 'missing.pem')], /cannot read/]] as const) {
      try {
        readCandidates(files, 1001, 'ca');
        assert.unreachable();
      } catch (e) {
        assert.is((e as FotaError).code, 'USAGE');
        assert.match((e as FotaError).message, why);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

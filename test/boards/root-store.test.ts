import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { bundledRoot, memfaultCandidates } from '../../src/boards/root-store.ts';
import { FotaError } from '../../src/hal/errors.ts';

test("Memfault's candidates come from Node's root store with their sec_tags", () => {
  const c = memfaultCandidates();
  assert.equal(c.map((x) => [x.secTag, x.name]), [[1001, 'DigiCert Global Root G2'], [1002, 'Amazon Root CA 1']]);
  assert.ok(new X509Certificate(c[0]!.pem).subject.includes('CN=DigiCert Global Root G2'));
  assert.ok(new X509Certificate(c[1]!.pem).subject.includes('CN=Amazon Root CA 1'));
});

test('a root that is not there is CERT_NOT_IN_STORE', () => {
  try {
    bundledRoot('fotakit no such root');
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'CERT_NOT_IN_STORE');
  }
});

test.run();

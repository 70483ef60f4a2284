import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { SimCredentialStore } from '../../../src/hal/sim/credentials.ts';
import { sharedTestPki } from '../../../src/server/pki.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError);
    return (e as FotaError).code;
  }
  return 'no error';
}

test('lists what was written, sorted, with the upper-case SHA-256 AT%CMNG reports', async () => {
  const pki = await sharedTestPki();
  const store = new SimCredentialStore();
  await store.write(1002, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
  await store.write(1001, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
  await store.write(7, CREDENTIAL_TYPE.psk, '00112233');
  const sha = createHash('sha256').update(pki.roots.digicertGlobalRootG2.pem).digest('hex').toUpperCase();
  const list = await store.list();
  assert.equal(list.map((c) => [c.secTag, c.type]), [[7, 3], [1001, 0], [1002, 0]]);
  assert.is(list[1]!.sha256, sha);
  assert.is(store.read(1001, CREDENTIAL_TYPE.rootCa), pki.roots.digicertGlobalRootG2.pem);
});

test('write replaces, delete removes, deleting a missing one is ENOENT', async () => {
  const pki = await sharedTestPki();
  const store = new SimCredentialStore();
  await store.write(1, CREDENTIAL_TYPE.rootCa, pki.roots.amazonRootCa1.pem);
  await store.write(1, CREDENTIAL_TYPE.rootCa, pki.roots.baltimoreCyberTrust.pem);
  assert.is((await store.list()).length, 1);
  await store.delete(1, CREDENTIAL_TYPE.rootCa);
  assert.equal(await store.list(), []);
  assert.is(await code(store.delete(1, CREDENTIAL_TYPE.rootCa)), 'ENOENT');
});

test('bad input is EINVAL: sec_tag out of range, unknown type, a root CA that is not a certificate', async () => {
  const store = new SimCredentialStore();
  assert.is(await code(store.write(-1, CREDENTIAL_TYPE.rootCa, 'x')), 'EINVAL');
  assert.is(await code(store.write(2 ** 31, CREDENTIAL_TYPE.rootCa, 'x')), 'EINVAL');
  assert.is(await code(store.write(1, 9 as 0, 'x')), 'EINVAL');
  assert.is(await code(store.write(1, CREDENTIAL_TYPE.rootCa, 'not a pem')), 'EINVAL');
  assert.is(await code(store.write(1, CREDENTIAL_TYPE.psk, '')), 'EINVAL');
  assert.is(await code(store.write(1, CREDENTIAL_TYPE.psk, 'a'.repeat(4097))), 'ENOMEM');
});

test.run();

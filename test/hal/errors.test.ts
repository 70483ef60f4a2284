import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError, NetError, TlsError, isFotaError } from '../../src/hal/errors.ts';

test('a FotaError carries its stable code, details and class name', () => {
  const e = new TlsError('CERT_UNKNOWN_CA', 'tls.connect: unknown CA', { secTag: 1002 });
  assert.is(e.code, 'CERT_UNKNOWN_CA');
  assert.is(e.name, 'TlsError');
  assert.equal(e.context, { secTag: 1002 });
  assert.ok(e instanceof NetError);
  assert.equal(e.toJSON(), { name: 'TlsError', code: 'CERT_UNKNOWN_CA', message: 'tls.connect: unknown CA', context: { secTag: 1002 } });
});

test('isFotaError matches by code', () => {
  const e = new FotaError('EMSGSIZE', 'recv: record too large');
  assert.is(isFotaError(e, 'EMSGSIZE'), true);
  assert.is(isFotaError(e, 'ECONNRESET'), false);
  assert.is(isFotaError(new Error('x')), false);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveHost } from '../../../src/hal/sim/hosts.ts';

const TABLE = {
  'api.fotakit.test': '127.0.0.1',
  'cdn.fotakit.test': { address: '127.0.0.1', ports: { 443: 8443 } },
};

test('names resolve case-insensitively; mapped ports are rewritten, others kept', () => {
  assert.equal(resolveHost(TABLE, 'API.fotakit.test', 443), { address: '127.0.0.1', port: 443 });
  assert.equal(resolveHost(TABLE, 'cdn.fotakit.test', 443), { address: '127.0.0.1', port: 8443 });
  assert.equal(resolveHost(TABLE, 'cdn.fotakit.test', 80), { address: '127.0.0.1', port: 80 });
});

test('literal IPs pass as they are, unknown names resolve to nothing', () => {
  assert.equal(resolveHost({}, '127.0.0.1', 1), { address: '127.0.0.1', port: 1 });
  assert.equal(resolveHost({}, '[::1]', 2), { address: '::1', port: 2 });
  assert.is(resolveHost(TABLE, 'device.memfault.com', 443), undefined);
});

test.run();

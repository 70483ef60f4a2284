import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseResolve } from '../../src/cli/resolve.ts';
import type { FotaError } from '../../src/hal/errors.ts';

test('--resolve maps names (case-insensitive) to an address, and optionally 443 to a port', () => {
  assert.equal(parseResolve(['API.fotakit.test=127.0.0.1', 'cdn.fotakit.test=127.0.0.1:8443', 'v6.test=[::1]']), {
    'api.fotakit.test': '127.0.0.1',
    'cdn.fotakit.test': { address: '127.0.0.1', ports: { 443: 8443 } },
    'v6.test': '::1',
  });
});

test('anything else is a usage error naming --resolve', () => {
  for (const bad of ['nonsense', 'a.test=', '=127.0.0.1', 'a.test=example.com', 'a.test=127.0.0.1:70000']) {
    try {
      parseResolve([bad]);
      assert.unreachable(bad);
    } catch (e) {
      assert.is((e as FotaError).code, 'USAGE', bad);
      assert.match((e as Error).message, /^--resolve: /, bad);
    }
  }
});

test.run();

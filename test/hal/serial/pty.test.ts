import { test } from 'uvu';
import { testNeeding } from '../../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { existsSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPtyPair } from '../../../src/hal/serial/pty.ts';
import { PortError } from '../../../src/hal/port.ts';

const socatTest = testNeeding('socat');

socatTest('socat gives two linked pseudo-terminals, and they go away on close', async () => {
  const pair = await createPtyPair();
  assert.match(pair.paths[0], /^\/dev\/pts\/\d+$/);
  assert.match(pair.paths[1], /^\/dev\/pts\/\d+$/);
  assert.is.not(pair.paths[0], pair.paths[1]);
  await pair.close();
  await pair.close();
});

socatTest('ends can be given stable symlink names', async () => {
  const link = join(tmpdir(), `fotakit-pty-test-${process.pid}`);
  const pair = await createPtyPair({ links: [undefined, link] });
  assert.is(pair.paths[1], link);
  assert.match(readlinkSync(link), /^\/dev\/pts\/\d+$/);
  await pair.close();
  assert.is(existsSync(link), false);
});

test('a missing socat is PTY_FAILED with the install hint', async () => {
  try {
    await createPtyPair({ socatPath: '/nonexistent/socat' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PortError);
    assert.is((e as PortError).code, 'PTY_FAILED');
    assert.match((e as PortError).message, /apt-get install socat/);
  }
});

test.run();

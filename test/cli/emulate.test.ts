/**
 * `fotakit emulate` as a separate process behind real pseudo-terminals: the SLM modem opened with
 * `serialport` on the printed device does a real TLS handshake and an HTTP range GET against the local
 * update server, through the emulated modem.
 */
import { test } from 'uvu';
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import { openNodePort } from '../../src/hal/serial/node-port.ts';
import { AtChannel } from '../../src/transport/at/channel.ts';
import { SlmModem } from '../../src/transport/at/slm-modem.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { httpGet } from '../../src/transport/http/client.ts';
import { CREDENTIAL_TYPE } from '../../src/hal/net.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import { parseHostMap } from '../../src/cli/commands/emulate.ts';

const socatTest = testNeeding('socat');

const IMAGE = new Uint8Array(10_000).map((_, i) => (i * 31 + 7) & 0xff);

interface Running {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  exit: Promise<number | null>;
}

function startEmulate(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulate', ...args, '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exit };
}

async function nextJson(r: Running): Promise<Record<string, unknown>> {
  const { value, done } = await r.lines.next();
  if (done) throw new Error('emulate ended without output');
  return JSON.parse(value) as Record<string, unknown>;
}

test('parseHostMap maps names to addresses and optionally 443 to a port', () => {
  assert.equal(parseHostMap(['a.test=127.0.0.1', 'b.test=127.0.0.1:8443', 'c.test=[::1]']), {
    'a.test': '127.0.0.1',
    'b.test': { address: '127.0.0.1', ports: { 443: 8443 } },
    'c.test': '::1',
  });
  assert.throws(() => parseHostMap(['nonsense']), /NAME=ADDR/);
});

for (const dialect of ['legacy', 'serial-modem'] as const) {
  socatTest(`${dialect}: the SLM modem on emulate's pty does TLS + a range GET against the local update server`, async () => {
    const server: UpdateServer = await startUpdateServer({ image: IMAGE, version: '1.2.3', pki: await sharedTestPki() });
    const r = startEmulate(['--board', 'nrf9160', '--dialect', dialect, ...Object.keys(server.hosts).flatMap((h) => ['--host', `${h}=127.0.0.1`])]);
    try {
      const ready = await nextJson(r);
      assert.is(ready.event, 'ready');
      assert.is(ready.serves, `slm-${dialect}`);
      const port = await openNodePort({ path: ready.device as string });
      const channel = new AtChannel(port, realClock);
      const modem = new SlmModem({ channel, clock: realClock });
      assert.is(await modem.dialect(), dialect);
      await modem.credentials.write(1001, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
      const res = await httpGet(server.imageUrl, {
        connect: (host, p) => modem.connect({ host, port: p, tls: { secTags: [1001], peerVerify: 'required' } }),
        clock: realClock,
        headers: [['Range', 'bytes=2048-3071']],
      });
      assert.is(res.status, 206);
      assert.equal(res.body, IMAGE.subarray(2048, 3072));
      assert.is(server.requests.filter((q) => q.range === 'bytes=2048-3071' && q.status === 206).length, 1);
      await channel.close();
      r.child.kill('SIGTERM');
      const closed = await nextJson(r);
      assert.is(closed.event, 'closed');
      assert.ok((closed.requests as number) >= 5);
      assert.is(await r.exit, 0);
    } finally {
      if (r.child.exitCode === null) r.child.kill('SIGKILL');
      await server.close();
    }
  });
}

test('a bad --board is a usage error (exit 2)', async () => {
  const r = startEmulate(['--board', 'esp32']);
  const out = await nextJson(r);
  assert.is((out.error as { code: string }).code, 'USAGE');
  assert.is(await r.exit, 2);
});

test('--baud, --legacy-rc and --images are nrf52833 options; --images takes 1 or 2 (exit 2 otherwise)', async () => {
  for (const argv of [
    ['--board', 'nrf9160', '--baud', '9600'],
    ['--board', 'nrf9160', '--legacy-rc'],
    ['--board', 'nrf52833', '--images', '3'],
  ]) {
    const r = startEmulate(argv);
    const out = await nextJson(r);
    assert.is((out.error as { code: string }).code, 'USAGE', argv.join(' '));
    assert.is(await r.exit, 2);
  }
});

test.run();

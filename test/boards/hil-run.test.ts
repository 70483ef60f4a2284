/**
 * The HIL runner in one process: the emulated nRF9160 SLM and the emulated MCUboot board on real
 * pseudo-terminals (socat), opened with `serialport` by runHil. The same runs as separate processes
 * through the command line are in test/cli/hil.test.ts.
 */
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import { sharedTestPki, type TestPki } from '../../src/server/pki.ts';
import { startBoardEmulator } from '../../src/boards/board-emulator.ts';
import { runHil, type HilOptions } from '../../src/boards/hil-run.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../src/boards/smp-device.ts';
import type { AgentEventRecord } from '../../src/fota/agent/agent.ts';

/** Every test here runs boards behind socat's pseudo-terminals. */
const socatTest = testNeeding('socat');

let pki: TestPki;
let server: UpdateServer;

socatTest.before(async () => {
  pki = await sharedTestPki();
  server = await startUpdateServer({ image: await buildTestImage(nodeCrypto, 30 * 1024, '4.0.0', 8), version: '4.0.0+0', pki }); // as `fotakit serve` names an MCUboot image's version
});

socatTest.after(async () => {
  await server.close();
});

function options(modemPort: string, slotPort?: string): HilOptions {
  const r = pki.roots;
  return {
    modemPort,
    ...(slotPort ? { slotPort } : {}),
    server: server.apiUrl,
    projectKey: server.projectKey,
    identity: { deviceSerial: 'hil-test', hardwareVersion: 'nrf52833dk', softwareType: 'app' },
    // The field's bad order: the CDN's root (G2) comes last.
    candidates: [
      { secTag: 1002, name: 'Amazon Root CA 1', pem: r.amazonRootCa1.pem },
      { secTag: 1003, name: 'DigiCert Global Root CA', pem: r.digicertGlobalRootCa.pem },
      { secTag: 1001, name: 'DigiCert Global Root G2', pem: r.digicertGlobalRootG2.pem },
    ],
    // The emulated smp_svr boots hash-only images, as the sample does.
    allowUnsigned: true,
    clock: realClock,
  };
}

socatTest('one cycle through both emulated boards: update, test boot, confirm; then up to date', async () => {
  const modem = await startBoardEmulator({ board: 'nrf9160', dialect: 'legacy', hosts: server.hosts });
  const board = await startBoardEmulator({ board: 'nrf52833' });
  try {
    const events: AgentEventRecord[] = [];
    const first = await runHil({ ...options(modem.devicePath, board.devicePath), onEvent: (e) => events.push(e) });
    assert.is(first.result.state, 'confirmed');
    assert.is(first.result.running, '4.0.0+0');
    assert.is(first.dialect, 'legacy');
    const states = events.filter((e) => e.kind === 'state').map((e) => (e as { to: string }).to);
    assert.equal(states, ['checking', 'selecting-cert', 'downloading', 'verifying', 'staged', 'rebooting', 'trial', 'confirmed']);
    const cdn = first.certProbes.filter((p) => p.host === 'cdn.fotakit.test').map((p) => [p.secTag, p.ok]);
    assert.equal(cdn.slice(0, 3), [[1002, false], [1003, false], [1001, true]]);
    assert.is(first.upload!.bytes, server.current().image.length);
    // The run log is the one `fotakit sim` keeps: entries stamped with t, the summary last.
    assert.is(first.entries.at(-1)!.kind, 'summary');
    assert.is(first.summary.final, 'confirmed');
    assert.is(first.summary.fromVersion, '1.0.0+0');
    assert.is(first.summary.reboots, 1);
    assert.is(first.summary.hil.dialect, 'legacy');
    assert.ok(first.modem.cfunChanges <= 2, 'one offline switch for all three root CAs at most, one back');
    const second = await runHil(options(modem.devicePath, board.devicePath));
    assert.is(second.result.state, 'idle', JSON.stringify(second.result.reason));
    assert.is(second.modem.credentialWrites, 0);
  } finally {
    await modem.close();
    await board.close();
  }
});

socatTest("a modem whose record limit is below the download's plan: EMSGSIZE through the SLM, smaller ranges, confirmed", async () => {
  server.setRelease(await buildTestImage(nodeCrypto, 24 * 1024, '4.1.0', 9), '4.1.0+0');
  const modem = await startBoardEmulator({ board: 'nrf9160', dialect: 'serial-modem', hosts: server.hosts, maxRecordBytes: 1200 });
  try {
    const connections: string[] = [];
    const r = await runHil({ ...options(modem.devicePath), onEntry: (e) => void (e.kind === 'connection' && connections.push(e.what)) });
    assert.is(r.result.state, 'confirmed', JSON.stringify(r.result.reason));
    assert.is(r.result.running, '4.1.0+0');
    assert.ok(r.summary.retries >= 1, `retries ${r.summary.retries}`);
    assert.ok(connections.includes('reconnect'));
    assert.ok(modem.modem!.counters().emsgsize >= 1);
  } finally {
    await modem.close();
  }
});

socatTest.run();

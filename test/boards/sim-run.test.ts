/**
 * The whole simulated FOTA (runSim): the field's certificate bug handled, the record limit kept, trial
 * and rollback, bad releases refused before staging, server faults survived, the companion nRF52833
 * over SMP, a persisted board, and a sample of the agent's power-cut campaign.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remoteReleaseApi, runSim, simPayload, type SimOptions } from '../../src/boards/sim-run.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import type { CertProbe } from '../../src/fota/cert-select.ts';
import { chaosAgent, sweepAgentPowerCuts } from '../../scripts/campaign/agent.ts';
import { startUpdateServer } from '../../src/server/update-server.ts';

const fast: SimOptions = { link: 'none', payloadBytes: 16 * 1024, world: localUpdateServer() };
const keyPem = generateImageKeyPem('ed25519');
const signer = createPemSigner(keyPem);

async function release(version: string, o: { payloadBytes?: number; signed?: boolean; signer?: ReturnType<typeof createPemSigner> } = {}) {
  return signImage(simPayload(o.payloadBytes ?? 16 * 1024, 7), {
    crypto: nodeCrypto,
    ...(o.signed === false ? {} : { signer: o.signer ?? signer }),
    headerSize: 0x200,
    padHeader: true,
    version,
    align: 4,
  });
}

test('a full update: each root CA probed per host with its reason, ranges under the record limit, confirmed', async () => {
  const r = await runSim(fast);
  assert.is(r.summary.final, 'confirmed');
  assert.is(r.summary.version, '1.1.0+0');
  assert.is(r.summary.fromVersion, '1.0.0+0');
  const probes = r.entries.filter((e) => e.kind === 'probe') as unknown as CertProbe[];
  const cdn = probes.filter((p) => p.host === 'cdn.fotakit.test' && p.via === 'in-order');
  assert.equal(cdn.map((p) => [p.secTag, p.ok, p.code ?? null]), [
    [1002, false, 'CERT_UNKNOWN_CA'],
    [1003, false, 'CERT_UNKNOWN_CA'],
    [1004, false, 'CERT_UNKNOWN_CA'],
    [1001, true, null],
  ]);
  assert.equal(probes.filter((p) => p.host === 'api.fotakit.test').map((p) => [p.secTag, p.ok]), [[1002, true]]);
  assert.ok(r.summary.maxRecordBytes > 1500 && r.summary.maxRecordBytes <= 2303, `largest record ${r.summary.maxRecordBytes}`);
  const states = r.entries.filter((e) => e.kind === 'state').map((e) => (e as { to: string }).to);
  assert.equal(states, ['checking', 'selecting-cert', 'downloading', 'verifying', 'staged', 'rebooting', 'trial', 'confirmed']);
  assert.is(r.boots, 2);
});

test('--fail-selftest ends rolled-back with 1.0.0 running, reason reported', async () => {
  const r = await runSim({ ...fast, failSelftest: true });
  assert.is(r.summary.final, 'rolled-back');
  assert.is(r.summary.version, '1.0.0+0');
  assert.is(r.summary.reason?.code, 'SELFTEST_FAILED');
});

test('bad releases are refused before staging; 1.0.0 keeps running', async () => {
  const other = createPemSigner(generateImageKeyPem('ed25519'));
  const corrupt = await release('1.1.0');
  corrupt[0x400] ^= 0x01;
  const modem = await release('1.1.0');
  modem.set([0xd2, 0x84, 0x00, 0x00]);
  const cases: [string, Uint8Array, string][] = [
    ['corrupt', corrupt, 'IMAGE_BAD_HASH'],
    ['wrong key', await release('1.1.0', { signer: other }), 'IMAGE_UNKNOWN_KEY'],
    ['downgrade', await release('0.9.0'), 'IMAGE_DOWNGRADE'],
    ['unsigned', await release('1.1.0', { signed: false }), 'IMAGE_NO_SIGNATURE'],
    ['too big', await release('1.1.0', { payloadBytes: 480 * 1024 }), 'DFU_IMAGE_TOO_BIG'],
    ['modem firmware', modem, 'IMAGE_TYPE_UNSUPPORTED'],
  ];
  for (const [name, image, code] of cases) {
    const r = await runSim({ ...fast, image, keyPem });
    assert.is(r.summary.final, 'failed', name);
    assert.is(r.summary.reason?.code, code, name);
    assert.is(r.summary.version, '1.0.0+0', name);
    assert.is(r.boots, 1, `${name}: nothing was staged, no reboot`);
  }
});

test('a file replaced mid-download starts over on the new file: here not an image, so a typed refusal', async () => {
  const r = await runSim({ ...fast, world: localUpdateServer({ changeAfterBytes: 6000 }) });
  assert.is(r.summary.final, 'failed');
  assert.is(r.summary.reason?.code, 'IMAGE_TYPE_UNSUPPORTED');
  assert.is(r.summary.version, '1.0.0+0');
  assert.is(r.boots, 1);
});

test('server faults: drops, 5xx and Connection: close all end confirmed', async () => {
  for (const faults of [{ dropAfterBytes: 700, count: 3 }, { status: 503, count: 2 }, { connectionClose: true }, { stallAfterBytes: 500, stallMs: 300, count: 2 }]) {
    const r = await runSim({ ...fast, world: localUpdateServer(faults) });
    assert.is(r.summary.final, 'confirmed', JSON.stringify(faults));
    assert.is(r.summary.version, '1.1.0+0', JSON.stringify(faults));
  }
});

test('a server that ignores Range is a typed error, never a staged image', async () => {
  const r = await runSim({ ...fast, world: localUpdateServer({ ignoreRange: true }) });
  assert.is(r.summary.final, 'failed');
  assert.is(r.summary.reason?.code, 'RANGE_NOT_SUPPORTED');
  assert.is(r.summary.version, '1.0.0+0');
});

test('the nRF9160 updates its companion nRF52833 over SMP', async () => {
  const r = await runSim({ ...fast, target: 'nrf52833' });
  assert.is(r.summary.final, 'confirmed');
  assert.is(r.summary.version, '1.1.0+0');
  assert.is(r.boots, 1, 'the nRF9160 itself never rebooted');
  assert.is(r.summary.reboots, 0);
  assert.is(r.summary.companionReboots, 1, 'the nRF52833 was reset once into its new image');
  const push = r.entries.find((e) => e.kind === 'upload');
  assert.ok(push && push.kind === 'upload' && push.match === true && push.ms > 0 && push.requests > 0, 'the push is in the run log, timed on the sim clock');
  assert.ok(r.entries.some((e) => e.kind === 'board-boot' && e.board === 'nrf52833' && e.swap === 'test'));
});

test('--server: the same flow against an update server the sim did not start, names through --resolve and a lookup', async () => {
  const image = await release('1.1.0');
  const server = await startUpdateServer({ image, version: '1.1.0' });
  try {
    const lookedUp: string[] = [];
    const r = await runSim({
      ...fast,
      keyPem,
      world: remoteReleaseApi({
        url: server.apiUrl,
        projectKey: server.projectKey,
        resolve: { [server.apiHost]: '127.0.0.1' },
        lookup: async (host) => (lookedUp.push(host), host === server.cdnHost ? '127.0.0.1' : undefined),
      }),
      candidates: [
        { secTag: 1001, name: 'amazon', pem: server.pki.roots.amazonRootCa1.pem },
        { secTag: 1002, name: 'g2', pem: server.pki.roots.digicertGlobalRootG2.pem },
      ],
    });
    assert.is(r.summary.final, 'confirmed', JSON.stringify(r.summary.reason));
    assert.is(r.summary.version, '1.1.0+0');
    assert.equal(lookedUp, [server.cdnHost]);
  } finally {
    await server.close();
  }
});

test('a board kept in a state directory is up to date on the next run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-sim-'));
  try {
    const first = await runSim({ ...fast, statePath: dir, keyPem });
    assert.is(first.summary.final, 'confirmed');
    const second = await runSim({ ...fast, statePath: dir, keyPem });
    assert.is(second.summary.final, 'idle');
    assert.is(second.summary.version, '1.1.0+0');
    assert.is(second.summary.bytes, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('power cut at a sample of flash operations: every run boots a valid image and converges', async () => {
  const r = await sweepAgentPowerCuts({ payloadBytes: 8192, seeds: 1, stride: 7, revert: false });
  assert.ok(r.cutPoints >= 14, `${r.cutPoints} cut points`);
  assert.equal(r.failed, []);
});

test('power cuts on the nRF9160 while it updates the nRF52833 over SMP: every run converges', async () => {
  const r = await sweepAgentPowerCuts({ payloadBytes: 8192, seeds: 1, stride: 3, revert: false, target: 'nrf52833' });
  assert.ok(r.cutPoints >= 8, `${r.cutPoints} cut points`);
  assert.equal(r.failed, []);
});

test('chaos: a random server fault together with a power cut, a few seeded schedules, all confirmed', async () => {
  const r = await chaosAgent({ schedules: 6, seed: 3, payloadBytes: 8192 });
  assert.equal(r.failed, []);
  assert.is(r.converged, 6);
});

test.run();

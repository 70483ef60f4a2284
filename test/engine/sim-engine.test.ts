/**
 * The device application inside the embedded engines (src/engine/): `npm start`'s story run in XS ends
 * in the same state with the same run-log summary figures as in V8 (all but the wall-clock seconds);
 * a failed self-test rolls back (QuickJS, again with V8's figures); a power cut in the middle of the
 * download resumes (XS, with verification in the engine's own JavaScript crypto); the companion nRF52833
 * is updated over SMP/BLE by the SMP client running in XS. A few runs only: each boot loads the bundle.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSim, type SimOptions } from '../../src/boards/sim-run.ts';
import type { SummaryEntry } from '../../src/fota/run-log.ts';
import { generateImageKeyPem } from '../../src/boards/image-keys.ts';
import { engineDeviceApp } from '../../src/engine/host/run-app.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';

/** The run's figures that do not depend on how fast the host is. */
function figures(s: SummaryEntry): Omit<SummaryEntry, 'seconds'> {
  const { seconds: _seconds, ...rest } = s;
  return rest;
}

const keyPem = generateImageKeyPem('ed25519');
const story: SimOptions = { world: localUpdateServer(), link: 'none', keyPem };

test('XS: npm start\'s story ends confirmed with the same summary figures and the same states as V8', async () => {
  const v8 = await runSim(story);
  const xs = await runSim({ ...story, deviceApp: engineDeviceApp({ engine: 'xs' }) });
  assert.is(xs.summary.final, 'confirmed');
  assert.equal(figures(xs.summary), figures(v8.summary));
  const states = (r: typeof v8) => r.entries.filter((e) => e.kind === 'state').map((e) => (e.kind === 'state' ? `${e.from}>${e.to}` : ''));
  assert.equal(states(xs), states(v8));
  assert.is(xs.boots, v8.boots);
});

test('QuickJS: a failed self-test ends rolled-back, running the old version, with the V8 run\'s figures', async () => {
  const failing: SimOptions = { ...story, payloadBytes: 16 * 1024, failSelftest: true };
  const v8 = await runSim(failing);
  const r = await runSim({ ...failing, deviceApp: engineDeviceApp({ engine: 'quickjs' }) });
  assert.is(r.summary.final, 'rolled-back');
  assert.is(r.summary.version, '1.0.0+0');
  assert.is(r.summary.reason?.code, 'SELFTEST_FAILED');
  assert.equal(figures(r.summary), figures(v8.summary));
});

test('XS with in-engine crypto: a power cut during the download resumes and ends confirmed', async () => {
  const r = await runSim({ ...story, payloadBytes: 64 * 1024, powerCutAt: 40, deviceApp: engineDeviceApp({ engine: 'xs', crypto: 'engine' }) });
  assert.is(r.powerCuts, 1);
  assert.is(r.summary.final, 'confirmed');
  assert.is(r.summary.version, '1.1.0+0');
  const resumed = r.entries.find((e) => e.kind === 'download');
  assert.ok(resumed && resumed.kind === 'download' && resumed.resumedAt > 0, 'the download resumed from the bytes kept before the cut');
});

test('XS: the companion nRF52833 is updated over SMP/BLE, with the V8 run\'s figures', async () => {
  const companion: SimOptions = { ...story, target: 'nrf52833', payloadBytes: 16 * 1024 };
  const v8 = await runSim(companion);
  const xs = await runSim({ ...companion, deviceApp: engineDeviceApp({ engine: 'xs' }) });
  assert.is(xs.summary.final, 'confirmed');
  assert.equal(figures(xs.summary), figures(v8.summary));
  const upload = xs.entries.find((e) => e.kind === 'upload');
  assert.ok(upload && upload.kind === 'upload' && upload.match === true, 'the companion reported the pushed image\'s hash as matching');
});

test.run();

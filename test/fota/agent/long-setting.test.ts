import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_RELEASE_URL_KEY, FotaAgent } from '../../../src/fota/agent/agent.ts';
import { LONG_SETTING_MAX_PIECES, readLongSetting, writeLongSetting } from '../../../src/fota/agent/long-setting.ts';
import { RELEASE_URL_MAX_BYTES } from '../../../src/fota/update-check.ts';
import { SETTINGS_MAX_VALUE_BYTES } from '../../../src/hal/settings.ts';
import { silentLog } from '../../../src/hal/log.ts';
import { FakeDownloader, FakeSlot, FakeVerifier, MemorySettings, fakeClock, fakeImage } from './fakes.ts';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('a value over one entry is spread over key, key/1, ... and read back whole', async () => {
  const s = new MemorySettings();
  const v = bytes(3 * SETTINGS_MAX_VALUE_BYTES + 5);
  await writeLongSetting(s, 'k', v);
  assert.equal(await s.keys('k'), ['k', 'k/1', 'k/2', 'k/3']);
  assert.equal(await readLongSetting(s, 'k'), v);
});

test('a shorter value deletes the pieces of the longer one before it', async () => {
  const s = new MemorySettings();
  await writeLongSetting(s, 'k', bytes(3 * SETTINGS_MAX_VALUE_BYTES, 2));
  const short = bytes(SETTINGS_MAX_VALUE_BYTES, 3);
  await writeLongSetting(s, 'k', short);
  assert.equal(await s.keys('k'), ['k']);
  assert.equal(await readLongSetting(s, 'k'), short);
  assert.is(await readLongSetting(s, 'absent'), undefined);
});

test('more than LONG_SETTING_MAX_PIECES entries is refused', async () => {
  try {
    await writeLongSetting(new MemorySettings(), 'k', bytes(LONG_SETTING_MAX_PIECES * SETTINGS_MAX_VALUE_BYTES + 1));
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'SETTINGS_VALUE_TOO_LARGE');
  }
});

test('the agent keeps a 4 KiB release URL across a reboot (a new agent reads it back) and confirms', async () => {
  const url = 'https://cdn.fotakit.test/fw/app.bin?sig=' + 'z'.repeat(RELEASE_URL_MAX_BYTES - 40);
  assert.is(url.length, RELEASE_URL_MAX_BYTES);
  const settings = new MemorySettings();
  const make = () =>
    new FotaAgent({
      settings,
      clock: fakeClock,
      log: silentLog,
      slot: new FakeSlot(fakeImage([1, 0, 0], 500)),
      release: { check: async () => ({ kind: 'update' as const, url }) },
      downloader: new FakeDownloader(fakeImage([1, 1, 0], 700)),
      createVerifier: () => new FakeVerifier(),
      selfTest: async () => true,
    });
  const r = await make().run();
  assert.is(r.state, 'confirmed');
  assert.ok((await settings.keys(AGENT_RELEASE_URL_KEY)).length >= 4);
  assert.is((await make().record()).release?.url, url);
});

test.run();

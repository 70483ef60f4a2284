import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../../src/hal/errors.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';
import { SETTINGS_MAX_VALUE_BYTES, getJson, setJson } from '../../../src/hal/settings.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as FotaError).code;
  }
  return 'no error';
}

test('set, get, delete and sorted keys with a prefix', async () => {
  const s = new MemorySettings();
  await s.set('fota/b', Uint8Array.of(2));
  await s.set('fota/a', Uint8Array.of(1));
  await s.set('other', Uint8Array.of(3));
  assert.equal(await s.get('fota/a'), Uint8Array.of(1));
  assert.equal(await s.keys('fota/'), ['fota/a', 'fota/b']);
  await s.delete('fota/a');
  assert.is(await s.get('fota/a'), undefined);
  assert.is(s.size, 2);
});

test('values are copied in and out', async () => {
  const v = Uint8Array.of(1, 2);
  const s = new MemorySettings({ k: v });
  v[0] = 9;
  const got = (await s.get('k'))!;
  got[1] = 9;
  assert.equal(await s.get('k'), Uint8Array.of(1, 2));
});

test('JSON helpers round-trip through it', async () => {
  const s = new MemorySettings();
  await setJson(s, 'fota/state', { state: 'idle', n: 1 });
  assert.equal(await getJson(s, 'fota/state'), { state: 'idle', n: 1 });
});

test('same key and value checks as the flash store', async () => {
  const s = new MemorySettings();
  assert.is(await code(s.set('', Uint8Array.of(1))), 'SETTINGS_BAD_KEY');
  assert.is(await code(s.set('x'.repeat(65), Uint8Array.of(1))), 'SETTINGS_BAD_KEY');
  assert.is(await code(s.set('k', new Uint8Array(SETTINGS_MAX_VALUE_BYTES + 1))), 'SETTINGS_VALUE_TOO_LARGE');
  assert.is(await code(s.set('k', [1] as unknown as Uint8Array)), 'SETTINGS_BAD_VALUE');
});

test.run();

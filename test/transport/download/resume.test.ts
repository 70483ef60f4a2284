import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../src/hal/bytes.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';
import { DOWNLOAD_STATE_KEY_DEFAULT, clearDownloadState, loadDownloadState, saveDownloadState, stateId } from '../../../src/transport/download/resume.ts';

test('saves and loads {id, validators, size, offset, head}', async () => {
  const s = new MemorySettings();
  await saveDownloadState(s, { id: 'https://cdn/f.bin', etag: '"e1"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT', size: 1000, offset: 400, head: [300, 0, 199] });
  assert.equal(await loadDownloadState(s), { id: 'https://cdn/f.bin', etag: '"e1"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT', size: 1000, offset: 400, head: [300, 0, 199] });
  await clearDownloadState(s);
  assert.is(await loadDownloadState(s), undefined);
});

test('a long id (signed CDN URL) is stored as its length and FNV-1a digest, under the value limit', async () => {
  const long = 'https://cdn.example.com/f.bin?sig=' + 'x'.repeat(2000);
  assert.is(stateId(long), stateId(long));
  assert.match(stateId(long), /^#2034:[0-9a-f]{8}$/);
  assert.is.not(stateId(long), stateId(long + 'y'));
  const s = new MemorySettings();
  await saveDownloadState(s, { id: long, size: 10, offset: 1 });
  assert.is((await loadDownloadState(s))!.id, stateId(long));
});

test('a corrupt or inconsistent record is ignored, not trusted', async () => {
  const s = new MemorySettings();
  for (const bad of ['{"id":"u","size":10,"offset":1,"head":[100,5,4]}', '{"id":"u","size":10,"offset":1,"head":[100]}', 'not json', '{"id":"u","size":10,"offset":11}', '{"id":"u","size":-1,"offset":0}', '{"size":10,"offset":0}', '[]']) {
    await s.set(DOWNLOAD_STATE_KEY_DEFAULT, utf8Encode(bad));
    assert.is(await loadDownloadState(s), undefined, bad);
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaAgent } from '../../../src/fota/agent/agent.ts';
import { RELEASE_REFUSAL_CODES, isReleaseRefusal, rememberBadRelease } from '../../../src/fota/agent/refused-releases.ts';
import { silentLog } from '../../../src/hal/log.ts';
import { FakeDownloader, FakeSlot, FakeVerifier, MemorySettings, fakeClock, fakeImage } from './fakes.ts';

const URL_110 = 'https://cdn.fotakit.test/app-1.1.0.bin';
const v100 = fakeImage([1, 0, 0], 500);

function agentFor(image: Uint8Array, settings: MemorySettings, url = URL_110) {
  const downloader = new FakeDownloader(image);
  const agent = new FotaAgent({
    settings,
    clock: fakeClock,
    log: silentLog,
    slot: new FakeSlot(v100),
    release: { check: async () => ({ kind: 'update' as const, url }) },
    downloader,
    createVerifier: () => new FakeVerifier(),
    selfTest: async () => true,
  });
  return { agent, downloader };
}

test('a release refused for its signature is not downloaded again: AGENT_KNOWN_BAD_RELEASE at the next check', async () => {
  const settings = new MemorySettings();
  const { agent, downloader } = agentFor(fakeImage([1, 1, 0], 700, false), settings);
  const first = await agent.run();
  assert.is(first.reason?.code, 'IMAGE_BAD_SIGNATURE');
  const again = await agent.run();
  assert.is(again.state, 'idle');
  assert.is(again.reason?.code, 'AGENT_KNOWN_BAD_RELEASE');
  assert.match(again.reason!.message, /refused \(IMAGE_BAD_SIGNATURE\)/);
  assert.is(downloader.calls, 1);
});

test('a downgrade refused from the header is remembered the same way', async () => {
  const settings = new MemorySettings();
  const { agent, downloader } = agentFor(fakeImage([0, 9, 0], 700), settings);
  assert.is((await agent.run()).reason?.code, 'IMAGE_DOWNGRADE');
  assert.is((await agent.run()).reason?.code, 'AGENT_KNOWN_BAD_RELEASE');
  assert.is(downloader.calls, 1);
});

test('a network failure is not the release\'s fault: the next check downloads again and confirms', async () => {
  const settings = new MemorySettings();
  const { agent, downloader } = agentFor(fakeImage([1, 1, 0], 700), settings);
  downloader.failAfter = 300;
  assert.is((await agent.run()).reason?.code, 'ECONNRESET');
  assert.is((await agent.run()).state, 'confirmed');
  assert.is(downloader.calls, 2);
});

test('another URL (a fixed release) is downloaded even after a refusal', async () => {
  const settings = new MemorySettings();
  await agentFor(fakeImage([1, 1, 0], 700, false), settings).agent.run();
  const fixed = agentFor(fakeImage([1, 1, 0], 700), settings, 'https://cdn.fotakit.test/app-1.1.0-fixed.bin');
  assert.is((await fixed.agent.run()).state, 'confirmed');
});

test('refusals count only while downloading or verifying; the list is bounded and keeps one entry per URL', () => {
  assert.ok(isReleaseRefusal('verifying', 'IMAGE_BAD_HASH'));
  assert.ok(isReleaseRefusal('downloading', 'IMAGE_DOWNGRADE'));
  assert.not.ok(isReleaseRefusal('downloading', 'ECONNRESET'));
  assert.not.ok(isReleaseRefusal('checking', 'IMAGE_BAD_HASH'));
  assert.ok(RELEASE_REFUSAL_CODES.has('IMAGE_UNKNOWN_KEY'));
  let list = rememberBadRelease([], { urlId: 'a' }, 2);
  list = rememberBadRelease(list, { urlId: 'b' }, 2);
  list = rememberBadRelease(list, { urlId: 'a', code: 'X' }, 2);
  assert.equal(list, [{ urlId: 'b' }, { urlId: 'a', code: 'X' }]);
  list = rememberBadRelease(list, { urlId: 'c' }, 2);
  assert.equal(list.map((b) => b.urlId), ['a', 'c']);
});

test.run();

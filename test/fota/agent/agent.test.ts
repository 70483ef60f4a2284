import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_MAX_BAD_RELEASES, AGENT_RECORD_KEY, AGENT_RELEASE_URL_KEY, FotaAgent, type AgentEventRecord } from '../../../src/fota/agent/agent.ts';
import type { ReleasePort } from '../../../src/fota/agent/ports.ts';
import { silentLog } from '../../../src/hal/log.ts';
import { PowerCutError } from '../../../src/hal/errors.ts';
import { FakeDownloader, FakeSlot, FakeVerifier, MemorySettings, fakeClock, fakeImage } from './fakes.ts';

const URL_110 = 'https://cdn.fotakit.test/app-1.1.0.bin';
const v100 = fakeImage([1, 0, 0], 500);
const v110 = fakeImage([1, 1, 0], 700);

function release(url: string | undefined): ReleasePort & { calls: number } {
  const r = { calls: 0, check: async () => (r.calls++, url ? { kind: 'update' as const, url } : { kind: 'up-to-date' as const }) };
  return r;
}

function makeAgent(opts: { slot?: FakeSlot; image?: Uint8Array; url?: string; selfTest?: boolean; settings?: MemorySettings; downloader?: FakeDownloader } = {}) {
  const slot = opts.slot ?? new FakeSlot(v100);
  const downloader = opts.downloader ?? new FakeDownloader(opts.image ?? v110);
  const settings = opts.settings ?? new MemorySettings();
  const events: AgentEventRecord[] = [];
  const rel = release('url' in opts ? opts.url : URL_110);
  const agent = new FotaAgent({
    settings,
    clock: fakeClock,
    log: silentLog,
    slot,
    release: rel,
    downloader,
    createVerifier: () => new FakeVerifier(),
    selfTest: async () => opts.selfTest ?? true,
    onEvent: (e) => events.push(e),
  });
  const states = () => events.filter((e) => e.kind === 'state').map((e) => (e as { to: string }).to);
  return { agent, slot, downloader, settings, events, states, rel };
}

test('a full update goes through every state and confirms the new version', async () => {
  const { agent, slot, states } = makeAgent();
  const r = await agent.run();
  assert.is(r.state, 'confirmed');
  assert.is(r.running, '1.1.0');
  assert.equal(states(), ['checking', 'selecting-cert', 'downloading', 'verifying', 'staged', 'rebooting', 'trial', 'confirmed']);
  assert.is(slot.confirmed, true);
  assert.is(slot.resets, 1);
});

test('a long signed CDN URL (1000 bytes) is kept apart from the record; the record stays small', async () => {
  const url = 'https://cdn.fotakit.test/fw/app.bin?token=' + 'x'.repeat(1000 - 42);
  assert.is(url.length, 1000);
  const { agent, settings } = makeAgent({ url });
  const r = await agent.run();
  assert.is(r.state, 'confirmed');
  assert.is(r.release?.url, url);
  const record = (await settings.get(AGENT_RECORD_KEY))!;
  assert.ok(record.length < 400, `record is ${record.length} bytes`);
  assert.is(new TextDecoder().decode((await settings.get(AGENT_RELEASE_URL_KEY))!), url);
});

test('a stored record this agent did not write (or corrupt) starts from idle instead of failing forever', async () => {
  const settings = new MemorySettings();
  await settings.set(AGENT_RECORD_KEY, new TextEncoder().encode('{"state":"flying","attempts":"x"}'));
  const { agent } = makeAgent({ settings });
  assert.is((await agent.run()).state, 'confirmed');
  await settings.set(AGENT_RECORD_KEY, new TextEncoder().encode('{not json'));
  const again = makeAgent({ settings, url: undefined });
  assert.is((await again.agent.run()).state, 'idle');
});

test('the list of failed releases is bounded', async () => {
  const settings = new MemorySettings();
  for (let i = 0; i < AGENT_MAX_BAD_RELEASES + 3; i++) {
    const image = fakeImage([1, 1 + i, 0], 700);
    const { agent } = makeAgent({ settings, url: `https://cdn.fotakit.test/bad-${i}.bin`, image, selfTest: false, slot: new FakeSlot(v100) });
    assert.is((await agent.run()).state, 'rolled-back');
  }
  const rec = await makeAgent({ settings }).agent.record();
  assert.is(rec.badReleases.length, AGENT_MAX_BAD_RELEASES);
});

test('204 from the release API ends idle without touching the slot', async () => {
  const { agent, slot, states } = makeAgent({ url: undefined });
  const r = await agent.run();
  assert.is(r.state, 'idle');
  assert.equal(states(), ['checking', 'idle']);
  assert.is(slot.writes, 0);
});

test('a failing self-test rolls back to 1.0.0 and the release is never downloaded again', async () => {
  const { agent, slot, downloader, states } = makeAgent({ selfTest: false });
  const r = await agent.run();
  assert.is(r.state, 'rolled-back');
  assert.is(r.running, '1.0.0');
  assert.is(r.reason?.code, 'SELFTEST_FAILED');
  assert.equal(states().slice(-3), ['trial', 'reverting', 'rolled-back']);
  assert.is(slot.resets, 2);
  const again = await agent.run();
  assert.is(again.state, 'idle');
  assert.is(again.reason?.code, 'AGENT_KNOWN_BAD_RELEASE');
  assert.is(downloader.calls, 1);
});

test('a bad signature is rejected before staging: nothing pending, 1.0.0 runs, reason reported', async () => {
  const { agent, slot } = makeAgent({ image: fakeImage([1, 1, 0], 700, false) });
  const r = await agent.run();
  assert.is(r.state, 'failed');
  assert.is(r.reason?.code, 'IMAGE_BAD_SIGNATURE');
  assert.is(r.running, '1.0.0');
  assert.is(slot.pending, false);
  assert.is(slot.secondary.length, 0);
});

test('a downgrade is refused from the header, before anything is written', async () => {
  const { agent, slot } = makeAgent({ image: fakeImage([0, 9, 0], 700) });
  const r = await agent.run();
  assert.is(r.state, 'failed');
  assert.is(r.reason?.code, 'IMAGE_DOWNGRADE');
  assert.is(slot.writes, 0);
});

test('an image larger than the slot is DFU_IMAGE_TOO_BIG before any write', async () => {
  const { agent, slot } = makeAgent({ slot: new FakeSlot(v100, 600) });
  const r = await agent.run();
  assert.is(r.reason?.code, 'DFU_IMAGE_TOO_BIG');
  assert.is(slot.writes, 0);
});

test('a non-MCUboot image is IMAGE_TYPE_UNSUPPORTED', async () => {
  const modem = fakeImage([1, 1, 0], 700);
  modem.set([0xd2, 0x84, 0, 0]);
  const { agent } = makeAgent({ image: modem });
  assert.is((await agent.run()).reason?.code, 'IMAGE_TYPE_UNSUPPORTED');
});

test('a dropped link fails the cycle; the next run resumes from the slot, re-verifying what is there', async () => {
  const downloader = new FakeDownloader(v110);
  downloader.failAfter = 400;
  const { agent, slot } = makeAgent({ downloader });
  const first = await agent.run();
  assert.is(first.state, 'failed');
  assert.is(first.reason?.code, 'ECONNRESET');
  assert.is(slot.secondary.length, 400);
  const second = await agent.run();
  assert.is(second.state, 'confirmed');
  assert.is(second.running, '1.1.0');
});

/** Settings that lose power at their n-th write (the write does not happen). */
class CuttingSettings extends MemorySettings {
  writes = 0;
  constructor(public cutAt: number) { super(); }
  override async set(key: string, value: Uint8Array) {
    if (this.writes++ === this.cutAt) throw new PowerCutError(this.cutAt, 'settings.set');
    return super.set(key, value);
  }
}

/**
 * Cuts the power at every persisted step of a whole update (one sweep per cut point, a fresh board and
 * slot each), keeps booting, and checks every run confirms 1.1.0 with at most one more download call.
 */
async function sweepPersistedSteps(makeSlot: () => FakeSlot): Promise<number> {
  const clean = new CuttingSettings(-1);
  await makeAgent({ settings: clean, slot: makeSlot() }).agent.run();
  for (let cut = 0; cut < clean.writes; cut++) {
    const settings = new CuttingSettings(cut);
    const slot = makeSlot();
    const downloader = new FakeDownloader(v110);
    let result;
    for (let boot = 0; boot < 5 && !result; boot++) {
      try {
        result = await makeAgent({ settings, slot, downloader }).agent.run();
      } catch (e) {
        assert.instance(e, PowerCutError);
      }
    }
    assert.is(result?.state, 'confirmed', `cut at ${cut}: ${JSON.stringify(result?.reason)}`);
    assert.is(result?.running, '1.1.0', `cut at ${cut}`);
    assert.ok(downloader.calls <= 2, `cut at ${cut}: ${downloader.calls} downloads`);
  }
  return clean.writes;
}

test('a power cut at every persisted step resumes and converges to confirmed, with at most one resumed download', async () => {
  const steps = await sweepPersistedSteps(() => new FakeSlot(v100));
  assert.ok(steps >= 8, `only ${steps} persisted steps`);
});

test('a slot that cannot be read back (SMP): a cut after the download means downloading again, then confirmed', async () => {
  assert.is(new FakeSlot(v100, 1 << 20, false).read, undefined);
  await sweepPersistedSteps(() => new FakeSlot(v100, 1 << 20, false));
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../src/hal/bytes.ts';
import { FotaError, PowerCutError } from '../../../src/hal/errors.ts';
import type { FlashArea } from '../../../src/hal/flash.ts';
import { FLASH_AREA_STORAGE } from '../../../src/hal/flash.ts';
import { crc32, FLASH_SETTINGS_ATE_BYTES, FlashSettings } from '../../../src/hal/portable/flash-settings.ts';
import { SETTINGS_MAX_VALUE_BYTES, getJson, setJson } from '../../../src/hal/settings.ts';
import { SimFlash } from '../../../src/hal/sim/flash.ts';
import type { BoardProfile } from '../../../src/hal/sim/profiles.ts';
import { NRF9160_PROFILE } from '../../../src/hal/sim/profiles.ts';

/** Small sectors so garbage collection happens after a few dozen writes. */
const SECTOR = 2048;
const TEST_PROFILE: BoardProfile = {
  name: 'nrf52833',
  description: 'test flash with 2 KiB pages',
  flash: { size: 16 * 1024, eraseBlockBytes: SECTOR, writeAlignBytes: 4, erasedValue: 0xff },
  partitions: [
    { label: 'two_sectors', offset: 0, size: 2 * SECTOR },
    { label: 'four_sectors', offset: 2 * SECTOR, size: 4 * SECTOR },
    { label: 'one_sector', offset: 6 * SECTOR, size: SECTOR },
  ],
  hasModem: false,
};

function flash(seed = 1): SimFlash {
  return new SimFlash({ profile: TEST_PROFILE, seed });
}

const enc = (s: string): Uint8Array => utf8Encode(s);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FotaError, String(e));
    return (e as FotaError).code;
  }
  return 'no error';
}

test('crc32 matches the IEEE check value', () => {
  assert.is(crc32(enc('123456789')), 0xcbf43926);
});

test('set, get, delete and keys with a prefix', async () => {
  const s = await FlashSettings.open(flash().open('four_sectors'));
  assert.is(await s.get('fota/state'), undefined);
  await s.set('fota/state', enc('idle'));
  await s.set('fota/cert/a.example', Uint8Array.of(1));
  await s.set('fota/cert/b.example', Uint8Array.of(2));
  await s.set('other', new Uint8Array(0));
  assert.equal(await s.get('fota/state'), enc('idle'));
  assert.equal(await s.get('other'), new Uint8Array(0));
  assert.equal(await s.keys('fota/cert/'), ['fota/cert/a.example', 'fota/cert/b.example']);
  await s.delete('fota/cert/a.example');
  assert.is(await s.get('fota/cert/a.example'), undefined);
  assert.equal(await s.keys(), ['fota/cert/b.example', 'fota/state', 'other']);
});

test('values survive a reopen of the area', async () => {
  const f = flash();
  const s1 = await FlashSettings.open(f.open('four_sectors'));
  await setJson(s1, 'fota/progress', { persisted: 8192 });
  await s1.set('k', enc('v1'));
  await s1.set('k', enc('v2'));
  await s1.delete('gone');
  const s2 = await FlashSettings.open(f.open('four_sectors'));
  assert.equal(await getJson(s2, 'fota/progress'), { persisted: 8192 });
  assert.equal(await s2.get('k'), enc('v2'));
  assert.equal(await s2.keys(), ['fota/progress', 'k']);
});

test('get returns a copy, set keeps its own copy', async () => {
  const s = await FlashSettings.open(flash().open('two_sectors'));
  const v = Uint8Array.of(1, 2, 3);
  await s.set('k', v);
  v[0] = 9;
  const got = (await s.get('k'))!;
  assert.equal(got, Uint8Array.of(1, 2, 3));
  got[1] = 9;
  assert.equal(await s.get('k'), Uint8Array.of(1, 2, 3));
});

test('setting the same value again and deleting an absent key write nothing', async () => {
  const f = flash();
  const s = await FlashSettings.open(f.open('two_sectors'));
  await s.set('k', enc('same'));
  const ops = f.operationCount;
  await s.set('k', enc('same'));
  await s.delete('absent');
  assert.is(f.operationCount, ops);
});

test('a set is two flash writes: data, then the entry that makes it valid', async () => {
  const f = flash();
  const s = await FlashSettings.open(f.open('two_sectors'));
  const before = f.stats().writes;
  await s.set('k', enc('value'));
  assert.is(f.stats().writes - before, 2);
});

test('bad keys and values are typed errors', async () => {
  const s = await FlashSettings.open(flash().open('two_sectors'));
  assert.is(await code(s.set('', enc('x'))), 'SETTINGS_BAD_KEY');
  assert.is(await code(s.set('k'.repeat(65), enc('x'))), 'SETTINGS_BAD_KEY');
  assert.is(await code(s.get('')), 'SETTINGS_BAD_KEY');
  assert.is(await code(s.set('k', new Uint8Array(SETTINGS_MAX_VALUE_BYTES + 1))), 'SETTINGS_VALUE_TOO_LARGE');
  assert.is(await code(s.set('k', 'text' as unknown as Uint8Array)), 'SETTINGS_BAD_VALUE');
  await s.set('k'.repeat(64), new Uint8Array(SETTINGS_MAX_VALUE_BYTES).fill(7));
  assert.equal(await s.get('k'.repeat(64)), new Uint8Array(SETTINGS_MAX_VALUE_BYTES).fill(7));
});

test('an area of one sector is SETTINGS_BAD_AREA', async () => {
  assert.is(await code(FlashSettings.open(flash().open('one_sector'))), 'SETTINGS_BAD_AREA');
});

test('a foreign (garbage) area is initialised as an empty store', async () => {
  const f = flash();
  const a = f.open('four_sectors');
  const junk = new Uint8Array(a.size);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xfe;
  await a.write(0, junk);
  const s = await FlashSettings.open(a);
  assert.equal(await s.keys(), []);
  await s.set('k', enc('v'));
  assert.equal(await (await FlashSettings.open(a)).get('k'), enc('v'));
});

for (const label of ['two_sectors', 'four_sectors']) {
  test(`garbage collection over many writes keeps the latest values (${label})`, async () => {
    const f = flash();
    const s = await FlashSettings.open(f.open(label));
    const latest = new Map<string, Uint8Array>();
    for (let i = 0; i < 600; i++) {
      const key = `key/${i % 12}`;
      const value = enc(`value ${i} `.repeat(1 + (i % 5)));
      await s.set(key, value);
      latest.set(key, value);
    }
    assert.ok(s.stats().rotations >= 10, `rotations: ${s.stats().rotations}`);
    const again = await FlashSettings.open(f.open(label));
    assert.equal(await again.keys(), [...latest.keys()].sort());
    for (const [k, v] of latest) assert.equal(await again.get(k), v, k);
  });
}

test('a deleted key stays deleted through garbage collection', async () => {
  const f = flash();
  const s = await FlashSettings.open(f.open('four_sectors'));
  await s.set('doomed', enc('old value'));
  await s.delete('doomed');
  for (let i = 0; i < 300; i++) await s.set(`k${i % 4}`, enc(`v${i}`.repeat(8)));
  assert.ok(s.stats().rotations >= 4);
  assert.is(await (await FlashSettings.open(f.open('four_sectors'))).get('doomed'), undefined);
});

test('wear is spread over all sectors', async () => {
  const f = flash();
  const a = f.open('four_sectors');
  const s = await FlashSettings.open(a);
  for (let i = 0; i < 400; i++) await s.set(`k${i % 3}`, new Uint8Array(100).fill(i & 0x7f));
  const wear = [...f.eraseCounts().subarray(a.deviceOffset / SECTOR, a.deviceOffset / SECTOR + 4)];
  assert.ok(Math.max(...wear) - Math.min(...wear) <= 1, `wear ${wear}`);
});

test('SETTINGS_FULL when live data cannot fit, and the store keeps working', async () => {
  const f = flash();
  const s = await FlashSettings.open(f.open('two_sectors'));
  await s.set('a', new Uint8Array(1000).fill(1));
  const err = await code(s.set('b', new Uint8Array(1024).fill(2)));
  assert.is(err, 'SETTINGS_FULL');
  assert.equal(await s.get('a'), new Uint8Array(1000).fill(1));
  await s.delete('a');
  await s.set('b', new Uint8Array(1024).fill(2));
  assert.equal(await (await FlashSettings.open(f.open('two_sectors'))).get('b'), new Uint8Array(1024).fill(2));
});

test('a value changed under the store is SETTINGS_CORRUPT, and the next call mounts again', async () => {
  const f = flash();
  const a = f.open('two_sectors');
  const s = await FlashSettings.open(a);
  await s.set('k', enc('value'));
  await a.erase(0, a.size);
  assert.is(await code(s.get('k')), 'SETTINGS_CORRUPT');
  assert.is(await s.get('k'), undefined);
  await s.set('k', enc('again'));
  assert.equal(await (await FlashSettings.open(a)).get('k'), enc('again'));
});

test('concurrent calls are serialised', async () => {
  const f = flash();
  const s = await FlashSettings.open(f.open('four_sectors'));
  await Promise.all(Array.from({ length: 50 }, (_, i) => s.set(`k${i % 5}`, enc(`v${i}`))));
  for (let k = 0; k < 5; k++) assert.equal(await s.get(`k${k}`), enc(`v${45 + k}`));
});

test('the nRF9160 storage partition holds a store (4 sectors of 4 KiB)', async () => {
  const f = new SimFlash({ profile: NRF9160_PROFILE });
  const s = await FlashSettings.open(f.open(FLASH_AREA_STORAGE));
  await s.set('fota/state', enc('idle'));
  assert.equal({ sectors: s.stats().sectors, sectorBytes: s.stats().sectorBytes }, { sectors: 4, sectorBytes: 4096 });
  // header, one record's data and ATE, the next record's ATE and the reserved GC-done slot
  assert.is(s.stats().freeBytes, 4096 - 16 - 16 - 3 * FLASH_SETTINGS_ATE_BYTES);
});

// ---- power cuts ----

type Step = { key: string; value: Uint8Array | undefined };

/** A write sequence that overwrites, deletes and (for small sectors) forces several rotations. */
function steps(count: number): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < count; i++) {
    const key = `key/${i % 5}`;
    out.push({ key, value: i % 7 === 6 ? undefined : enc(`v${i}:`.repeat(1 + ((i * 13) % 40))) });
  }
  return out;
}

async function expectState(s: FlashSettings, committed: Map<string, Uint8Array>, cutStep: Step | undefined, before: Uint8Array | undefined, msg: string): Promise<void> {
  const keys = new Set([...committed.keys(), ...(cutStep ? [cutStep.key] : [])]);
  for (const k of keys) {
    const got = await s.get(k);
    if (cutStep && k === cutStep.key) {
      const okOld = before === undefined ? got === undefined : got !== undefined && got.length === before.length && got.every((b, i) => b === before[i]);
      const next = cutStep.value;
      const okNew = next === undefined ? got === undefined : got !== undefined && got.length === next.length && got.every((b, i) => b === next[i]);
      assert.ok(okOld || okNew, `${msg}: ${k} is neither old nor new`);
    } else assert.equal(got, committed.get(k), `${msg}: ${k}`);
  }
  const stored = await s.keys();
  for (const k of stored) assert.ok(keys.has(k), `${msg}: unexpected key ${k}`);
}

/**
 * Runs `seq` with a cut at operation `cutAt` (counted from after the store opened), powers on, reopens
 * and checks every key is old or new; then checks the store still takes writes. Returns the ops used.
 */
async function cutRun(label: string, seq: Step[], cutAt: number | undefined, seed: number, sameObject: boolean): Promise<number> {
  const f = flash(seed);
  const area: FlashArea = f.open(label);
  const s = await FlashSettings.open(area);
  await s.set('stable', enc('never changes'));
  f.resetOperationCount();
  f.cutAtOperation(cutAt);
  const committed = new Map<string, Uint8Array>([['stable', enc('never changes')]]);
  let cutStep: Step | undefined;
  let before: Uint8Array | undefined;
  for (const st of seq) {
    before = committed.get(st.key);
    try {
      if (st.value) await s.set(st.key, st.value);
      else await s.delete(st.key);
    } catch (e) {
      assert.ok(e instanceof PowerCutError, `cut ${cutAt}: ${String(e)}`);
      cutStep = st;
      break;
    }
    if (st.value) committed.set(st.key, st.value);
    else committed.delete(st.key);
  }
  const used = f.operationCount;
  if (cutAt === undefined) return used;
  assert.ok(cutStep, `cut at ${cutAt} did not happen (${used} ops)`);
  f.powerOn();
  const s2 = sameObject ? s : await FlashSettings.open(area);
  await expectState(s2, committed, cutStep, before, `cut ${cutAt} seed ${seed}`);
  // The store keeps working: more writes, then a clean reopen reads them.
  for (let i = 0; i < 12; i++) await s2.set(`after/${i % 3}`, enc(`after ${i}`.repeat(10)));
  const s3 = await FlashSettings.open(area);
  assert.equal(await s3.get('after/2'), enc('after 11'.repeat(10)));
  assert.equal(await s3.get('stable'), enc('never changes'));
  return used;
}

for (const label of ['two_sectors', 'four_sectors']) {
  test(`power cut at every operation of a write sequence: each key reads old or new (${label})`, async () => {
    const seq = steps(label === 'two_sectors' ? 40 : 70);
    const total = await cutRun(label, seq, undefined, 1, false);
    assert.ok(total > 60, `ops ${total}`);
    for (let i = 0; i < total; i++) await cutRun(label, seq, i, 1 + (i % 3), i % 2 === 1);
  });
}

test('a second cut during recovery after a first cut still leaves old or new values', async () => {
  const seq = steps(40);
  const total = await cutRun('two_sectors', seq, undefined, 1, false);
  let recoveries = 0;
  for (let i = 0; i < total; i++) {
    const f = flash(5);
    const area = f.open('two_sectors');
    const s = await FlashSettings.open(area);
    f.resetOperationCount();
    f.cutAtOperation(i);
    const committed = new Map<string, Uint8Array>();
    let cutStep: Step | undefined;
    let before: Uint8Array | undefined;
    for (const st of seq) {
      before = committed.get(st.key);
      try {
        if (st.value) await s.set(st.key, st.value);
        else await s.delete(st.key);
      } catch {
        cutStep = st;
        break;
      }
      if (st.value) committed.set(st.key, st.value);
      else committed.delete(st.key);
    }
    f.powerOn();
    const snap = f.snapshot();
    const start = f.operationCount;
    await FlashSettings.open(area);
    const recoveryOps = f.operationCount - start;
    for (let j = 0; j < recoveryOps; j++) {
      recoveries++;
      f.restore(snap);
      f.cutAtOperation(f.operationCount + j);
      assert.is(await code(FlashSettings.open(area)), 'POWER_CUT');
      f.powerOn();
      await expectState(await FlashSettings.open(area), committed, cutStep, before, `cut ${i} then ${j}`);
    }
  }
  assert.ok(recoveries > 0, 'some cuts needed recovery writes');
});

test.run();

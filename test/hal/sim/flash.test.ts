import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FotaError, PowerCutError } from '../../../src/hal/errors.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../../src/hal/flash.ts';
import { SimFlash } from '../../../src/hal/sim/flash.ts';
import { NRF52833_PROFILE, NRF9160_PROFILE } from '../../../src/hal/sim/profiles.ts';

const PAGE = 4096;

async function rejects(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FotaError, `expected a FotaError, got ${String(e)}`);
    return e as FotaError;
  }
  return assert.unreachable('expected a rejection') as never;
}

function pattern(length: number, start = 0): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (start + i * 7) & 0x7f;
  return b;
}

function fresh(seed = 1): SimFlash {
  return new SimFlash({ profile: NRF52833_PROFILE, seed });
}

test('a new flash is all erased and lists the profile labels', async () => {
  const f = fresh();
  assert.equal(f.labels(), NRF52833_PROFILE.partitions.map((p) => p.label));
  const a = f.open(FLASH_AREA_STORAGE);
  assert.is(a.size, 0x4000);
  assert.is(a.deviceOffset, 0x7c000);
  assert.equal(await a.read(0, 8), new Uint8Array(8).fill(0xff));
});

test('open of an unknown label fails with FLASH_NO_AREA', () => {
  try {
    fresh().open('nope_partition');
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'FLASH_NO_AREA');
  }
});

test('write then read back, offsets relative to the area', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_SECONDARY);
  await a.write(8, Uint8Array.of(1, 2, 3, 4));
  assert.equal(await a.read(8, 4), Uint8Array.of(1, 2, 3, 4));
  assert.equal(f.peek(a.deviceOffset + 8, 4), Uint8Array.of(1, 2, 3, 4));
  assert.equal(f.peek(a.deviceOffset + 4, 4), new Uint8Array(4).fill(0xff));
});

test('read returns a copy', async () => {
  const a = fresh().open(FLASH_AREA_STORAGE);
  const r = await a.read(0, 4);
  r[0] = 0;
  assert.is((await a.read(0, 1))[0], 0xff);
});

test('a write over bytes that are not erased is refused and changes nothing', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_STORAGE);
  await a.write(4, Uint8Array.of(1, 2, 3, 4));
  const e = await rejects(a.write(0, new Uint8Array(8)));
  assert.is(e.code, 'FLASH_NOT_ERASED');
  assert.is(e.context.offset, 4);
  assert.equal(await a.read(0, 8), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4));
  assert.is(f.operationCount, 1);
});

test('a write of 0xff over written 0xff bytes is allowed (erased by value, like simflash)', async () => {
  const a = fresh().open(FLASH_AREA_STORAGE);
  await a.write(0, Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  await a.write(0, Uint8Array.of(9, 9, 9, 9));
  assert.equal(await a.read(0, 4), Uint8Array.of(9, 9, 9, 9));
});

test('misaligned write offset or length is FLASH_MISALIGNED', async () => {
  const a = fresh().open(FLASH_AREA_STORAGE);
  assert.is((await rejects(a.write(2, new Uint8Array(4)))).code, 'FLASH_MISALIGNED');
  assert.is((await rejects(a.write(0, new Uint8Array(3)))).code, 'FLASH_MISALIGNED');
});

test('erase of a partial page is FLASH_MISALIGNED', async () => {
  const a = fresh().open(FLASH_AREA_STORAGE);
  assert.is((await rejects(a.erase(0, 100))).code, 'FLASH_MISALIGNED');
  assert.is((await rejects(a.erase(1024, PAGE))).code, 'FLASH_MISALIGNED');
});

test('out of bounds read, write and erase are FLASH_OUT_OF_BOUNDS per area', async () => {
  const a = fresh().open(FLASH_AREA_STORAGE);
  assert.is((await rejects(a.read(a.size - 2, 4))).code, 'FLASH_OUT_OF_BOUNDS');
  assert.is((await rejects(a.read(-4, 4))).code, 'FLASH_OUT_OF_BOUNDS');
  assert.is((await rejects(a.write(a.size, new Uint8Array(4)))).code, 'FLASH_OUT_OF_BOUNDS');
  assert.is((await rejects(a.erase(a.size, PAGE))).code, 'FLASH_OUT_OF_BOUNDS');
  assert.is((await rejects(a.read(0.5, 4))).code, 'FLASH_BAD_ARGUMENT');
});

test('erase restores whole pages and only them', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_STORAGE);
  await a.write(PAGE - 4, new Uint8Array(8));
  await a.erase(0, PAGE);
  assert.equal(await a.read(PAGE - 4, 8), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
  assert.is(f.eraseCounts()[(a.deviceOffset / PAGE)], 1);
});

test('reads of a partly written area return what is there', async () => {
  const a = fresh().open(FLASH_AREA_PRIMARY);
  await a.write(0, pattern(8));
  assert.equal(await a.read(4, 8), Uint8Array.of(...pattern(8).subarray(4), 0xff, 0xff, 0xff, 0xff));
});

test('zero-length write and erase are no-ops and not counted', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_STORAGE);
  await a.write(0, new Uint8Array(0));
  await a.erase(0, 0);
  assert.is(f.operationCount, 0);
});

test('operations are counted across areas; rejected ones are not', async () => {
  const f = fresh();
  await f.open(FLASH_AREA_STORAGE).erase(0, PAGE);
  await f.open(FLASH_AREA_PRIMARY).write(0, new Uint8Array(4));
  await rejects(f.open(FLASH_AREA_PRIMARY).write(0, new Uint8Array(4)));
  await f.open(FLASH_AREA_PRIMARY).read(0, 4);
  assert.is(f.operationCount, 2);
  assert.equal(f.stats(), { reads: 1, writes: 1, erases: 1, bytesRead: 4, bytesWritten: 4, pagesErased: 1 });
});

test('a cut write leaves a prefix of its bytes and rejects with POWER_CUT at that index', async () => {
  const f = fresh(7);
  const a = f.open(FLASH_AREA_SECONDARY);
  await a.write(0, pattern(4));
  f.cutAtOperation(1);
  const data = pattern(256, 1);
  const e = await rejects(a.write(64, data));
  assert.ok(e instanceof PowerCutError);
  assert.is(e.code, 'POWER_CUT');
  assert.is(e.context.operationIndex, 1);
  assert.is(f.poweredOff, true);
  const got = f.peek(a.deviceOffset + 64, 256);
  let prefix = 0;
  while (prefix < 256 && got[prefix] === data[prefix]) prefix++;
  assert.ok(prefix < 256, 'the cut write must not complete');
  assert.equal(got.subarray(prefix), new Uint8Array(256 - prefix).fill(0xff));
  assert.equal(f.lastCut, { index: 1, op: 'write', label: FLASH_AREA_SECONDARY, offset: 64, length: 256, bytesWritten: prefix });
});

test('after a cut every operation rejects until powerOn, then works', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_STORAGE);
  f.cutAtOperation(0);
  await rejects(a.erase(0, PAGE));
  assert.is((await rejects(a.read(0, 4))).code, 'POWER_CUT');
  assert.is((await rejects(a.write(0, new Uint8Array(4)))).code, 'POWER_CUT');
  assert.is((await rejects(a.erase(0, PAGE))).code, 'POWER_CUT');
  assert.is(f.operationCount, 1);
  f.powerOn();
  await a.erase(0, PAGE);
  assert.equal(await a.read(0, 4), new Uint8Array(4).fill(0xff));
  assert.is(f.operationCount, 2);
});

test('a cut multi-page erase: pages before erased, cut page partly erased, pages after untouched', async () => {
  let sawPartial = false;
  for (let seed = 1; seed <= 8; seed++) {
    const f = fresh(seed);
    const a = f.open(FLASH_AREA_PRIMARY);
    const pages = 4;
    for (let p = 0; p < pages; p++) await a.write(p * PAGE, new Uint8Array(PAGE).fill(0x0f));
    f.cutAtOperation(pages);
    await rejects(a.erase(0, pages * PAGE));
    const bytes = f.peek(a.deviceOffset, pages * PAGE);
    const cutPage = f.lastCut!.cutPage!;
    assert.is(f.lastCut!.op, 'erase');
    for (let p = 0; p < cutPage; p++) assert.ok(bytes.subarray(p * PAGE, (p + 1) * PAGE).every((b) => b === 0xff), `page ${p} erased`);
    const page = bytes.subarray(cutPage * PAGE, (cutPage + 1) * PAGE);
    assert.ok(page.every((b) => (b & 0x0f) === 0x0f), 'bits only move toward erased');
    if (page.some((b) => b !== 0x0f && b !== 0xff)) sawPartial = true;
    for (let p = cutPage + 1; p < pages; p++) assert.ok(bytes.subarray(p * PAGE, (p + 1) * PAGE).every((b) => b === 0x0f));
  }
  assert.ok(sawPartial, 'some cut left a partly erased page');
});

test('power cuts are deterministic for a seed and differ across seeds', async () => {
  async function run(seed: number): Promise<Uint8Array> {
    const f = fresh(seed);
    const a = f.open(FLASH_AREA_PRIMARY);
    await a.write(0, new Uint8Array(PAGE).fill(0));
    f.cutAtOperation(1);
    await rejects(a.erase(0, PAGE));
    f.powerOn();
    f.cutAtOperation(2);
    await rejects(a.write(PAGE, pattern(1024)));
    return f.peek(a.deviceOffset, 2 * PAGE);
  }
  assert.equal(await run(42), await run(42));
  assert.not.equal(await run(42), await run(43));
});

test('cutAtOperation refuses an index already past', async () => {
  const f = fresh();
  await f.open(FLASH_AREA_STORAGE).erase(0, PAGE);
  try {
    f.cutAtOperation(0);
    assert.unreachable();
  } catch (e) {
    assert.is((e as FotaError).code, 'FLASH_BAD_ARGUMENT');
  }
  f.resetOperationCount();
  assert.is(f.operationCount, 0);
  f.cutAtOperation(0);
  assert.is(f.armedCutOperation, 0);
});

test('snapshot and restore bring back the whole device', async () => {
  const f = fresh();
  const a = f.open(FLASH_AREA_STORAGE);
  const snap = f.snapshot();
  await a.write(0, new Uint8Array(4));
  f.restore(snap);
  assert.equal(await a.read(0, 4), new Uint8Array(4).fill(0xff));
});

test('persistence: the image survives a new SimFlash on the same file, cut effects included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-flash-'));
  try {
    const path = join(dir, 'sub', 'nrf9160.flash.bin');
    const f1 = new SimFlash({ profile: NRF9160_PROFILE, statePath: path, seed: 3 });
    assert.ok(existsSync(path));
    assert.is(statSync(path).size, 0x100000);
    const a1 = f1.open(FLASH_AREA_STORAGE);
    await a1.write(0, pattern(16));
    f1.cutAtOperation(1);
    await rejects(a1.write(16, pattern(64, 5)));
    const f2 = new SimFlash({ profile: NRF9160_PROFILE, statePath: path });
    assert.equal(f2.snapshot(), f1.snapshot());
    assert.equal(await f2.open(FLASH_AREA_STORAGE).read(0, 16), pattern(16));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('persistence: manual mode writes only on save(); a wrong-size file is FLASH_STATE_MISMATCH', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-flash-'));
  try {
    const path = join(dir, 'f.bin');
    const f = new SimFlash({ profile: NRF52833_PROFILE, statePath: path, persist: 'manual' });
    await f.open(FLASH_AREA_STORAGE).write(0, new Uint8Array(4));
    assert.is(readFileSync(path)[0x7c000], 0xff);
    f.save();
    assert.is(readFileSync(path)[0x7c000], 0);
    writeFileSync(path, new Uint8Array(10));
    try {
      new SimFlash({ profile: NRF52833_PROFILE, statePath: path });
      assert.unreachable();
    } catch (e) {
      assert.is((e as FotaError).code, 'FLASH_STATE_MISMATCH');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError, PowerCutError } from '../../../src/hal/errors.ts';
import { getJson, type Settings } from '../../../src/hal/settings.ts';
import { MemorySettings } from '../../../src/hal/portable/memory-settings.ts';
import { StreamWriter, type StreamProgress } from '../../../src/fota/dfu/stream-writer.ts';
import { MemArea } from '../mcuboot/mem-flash.ts';

const PAGE = 4096;
const KEY = 'dfu/test';

function pattern(length: number, seed = 1): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (seed + i * 13) & 0x7f;
  return b;
}

/** Settings that count writes, for the wear policy. */
class CountingSettings extends MemorySettings {
  sets = 0;
  override async set(key: string, value: Uint8Array): Promise<void> {
    this.sets++;
    await super.set(key, value);
  }
}

async function rejects(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FotaError, `expected a FotaError, got ${String(e)}`);
    return e as FotaError;
  }
  return assert.unreachable('expected a rejection') as never;
}

function setup(size = 8 * PAGE) {
  const area = new MemArea({ size, label: 'slot1_partition' });
  const settings = new CountingSettings();
  return { area, settings, writer: new StreamWriter(area, settings, KEY) };
}

const progress = (s: Settings) => getJson<StreamProgress>(s, KEY);

test('begin on a fresh area starts at 0, records the image and erases the pages asked for', async () => {
  const { area, settings, writer } = setup();
  area.bytes.fill(0x00, 7 * PAGE, 7 * PAGE + 16); // a stale trailer
  assert.is(await writer.begin(3 * PAGE, 'img#1', [7 * PAGE + 8]), 0);
  assert.equal(await progress(settings), { imageId: 'img#1', size: 3 * PAGE, persisted: 0 });
  assert.ok(area.bytes.subarray(7 * PAGE, 8 * PAGE).every((b) => b === 0xff));
});

test('bytes reach flash a whole page at a time; progress is saved once per page committed', async () => {
  const { area, settings, writer } = setup();
  const img = pattern(2 * PAGE + 100);
  await writer.begin(img.length, 'img#1');
  const setsAfterBegin = settings.sets;
  await writer.write(0, img.subarray(0, 1000));
  assert.is(area.rail.ops, 0, 'nothing on flash before a page is full');
  await writer.write(1000, img.subarray(1000, 2 * PAGE + 50));
  assert.is(area.rail.ops, 4, 'two pages: erase + write each');
  assert.is(settings.sets - setsAfterBegin, 2);
  assert.equal(await progress(settings), { imageId: 'img#1', size: img.length, persisted: 2 * PAGE });
  assert.is(writer.offset(), 2 * PAGE + 50);
  await writer.write(2 * PAGE + 50, img.subarray(2 * PAGE + 50));
  assert.is(await writer.flush(), img.length);
  assert.equal(area.bytes.subarray(0, img.length), img);
  assert.ok(area.bytes.subarray(img.length, 3 * PAGE).every((b) => b === 0xff), 'the last page is padded with the erased value');
  assert.is(settings.sets - setsAfterBegin, 3);
});

test('flush pads the partial page to the write alignment only', async () => {
  const area = new MemArea({ size: 4 * PAGE, writeAlignBytes: 8 });
  const writer = new StreamWriter(area, new MemorySettings(), KEY);
  await writer.begin(13, 'x');
  await writer.write(0, pattern(13));
  await writer.flush();
  assert.equal(area.bytes.subarray(0, 13), pattern(13));
  assert.equal(Array.from(area.bytes.subarray(13, 16)), [0xff, 0xff, 0xff]);
});

test('a new writer on the same settings resumes the same image at its last committed page', async () => {
  const { area, settings, writer } = setup();
  const img = pattern(3 * PAGE);
  await writer.begin(img.length, 'img#1');
  await writer.write(0, img.subarray(0, PAGE + 10));
  const again = new StreamWriter(area, settings, KEY);
  assert.is(await again.begin(img.length, 'img#1'), PAGE);
  await again.write(PAGE, img.subarray(PAGE));
  await again.flush();
  assert.equal(area.bytes.subarray(0, img.length), img);
});

test('a different image id or size starts over at 0', async () => {
  const { area, settings, writer } = setup();
  await writer.begin(2 * PAGE, 'img#1');
  await writer.write(0, pattern(PAGE));
  assert.is(await new StreamWriter(area, settings, KEY).begin(2 * PAGE, 'img#2'), 0);
  assert.equal(await progress(settings), { imageId: 'img#2', size: 2 * PAGE, persisted: 0 });
  await writer.reset();
  assert.is(await progress(settings), undefined);
  assert.is(await new StreamWriter(area, settings, KEY).begin(PAGE, 'img#2'), 0);
});

test('a power cut inside a page resumes at the page start; rewriting it never meets unerased bytes', async () => {
  const { area, settings, writer } = setup();
  const img = pattern(3 * PAGE, 5);
  await writer.begin(img.length, 'img#1');
  await writer.write(0, img.subarray(0, PAGE));
  area.rail.cutAt = area.rail.ops + 1; // the write after the second page's erase
  const cut = await writer.write(PAGE, img.subarray(PAGE, 2 * PAGE)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(cut instanceof PowerCutError);
  area.rail.powerOn();
  const after = new StreamWriter(area, settings, KEY);
  assert.is(await after.begin(img.length, 'img#1'), PAGE);
  await after.write(PAGE, img.subarray(PAGE));
  await after.flush();
  assert.equal(area.bytes.subarray(0, img.length), img);
});

test('refuses bad calls with their codes, before touching flash', async () => {
  const { area, writer } = setup(4 * PAGE);
  assert.is((await rejects(writer.write(0, pattern(4)))).code, 'DFU_NOT_STARTED');
  assert.is((await rejects(writer.flush())).code, 'DFU_NOT_STARTED');
  assert.is((await rejects(writer.begin(4 * PAGE + 1, 'big'))).code, 'DFU_IMAGE_TOO_BIG');
  assert.is((await rejects(writer.begin(0, 'empty'))).code, 'DFU_IMAGE_TOO_BIG');
  await writer.begin(100, 'img');
  assert.is((await rejects(writer.write(4, pattern(4)))).code, 'DFU_BAD_OFFSET');
  assert.is((await rejects(writer.write(0, pattern(101)))).code, 'DFU_OVERFLOW');
  assert.is(area.rail.ops, 0);
});

test.run();

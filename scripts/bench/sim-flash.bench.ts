/**
 * Benchmarks of the simulated flash and the settings store on it (campaigns rerun flows thousands of times):
 * 1. slot programming: erase + write a whole nRF9160 secondary slot page by page through the FlashArea
 *    HAL, vs a bare Uint8Array fill + set of the same bytes (the floor any simulation pays);
 * 2. power-cut rerun rate: restore a snapshot, arm a cut, run a 64 KiB image write plus 4 settings
 *    updates until the cut, power on, remount the settings; per cut index;
 * 3. settings writes per second on the 4-sector storage partition (garbage collection carrying 4
 *    long-lived keys along) vs the in-memory Settings.
 */
import { FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../src/hal/flash.ts';
import { FlashSettings } from '../../src/hal/portable/flash-settings.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';
import { SimFlash } from '../../src/hal/sim/flash.ts';
import { NRF9160_PROFILE } from '../../src/hal/sim/profiles.ts';
import type { BenchFigure } from './summary.ts';

const MB = 1024 * 1024;
const SLOT_RUNS = 5;
const CUT_FLOW_IMAGE_BYTES = 64 * 1024;
const SETTINGS_WRITES = 20_000;
const SETTINGS_VALUE_BYTES = 48;

async function slotProgramming(): Promise<BenchFigure> {
  const flash = new SimFlash({ profile: NRF9160_PROFILE, persist: 'manual' });
  const area = flash.open(FLASH_AREA_SECONDARY);
  const page = new Uint8Array(area.eraseBlockBytes).map((_, i) => i & 0x7f);
  let best = Infinity;
  for (let r = 0; r < SLOT_RUNS; r++) {
    const t0 = performance.now();
    for (let off = 0; off < area.size; off += page.length) {
      await area.erase(off, page.length);
      await area.write(off, page);
    }
    best = Math.min(best, performance.now() - t0);
  }
  const raw = new Uint8Array(area.size);
  let rawBest = Infinity;
  for (let r = 0; r < SLOT_RUNS; r++) {
    const t0 = performance.now();
    for (let off = 0; off < raw.length; off += page.length) {
      raw.fill(0xff, off, off + page.length);
      raw.set(page, off);
    }
    rawBest = Math.min(rawBest, performance.now() - t0);
  }
  const mbps = area.size / MB / (best / 1000);
  const rawMbps = area.size / MB / (rawBest / 1000);
  console.log(`sim-flash: program ${area.size / 1024} KiB slot in ${best.toFixed(2)} ms = ${mbps.toFixed(0)} MB/s (bare typed-array copy ${rawMbps.toFixed(0)} MB/s)`);
  return { name: 'sim-flash slot programming', value: mbps, unit: 'MB/s', goal: '>= 100', met: mbps >= 100, baseline: `bare fill+set ${rawMbps.toFixed(0)} MB/s` };
}

/** The flow a cut interrupts: page-wise image write with progress saved in settings after each 16 KiB. */
async function cutFlow(flash: SimFlash, settings: FlashSettings): Promise<void> {
  const area = flash.open(FLASH_AREA_SECONDARY);
  const page = new Uint8Array(area.eraseBlockBytes).fill(0x5a);
  for (let off = 0; off < CUT_FLOW_IMAGE_BYTES; off += page.length) {
    await area.erase(off, page.length);
    await area.write(off, page);
    if ((off + page.length) % (16 * 1024) === 0) await settings.set('fota/progress', Uint8Array.of(off >>> 12));
  }
}

async function cutReruns(): Promise<BenchFigure> {
  const flash = new SimFlash({ profile: NRF9160_PROFILE, persist: 'manual' });
  const settings = await FlashSettings.open(flash.open(FLASH_AREA_STORAGE));
  const snap = flash.snapshot();
  flash.resetOperationCount();
  await cutFlow(flash, settings);
  const total = flash.operationCount;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    flash.restore(snap);
    flash.resetOperationCount();
    flash.cutAtOperation(i);
    await cutFlow(flash, settings).catch(() => undefined);
    flash.powerOn();
    await settings.remount();
  }
  const ms = performance.now() - t0;
  const perS = total / (ms / 1000);
  console.log(`sim-flash: ${total} power-cut reruns (snapshot restore + 64 KiB flow + remount) in ${ms.toFixed(0)} ms = ${perS.toFixed(0)} reruns/s`);
  return { name: 'sim-flash power-cut reruns', value: perS, unit: 'reruns/s', goal: '>= 500', met: perS >= 500, baseline: `${total} cut points, ${(ms / total).toFixed(2)} ms each` };
}

async function settingsWrites(): Promise<BenchFigure> {
  const flash = new SimFlash({ profile: NRF9160_PROFILE, persist: 'manual' });
  const s = await FlashSettings.open(flash.open(FLASH_AREA_STORAGE));
  const value = new Uint8Array(SETTINGS_VALUE_BYTES);
  // Long-lived keys (certificate choice, image state) that garbage collection has to carry along.
  for (let k = 0; k < 4; k++) await s.set(`fota/stable${k}`, new Uint8Array(SETTINGS_VALUE_BYTES).fill(k));
  const t0 = performance.now();
  for (let i = 0; i < SETTINGS_WRITES; i++) {
    value[0] = i & 0xff;
    value[1] = i >>> 8;
    await s.set(`fota/key${i % 8}`, value);
  }
  const ms = performance.now() - t0;
  const mem = new MemorySettings();
  const t1 = performance.now();
  for (let i = 0; i < SETTINGS_WRITES; i++) {
    value[0] = i & 0xff;
    await mem.set(`fota/key${i % 8}`, value);
  }
  const memMs = performance.now() - t1;
  const perS = SETTINGS_WRITES / (ms / 1000);
  const st = s.stats();
  console.log(`sim-flash: ${SETTINGS_WRITES} settings writes in ${ms.toFixed(0)} ms = ${perS.toFixed(0)}/s, ${st.rotations} sector rotations, ${st.recordsCopied} records copied (memory settings ${(SETTINGS_WRITES / (memMs / 1000)).toFixed(0)}/s)`);
  return { name: 'flash-settings writes', value: perS, unit: 'writes/s', goal: '>= 20000', met: perS >= 20000, baseline: `memory settings ${(SETTINGS_WRITES / (memMs / 1000)).toFixed(0)}/s` };
}

export async function run(): Promise<BenchFigure[]> {
  return [await slotProgramming(), await cutReruns(), await settingsWrites()];
}

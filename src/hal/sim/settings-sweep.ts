/**
 * Power-cut sweep of the settings store on a simulated flash: a seeded sequence of sets and deletes runs
 * once to count its flash operations, then once per operation index with the power cut there (with the
 * flash's partial effect); after power-on the store is mounted again and every key must read its old or
 * new value (only the key whose change was cut may be either), no other key may appear, and the store
 * must keep working (more writes, a clean remount reads them). Optionally each recovery is cut too, at
 * every operation the remount itself does. Used by the unit tests (small) and the
 * `settings-power-cut` campaign (large).
 */
import { mulberry32 } from '../prng.ts';
import { FotaError, PowerCutError } from '../errors.ts';
import { FLASH_AREA_STORAGE } from '../flash.ts';
import { FlashSettings } from '../portable/flash-settings.ts';
import { SETTINGS_MAX_VALUE_BYTES } from '../settings.ts';
import { SimFlash } from './flash.ts';
import type { BoardProfile } from './profiles.ts';

export interface SettingsSweepOptions {
  profile: BoardProfile;
  /** Partition holding the store (default the storage partition). */
  label?: string;
  /** Seeds the step sequence and the flash's partial effects. */
  seed: number;
  /** Sets and deletes in the sequence. */
  steps: number;
  /** Keys the sequence changes (default 6); 3 more are set before it and never change. */
  keys?: number;
  /** Largest value the sequence writes (default 400 bytes). */
  maxValueBytes?: number;
  /** Also cut each recovery at every operation it does (default false). */
  nested?: boolean;
  /** Stop after this many failures (default 10). */
  maxFailures?: number;
}

export interface SettingsSweepFailure {
  cutAt: number;
  /** Operation of the recovery that was cut too, for a nested cut. */
  recoveryCutAt?: number;
  message: string;
}

export interface SettingsSweepResult {
  seed: number;
  /** Flash operations of the uncut sequence (= cut points). */
  operations: number;
  cutPoints: number;
  nestedCutPoints: number;
  /** Sector rotations the uncut sequence did. */
  rotations: number;
  failures: SettingsSweepFailure[];
  ms: number;
}

type Step = { key: string; value: Uint8Array | undefined };

const SWEEP_DEFAULT_KEYS = 6;
const SWEEP_DEFAULT_MAX_VALUE_BYTES = 400;
const SWEEP_STABLE_KEYS = 3;
const SWEEP_AFTER_WRITES = 6;

function prng(seed: number): () => number {
  return mulberry32(seed ^ 0x5bd1e995);
}

function makeSteps(o: Required<Pick<SettingsSweepOptions, 'seed' | 'steps' | 'keys' | 'maxValueBytes'>>): Step[] {
  const rnd = prng(o.seed);
  const out: Step[] = [];
  for (let i = 0; i < o.steps; i++) {
    const key = `fota/k${rnd() % o.keys}`;
    if (rnd() % 100 < 15) {
      out.push({ key, value: undefined });
      continue;
    }
    const value = new Uint8Array(rnd() % (o.maxValueBytes + 1));
    for (let j = 0; j < value.length; j++) value[j] = (i + j * 31) & 0xff;
    out.push({ key, value });
  }
  return out;
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Checks the store against the committed model; returns a failure message or undefined. */
async function check(s: FlashSettings, committed: Map<string, Uint8Array>, cutStep: Step | undefined, before: Uint8Array | undefined): Promise<string | undefined> {
  const expected = new Set(committed.keys());
  if (cutStep) expected.add(cutStep.key);
  for (const k of expected) {
    const got = await s.get(k);
    if (cutStep && k === cutStep.key) {
      if (!same(got, before) && !same(got, cutStep.value)) return `${k} reads neither its old nor its new value`;
    } else if (!same(got, committed.get(k))) return `${k} lost its value`;
  }
  for (const k of await s.keys()) if (!expected.has(k)) return `unexpected key ${k}`;
  return undefined;
}

/** Runs the sweep for one seed. */
export async function sweepSettingsPowerCuts(options: SettingsSweepOptions): Promise<SettingsSweepResult> {
  const t0 = performance.now();
  const label = options.label ?? FLASH_AREA_STORAGE;
  const maxValueBytes = Math.min(options.maxValueBytes ?? SWEEP_DEFAULT_MAX_VALUE_BYTES, SETTINGS_MAX_VALUE_BYTES);
  const steps = makeSteps({ seed: options.seed, steps: options.steps, keys: options.keys ?? SWEEP_DEFAULT_KEYS, maxValueBytes });
  const maxFailures = options.maxFailures ?? 10;
  const flash = new SimFlash({ profile: options.profile, seed: options.seed, persist: 'manual' });
  const area = flash.open(label);
  const setup = await FlashSettings.open(area);
  const stable = new Map<string, Uint8Array>();
  for (let k = 0; k < SWEEP_STABLE_KEYS; k++) stable.set(`stable/${k}`, Uint8Array.of(k, 0xa5, k));
  for (const [k, v] of stable) await setup.set(k, v);
  const base = flash.snapshot();

  /** Runs the steps (until a cut); the model of what committed, and the step cut if any. */
  async function runSteps(s: FlashSettings) {
    const committed = new Map(stable);
    for (const st of steps) {
      const before = committed.get(st.key);
      try {
        if (st.value) await s.set(st.key, st.value);
        else await s.delete(st.key);
      } catch (e) {
        if (!(e instanceof PowerCutError)) throw e;
        return { committed, cutStep: st as Step | undefined, before };
      }
      if (st.value) committed.set(st.key, st.value);
      else committed.delete(st.key);
    }
    return { committed, cutStep: undefined, before: undefined };
  }

  flash.resetOperationCount();
  const uncut = await FlashSettings.open(area);
  await runSteps(uncut);
  const operations = flash.operationCount;
  const rotations = uncut.stats().rotations;

  const failures: SettingsSweepFailure[] = [];
  let nestedCutPoints = 0;
  for (let cutAt = 0; cutAt < operations && failures.length < maxFailures; cutAt++) {
    flash.restore(base);
    flash.powerOn();
    const s = await FlashSettings.open(area);
    flash.resetOperationCount();
    flash.cutAtOperation(cutAt);
    const { committed, cutStep, before } = await runSteps(s);
    if (!cutStep) {
      failures.push({ cutAt, message: 'the cut did not happen' });
      continue;
    }
    flash.powerOn();
    try {
      if (options.nested) {
        const afterCut = flash.snapshot();
        const start = flash.operationCount;
        await FlashSettings.open(area);
        const recoveryOps = flash.operationCount - start;
        for (let j = 0; j < recoveryOps; j++) {
          nestedCutPoints++;
          flash.restore(afterCut);
          flash.cutAtOperation(flash.operationCount + j);
          await FlashSettings.open(area).then(
            () => {
              throw new FotaError('SWEEP_NO_CUT', `recovery cut ${j} did not happen`);
            },
            (e: unknown) => {
              if (!(e instanceof PowerCutError)) throw e;
            },
          );
          flash.powerOn();
          const msg = await check(await FlashSettings.open(area), committed, cutStep, before);
          if (msg) failures.push({ cutAt, recoveryCutAt: j, message: msg });
        }
        flash.restore(afterCut);
      }
      const again = await FlashSettings.open(area);
      const msg = await check(again, committed, cutStep, before);
      if (msg) {
        failures.push({ cutAt, message: msg });
        continue;
      }
      const resolved = await again.get(cutStep.key);
      if (resolved) committed.set(cutStep.key, resolved);
      else committed.delete(cutStep.key);
      for (let i = 0; i < SWEEP_AFTER_WRITES; i++) {
        const v = Uint8Array.of(i, cutAt & 0xff, cutAt >>> 8);
        await again.set(`after/${i % 2}`, v);
        committed.set(`after/${i % 2}`, v);
      }
      const final = await check(await FlashSettings.open(area), committed, undefined, undefined);
      if (final) failures.push({ cutAt, message: `after recovery: ${final}` });
    } catch (e) {
      failures.push({ cutAt, message: `recovery failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { seed: options.seed, operations, cutPoints: operations, nestedCutPoints, rotations, failures, ms: performance.now() - t0 };
}

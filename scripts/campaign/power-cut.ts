/**
 * Power-cut campaign for the MCUboot model (`npm run campaign -- power-cut [options]`).
 *
 * For each flow (board × strategy × upgrade/revert/permanent), the whole flow first runs once without a cut to
 * count its flash operations (erases + writes on the simulated flash, src/hal/sim/flash.ts); then, for
 * EVERY operation index, a fresh board runs the same flow with the power cut at that operation (with the
 * simulator's partial effect), and keeps resetting — MCUboot at every reset, then the application's
 * step when it is its turn — until the flow ends. Every boot must start a valid signed image (old or
 * new) and the flow must end in the right state:
 * - upgrade: stage the new image in the secondary → set pending (test) → reset → confirm: ends on the
 *   new image, confirmed (it survives more resets);
 * - revert: stage → test → reset → the new image runs once, unconfirmed → reset: ends on the old image;
 * - permanent: stage → set pending (permanent) → reset: ends on the new image, confirmed without a
 *   confirm write (unless a cut between the request's magic and image_ok writes made it a test).
 * The application retries from the start of its step when a cut interrupted it (as the FOTA agent does
 * from its persisted state). `--encrypted`: the new image is staged encrypted (ECIES-X25519, AES-128)
 * and the bootloader is built with the device key (MCUBOOT_ENC_IMAGES, every strategy):
 * it must decrypt it into the primary, and a revert must leave it encrypted in the secondary again,
 * byte for byte as staged. Last line: `power-cut: <N> cut points, <K> booted a valid image, <F> failed`.
 */
import { seededBytes } from '../../src/hal/prng.ts';
import { bootSetConfirmed, bootSetPending } from '../../src/fota/mcuboot/boot-requests.ts';
import { BOOT_STRATEGIES, Bootloader, imageValidator, type BootResult, type BootStrategyName } from '../../src/fota/mcuboot/bootloader.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { BOOT_FLAG_SET, BOOT_SWAP_TYPE_NONE, readTrailerState } from '../../src/fota/mcuboot/trailer.ts';
import { runDevice } from '../../src/fota/device-runner.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, type FlashArea } from '../../src/hal/flash.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, decryptionKeyFromPem, encryptionKeyFromPem } from '../../src/boards/image-keys.ts';
import { portableEncryption } from '../../src/hal/portable/crypto-enc.ts';
import type { BootEncryptionOptions } from '../../src/fota/mcuboot/boot-encryption.ts';
import { generateKeyPairSync } from 'node:crypto';
import { bytesEqual } from '../../src/hal/bytes.ts';
import { SimFlash } from '../../src/hal/sim/flash.ts';
import { BOARD_PROFILES } from '../../src/hal/sim/profiles.ts';
import { BoardResetSignal } from '../../src/hal/system.ts';
import type { BoardName } from '../../src/hal/board.ts';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../test/fixtures/index.ts';

/** The campaign's own failures (a flow that fails without any cut is a broken campaign, not a finding). */
export const CAMPAIGN_ERROR_CODES = {
  CAMPAIGN_SET_PENDING: 'boot_set_pending failed while staging',
  CAMPAIGN_CONFIRM: 'boot_set_confirmed failed in the trial',
  CAMPAIGN_BASELINE_FAILED: 'the flow fails without a power cut',
} as const;

declare module '../../src/hal/errors.ts' {
  interface FotaErrorCodeRegistry extends Record<keyof typeof CAMPAIGN_ERROR_CODES, true> {}
}

export type PowerCutFlow = 'upgrade' | 'revert' | 'permanent';
export const POWER_CUT_FLOWS: readonly PowerCutFlow[] = ['upgrade', 'revert', 'permanent'];

/** Boots allowed per cut point before the board counts as stuck in a reset loop. */
export const POWER_CUT_MAX_BOOTS = 24;
/** Clean resets after a flow ends, to check its end state holds. */
export const POWER_CUT_SETTLE_BOOTS = 2;
/** Image sizes of the campaign (payload bytes; the images add a 0x200 header and ~150 bytes of TLVs). */
export const POWER_CUT_OLD_PAYLOAD_BYTES = 20_000;
export const POWER_CUT_NEW_PAYLOAD_BYTES = 26_000;
/** ih_hdr_size of the campaign's images (imgtool -H 0x200 --pad-header, as NCS builds them). */
const CAMPAIGN_IMAGE_HEADER_BYTES = 0x200;
/** Bytes the application writes per flash write when staging an image (one page, like the stream writer). */
const STAGE_WRITE_BYTES = 4096;

const KEY_DIR = fixturePath('imgtool/keys/');

export interface PowerCutCase {
  board: BoardName;
  strategy: BootStrategyName;
  flow: PowerCutFlow;
  /** SimFlash seed (partial effects of the cut). */
  seed: number;
  /** The new image is encrypted; the bootloader has the device key. */
  encrypted?: boolean;
}

export interface CutPointResult extends PowerCutCase {
  /** Operation index (from the start of the flow) the power was cut at. */
  cutAt: number;
  ok: boolean;
  boots: number;
  /** Power cuts the board went through (1 when the cut point was reached). */
  powerCuts: number;
  /** Why it failed. */
  failure?: string;
  /** Versions booted, in order. */
  booted: string[];
}

export interface CaseSummary extends PowerCutCase {
  operations: number;
  cutPoints: number;
  failed: number;
}

interface Images {
  old: Uint8Array;
  neu: Uint8Array;
  oldVersion: string;
  newVersion: string;
}

let imagesPromise: Promise<Images> | undefined;
let encryptedImagesPromise: Promise<Images> | undefined;

/** The campaign's device encryption key (X25519), made once per run. */
const deviceKeyPem = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const bootEncryption: BootEncryptionOptions = { crypto: portableEncryption, key: decryptionKeyFromPem(deviceKeyPem) };

function payload(bytes: number, seed: number): Uint8Array {
  return seededBytes(bytes, (seed * 2654435761) >>> 0);
}

/** The two signed images (the image toolkit's signer, imgtool's reference ed25519 key); the new one encrypted with `encrypted`. */
export function campaignImages(encrypted = false): Promise<Images> {
  const make = async (): Promise<Images> => {
    const signer = createPemSigner(readFileSync(KEY_DIR + 'ed25519.pem', 'utf8'));
    const sign = (bytes: number, seed: number, version: string, enc: boolean): Promise<Uint8Array> =>
      signImage(payload(bytes, seed), {
        crypto: nodeCrypto,
        signer,
        headerSize: CAMPAIGN_IMAGE_HEADER_BYTES,
        padHeader: true,
        version,
        ...(enc ? { encryption: { crypto: portableEncryption, key: encryptionKeyFromPem(deviceKeyPem) } } : {}),
      });
    return {
      old: await sign(POWER_CUT_OLD_PAYLOAD_BYTES, 1, '1.0.0+1', false),
      neu: await sign(POWER_CUT_NEW_PAYLOAD_BYTES, 2, '1.1.0+2', encrypted),
      oldVersion: '1.0.0+1',
      newVersion: '1.1.0+2',
    };
  };
  if (encrypted) return (encryptedImagesPromise ??= make());
  return (imagesPromise ??= make());
}

const validate = imageValidator({
  crypto: nodeCrypto,
  trustedKeys: [new Uint8Array(readFileSync(KEY_DIR + 'ed25519.pub.der'))],
});

/** The application's staging: erase and write page by page, erase the trailer, set pending (test). */
async function stageAndRequest(area: FlashArea, image: Uint8Array, firstTrailerByte: number, permanent: boolean): Promise<void> {
  const page = area.eraseBlockBytes;
  const padded = new Uint8Array(Math.ceil(image.length / area.writeAlignBytes) * area.writeAlignBytes).fill(area.erasedValue);
  padded.set(image);
  for (let off = 0; off < padded.length; off += page) await area.erase(off, page);
  for (let off = 0; off < padded.length; off += STAGE_WRITE_BYTES) await area.write(off, padded.subarray(off, off + STAGE_WRITE_BYTES));
  const trailerStart = Math.floor(firstTrailerByte / page) * page;
  await area.erase(trailerStart, area.size - trailerStart);
  const rc = await bootSetPending(area, 0, permanent);
  if (rc !== 0) throw new FotaError('CAMPAIGN_SET_PENDING', `powerCut.stage: boot_set_pending returned ${rc}`, { rc });
}

interface Board {
  flash: SimFlash;
  primary: FlashArea;
  secondary: FlashArea;
  bootloader: Bootloader;
}

async function makeBoard(c: PowerCutCase, images: Images): Promise<Board> {
  const flash = new SimFlash({ profile: BOARD_PROFILES[c.board], seed: c.seed, persist: 'manual' });
  const primary = flash.open(FLASH_AREA_PRIMARY);
  const secondary = flash.open(FLASH_AREA_SECONDARY);
  const scratch = c.strategy === 'swap-scratch' ? flash.open(FLASH_AREA_SCRATCH) : undefined;
  const bootloader = new Bootloader({ primary, secondary, ...(scratch ? { scratch } : {}), strategy: c.strategy, validate, ...(c.encrypted ? { encryption: bootEncryption } : {}) });
  // Factory state: the old image in the primary (as programmed), secondary erased.
  const padded = new Uint8Array(Math.ceil(images.old.length / primary.writeAlignBytes) * primary.writeAlignBytes).fill(primary.erasedValue);
  padded.set(images.old);
  await primary.erase(0, primary.size);
  await secondary.erase(0, secondary.size);
  await primary.write(0, padded);
  flash.resetOperationCount();
  return { flash, primary, secondary, bootloader };
}

/** Runs one flow on a fresh board, with a cut at `cutAt` (undefined: none). Returns the result and the operation count. */
async function runFlow(c: PowerCutCase, cutAt: number | undefined): Promise<{ result: CutPointResult; operations: number }> {
  const images = await campaignImages(c.encrypted === true);
  const b = await makeBoard(c, images);
  const booted: string[] = [];
  const result: CutPointResult = { ...c, cutAt: cutAt ?? -1, ok: false, boots: 0, powerCuts: 0, booted };
  let failure: string | undefined;
  const checkBoot = (o: BootResult): void => {
    booted.push(o.booted ? `${o.version}/${o.swap}${o.resumed ? '(resumed)' : ''}` : `no-boot:${o.code}`);
    if (!o.booted) failure ??= `boot ${booted.length} did not boot: ${o.code} (${o.reason})`;
    else if (o.version !== images.oldVersion && o.version !== images.newVersion) failure ??= `boot ${booted.length} started unexpected version ${o.version}`;
  };
  let sawNew = false;
  b.flash.cutAtOperation(cutAt);
  try {
    const run = await runDevice<string>({
      boot: async () => {
        const o = await b.bootloader.boot();
        checkBoot(o);
        return o;
      },
      powerOn: () => b.flash.powerOn(),
      maxBoots: POWER_CUT_MAX_BOOTS,
      app: async (o) => {
        const isNew = o.version === images.newVersion;
        if (c.flow === 'upgrade' || c.flow === 'permanent') {
          if (isNew) {
            // After a permanent request this writes nothing, except when a cut fell between the
            // request's magic and image_ok writes: MCUboot then ran the image as a test, and the
            // agent, finding itself unconfirmed, confirms (as Zephyr apps check boot_is_img_confirmed).
            const rc = await bootSetConfirmed(b.primary);
            if (rc !== 0) throw new FotaError('CAMPAIGN_CONFIRM', `powerCut.app: boot_set_confirmed returned ${rc}`, { rc });
            return 'done';
          }
        } else {
          if (isNew) {
            sawNew = true;
            throw new BoardResetSignal('software');
          }
          if (sawNew) return 'done';
        }
        await stageAndRequest(b.secondary, images.neu, b.bootloader.slots.layout.statusOff, c.flow === 'permanent');
        throw new BoardResetSignal('fota');
      },
    });
    result.boots = run.boots;
    result.powerCuts = run.powerCuts;
    if (run.powerCuts !== (cutAt === undefined ? 0 : 1)) failure ??= `expected ${cutAt === undefined ? 0 : 1} power cut, saw ${run.powerCuts}`;
    const operations = b.flash.operationCount;
    // End state: more resets keep booting the expected image with nothing left to do.
    const want = c.flow === 'revert' ? images.oldVersion : images.newVersion;
    for (let i = 0; i < POWER_CUT_SETTLE_BOOTS; i++) {
      const o = await b.bootloader.boot();
      checkBoot(o);
      if (o.version !== want || o.swapType !== BOOT_SWAP_TYPE_NONE) failure ??= `settle boot ${i + 1}: ${o.version}/${o.swap}, want ${want}/none`;
    }
    if (c.flow !== 'revert' && c.strategy !== 'overwrite-only' && (await readTrailerState(b.primary)).imageOk !== BOOT_FLAG_SET) {
      failure ??= `${c.flow} ended without image_ok set in the primary`;
    }
    if (c.encrypted && c.flow === 'revert' && !bytesEqual(await b.secondary.read(0, images.neu.length), images.neu)) {
      failure ??= 'revert did not leave the new image encrypted in the secondary as staged';
    }
    if (failure !== undefined) result.failure = failure;
    result.ok = failure === undefined;
    return { result, operations };
  } catch (e) {
    result.failure = failure ?? (e instanceof FotaError ? `${e.code}: ${e.message}` : String(e));
    return { result, operations: b.flash.operationCount };
  }
}

export interface SweepOptions {
  /** Test every `stride`-th cut point (1: all). */
  stride?: number;
  /** Only the first `limit` cut points of each case. */
  limit?: number;
  onResult?: (r: CutPointResult) => void;
}

/** Counts the case's operations, then cuts at each one. */
export async function sweepCase(c: PowerCutCase, o: SweepOptions = {}): Promise<{ summary: CaseSummary; results: CutPointResult[] }> {
  const clean = await runFlow(c, undefined);
  if (!clean.result.ok) throw new FotaError('CAMPAIGN_BASELINE_FAILED', `powerCut.sweep: the flow fails without a cut: ${clean.result.failure}`, { ...c });
  const operations = clean.operations;
  const stride = o.stride ?? 1;
  const end = Math.min(operations, o.limit ?? operations);
  const results: CutPointResult[] = [];
  for (let k = 0; k < end; k += stride) {
    const { result } = await runFlow(c, k);
    results.push(result);
    o.onResult?.(result);
  }
  return { summary: { ...c, operations, cutPoints: results.length, failed: results.filter((r) => !r.ok).length }, results };
}

/** The campaign's cases: each board × strategy × flow (overwrite-only has no revert). */
export function campaignCases(filter: { boards?: BoardName[]; strategies?: BootStrategyName[]; flows?: PowerCutFlow[]; seeds?: number[]; encrypted?: boolean } = {}): PowerCutCase[] {
  const out: PowerCutCase[] = [];
  for (const board of filter.boards ?? (['nrf9160', 'nrf52833'] as BoardName[])) {
    for (const strategy of filter.strategies ?? (['swap-move', 'swap-scratch', 'overwrite-only'] as BootStrategyName[])) {
      for (const flow of filter.flows ?? POWER_CUT_FLOWS) {
        if (strategy === 'overwrite-only' && flow === 'revert') continue;
        for (const seed of filter.seeds ?? [1]) out.push({ board, strategy, flow, seed, ...(filter.encrypted ? { encrypted: true } : {}) });
      }
    }
  }
  return out;
}

const HELP = `usage: npm run campaign -- power-cut [--board nrf9160|nrf52833] [--strategy swap-move|swap-scratch|overwrite-only]
       [--flow upgrade|revert|permanent] [--seeds N] [--stride K] [--encrypted] [--json] [--verbose]`;

function takeValue(args: string[], i: number, name: string): string {
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new FotaError('USAGE', `power-cut: ${name} needs a value`);
  return v;
}

export async function run(args: string[]): Promise<number> {
  const filter: Parameters<typeof campaignCases>[0] = {};
  let seeds = 1;
  let stride = 1;
  let json = false;
  let verbose = false;
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--board') filter.boards = [takeValue(args, i++, a) as BoardName];
      else if (a === '--strategy') filter.strategies = [takeValue(args, i++, a) as BootStrategyName];
      else if (a === '--flow') filter.flows = [takeValue(args, i++, a) as PowerCutFlow];
      else if (a === '--seeds') seeds = Number(takeValue(args, i++, a));
      else if (a === '--stride') stride = Number(takeValue(args, i++, a));
      else if (a === '--json') json = true;
      else if (a === '--encrypted') filter.encrypted = true;
      else if (a === '--verbose') verbose = true;
      else throw new FotaError('USAGE', `power-cut: unknown option ${a}`);
    }
    if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(stride) || stride < 1) throw new FotaError('USAGE', 'power-cut: --seeds and --stride take positive integers');
    if (filter.boards && !filter.boards.every((b) => b in BOARD_PROFILES)) throw new FotaError('USAGE', `power-cut: unknown board ${filter.boards.join(',')}`);
    if (filter.strategies && !filter.strategies.every((s) => s in BOOT_STRATEGIES)) throw new FotaError('USAGE', `power-cut: unknown strategy ${String(filter.strategies)}`);
    if (filter.flows && !filter.flows.every((f) => POWER_CUT_FLOWS.includes(f))) throw new FotaError('USAGE', `power-cut: unknown flow ${String(filter.flows)}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    console.error(HELP);
    return 2;
  }
  filter.seeds = Array.from({ length: seeds }, (_, i) => i + 1);
  const started = Date.now();
  let n = 0;
  let k = 0;
  let f = 0;
  const summaries: CaseSummary[] = [];
  const failures: CutPointResult[] = [];
  for (const c of campaignCases(filter)) {
    let swept: Awaited<ReturnType<typeof sweepCase>>;
    try {
      swept = await sweepCase(c, { stride });
    } catch (e) {
      console.error(`${c.board} ${c.strategy} ${c.flow} seed ${c.seed}: ${e instanceof Error ? e.message : String(e)}`);
      console.log(`power-cut: ${n} cut points, ${k} booted a valid image, ${f + 1} failed`);
      return 1;
    }
    const { summary, results } = swept;
    summaries.push(summary);
    for (const r of results) {
      n++;
      if (r.ok) k++;
      else {
        f++;
        failures.push(r);
        if (verbose || failures.length <= 10) console.error(`FAIL ${r.board} ${r.strategy} ${r.flow} seed ${r.seed} cut@${r.cutAt}: ${r.failure} [${r.booted.join(' ')}]`);
      }
    }
    if (!json) {
      console.log(
        `${c.board.padEnd(8)} ${c.strategy.padEnd(14)} ${c.flow.padEnd(9)}${c.encrypted ? ' encrypted' : ''} seed ${c.seed}: ${summary.operations} flash operations, ${summary.cutPoints} cut points, ${summary.failed} failed`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (json) console.log(JSON.stringify({ cutPoints: n, booted: k, failed: f, seconds, cases: summaries, failures: failures.slice(0, 50) }));
  else console.log(`(${seconds.toFixed(1)} s)`);
  console.log(`power-cut: ${n} cut points, ${k} booted a valid image, ${f} failed`);
  return f === 0 ? 0 : 1;
}

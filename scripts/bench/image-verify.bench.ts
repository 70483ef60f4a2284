/**
 * Streaming MCUboot image verification speed and memory: signs 1 MiB and 8 MiB images (ed25519),
 * feeds each through createStreamVerifier in download-sized chunks, and compares with Node's raw
 * SHA-256 of the same bytes in the same run (goal: >= 0.8 of it). Also the peak extra memory of the
 * 8 MiB verify against the 1 MiB one (goal: within 1 MiB; the verifier keeps only header and TLVs).
 * Prints `image-verify: <ratio> of raw sha256 (<MB/s>)` for the 8 MiB image. At 1 MiB the fixed cost
 * of the signature check (one ed25519 verify, ~0.13 ms) is over a fifth of the hashing time.
 */
import { createHash } from 'node:crypto';
import { createStreamVerifier } from '../../src/fota/mcuboot/stream-verifier.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import type { BenchFigure } from './summary.ts';
import { seededBytes } from '../../src/hal/prng.ts';
import { median } from './stats.ts';

const MIB = 1024 * 1024;
const SIZES_MIB = [1, 8];
/** Chunk size as the downloader hands it over (an HTTP range response body). */
const CHUNK_BYTES = 16 * 1024;
const RUNS = 15;
const RATIO_GOAL = 0.8;
const MEMORY_GOAL_BYTES = MIB;

function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function verifyOnce(img: Uint8Array, keyDer: Uint8Array, sampleMemory: boolean): Promise<{ ms: number; peak: number }> {
  gc();
  const base = usedBytes();
  let peak = 0;
  const t0 = performance.now();
  const v = createStreamVerifier({ crypto: nodeCrypto, trustedKeys: [keyDer] });
  for (let o = 0; o < img.length; o += CHUNK_BYTES) {
    v.update(img.subarray(o, o + CHUNK_BYTES));
    if (sampleMemory) peak = Math.max(peak, usedBytes() - base);
  }
  const verdict = await v.finish();
  const ms = performance.now() - t0;
  if (!verdict.valid) throw new Error(`image-verify: the bench image did not verify (${verdict.code})`);
  return { ms, peak };
}

function rawSha256Once(img: Uint8Array): number {
  const t0 = performance.now();
  createHash('sha256').update(img).digest();
  return performance.now() - t0;
}

export async function run(): Promise<BenchFigure[]> {
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const figures: BenchFigure[] = [];
  const peaks: Record<number, number> = {};
  let lastRatio = 0;
  let lastMbps = 0;
  for (const mib of SIZES_MIB) {
    const img = await signImage(seededBytes(mib * MIB, 0x12345678), { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version: '1.0.0' });
    await verifyOnce(img, signer.publicKeyDer, false); // warm-up
    rawSha256Once(img);
    // Interleaved pairs, ratio per pair: steadier than two medians on a busy machine.
    const verifyMs: number[] = [];
    const rawMs: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      rawMs.push(rawSha256Once(img));
      verifyMs.push((await verifyOnce(img, signer.publicKeyDer, false)).ms);
      ratios.push(rawMs[i]! / verifyMs[i]!);
    }
    peaks[mib] = Math.max(...(await Promise.all([0, 1, 2].map(async () => (await verifyOnce(img, signer.publicKeyDer, true)).peak))));
    const ratio = median(ratios);
    const mbps = img.length / 1e6 / (median(verifyMs) / 1000);
    const rawMbps = img.length / 1e6 / (median(rawMs) / 1000);
    console.log(`image-verify ${mib} MiB: ${ratio.toFixed(2)} of raw sha256 (${mbps.toFixed(0)} MB/s; raw ${rawMbps.toFixed(0)} MB/s)`);
    figures.push({
      name: `image-verify ${mib} MiB`,
      value: ratio,
      unit: 'x raw sha256',
      goal: `>= ${RATIO_GOAL}`,
      met: ratio >= RATIO_GOAL,
      baseline: `raw sha256 ${rawMbps.toFixed(0)} MB/s`,
    });
    lastRatio = ratio;
    lastMbps = mbps;
  }
  console.log(`image-verify: ${lastRatio.toFixed(2)} of raw sha256 (${lastMbps.toFixed(0)} MB/s)`);
  const growth = peaks[8]! - peaks[1]!;
  const gcNote = (globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for steadier numbers)';
  console.log(
    `image-verify memory: peak +${(peaks[8]! / 1024).toFixed(0)} KiB for 8 MiB vs +${(peaks[1]! / 1024).toFixed(0)} KiB for 1 MiB (difference ${(growth / 1024).toFixed(0)} KiB)${gcNote}`,
  );
  figures.push({
    name: 'image-verify peak memory 8 MiB - 1 MiB',
    value: growth / 1024,
    unit: 'KiB',
    goal: `<= ${MEMORY_GOAL_BYTES / 1024} KiB`,
    met: growth <= MEMORY_GOAL_BYTES,
    baseline: `1 MiB verify peak +${(peaks[1]! / 1024).toFixed(0)} KiB`,
  });
  return figures;
}

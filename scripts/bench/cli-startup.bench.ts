/**
 * How fast the built CLI starts: whole-process wall time of `fotakit image verify -k KEY IMG` (an 8 MiB
 * ed25519-signed image, made here) and `fotakit image info IMG`, each against `node -e 0` measured in
 * the same run, interleaved (node, verify, info, node, ...) so a busy machine slows all three alike.
 * The figure is the median of the per-round ratios. Goal: both <= 1.5x node (the image group starts
 * from its own CommonJS bundle: no ES module loader, no X.509, serialport or server). Needs
 * `npm run build` (dist/fotakit-image.cjs).
 * Prints `cli-startup: image-verify X× node, info Y× node`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import type { BenchFigure } from './summary.ts';
import { seededBytes } from '../../src/hal/prng.ts';
import { median } from './stats.ts';

const MIB = 1024 * 1024;
const IMAGE_PAYLOAD_BYTES = 8 * MIB;
/** Rounds of (node, verify, info); the median ratio is reported. */
const ROUNDS = 21;
const WARMUP_ROUNDS = 2;
const RATIO_GOAL = 1.5;

const BIN = fileURLToPath(new URL('../../bin/fotakit.cjs', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../dist/fotakit-image.cjs', import.meta.url));

/** Wall time of one whole process, in ms; throws when it does not exit 0. */
function wallMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cli-startup: node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

export async function run(): Promise<BenchFigure[]> {
  if (!existsSync(BUNDLE)) throw new Error('cli-startup: dist/fotakit-image.cjs is missing; run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-cli-startup-'));
  try {
    const keyPem = generateImageKeyPem('ed25519');
    const key = join(dir, 'key.pem');
    writeFileSync(key, keyPem);
    const img = join(dir, 'app_update.bin');
    writeFileSync(img, await signImage(seededBytes(IMAGE_PAYLOAD_BYTES, 0x9e3779b9), { crypto: nodeCrypto, signer: createPemSigner(keyPem), headerSize: 0x200, padHeader: true, version: '1.0.0' }));
    const node = ['-e', '0'];
    const verify = [BIN, 'image', 'verify', '-k', key, img];
    const info = [BIN, 'image', 'info', img];
    const verifyRatios: number[] = [];
    const infoRatios: number[] = [];
    const nodeMs: number[] = [];
    const verifyMs: number[] = [];
    const infoMs: number[] = [];
    for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
      const n = wallMs(node);
      const v = wallMs(verify);
      const f = wallMs(info);
      if (i < WARMUP_ROUNDS) continue;
      nodeMs.push(n);
      verifyMs.push(v);
      infoMs.push(f);
      verifyRatios.push(v / n);
      infoRatios.push(f / n);
    }
    const rv = median(verifyRatios);
    const ri = median(infoRatios);
    const base = `node -e 0 ${median(nodeMs).toFixed(0)} ms`;
    console.log(`cli-startup: image-verify ${rv.toFixed(2)}× node, info ${ri.toFixed(2)}× node`);
    console.log(`cli-startup: medians node ${median(nodeMs).toFixed(0)} ms, image verify ${median(verifyMs).toFixed(0)} ms, image info ${median(infoMs).toFixed(0)} ms (8 MiB, ed25519)`);
    return [
      { name: 'cli-startup image verify 8 MiB', value: rv, unit: 'x node -e 0', goal: `<= ${RATIO_GOAL}`, met: rv <= RATIO_GOAL, baseline: base },
      { name: 'cli-startup image info 8 MiB', value: ri, unit: 'x node -e 0', goal: `<= ${RATIO_GOAL}`, met: ri <= RATIO_GOAL, baseline: base },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

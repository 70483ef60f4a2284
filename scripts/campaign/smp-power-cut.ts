/**
 * Power cuts during an update pushed over SMP (`npm run campaign -- smp-power-cut [--every N]`).
 *
 * The simulated nRF52833 (strict flash, SMP server, MCUboot swap-move model) gets v2.0.0 over the SMP
 * serial transport: upload → image test → reset → confirm. The whole cycle first runs once without a cut
 * to count its flash operations; then, for every operation index (or every Nth), a fresh board runs the
 * cycle with the power cut at that operation. The host (the SMP client) sees only timeouts; it then
 * powers the board on (MCUboot runs, finishing any interrupted swap) and starts its cycle again from
 * what `image list` says, as the FOTA agent would. Every boot must start a valid image, and every cut
 * point must end on 2.0.0, active and confirmed.
 * Last line: `smp-power-cut: <N> cut points, <K> recovered, <F> failed`.
 */
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { VirtualClock } from '../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../src/boards/smp-device.ts';
import { SmpClient } from '../../src/transport/smp/client.ts';
import { createUartPair } from '../../src/transport/smp/sim-links.ts';
import { SerialSmpTransport } from '../../src/transport/smp/transport.ts';
import { uploadImage } from '../../src/transport/smp/upload.ts';

const OLD_PAYLOAD_BYTES = 12_000;
const NEW_PAYLOAD_BYTES = 16_000;
const NEW_VERSION = '2.0.0';
/** Cycles the host tries per cut point before the board counts as stuck. */
const MAX_ATTEMPTS = 8;
/** Short timeouts: a dead board costs virtual time only. */
const CAMPAIGN_TIMEOUT_MS = 1000;

interface Outcome {
  ok: boolean;
  attempts: number;
  why?: string;
}

/** One host cycle, resuming from what the board reports. Resolves true once 2.0.0 is active and confirmed. */
async function hostCycle(device: SimSmpDevice, image: Uint8Array, clock: VirtualClock): Promise<boolean> {
  const [host, board] = createUartPair();
  const transport = device.server.attachSerial(board);
  const client = new SmpClient(new SerialSmpTransport(host), { clock, timeoutMs: CAMPAIGN_TIMEOUT_MS });
  try {
    let images = await client.imageState();
    let active = images.find((i) => i.active);
    if (active?.version === NEW_VERSION) {
      if (!active.confirmed) images = await client.imageConfirm();
      active = images.find((i) => i.active);
      return active?.version === NEW_VERSION && active.confirmed;
    }
    const staged = images.find((i) => i.slot === 1);
    if (!(staged?.version === NEW_VERSION && staged.pending)) {
      if (staged && !staged.pending && staged.version !== NEW_VERSION) await client.imageErase().catch(() => undefined);
      const r = await uploadImage(client, image, { retries: 1, firstChunkTimeoutMs: CAMPAIGN_TIMEOUT_MS });
      if (r.match !== true) return false;
      images = await client.imageState();
      const hash = images.find((i) => i.slot === 1)?.hash;
      if (!hash) return false;
      await client.imageTest(hash);
    }
    await client.reset();
    await device.server.idle();
    images = await client.imageState();
    active = images.find((i) => i.active);
    if (active?.version !== NEW_VERSION) return false;
    images = await client.imageConfirm();
    active = images.find((i) => i.active);
    return active?.version === NEW_VERSION && active.confirmed;
  } finally {
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
  }
}

async function runCutPoint(cutAt: number | undefined, oldImage: Uint8Array, newImage: Uint8Array): Promise<Outcome & { ops: number }> {
  const clock = new VirtualClock();
  const device = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: oldImage });
  device.flash.resetOperationCount();
  if (cutAt !== undefined) device.flash.cutAtOperation(cutAt);
  const bootsBefore = device.boots.length;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let done = false;
    let error: unknown;
    try {
      done = await hostCycle(device, newImage, clock);
    } catch (e) {
      error = e;
    }
    if (device.flash.poweredOff) {
      device.flash.powerOn();
      await device.reset();
      continue;
    }
    const bad = device.boots.slice(bootsBefore).find((b) => !b.booted);
    if (bad) return { ok: false, attempts: attempt, why: `a boot failed: ${bad.code} ${bad.reason ?? ''}`, ops: device.flash.operationCount };
    if (done) return { ok: true, attempts: attempt, ops: device.flash.operationCount };
    if (error !== undefined && !(error instanceof Error && 'code' in error)) {
      return { ok: false, attempts: attempt, why: `untyped error: ${String(error)}`, ops: device.flash.operationCount };
    }
  }
  return { ok: false, attempts: MAX_ATTEMPTS, why: 'did not reach 2.0.0 confirmed', ops: device.flash.operationCount };
}

export async function run(args: string[]): Promise<number> {
  const everyAt = args.indexOf('--every');
  const every = everyAt >= 0 ? Number(args[everyAt + 1]) : 1;
  if (!Number.isInteger(every) || every < 1) {
    console.error('smp-power-cut: --every takes a whole number >= 1');
    return 2;
  }
  const oldImage = await buildTestImage(nodeCrypto, OLD_PAYLOAD_BYTES, '1.0.0', 1);
  const newImage = await buildTestImage(nodeCrypto, NEW_PAYLOAD_BYTES, NEW_VERSION, 2);
  const clean = await runCutPoint(undefined, oldImage, newImage);
  if (!clean.ok) {
    console.error(`smp-power-cut: the cycle fails without any cut: ${clean.why}`);
    return 1;
  }
  console.log(`smp-power-cut: one cycle (upload ${newImage.length} B over SMP serial, test, reset, confirm) is ${clean.ops} flash operations`);
  let recovered = 0;
  let failed = 0;
  let points = 0;
  let maxAttempts = 0;
  const started = performance.now();
  for (let cut = 0; cut < clean.ops; cut += every) {
    points++;
    const o = await runCutPoint(cut, oldImage, newImage);
    maxAttempts = Math.max(maxAttempts, o.attempts);
    if (o.ok) recovered++;
    else {
      failed++;
      console.log(`  cut at operation ${cut}: FAILED after ${o.attempts} host cycles: ${o.why}`);
    }
  }
  console.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s, at most ${maxAttempts} host cycles per cut point`);
  console.log(`smp-power-cut: ${points} cut points, ${recovered} recovered, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

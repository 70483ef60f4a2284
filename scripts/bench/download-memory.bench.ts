/**
 * Download memory benchmark: the device side of a FOTA download must not grow with the image.
 * Runs the path the device uses (range downloader → simulated modem, link `none`, TLS record gate on
 * → a sink that feeds the agent's MCUboot streaming verifier port and discards the bytes, resume state
 * in Settings) for a 1 MiB and a 16 MiB ed25519-signed image, and compares the peak memory of the two.
 *
 * Honest accounting: the update server runs in a child process (this file, started with
 * SERVE_FLAG), which makes the key, signs both images and serves them; this process never holds an
 * image, so what it measures is the device side only (downloader, HTTP client, sim modem with its
 * Node TLS client, verifier). Memory = V8 heapUsed + external (ArrayBuffers and other off-heap
 * buffers Node tracks), over a baseline taken after a forced GC just before the download:
 * - live peak (the figure): sampled right after global.gc() every GC_SAMPLE_EVERY_BYTES of the image,
 *   so it counts what is kept, not garbage waiting for the next scavenge;
 * - raw peak (printed, not judged): sampled at every sink write without a GC, garbage included;
 * - second half over first (printed): the live peak in the second half of an image minus the first
 *   half's, which is about 0 when nothing is kept per byte or per request.
 * What grows: the external part (TLS and socket buffers, ~1 MiB) is the same for both images; the heap
 * part is higher for the long download because V8 optimises more of the hot path (a heap snapshot diff
 * of a 16 MiB run shows optimised code, deopt data and relocation info, not data), and it levels off
 * after a few MiB (second half over first: usually tens of KiB; a late optimisation can add a few
 * hundred KiB of code once). The JIT code space share is printed.
 * A warm-up download first, so code compiled on the first run is not charged to the 1 MiB one; then
 * MEASURED_ROUNDS rounds of 1 MiB and 16 MiB, and the figure is the round with the largest growth.
 * Prints `download-memory: 16 MiB peak <x> KiB over 1 MiB peak (<a> KiB vs <b> KiB)`.
 * Needs `node --expose-gc` (npm run bench passes it).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { mcubootVerifier } from '../../src/fota/agent/mcuboot-verifier.ts';
import type { ImageVerdict, StreamingImageVerifier } from '../../src/fota/agent/ports.ts';
import { signImage } from '../../src/fota/mcuboot/sign.ts';
import { fromHex, toHex } from '../../src/hal/bytes.ts';
import { CREDENTIAL_TYPE, MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { createPemSigner, generateImageKeyPem } from '../../src/boards/image-keys.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';
import { SimClock } from '../../src/hal/sim/clock.ts';
import type { HostTable } from '../../src/hal/sim/hosts.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import { download, type DownloadResult } from '../../src/transport/download/downloader.ts';
import type { DownloadFile, DownloadSink } from '../../src/transport/download/sink.ts';
import type { BenchFigure } from './summary.ts';
import { seededBytes } from '../../src/hal/prng.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
/** The small and the big image: the baseline and the one judged. */
const SMALL_IMAGE_MIB = 1;
const BIG_IMAGE_MIB = 16;
const IMAGE_SIZES_MIB: ReadonlyArray<number> = [SMALL_IMAGE_MIB, BIG_IMAGE_MIB];
/** The big download may take this much more memory than the small one. */
const MEMORY_GROWTH_GOAL_KIB = 1024;
/** A forced GC and a live sample every this many image bytes. */
const GC_SAMPLE_EVERY_BYTES = 256 * KIB;
/** MCUboot header room of the bench images (-H 0x200, as NCS builds use). */
const IMAGE_HEADER_BYTES = 0x200;
const IMAGE_VERSION = '1.0.0';
/** argv flag that makes this file the server child instead of a bench module. */
const SERVE_FLAG = '--serve-download-memory';
/** Longest wait for the child to sign both images and start its servers. */
const CHILD_READY_TIMEOUT_MS = 60_000;
/** Longest wait for the child to exit once told to (stdin closed) before it is killed. */
const CHILD_EXIT_TIMEOUT_MS = 5_000;
/** Quiet time before the baseline, so sockets closed by the previous run are released first. */
const BASELINE_SETTLE_MS = 50;
/**
 * Full GCs before the baseline: V8 drops the bytecode of functions unused for a few GCs, so with one
 * or two passes the baseline still holds code the run's own GCs then free (heap below the baseline).
 */
const BASELINE_GC_PASSES = 10;
/** Measured rounds (each a 1 MiB then a 16 MiB download); the figure is the worst round's growth. */
const MEASURED_ROUNDS = 2;
/** First sec_tag of the roots written to the modem (one tag per root). */
const SEC_TAG_FIRST = 3001;
/** Seed of the generated payload (src/hal/prng.ts). */
const PAYLOAD_SEED = 0x2468ace1;
const MS_PER_S = 1000;

/** What the server child tells the bench, as one JSON line on stdout. */
interface ServerHello {
  pid: number;
  /** The image signing key's public half, MCUboot DER, hex. */
  publicKeyDerHex: string;
  /** Every test root, PEM (the modem gets them all, one sec_tag each). */
  rootsPem: string[];
  images: ServedImage[];
}

interface ServedImage {
  mib: number;
  url: string;
  /** Signed image bytes (header, payload, TLVs). */
  bytes: number;
  hosts: HostTable;
}

interface RunMemory {
  mib: number;
  bytes: number;
  /** Peak of (heapUsed + external) over the baseline, sampled after a GC. */
  liveBytes: number;
  /** Its heap and external parts at that sample. */
  liveHeapBytes: number;
  liveExternalBytes: number;
  liveCodeBytes: number;
  /** Peak over the baseline sampled at every write, garbage included. */
  rawBytes: number;
  samples: number;
  /** Live peak of the second half of the image minus that of the first half. */
  secondHalfGrowthBytes: number;
  result: DownloadResult;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('download-memory: needs node --expose-gc (npm run bench passes it)');
  collect();
}

function memory(): { heap: number; external: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

/** V8 heap spaces that hold compiled code (JIT output, not data). */
const V8_CODE_SPACES: ReadonlySet<string> = new Set(['code_space', 'code_large_object_space']);

function codeSpaceBytes(): number {
  return getHeapSpaceStatistics()
    .filter((s) => V8_CODE_SPACES.has(s.space_name))
    .reduce((n, s) => n + s.space_used_size, 0);
}

const kib = (bytes: number): string => String(Math.round(bytes / KIB));

// ---- the server child ------------------------------------------------------------------------

/** Child mode: signs the images, serves them, prints the hello line, exits when stdin closes. */
async function serve(): Promise<void> {
  const signer = createPemSigner(generateImageKeyPem('ed25519'));
  const servers: UpdateServer[] = [];
  const images: ServedImage[] = [];
  for (const mib of IMAGE_SIZES_MIB) {
    const image = await signImage(seededBytes(mib * MIB, PAYLOAD_SEED), { crypto: nodeCrypto, signer, headerSize: IMAGE_HEADER_BYTES, padHeader: true, version: IMAGE_VERSION });
    const server = await startUpdateServer({ image, version: IMAGE_VERSION });
    servers.push(server);
    images.push({ mib, url: server.imageUrl, bytes: image.length, hosts: server.hosts });
  }
  const hello: ServerHello = {
    pid: process.pid,
    publicKeyDerHex: toHex(signer.publicKeyDer),
    rootsPem: Object.values(servers[0]!.pki.roots).map((r) => r.pem),
    images,
  };
  process.stdout.write(JSON.stringify(hello) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
  });
}

type ServerChild = ChildProcessByStdio<Writable, Readable, null>;

function startServerChild(): Promise<{ child: ServerChild; hello: ServerHello }> {
  const self = fileURLToPath(import.meta.url);
  const root = resolve(self, '..', '..', '..');
  const child = spawn(process.execPath, ['--import', 'tsx', self, SERVE_FLAG], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolveHello, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`download-memory: the server child sent nothing in ${CHILD_READY_TIMEOUT_MS} ms`)), CHILD_READY_TIMEOUT_MS);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(e);
    };
    child.once('error', (e) => fail(new Error(`download-memory: cannot start the server child: ${e.message}`)));
    child.once('exit', (code) => fail(new Error(`download-memory: the server child exited (${code}) before it was ready`)));
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      try {
        resolveHello({ child, hello: JSON.parse(text.slice(0, nl)) as ServerHello });
      } catch (e) {
        fail(new Error(`download-memory: the server child's hello is not JSON: ${(e as Error).message}`));
      }
    });
  });
}

async function stopServerChild(child: ServerChild): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin.end();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CHILD_EXIT_TIMEOUT_MS)));
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    child.kill();
    await exited;
  }
  clearTimeout(timer);
}

// ---- the device side -------------------------------------------------------------------------

/** Tracks the peaks over a baseline. */
class PeakMeter {
  private readonly base = memory();
  private readonly baseCode = codeSpaceBytes();
  live = 0;
  liveHeap = 0;
  liveExternal = 0;
  /** Growth of V8's code space at the live peak (part of the heap figure). */
  liveCode = 0;
  raw = 0;
  samples = 0;
  /** Live peaks in the first and the second half of the image: equal when nothing grows per byte. */
  firstHalf = 0;
  secondHalf = 0;

  sampleRaw(): void {
    const m = memory();
    this.raw = Math.max(this.raw, m.heap + m.external - this.base.heap - this.base.external);
  }

  sampleLive(inSecondHalf: boolean): void {
    gc();
    const m = memory();
    const heap = m.heap - this.base.heap;
    const external = m.external - this.base.external;
    this.samples++;
    if (inSecondHalf) this.secondHalf = Math.max(this.secondHalf, heap + external);
    else this.firstHalf = Math.max(this.firstHalf, heap + external);
    if (heap + external > this.live) {
      this.live = heap + external;
      this.liveHeap = heap;
      this.liveExternal = external;
      this.liveCode = codeSpaceBytes() - this.baseCode;
    }
  }
}

/**
 * The device's sink without a slot: each write goes through the agent's verifier port and is dropped
 * (a flash slot would write it; its memory is a sector buffer, constant). Checks the in-order contract.
 */
class VerifyingSink implements DownloadSink {
  verifier: StreamingImageVerifier;
  fed = 0;
  private size = 0;
  private nextSampleAt = 0;

  constructor(
    private readonly createVerifier: () => StreamingImageVerifier,
    private readonly meter: PeakMeter | undefined,
  ) {
    this.verifier = createVerifier();
  }

  async open(file: DownloadFile): Promise<void> {
    if (this.fed !== 0) throw new Error(`download-memory: sink opened for ${file.size} bytes after ${this.fed} were fed`);
    this.size = file.size;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset !== this.fed) throw new Error(`download-memory: sink write at ${offset}, ${this.fed} fed`);
    this.verifier.update(bytes);
    this.fed += bytes.length;
    if (!this.meter) return;
    this.meter.sampleRaw();
    if (this.fed >= this.nextSampleAt) {
      this.meter.sampleLive(this.fed > this.size / 2);
      this.nextSampleAt = this.fed + GC_SAMPLE_EVERY_BYTES;
    }
  }

  async reset(): Promise<void> {
    this.verifier = this.createVerifier();
    this.fed = 0;
  }
}

/** One download of `image` on a fresh modem; memory measured when `measured`. */
async function downloadOnce(image: ServedImage, hello: ServerHello, measured: boolean): Promise<RunMemory> {
  const modem = createSimModem({ hosts: image.hosts, link: 'none', maxRecordBytes: MODEM_TLS_MAX_RECORD_BYTES });
  const secTags = hello.rootsPem.map((_, i) => SEC_TAG_FIRST + i);
  for (let i = 0; i < secTags.length; i++) await modem.credentials.write(secTags[i]!, CREDENTIAL_TYPE.rootCa, hello.rootsPem[i]!);
  const connect = (host: string, port: number) => modem.connect({ host, port, tls: { secTags, peerVerify: 'required', hostname: host } });
  const createVerifier = mcubootVerifier({ crypto: nodeCrypto, trustedKeys: [fromHex(hello.publicKeyDerHex)] });
  const settings = new MemorySettings();
  const clock = new SimClock();
  let meter: PeakMeter | undefined;
  if (measured) {
    await new Promise<void>((r) => setTimeout(r, BASELINE_SETTLE_MS));
    for (let i = 0; i < BASELINE_GC_PASSES; i++) gc();
    meter = new PeakMeter();
  }
  const sink = new VerifyingSink(createVerifier, meter);
  let result: DownloadResult;
  let verdict: ImageVerdict;
  try {
    result = await download({ url: image.url, sink, clock, connect, settings });
    verdict = await sink.verifier.finish();
    meter?.sampleLive(true);
  } finally {
    await modem.closeAll();
  }
  if (sink.fed !== image.bytes || result.size !== image.bytes) {
    throw new Error(`download-memory: ${image.mib} MiB run fed ${sink.fed} of ${image.bytes} bytes (download says ${result.size})`);
  }
  if (!verdict.valid) throw new Error(`download-memory: the ${image.mib} MiB image did not verify (${verdict.code}: ${verdict.message})`);
  return {
    mib: image.mib,
    bytes: image.bytes,
    liveBytes: meter?.live ?? 0,
    liveHeapBytes: meter?.liveHeap ?? 0,
    liveExternalBytes: meter?.liveExternal ?? 0,
    liveCodeBytes: meter?.liveCode ?? 0,
    rawBytes: meter?.raw ?? 0,
    samples: meter?.samples ?? 0,
    secondHalfGrowthBytes: (meter?.secondHalf ?? 0) - (meter?.firstHalf ?? 0),
    result,
  };
}

export async function run(): Promise<BenchFigure[]> {
  gc(); // fail early without --expose-gc
  const { child, hello } = await startServerChild();
  const rounds: Array<[RunMemory, RunMemory]> = [];
  try {
    const small = hello.images.find((i) => i.mib === SMALL_IMAGE_MIB)!;
    const big = hello.images.find((i) => i.mib === BIG_IMAGE_MIB)!;
    await downloadOnce(small, hello, false); // warm-up: JIT, TLS context, module state
    for (let i = 0; i < MEASURED_ROUNDS; i++) rounds.push([await downloadOnce(small, hello, true), await downloadOnce(big, hello, true)]);
  } finally {
    await stopServerChild(child);
  }
  const growthOf = ([a, b]: [RunMemory, RunMemory]): number => b.liveBytes - a.liveBytes;
  const worst = rounds.reduce((w, r) => (growthOf(r) > growthOf(w) ? r : w));
  const [a, b] = worst;
  const growth = growthOf(worst);
  console.log(
    `download-memory bench: range downloader → sim modem (link none, record gate ${MODEM_TLS_MAX_RECORD_BYTES} B) → MCUboot stream verifier, bytes discarded; ` +
      `server in a child process (pid ${hello.pid}), so this process is the device side only. ` +
      `Memory = heapUsed + external over the pre-download baseline; live = after global.gc() every ${kib(GC_SAMPLE_EVERY_BYTES)} KiB; ` +
      `${MEASURED_ROUNDS} rounds, the worst growth counts`,
  );
  rounds.forEach((round, i) => {
    for (const r of round) {
      console.log(
        `  round ${i + 1} ${String(r.mib).padStart(2)} MiB (${r.bytes} B): ${(r.result.elapsedMs / MS_PER_S).toFixed(1)} s, ${r.result.requests} requests, ` +
          `max record ${r.result.maxRecordBytes} B, ${r.result.emsgsize} EMSGSIZE; live peak ${kib(r.liveBytes)} KiB ` +
          `(heap ${kib(r.liveHeapBytes)} of which JIT code space ${kib(r.liveCodeBytes)}, external ${kib(r.liveExternalBytes)}) over ${r.samples} samples, 2nd half ${kib(r.secondHalfGrowthBytes)} KiB over 1st; raw peak incl. garbage ${kib(r.rawBytes)} KiB`,
      );
    }
  });
  console.log(`download-memory: ${BIG_IMAGE_MIB} MiB peak ${kib(growth)} KiB over ${SMALL_IMAGE_MIB} MiB peak (${kib(b.liveBytes)} KiB vs ${kib(a.liveBytes)} KiB)`);
  return [
    {
      name: `download-memory ${BIG_IMAGE_MIB} MiB over ${SMALL_IMAGE_MIB} MiB peak`,
      value: growth / KIB,
      unit: 'KiB',
      goal: `≤ ${MEMORY_GROWTH_GOAL_KIB} KiB growth`,
      met: growth <= MEMORY_GROWTH_GOAL_KIB * KIB,
      baseline: `${SMALL_IMAGE_MIB} MiB live peak ${kib(a.liveBytes)} KiB (same round)`,
    },
  ];
}

const invokedAs = process.argv[1] === undefined ? '' : resolve(process.argv[1]);
if (process.argv.includes(SERVE_FLAG) && invokedAs === fileURLToPath(import.meta.url)) await serve();

/**
 * Network fault campaign (`npm run campaign -- network [--schedules N] [--seed S]`).
 *
 * Each schedule (seeded, reproducible) downloads a random-sized image from the local update server
 * through the simulated modem (real TLS, 2303-byte record gate) while a random sequence of faults is
 * switched in as bytes arrive: drops mid-body, 5xx, stalls, Connection: close, coalesced pipelined
 * answers, odd server record sizes, the file changing, link-level drops, and the fatal ones (Range
 * ignored, wrong Content-Range, 404). Some schedules also lose power mid-download and resume from
 * Settings. Every run must end with the sink byte-exact (equal to the version whose ETag the result
 * names) or a typed FotaError with the sink holding a prefix of a served version (a state to resume
 * from); anything else (wrong bytes, an untyped error, a hang) counts as corrupt.
 * Last line: `network: <N> schedules, <K> byte-exact, <E> typed errors, <C> corrupt`.
 */
import { unitInterval, xorshift32 } from '../../src/hal/prng.ts';
import { bytesEqual } from '../../src/hal/bytes.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../src/hal/net.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';
import { LINK_NONE } from '../../src/hal/sim/link.ts';
import { createSimModem, type SimModem } from '../../src/hal/sim/modem.ts';
import type { ServerFaults } from '../../src/server/faults.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import { download } from '../../src/transport/download/downloader.ts';
import { MemorySink } from '../../src/transport/download/sink.ts';

export const NETWORK_CAMPAIGN_DEFAULT_SCHEDULES = 200;
export const NETWORK_CAMPAIGN_DEFAULT_SEED = 0x5eed;
/** Image sizes drawn per schedule. */
const IMAGE_MIN_BYTES = 4_000;
const IMAGE_MAX_BYTES = 96_000;
/** A run that takes longer than this is a hang (corrupt). */
const RUN_WATCHDOG_MS = 60_000;
/** Idle receive timeout in the campaign (stalls must cost little). */
const CAMPAIGN_IDLE_TIMEOUT_MS = 400;
const CAMPAIGN_RETRY_BACKOFF_MS = 5;
const SEC_TAGS = [1001, 1002];
const MAX_PHASES = 3;

export type Outcome = 'byte-exact' | 'typed-error' | 'corrupt';

export interface ScheduleResult {
  index: number;
  outcome: Outcome;
  code?: string;
  detail: string;
}

/** xorshift32: small, seedable, the same everywhere. */
function rng(seed: number): () => number {
  return unitInterval(xorshift32(seed));
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** One random fault set; mostly recoverable ones, sometimes a fatal one. */
function randomFaults(r: () => number): ServerFaults {
  const kind = pick(r, ['drop', 'drop', '5xx', 'stall', 'stall-forever', 'close', 'coalesce', 'records', 'change', 'ignore-range', 'wrong-range', '404', 'none'] as const);
  switch (kind) {
    case 'drop':
      return { dropAfterBytes: int(r, 0, 2000), count: int(r, 1, 4) };
    case '5xx':
      return { status: pick(r, [500, 502, 503, 504]), count: int(r, 1, 3) };
    case 'stall':
      return { stallAfterBytes: int(r, 0, 1500), stallMs: int(r, 50, 600), count: int(r, 1, 2) };
    case 'stall-forever':
      return { stallAfterBytes: int(r, 0, 1500), count: 1 };
    case 'close':
      return { connectionClose: true, count: int(r, 1, 20) };
    case 'coalesce':
      return { coalesceMs: int(r, 1, 20) };
    case 'records':
      return { recordPlaintextBytes: int(r, 512, 16384) };
    case 'change':
      return { changeAfterBytes: int(r, 0, 60_000) };
    case 'ignore-range':
      return { ignoreRange: true, count: 1 };
    case 'wrong-range':
      return { wrongContentRange: pick(r, ['shifted', 'missing'] as const), count: 1 };
    case '404':
      return { status: 404, count: 1 };
    case 'none':
      return {};
  }
}

function fill(r: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

function isPrefix(prefix: Uint8Array, of: Uint8Array): boolean {
  return prefix.length <= of.length && bytesEqual(prefix, of.subarray(0, prefix.length));
}

/** A sink that loses power once after `cutAt` bytes (the bytes before stay). */
class CutOnceSink extends MemorySink {
  constructor(private cutAt: number) {
    super();
  }
  override async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset + bytes.length > this.cutAt) {
      this.cutAt = Infinity;
      throw new FotaError('POWER_CUT', 'sink.write: power cut (campaign)');
    }
    await super.write(offset, bytes);
  }
}

async function oneSchedule(index: number, seed: number, server: UpdateServer, modem: SimModem): Promise<ScheduleResult> {
  const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const image = fill(r, int(r, IMAGE_MIN_BYTES, IMAGE_MAX_BYTES));
  server.setFaults({});
  server.setRelease(image, '1.0.0');
  const versions = new Map<string, Uint8Array>([[server.current().etag, image]]);
  const noteVersion = () => versions.set(server.current().etag, server.current().image);
  const phases = Array.from({ length: int(r, 1, MAX_PHASES) }, (_, i) => ({ faults: randomFaults(r), atBytes: i === 0 ? 0 : int(r, 0, image.length) }));
  phases.sort((a, b) => a.atBytes - b.atBytes);
  const linkDrop = r() < 0.1 ? int(r, 12_000, 40_000) : undefined;
  modem.setLink(linkDrop === undefined ? LINK_NONE : { ...LINK_NONE, dropAfterBytes: linkDrop });
  const depth = int(r, 1, 8);
  const powerCut = r() < 0.25 ? int(r, 1, image.length - 1) : undefined;
  const sink = powerCut === undefined ? new MemorySink() : new CutOnceSink(powerCut);
  const settings = new MemorySettings();
  let next = 1;
  server.setFaults(phases[0]!.faults);
  const describe = `size ${image.length}, depth ${depth}, phases ${JSON.stringify(phases)}${linkDrop ? `, link drop ${linkDrop}` : ''}${powerCut ? `, power cut ${powerCut}` : ''}`;
  const attempt = () =>
    download({
      url: server.imageUrl,
      sink,
      clock: { now: () => performance.now(), sleep: (ms) => new Promise((res) => setTimeout(res, ms)) },
      connect: (host, port) => modem.connect({ host, port, tls: { secTags: SEC_TAGS, peerVerify: 'required', hostname: host } }),
      pipelineDepth: depth,
      settings,
      idleTimeoutMs: CAMPAIGN_IDLE_TIMEOUT_MS,
      retryBackoffMs: CAMPAIGN_RETRY_BACKOFF_MS,
      onProgress: (p) => {
        noteVersion();
        while (next < phases.length && p.bytes >= phases[next]!.atBytes) server.setFaults(phases[next++]!.faults);
      },
    });
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => reject(new Error(`hang: no end within ${RUN_WATCHDOG_MS} ms`)), RUN_WATCHDOG_MS);
  });
  try {
    let result;
    try {
      result = await Promise.race([attempt(), hang]);
    } catch (e) {
      if (!(e instanceof FotaError && e.code === 'POWER_CUT')) throw e;
      noteVersion();
      await modem.closeAll(); // the reboot
      result = await Promise.race([attempt(), hang]);
    }
    noteVersion();
    const want = result.etag !== undefined ? versions.get(result.etag) : undefined;
    if (want !== undefined && bytesEqual(sink.bytes(), want)) return { index, outcome: 'byte-exact', detail: describe };
    return { index, outcome: 'corrupt', detail: `finished but not byte-exact (${sink.length} bytes, etag ${result.etag}); ${describe}` };
  } catch (e) {
    noteVersion();
    const held = sink.bytes();
    const prefixOfSome = [...versions.values()].some((v) => isPrefix(held, v));
    if (e instanceof FotaError && prefixOfSome) return { index, outcome: 'typed-error', code: e.code, detail: describe };
    return {
      index,
      outcome: 'corrupt',
      code: e instanceof FotaError ? e.code : undefined,
      detail: `${e instanceof FotaError ? `sink not a prefix after ${e.code}` : `untyped: ${(e as Error)?.message}`}; ${describe}`,
    };
  } finally {
    clearTimeout(watchdog);
    await modem.closeAll();
  }
}

/** Runs `count` schedules from `seed`; the building block of the campaign and its small test. */
export async function runSchedules(count: number, seed = NETWORK_CAMPAIGN_DEFAULT_SEED, onResult?: (r: ScheduleResult) => void): Promise<ScheduleResult[]> {
  const server = await startUpdateServer({ image: new Uint8Array([0]), version: '1.0.0' });
  const modem = createSimModem({ hosts: server.hosts });
  await modem.credentials.write(SEC_TAGS[0]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(SEC_TAGS[1]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.amazonRootCa1.pem);
  const results: ScheduleResult[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const res = await oneSchedule(i, seed, server, modem);
      results.push(res);
      onResult?.(res);
    }
  } finally {
    await modem.closeAll();
    await server.close();
  }
  return results;
}

export function summaryLine(results: ScheduleResult[]): string {
  const n = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return `network: ${results.length} schedules, ${n('byte-exact')} byte-exact, ${n('typed-error')} typed errors, ${n('corrupt')} corrupt`;
}

export async function run(args: string[]): Promise<number> {
  let count = NETWORK_CAMPAIGN_DEFAULT_SCHEDULES;
  let seed = NETWORK_CAMPAIGN_DEFAULT_SEED;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if ((a === '--schedules' || a === '--seed') && v !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(v)) {
      if (a === '--schedules') count = Number(v);
      else seed = Number(v);
      i++;
    } else {
      console.error(`network: usage: npm run campaign -- network [--schedules N] [--seed S]  (got '${a}')`);
      return 2;
    }
  }
  const codes = new Map<string, number>();
  const t0 = performance.now();
  const results = await runSchedules(count, seed, (r) => {
    if (r.code) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    if (r.outcome === 'corrupt') console.log(`  schedule ${r.index}: CORRUPT ${r.detail}`);
  });
  const errs = [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c} ${k}`).join(', ');
  console.log(`  seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s; typed errors by code: ${errs || 'none'}`);
  console.log(summaryLine(results));
  return results.some((r) => r.outcome === 'corrupt') ? 1 : 0;
}

/**
 * Download benchmark: a 256 KiB image over the shaped `lte-m` link through the modem's 2303-byte TLS
 * record gate, from the local update server (16 KiB server records, as CDNs send), side by side in one
 * run (concurrently: the link is shaped per connection, so they do not share bandwidth):
 * - sequential fixed 1024-byte ranges (Memfault on NCS);
 * - sequential 2048-byte ranges shrinking by 128 on EMSGSIZE (NCS ≥ 2.9's downloader);
 * - fotakit (record-exact ranges, pipelined);
 * - the link limit: bytes / downlink bandwidth + the handshake round trips (TCP 1 + TLS 1.2 2).
 * Prints `download: <x> of link limit, <y>x faster than 1024-byte sequential`.
 */
import { bytesEqual } from '../../src/hal/bytes.ts';
import { CREDENTIAL_TYPE, MODEM_TLS_MAX_RECORD_BYTES } from '../../src/hal/net.ts';
import { LINK_LTE_M } from '../../src/hal/sim/link.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { startUpdateServer } from '../../src/server/update-server.ts';
import { FixedRangePolicy, MEMFAULT_NRF91_RANGE_BYTES, NcsShrinkPolicy } from '../../src/transport/download/baseline-policies.ts';
import { download, type DownloadResult } from '../../src/transport/download/downloader.ts';
import type { RangePolicy } from '../../src/transport/download/policy.ts';
import { MemorySink } from '../../src/transport/download/sink.ts';
import type { BenchFigure } from './summary.ts';

const IMAGE_BYTES = 256 * 1024;
/** Round trips before the first request: TCP handshake 1, TLS 1.2 full handshake 2. */
const HANDSHAKE_ROUND_TRIPS = 3;
const GOAL_LINK_RATIO = 1.25;
const GOAL_SPEEDUP = 3;
const MS_PER_S = 1000;
const BITS_PER_BYTE = 8;
const SEC_TAGS = [1001, 1002];

export async function run(): Promise<BenchFigure[]> {
  const image = Uint8Array.from({ length: IMAGE_BYTES }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
  const server = await startUpdateServer({ image, version: '1.0.0' });
  const modem = createSimModem({ hosts: server.hosts, link: 'lte-m', maxRecordBytes: MODEM_TLS_MAX_RECORD_BYTES, maxSockets: 8 });
  await modem.credentials.write(SEC_TAGS[0]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(SEC_TAGS[1]!, CREDENTIAL_TYPE.rootCa, server.pki.roots.amazonRootCa1.pem);
  const connect = (host: string, port: number) => modem.connect({ host, port, tls: { secTags: SEC_TAGS, peerVerify: 'required', hostname: host } });
  const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const one = async (policy?: RangePolicy): Promise<DownloadResult> => {
    const sink = new MemorySink();
    const r = await download({ url: server.imageUrl, sink, clock, connect, policy });
    if (!bytesEqual(sink.bytes(), image)) throw new Error(`download bench: ${policy?.name ?? 'fotakit'} is not byte-exact`);
    return r;
  };
  let results: DownloadResult[];
  try {
    results = await Promise.all([one(new FixedRangePolicy(MEMFAULT_NRF91_RANGE_BYTES)), one(new NcsShrinkPolicy()), one()]);
  } finally {
    await modem.closeAll();
    await server.close();
  }
  const [fixed, ncs, fotakit] = results as [DownloadResult, DownloadResult, DownloadResult];
  const rttS = (2 * LINK_LTE_M.oneWayLatencyMs) / MS_PER_S;
  const limitS = (IMAGE_BYTES * BITS_PER_BYTE) / LINK_LTE_M.downlinkBitsPerS + HANDSHAKE_ROUND_TRIPS * rttS;
  const s = (r: DownloadResult) => r.elapsedMs / MS_PER_S;
  const x = s(fotakit) / limitS;
  const y = s(fixed) / s(fotakit);
  const row = (name: string, r: DownloadResult) =>
    `  ${name.padEnd(22)} ${s(r).toFixed(2).padStart(6)} s  ${String(r.requests).padStart(4)} requests  ${r.emsgsize} EMSGSIZE  max record ${r.maxRecordBytes} B`;
  console.log(`download bench: 256 KiB over lte-m (${LINK_LTE_M.downlinkBitsPerS / 1000} kbit/s down, ${2 * LINK_LTE_M.oneWayLatencyMs} ms RTT), record gate ${MODEM_TLS_MAX_RECORD_BYTES} B`);
  console.log(row('fixed 1024 sequential', fixed));
  console.log(row('ncs 2048 shrink-128', ncs));
  console.log(row(`fotakit (pipeline ${fotakit.pipelineDepth})`, fotakit));
  console.log(`  ${'link limit'.padEnd(22)} ${limitS.toFixed(2).padStart(6)} s`);
  console.log(`download: ${x.toFixed(2)} of link limit, ${y.toFixed(1)}x faster than 1024-byte sequential`);
  return [
    {
      name: 'download 256 KiB lte-m vs link limit',
      value: x,
      unit: 'x',
      goal: `<= ${GOAL_LINK_RATIO}`,
      met: x <= GOAL_LINK_RATIO,
      baseline: `link limit ${limitS.toFixed(2)} s; ncs shrink ${s(ncs).toFixed(1)} s`,
    },
    {
      name: 'download 256 KiB lte-m speed-up',
      value: y,
      unit: 'x',
      goal: `>= ${GOAL_SPEEDUP}`,
      met: y >= GOAL_SPEEDUP,
      baseline: `fixed 1024 sequential ${s(fixed).toFixed(1)} s`,
    },
  ];
}

/**
 * Benchmarks of the simulated nRF9160 modem against the local update server (real TLS on loopback):
 * 1. throughput through the modem (link, record gate, socket queue), with a bare Node TLS client as the
 *    baseline in the same run;
 * 2. LTE-M handshake time vs the link's own cost (3 round trips + serialisation of the bytes it moved);
 * 3. LTE-M shaping accuracy: raw downlink rate while streaming 64 KiB vs the configured 300 kbit/s;
 * 4. what TLS session resumption saves on LTE-M (one round trip expected).
 */
import * as tls from 'node:tls';
import { CREDENTIAL_TYPE } from '../../src/hal/net.ts';
import { LINK_LTE_M, LINK_SEGMENT_BYTES } from '../../src/hal/sim/link.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { TLS_RECORD_HEADER_BYTES, TLS_RECORD_MAX_LENGTH } from '../../src/hal/sim/record-gate.ts';
import { startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';
import type { BenchFigure } from './summary.ts';

const TAG_G2 = 1001;
const BIG_IMAGE_BYTES = 8 * 1024 * 1024;
const SHAPED_IMAGE_BYTES = 64 * 1024;
const ANY_RECORD_BYTES = TLS_RECORD_HEADER_BYTES + TLS_RECORD_MAX_LENGTH;
const MB = 1024 * 1024;
const RECV_CHUNK_BYTES = 65536;
const THROUGHPUT_RUNS = 3;
/** Throughput the simulated modem must reach with no shaping. */
const MODEM_MIN_MBS = 50;

function request(server: UpdateServer): Uint8Array {
  const path = new URL(server.imageUrl).pathname;
  return new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${server.cdnHost}\r\nConnection: close\r\n\r\n`);
}

/** Whole-file download through a simulated modem; returns ms and the modem's counters. */
async function viaModem(server: UpdateServer, link: typeof LINK_LTE_M | 'none', maxRecordBytes: number) {
  const modem = createSimModem({ hosts: server.hosts, link, maxRecordBytes });
  await modem.credentials.write(TAG_G2, CREDENTIAL_TYPE.rootCa, server.pki.roots.digicertGlobalRootG2.pem);
  const t0 = performance.now();
  const s = await modem.connect({ host: server.cdnHost, port: server.port, tls: { secTags: [TAG_G2], peerVerify: 'required' } });
  const handshakeMs = performance.now() - t0;
  const afterHandshake = modem.counters();
  const t1 = performance.now();
  await s.send(request(server));
  let n = 0;
  let firstByteMs = 0;
  for (;;) {
    const b = await s.recv(RECV_CHUNK_BYTES, 60_000);
    if (b.length === 0) break;
    if (n === 0) firstByteMs = performance.now() - t1;
    n += b.length;
  }
  const transferMs = performance.now() - t1;
  await s.close();
  return { handshakeMs, transferMs, firstByteMs, bytes: n, afterHandshake, total: modem.counters() };
}

/** The same download with Node's TLS client straight on loopback. */
async function bare(server: UpdateServer): Promise<{ transferMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: server.cdnHost, ca: server.rootsPem, maxVersion: 'TLSv1.2' }, () => {
      const t1 = performance.now();
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => resolve({ transferMs: performance.now() - t1, bytes: n }));
      s.write(request(server));
    });
    s.on('error', reject);
  });
}

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const big = new Uint8Array(BIG_IMAGE_BYTES).map((_, i) => i * 31);
  const server = await startUpdateServer({ image: big, version: '1.0.0' });
  try {
    // Best of a few runs each, interleaved: the machine is shared, the best run is the code's cost.
    let bareMBs = 0;
    let modemMBs = 0;
    let m = await viaModem(server, 'none', ANY_RECORD_BYTES);
    for (let i = 0; i < THROUGHPUT_RUNS; i++) {
      const b = await bare(server);
      bareMBs = Math.max(bareMBs, b.bytes / MB / (b.transferMs / 1000));
      m = await viaModem(server, 'none', ANY_RECORD_BYTES);
      modemMBs = Math.max(modemMBs, m.bytes / MB / (m.transferMs / 1000));
    }
    const ratio = modemMBs / bareMBs;
    console.log(`sim-modem: 8 MiB over TLS: modem ${modemMBs.toFixed(1)} MB/s, bare Node TLS ${bareMBs.toFixed(1)} MB/s (x${ratio.toFixed(2)}), ${m.total.records} records`);
    // The simulator must never be what limits a simulated download: 50 MB/s is >1000x LTE-M.
    figures.push({
      name: 'sim-modem throughput, link none (8 MiB)',
      value: modemMBs,
      unit: 'MB/s',
      goal: `>= ${MODEM_MIN_MBS}`,
      met: modemMBs >= MODEM_MIN_MBS,
      baseline: `bare Node TLS ${bareMBs.toFixed(0)} MB/s (x${ratio.toFixed(2)})`,
    });
  } finally {
    await server.close();
  }

  const small = new Uint8Array(SHAPED_IMAGE_BYTES).map((_, i) => i * 7);
  const shaped = await startUpdateServer({ image: small, version: '1.0.0', faults: { recordPlaintextBytes: 1024 } });
  try {
    const m = await viaModem(shaped, LINK_LTE_M, ANY_RECORD_BYTES);
    const rtt = 2 * LINK_LTE_M.oneWayLatencyMs;
    const h = m.afterHandshake;
    // TCP connect + ClientHello/ServerHello..Done + ClientKeyExchange/Finished: 3 round trips, plus the
    // time the handshake bytes take on the wire each way.
    const linkMs = 3 * rtt + (h.rawBytesDown * 8 * 1000) / LINK_LTE_M.downlinkBitsPerS + (h.rawBytesUp * 8 * 1000) / LINK_LTE_M.uplinkBitsPerS;
    const hsRatio = m.handshakeMs / linkMs;
    console.log(`sim-modem: LTE-M handshake ${m.handshakeMs.toFixed(0)} ms vs link cost ${linkMs.toFixed(0)} ms (${h.rawBytesDown} B down, ${h.rawBytesUp} B up)`);
    figures.push({ name: 'sim-modem LTE-M handshake / link cost', value: hsRatio, unit: 'x', goal: '<= 1.15', met: hsRatio <= 1.15, baseline: `3 RTT + bytes = ${linkMs.toFixed(0)} ms` });

    // From the first byte on: the request's round trip is latency, not bandwidth.
    const downBytes = m.total.rawBytesDown - h.rawBytesDown;
    const rateBits = ((downBytes - LINK_SEGMENT_BYTES) * 8 * 1000) / (m.transferMs - m.firstByteMs);
    const accuracy = rateBits / LINK_LTE_M.downlinkBitsPerS;
    console.log(`sim-modem: LTE-M 64 KiB: ${(rateBits / 1000).toFixed(0)} kbit/s raw downlink, ${m.transferMs.toFixed(0)} ms request to last byte (first byte ${m.firstByteMs.toFixed(0)} ms, max record ${m.total.maxRecordBytes} B)`);
    figures.push({ name: 'sim-modem LTE-M downlink rate / configured', value: accuracy, unit: 'x', goal: '0.9..1.02', met: accuracy >= 0.9 && accuracy <= 1.02, baseline: `${LINK_LTE_M.downlinkBitsPerS / 1000} kbit/s configured` });

    // TLS session resumption on LTE-M: the abbreviated handshake saves one round trip.
    const cachedModem = createSimModem({ hosts: shaped.hosts, link: LINK_LTE_M, tlsSessionCache: true });
    await cachedModem.credentials.write(TAG_G2, CREDENTIAL_TYPE.rootCa, shaped.pki.roots.digicertGlobalRootG2.pem);
    const opts = { host: shaped.cdnHost, port: shaped.port, tls: { secTags: [TAG_G2], peerVerify: 'required' as const } };
    await (await cachedModem.connect(opts)).close();
    const t0 = performance.now();
    const resumed = await cachedModem.connect(opts);
    const resumedMs = performance.now() - t0;
    const reused = resumed.info().sessionReused === true;
    await resumed.close();
    const saved = m.handshakeMs - resumedMs;
    console.log(`sim-modem: LTE-M resumed handshake ${resumedMs.toFixed(0)} ms (reused ${reused}) vs full ${m.handshakeMs.toFixed(0)} ms`);
    figures.push({
      name: 'sim-modem LTE-M session resumption saves',
      value: saved,
      unit: 'ms',
      goal: `>= ${0.9 * rtt} (1 RTT)`,
      met: reused && saved >= 0.9 * rtt,
      baseline: `full handshake ${m.handshakeMs.toFixed(0)} ms`,
    });
  } finally {
    await shaped.close();
  }
  return figures;
}

/**
 * Scripted run logs that look like real runs (until `fotakit sim --report` produces them): an
 * nRF9160 update 1.0.0 → 1.1.0 over LTE-M whose CDN chains to the last root CA in the list, a first
 * range too large for the modem (EMSGSIZE, then smaller ranges), a link reset mid-way, a power cut
 * with resume, reboot into the test image, trial and confirm. Plus a failed run and a huge run.
 */
import type { RunLogEntry } from '../../src/fota/run-log.ts';

export const CDN_HOST = 'cdn.fota.example.com';
export const API_HOST = 'device-nrf.memfault.example.com';
export const IMAGE_BYTES = 190_464;
export const RECORD_LIMIT = 2303;
const HEADER_BYTES = 287;
/** TLS 1.2 AES-GCM record overhead: 5 header + 8 explicit nonce + 16 tag. */
const TLS_OVERHEAD_BYTES = 29;
const MS_PER_RESPONSE = 340;

type Agent = 'idle' | 'checking' | 'selecting-cert' | 'downloading' | 'verifying' | 'staged' | 'rebooting' | 'trial' | 'confirmed' | 'failed';

/** The realistic successful run: ~100 responses, one EMSGSIZE reconnect, a reset, a power cut, trial, confirmed. */
export function realisticRun(): RunLogEntry[] {
  const log: RunLogEntry[] = [];
  let t = 0;
  let state: Agent = 'idle';
  const go = (to: Agent, event: string, reason?: { code: string; message: string }) => {
    log.push({ t, kind: 'state', from: state, to, event, ...(reason ? { reason } : {}) } as RunLogEntry);
    state = to;
  };
  log.push({ t, kind: 'board-boot', reason: 'power-on', version: '1.0.0', swap: 'none' });
  t = 40;
  go('checking', 'check');
  log.push({ t: (t += 15), kind: 'connection', host: API_HOST, what: 'connect' });
  t += 610;
  log.push({ t, kind: 'check', running: '1.0.0', result: 'update', url: `https://${CDN_HOST}/images/app-1.1.0.bin` });
  go('selecting-cert', 'update-available');
  const candidates: [number, string, boolean, number][] = [
    [1002, 'Amazon Root CA 1', false, 412],
    [1003, 'DigiCert Global Root CA', false, 398],
    [1004, 'Baltimore CyberTrust Root', false, 405],
    [1001, 'DigiCert Global Root G2', true, 688],
  ];
  for (const [secTag, name, ok, ms] of candidates) {
    t += ms;
    log.push({
      t,
      kind: 'probe',
      host: CDN_HOST,
      port: 443,
      secTag,
      name,
      ok,
      ms,
      via: 'in-order',
      ...(ok ? {} : { code: 'CERT_UNKNOWN_CA', message: `tls.handshake: ${CDN_HOST} does not chain to ${name}` }),
    });
  }
  t += 5;
  go('downloading', 'cert-selected');
  log.push({ t: (t += 2), kind: 'connection', host: CDN_HOST, what: 'connect' });

  let bytes = 0;
  let requests = 0;
  let retries = 0;
  let range = 2048;
  let maxRecord = 0;
  const response = (body: number, rangeAsked: number) => {
    requests++;
    const record = HEADER_BYTES + body + TLS_OVERHEAD_BYTES;
    maxRecord = Math.max(maxRecord, record <= RECORD_LIMIT ? record : maxRecord);
    t += MS_PER_RESPONSE + ((requests * 37) % 90);
    log.push({ t, kind: 'response', host: CDN_HOST, status: 206, rangeBytes: rangeAsked, headerBytes: HEADER_BYTES, bodyBytes: body, recordBytes: record, recordLimit: RECORD_LIMIT });
    return record;
  };
  const progress = () => log.push({ t, kind: 'progress', bytes, total: IMAGE_BYTES, requests, retries, rangeBytes: range, maxRecordBytes: maxRecord });

  // The first range is the nRF91 cap (2048): its response does not fit one modem record.
  response(range, range);
  t += 12;
  log.push({ t, kind: 'connection', host: CDN_HOST, what: 'reconnect', code: 'EMSGSIZE' });
  retries++;
  range -= 128;
  progress();
  let powerCut = false;
  let linkReset = false;
  while (bytes < IMAGE_BYTES) {
    const body = Math.min(range, IMAGE_BYTES - bytes);
    response(body, range);
    bytes += body;
    progress();
    if (!linkReset && bytes > IMAGE_BYTES * 0.3) {
      linkReset = true;
      t += 9_500; // the link stalls, then the socket dies
      log.push({ t, kind: 'connection', host: CDN_HOST, what: 'reconnect', code: 'ECONNRESET' });
      retries++;
      progress();
    }
    if (!powerCut && bytes > IMAGE_BYTES * 0.62) {
      powerCut = true;
      t += 180;
      log.push({ t, kind: 'board-boot', reason: 'power-cut', version: '1.0.0', swap: 'none' });
      t += 1_450;
      log.push({ t, kind: 'boot', running: '1.0.0', expected: undefined });
      log.push({ t: (t += 30), kind: 'connection', host: CDN_HOST, what: 'connect' });
    }
  }
  log.push({ t: (t += 5), kind: 'connection', host: CDN_HOST, what: 'close' });
  log.push({ t, kind: 'download', bytes, total: IMAGE_BYTES, requests, retries, maxRecordBytes: maxRecord, resumedAt: 118_080 });
  go('verifying', 'download-complete');
  t += 930;
  log.push({ t, kind: 'verdict', verdict: { valid: true, version: '1.1.0', hashHex: 'aa'.repeat(32) } });
  go('staged', 'verified');
  t += 60;
  go('rebooting', 'marked-pending');
  log.push({ t: (t += 5), kind: 'reset', why: 'apply' });
  t += 4_800; // MCUboot swaps the images
  log.push({ t, kind: 'board-boot', reason: 'software-reset', version: '1.1.0', swap: 'test' });
  t += 1_200;
  log.push({ t, kind: 'boot', running: '1.1.0', expected: '1.1.0' });
  go('trial', 'booted-new');
  t += 2_500;
  log.push({ t, kind: 'selftest', version: '1.1.0', passed: true });
  go('confirmed', 'selftest-passed');
  log.push({
    t,
    kind: 'summary',
    final: 'confirmed',
    version: '1.1.0',
    fromVersion: '1.0.0',
    bytes,
    requests,
    retries,
    maxRecordBytes: maxRecord,
    recordLimit: RECORD_LIMIT,
    seconds: t / 1000,
    linkLimitSeconds: 31.8,
    probes: candidates.length,
    reboots: 2,
    board: 'nrf9160',
    link: 'lte-m 50 kbit/s, 80 ms RTT, 0.5% loss',
  });
  return log;
}

/** A run that never gets past certificate selection: no candidate validates the CDN. */
export function failedCertRun(host = CDN_HOST, message = 'no root CA validated the download host'): RunLogEntry[] {
  const log: RunLogEntry[] = [
    { t: 0, kind: 'board-boot', reason: 'power-on', version: '1.0.0', swap: 'none' },
    { t: 10, kind: 'state', from: 'idle', to: 'checking', event: 'check' },
    { t: 700, kind: 'check', running: '1.0.0', result: 'update', url: `https://${host}/app.bin` },
    { t: 700, kind: 'state', from: 'checking', to: 'selecting-cert', event: 'update-available' },
  ];
  let t = 700;
  for (const [secTag, name] of [
    [1001, 'DigiCert Global Root G2'],
    [1002, 'Amazon Root CA 1'],
  ] as const) {
    t += 400;
    log.push({ t, kind: 'probe', host, port: 443, secTag, name, ok: false, code: 'CERT_UNKNOWN_CA', message: `tls.handshake: ${host} unknown CA`, ms: 400, via: 'in-order' });
  }
  const reason = { code: 'CERT_NO_CANDIDATE', message };
  log.push({ t: t + 2, kind: 'state', from: 'selecting-cert', to: 'failed', event: 'error', reason });
  log.push({
    t: t + 2,
    kind: 'summary',
    final: 'failed',
    fromVersion: '1.0.0',
    bytes: 0,
    requests: 0,
    retries: 0,
    maxRecordBytes: 0,
    recordLimit: RECORD_LIMIT,
    seconds: (t + 2) / 1000,
    probes: 2,
    reboots: 0,
    reason,
  });
  return log;
}

/** A long run of `responses` small ranges (for the downsampling checks). */
export function hugeRun(responses: number): RunLogEntry[] {
  const range = 1024;
  const total = responses * range;
  const log: RunLogEntry[] = [
    { t: 0, kind: 'board-boot', reason: 'power-on', version: '2.0.0', swap: 'none' },
    { t: 1, kind: 'state', from: 'idle', to: 'downloading', event: 'cert-selected' },
  ];
  let t = 1;
  for (let i = 1; i <= responses; i++) {
    t += 100 + (i % 7);
    log.push({ t, kind: 'response', host: CDN_HOST, status: 206, rangeBytes: range, headerBytes: 250 + (i % 13), bodyBytes: range, recordBytes: 1300 + (i % 29), recordLimit: RECORD_LIMIT });
    log.push({ t, kind: 'progress', bytes: i * range, total, requests: i, retries: 0, rangeBytes: range, maxRecordBytes: 1328 });
    if (i % 5000 === 0) log.push({ t, kind: 'connection', host: CDN_HOST, what: 'reconnect', code: 'ETIMEDOUT' });
  }
  log.push({ t: t + 1, kind: 'state', from: 'downloading', to: 'verifying', event: 'download-complete' });
  return log;
}

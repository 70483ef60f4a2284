/**
 * `fotakit hil`: hardware in the loop. The FOTA agent runs on this machine with the network through a
 * real nRF9160 running the Serial LTE Modem (AT over --modem-port) and the image going to a real MCUboot
 * board running smp_svr (SMP over --slot-port), or, with only the modem attached, to a simulated
 * nRF9160 slot here. Prints the agent's progress (or one JSON summary with --json); exit 0 when the
 * update was confirmed or none was due, 1 when it failed or rolled back.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../hal/errors.ts';
import { realClock } from '../../hal/serial/real-clock.ts';
import { runHil, type HilSummary } from '../../hal/serial/hil-run.ts';
import type { CertCandidate } from '../../fota/cert-select.ts';
import type { AgentEventRecord } from '../../fota/agent/agent.ts';
import { DEFAULT_PROJECT_KEY } from '../../server/update-server.ts';
import { publicKeyFromPem } from '../../hal/node/image-keys.ts';
import type { TrustedKey } from '../../fota/mcuboot/keys.ts';
import { EXIT_NEGATIVE, EXIT_OK, helpText, parseCommand, parseInteger, stringList, stringValue, type CommandSpec } from '../args.ts';

const DIALECTS = ['legacy', 'serial-modem', 'auto'] as const;
const DEFAULT_ROOTS_FILE = 'fotakit-roots/roots.pem';
/** Candidates get sec_tags base+1, base+2, ... in file order (Memfault's base is 1000). */
const DEFAULT_SEC_TAG_BASE = 1000;
const SEC_TAG_MAX = 2_147_483_647;
/** Progress is printed at every this many percent of the download. */
const PROGRESS_STEP_PERCENT = 10;
const PERCENT = 100;
/** Upload progress is printed at every this many percent. */
const UPLOAD_STEP_PERCENT = 25;
const RESTING_OK = new Set(['confirmed', 'idle']);
/** Highest baud rate accepted (nRF UARTE tops out at 1 Mbaud). */
const BAUD_MAX = 1_000_000;

const SPEC: CommandSpec = {
  usage: 'fotakit hil --modem-port DEV [--modem-dialect legacy|serial-modem] [--slot-port DEV] --server URL [options]',
  summary:
    'Runs one FOTA cycle with real boards: the update check, root-CA selection by real handshakes and the ' +
    'range download go through the nRF9160 Serial LTE Modem on --modem-port; the image goes over SMP to the ' +
    'MCUboot board on --slot-port (without it: to a simulated nRF9160 slot on this machine), is marked for ' +
    'test, the board resets, and the new image is confirmed. Try it without boards on `fotakit emulate`.',
  options: {
    'modem-port': { type: 'string' },
    'modem-dialect': { type: 'string' },
    'slot-port': { type: 'string' },
    server: { type: 'string' },
    'project-key': { type: 'string' },
    roots: { type: 'string' },
    'sec-tag-base': { type: 'string' },
    'device-serial': { type: 'string' },
    'hardware-version': { type: 'string' },
    'software-type': { type: 'string' },
    'sim-slot-version': { type: 'string' },
    key: { type: 'string', multiple: true },
    'modem-baud': { type: 'string' },
    'modem-rtscts': { type: 'boolean' },
    'slot-baud': { type: 'string' },
  },
  help: {
    'modem-port': 'serial device of the nRF9160 running the Serial LTE Modem (e.g. /dev/ttyACM0)',
    'modem-dialect': 'legacy (NCS 2.x SLM), serial-modem (NCS 3.x) or auto (default: probe)',
    'slot-port': 'serial device of the MCUboot board running smp_svr (e.g. /dev/ttyACM2)',
    server: 'release API base URL, e.g. https://api.fotakit.test:8443 (from `fotakit serve`)',
    'project-key': `Memfault-Project-Key (default ${DEFAULT_PROJECT_KEY})`,
    roots: `PEM bundle of root CA candidates, tried in file order (default ./${DEFAULT_ROOTS_FILE})`,
    'sec-tag-base': `candidates are stored under base+1, base+2, ... (default ${DEFAULT_SEC_TAG_BASE})`,
    'device-serial': 'device_serial of the update check (default fotakit-hil)',
    'hardware-version': 'hardware_version of the update check (default: the slot board)',
    'software-type': 'software_type of the update check (default app)',
    'sim-slot-version': 'version the simulated nRF9160 slot runs before the update (default 1.0.0)',
    'modem-baud': 'modem UART baud rate (default 115200)',
    'modem-rtscts': 'RTS/CTS flow control on the modem UART (the nRF9160 DK SLM uses it)',
    'slot-baud': 'slot board UART baud rate (default 115200)',
    key: 'PEM key (public or private) whose signatures are accepted; repeatable (default: hash-only images pass)',
  },
};

/** The certificates of a PEM bundle, each with its subject CN as the name. */
export function readCandidates(file: string, base: number): CertCandidate[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--roots: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); run \`fotakit serve\` or give --roots`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new UsageError(`--roots: '${file}' holds no PEM certificate`);
  return pems.map((pem, i) => {
    let name: string;
    try {
      const subject = new X509Certificate(pem).subject;
      name = /CN=([^\n,]+)/.exec(subject)?.[1] ?? subject;
    } catch {
      throw new UsageError(`--roots: certificate ${i + 1} of '${file}' does not parse`);
    }
    const secTag = base + 1 + i;
    if (secTag > SEC_TAG_MAX) throw new UsageError(`--sec-tag-base: sec_tag ${secTag} is over ${SEC_TAG_MAX}`);
    return { secTag, name, pem: `${pem}\n` };
  });
}

/** The public keys of the given PEM files (MCUboot DER), named by file. */
export function readTrustedKeys(files: string[]): TrustedKey[] {
  return files.map((file) => {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--key: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      return { der: publicKeyFromPem(pem).der, name: file };
    } catch (e) {
      throw new UsageError(`--key: '${file}' is not a PEM key fotakit can use (${(e as Error).message})`);
    }
  });
}

function printEvent(e: AgentEventRecord, progress: { step: number }): void {
  switch (e.kind) {
    case 'state':
      console.log(`  ${e.from} → ${e.to}${e.reason ? `  (${e.reason.code}: ${e.reason.message})` : ''}`);
      break;
    case 'check':
      console.log(`  update check: running ${e.running}, ${e.result}${e.url ? ` ${e.url}` : ''}`);
      break;
    case 'progress': {
      if (e.total <= 0) break;
      const pct = Math.floor((e.bytes / e.total) * PERCENT);
      if (pct >= progress.step) {
        console.log(`  download ${String(pct).padStart(3)}%  ${e.bytes}/${e.total} bytes, ${e.requests} requests`);
        progress.step = (Math.floor(pct / PROGRESS_STEP_PERCENT) + 1) * PROGRESS_STEP_PERCENT;
      }
      break;
    }
    case 'download':
      console.log(`  downloaded ${e.bytes} bytes in ${e.requests} requests (${e.retries} retries)`);
      break;
    case 'verdict':
      console.log(`  image ${e.verdict.valid ? 'valid' : `INVALID (${e.verdict.code})`}${e.verdict.version ? `, version ${e.verdict.version}` : ''}`);
      break;
    case 'reset':
      console.log(`  reset the slot's board (${e.why})`);
      break;
    case 'boot':
      console.log(`  board runs ${e.running ?? '?'} (expected ${e.expected ?? '?'})`);
      break;
    case 'selftest':
      console.log(`  self-test of ${e.version}: ${e.passed ? 'passed' : 'FAILED'}`);
      break;
  }
}

function jsonSummary(s: HilSummary): Record<string, unknown> {
  return {
    ok: RESTING_OK.has(s.result.state),
    state: s.result.state,
    running: s.result.running,
    ...(s.result.reason ? { reason: s.result.reason } : {}),
    ...(s.result.release ? { release: s.result.release } : {}),
    dialect: s.dialect,
    slot: s.slot,
    certProbes: s.certProbes.map(({ host, secTag, name, ok, code }) => ({ host, secTag, name, ok, ...(code ? { code } : {}) })),
    ...(s.download ? { download: s.download } : {}),
    ...(s.upload ? { upload: { bytes: s.upload.bytes, requests: s.upload.requests, timeouts: s.upload.timeouts, elapsedMs: Math.round(s.upload.elapsedMs) } } : {}),
    modem: s.modem,
    at: s.at,
    elapsedMs: s.elapsedMs,
  };
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const modemPort = stringValue(p, 'modem-port');
  if (!modemPort) throw new UsageError('fotakit hil: --modem-port DEV is required');
  const server = stringValue(p, 'server');
  if (!server) throw new UsageError('fotakit hil: --server URL is required (the release API, as `fotakit serve` prints it)');
  if (!/^https:\/\/[^/\s]+\/?$/.test(server)) throw new UsageError(`--server: '${server}' is not https://host[:port]`);
  const dialect = stringValue(p, 'modem-dialect') ?? 'auto';
  if (!(DIALECTS as readonly string[]).includes(dialect)) throw new UsageError(`--modem-dialect: '${dialect}' is not one of ${DIALECTS.join(', ')}`);
  const baseText = stringValue(p, 'sec-tag-base');
  const base = baseText === undefined ? DEFAULT_SEC_TAG_BASE : parseInteger('sec-tag-base', baseText, SEC_TAG_MAX);
  const candidates = readCandidates(stringValue(p, 'roots') ?? DEFAULT_ROOTS_FILE, base);
  const slotPort = stringValue(p, 'slot-port');
  const trustedKeys = readTrustedKeys(stringList(p, 'key'));
  const modemBaud = stringValue(p, 'modem-baud');
  const slotBaud = stringValue(p, 'slot-baud');

  const progress = { step: PROGRESS_STEP_PERCENT };
  const upload = { step: UPLOAD_STEP_PERCENT };
  if (!p.json) {
    console.log(`fotakit hil: modem ${modemPort} (${dialect}), slot ${slotPort ?? 'simulated nRF9160 slot'}, release API ${server}`);
    console.log(`  root CA candidates: ${candidates.map((c) => `${c.secTag} ${c.name}`).join(', ')}`);
  }
  const summary = await runHil({
    modemPort,
    modemDialect: dialect as (typeof DIALECTS)[number],
    ...(modemBaud !== undefined ? { modemBaudRate: parseInteger('modem-baud', modemBaud, BAUD_MAX) } : {}),
    ...(p.values['modem-rtscts'] === true ? { modemRtscts: true } : {}),
    ...(slotBaud !== undefined ? { slotBaudRate: parseInteger('slot-baud', slotBaud, BAUD_MAX) } : {}),
    ...(slotPort ? { slotPort } : {}),
    server: server.replace(/\/$/, ''),
    projectKey: stringValue(p, 'project-key') ?? DEFAULT_PROJECT_KEY,
    identity: {
      deviceSerial: stringValue(p, 'device-serial') ?? 'fotakit-hil',
      hardwareVersion: stringValue(p, 'hardware-version') ?? (slotPort ? 'mcuboot-board' : 'nrf9160'),
      softwareType: stringValue(p, 'software-type') ?? 'app',
    },
    candidates,
    ...(trustedKeys.length > 0 ? { trustedKeys } : {}),
    ...(stringValue(p, 'sim-slot-version') ? { simSlotVersion: stringValue(p, 'sim-slot-version')! } : {}),
    clock: realClock,
    ...(p.json
      ? {}
      : {
          onEvent: (e: AgentEventRecord) => printEvent(e, progress),
          onProbe: (c) => console.log(`  root CA ${c.secTag} ${c.name} for ${c.host}: ${c.ok ? 'handshake OK' : c.code}`),
          onUpload: (sent: number, total: number) => {
            const pct = total > 0 ? Math.floor((sent / total) * PERCENT) : 0;
            if (pct >= upload.step || sent === total) {
              console.log(`  upload   ${String(pct).padStart(3)}%  ${sent}/${total} bytes over SMP`);
              upload.step = (Math.floor(pct / UPLOAD_STEP_PERCENT) + 1) * UPLOAD_STEP_PERCENT;
            }
          },
        }),
  });
  const ok = RESTING_OK.has(summary.result.state);
  if (p.json) console.log(JSON.stringify(jsonSummary(summary)));
  else {
    const r = summary.result;
    console.log(`fotakit hil: ${r.state}, running ${r.running ?? '?'}${r.reason ? ` (${r.reason.code}: ${r.reason.message})` : ''} in ${summary.elapsedMs} ms`);
    console.log(`  modem: ${summary.dialect}, ${summary.at.commands} AT commands, ${summary.modem.credentialWrites} credential writes (${summary.modem.credentialWritesSkipped} skipped as identical)`);
  }
  return ok ? EXIT_OK : EXIT_NEGATIVE;
}

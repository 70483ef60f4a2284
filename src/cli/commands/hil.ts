/**
 * `fotakit hil`: hardware in the loop. The FOTA agent runs on this machine with the network through a
 * real nRF9160 running the Serial LTE Modem (AT over --modem-port) and the image going to a real MCUboot
 * board running smp_svr (SMP over --slot-port), or, with only the modem attached, to a simulated
 * nRF9160 slot here. Prints the run as `fotakit sim` does (the same human view; with --json the same
 * run-log JSON lines, the summary last, with a `hil` part for the serial side); exit 0 when the update
 * was confirmed or none was due, 1 when it failed or rolled back.
 */
import { readFileSync } from 'node:fs';
import { checkOutputPath, writeFileAtomic } from '../files.ts';
import { UsageError } from '../../hal/errors.ts';
import { realClock } from '../../hal/node/real-clock.ts';
import { runHil } from '../../boards/hil-run.ts';
import { readCandidates, SEC_TAG_MAX } from '../cert-files.ts';
import { renderReport } from '../../report/report.ts';
import { HumanView } from './sim.ts';
import { DEFAULT_PROJECT_KEY } from '../../server/update-server.ts';
import { publicKeyFromPem } from '../../boards/image-keys.ts';
import type { TrustedKey } from '../../fota/mcuboot/keys.ts';
import { EXIT_NEGATIVE, EXIT_OK, helpText, parseCommand, parseInteger, stringList, stringValue, type CommandSpec } from '../args.ts';

const DIALECTS = ['legacy', 'serial-modem', 'auto'] as const;
const DEFAULT_ROOTS_FILE = 'fotakit-roots/roots.pem';
/** Candidates get sec_tags base+1, base+2, ... in file order (Memfault's base is 1000). */
const DEFAULT_SEC_TAG_BASE = 1000;
const PERCENT = 100;
/** Upload progress is printed at every this many percent. */
const UPLOAD_STEP_PERCENT = 25;
const RESTING_OK = new Set(['confirmed', 'idle']);
/** Highest baud rate accepted (nRF UARTE tops out at 1 Mbaud). */
const BAUD_MAX = 1_000_000;

export const SPEC: CommandSpec = {
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
    ca: { type: 'string', multiple: true },
    'sec-tag-base': { type: 'string' },
    'device-serial': { type: 'string' },
    'hardware-version': { type: 'string' },
    'software-type': { type: 'string' },
    'sim-slot-version': { type: 'string' },
    key: { type: 'string', short: 'k', multiple: true },
    'allow-unsigned': { type: 'boolean' },
    report: { type: 'string' },
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
    ca: `root CA candidates (PEM files or bundles), every certificate tried in the order given (default ./${DEFAULT_ROOTS_FILE}, as \`fotakit serve\` writes it)`,
    'sec-tag-base': `candidates are stored under base+1, base+2, ... (default ${DEFAULT_SEC_TAG_BASE})`,
    'device-serial': 'device_serial of the update check (default fotakit-hil)',
    'hardware-version': 'hardware_version of the update check (default: the slot board)',
    'software-type': 'software_type of the update check (default app)',
    'sim-slot-version': 'version the simulated nRF9160 slot runs before the update (default 1.0.0)',
    report: 'write the run as a self-contained HTML report (as fotakit sim --report)',
    'modem-baud': 'modem UART baud rate (default 115200)',
    'modem-rtscts': 'RTS/CTS flow control on the modem UART (the nRF9160 DK SLM uses it)',
    'slot-baud': 'slot board UART baud rate (default 115200)',
    key: 'PEM key (public or private) whose signatures are accepted; repeatable (required unless --allow-unsigned)',
    'allow-unsigned': 'accept hash-only images (no --key): only for boards whose MCUboot checks no signatures',
  },
};

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
  const caFiles = stringList(p, 'ca');
  const candidates = readCandidates(caFiles.length > 0 ? caFiles : [DEFAULT_ROOTS_FILE], base + 1, 'ca', '; run `fotakit serve` or give --ca');
  const slotPort = stringValue(p, 'slot-port');
  const trustedKeys = readTrustedKeys(stringList(p, 'key'));
  const allowUnsigned = p.values['allow-unsigned'] === true;
  if (trustedKeys.length === 0 && !allowUnsigned) {
    throw new UsageError('fotakit hil: give --key PEM (the keys whose signatures are accepted), or --allow-unsigned to accept hash-only images');
  }
  const modemBaud = stringValue(p, 'modem-baud');
  const slotBaud = stringValue(p, 'slot-baud');

  const upload = { step: UPLOAD_STEP_PERCENT };
  const reportPath = stringValue(p, 'report');
  if (reportPath !== undefined) checkOutputPath('--report', reportPath);
  const view = new HumanView();
  if (!p.json) {
    console.log(`fotakit hil: modem ${modemPort} (${dialect}), slot ${slotPort ?? 'simulated nRF9160 slot'}, release API ${server}`);
    console.log(`  root CA candidates: ${candidates.map((c) => `${c.secTag} ${c.name}`).join(', ')}\n`);
  }
  // The bar ends with the run, a failed one too: no half-drawn bar before an error message.
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
    ...(allowUnsigned ? { allowUnsigned } : {}),
    ...(stringValue(p, 'sim-slot-version') ? { simSlotVersion: stringValue(p, 'sim-slot-version')! } : {}),
    clock: realClock,
    // The run log as `fotakit sim` prints it: JSON lines (the summary last), or the same human view.
    onEntry: (e) => (p.json ? (e.kind === 'progress' ? undefined : console.log(JSON.stringify(e))) : view.entry(e)),
    ...(p.json
      ? {}
      : {
          onUpload: (sent: number, total: number) => {
            const pct = total > 0 ? Math.floor((sent / total) * PERCENT) : 0;
            if (pct >= upload.step || sent === total) {
              console.log(`           upload ${String(pct).padStart(3)}%  ${sent}/${total} bytes over SMP`);
              upload.step = (Math.floor(pct / UPLOAD_STEP_PERCENT) + 1) * UPLOAD_STEP_PERCENT;
            }
          },
        }),
  }).finally(() => view.close());
  if (reportPath !== undefined) {
    writeFileAtomic('--report', reportPath, renderReport(summary.entries, { title: `fotakit hil — ${summary.slot} via the ${summary.dialect} SLM` }));
    if (!p.json) console.log(`report        ${reportPath}`);
  }
  const ok = RESTING_OK.has(summary.result.state);
  if (!p.json) {
    const h = summary.summary.hil;
    console.log(`modem         ${h.dialect} SLM, ${h.at.commands} AT commands, ${h.modem.credentialWrites} credential writes, ${h.modem.cfunChanges} CFUN changes`);
    if (h.upload) console.log(`upload        ${h.upload.bytes} bytes over SMP in ${h.upload.requests} requests, ${h.upload.elapsedMs} ms`);
  }
  return ok ? EXIT_OK : EXIT_NEGATIVE;
}

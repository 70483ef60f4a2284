/**
 * `fotakit sim` — the main job (`npm start`): a whole FOTA on a simulated nRF9160 against the local
 * update server, showing the field's bug being handled (each root-CA probe and why it failed), the
 * download against the modem's record limit, verify, reboot, self-test, confirm, and a summary.
 * `--json`: every run-log entry as a JSON line, the last one the summary. `--report FILE.html`: the
 * run drawn as a self-contained HTML page.
 */
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../hal/errors.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../../hal/net.ts';
import type { LinkProfileName } from '../../hal/sim/link.ts';
import type { HostTable } from '../../hal/sim/hosts.ts';
import { parseFaults, type ServerFaults } from '../../server/faults.ts';
import { localUpdateServer } from '../../server/sim-world.ts';
import { RECORD_SIZE_UNKNOWN_TEXT, type RunLogEntry } from '../../fota/run-log.ts';
import { renderReport } from '../../report/report.ts';
import { EXIT_NEGATIVE, EXIT_OK, helpText, parseCommand, parseInteger, stringList, stringValue, type CommandSpec } from '../args.ts';
import { checkServerUrl, remoteReleaseApi, runSim, type SimOptions } from '../../boards/sim-run.ts';
import { readCandidates } from '../cert-files.ts';
import { parseResolve } from '../resolve.ts';
import { checkOutputPath, writeFileAtomic } from '../files.ts';
import { ProgressBar, type ProgressOptions } from '../progress.ts';
import { generateImageKeyPem } from '../../boards/image-keys.ts';
import { ENGINE_NAMES, type EngineName } from '../../engine/host/engine.ts';
import { engineDeviceApp, type EngineCryptoMode } from '../../engine/host/run-app.ts';

const LINKS: readonly LinkProfileName[] = ['lte-m', 'nb-iot', 'none'];
/** sec_tag of the first --ca certificate (Memfault's base 1000 + 1); the next ones follow. */
const SIM_CA_FIRST_SEC_TAG = 1001;
const MS_PER_S = 1000;

export const SPEC: CommandSpec = {
  usage:
    'fotakit sim [--board nrf9160|nrf52833] [--link lte-m|nb-iot|none] [--power-cut-at N] [--fail-selftest] [--state DIR] ' +
    '[--server URL --project-key K] [--ca PEM...] [--image FILE --key PEM] [--report FILE.html] [--json] [--engine xs|quickjs [--engine-crypto host|engine]] [--virtual-time]',
  summary:
    'Runs a full FOTA on a simulated nRF9160 (strict flash, MCUboot, the modem with real TLS and its 2303-byte record ' +
    'limit, a shaped LTE link) against the local update server: root-CA probes per host, range download, verify, ' +
    'reboot into a trial, self-test, confirm. With --board nrf52833 the nRF9160 pushes the image over SMP (BLE) into a ' +
    'companion nRF52833.',
  options: {
    board: { type: 'string' },
    link: { type: 'string' },
    'power-cut-at': { type: 'string' },
    'fail-selftest': { type: 'boolean' },
    state: { type: 'string' },
    server: { type: 'string' },
    'project-key': { type: 'string' },
    resolve: { type: 'string', multiple: true },
    ca: { type: 'string', multiple: true },
    image: { type: 'string' },
    key: { type: 'string', short: 'k' },
    faults: { type: 'string' },
    'cert-mode': { type: 'string' },
    'payload-bytes': { type: 'string' },
    window: { type: 'string' },
    'max-record-bytes': { type: 'string' },
    report: { type: 'string' },
    engine: { type: 'string' },
    'engine-crypto': { type: 'string' },
    'virtual-time': { type: 'boolean' },
  },
  help: {
    board: 'where the image goes: nrf9160 (its own slot, default) or nrf52833 (companion over SMP/BLE)',
    link: 'link shaping: lte-m (default, ~300 kbit/s, 100 ms), nb-iot (~25 kbit/s, 400 ms), none',
    'power-cut-at': 'cut the power at this flash operation of the update (then the board boots again)',
    'fail-selftest': 'the new image fails its self-test: MCUboot reverts, the agent ends rolled-back',
    state: 'keep the board (flash, reset state) and, without --key, its generated signing key and release image (app_update.bin) in DIR between runs',
    server: 'a real release API (https://host[:port]) instead of the local server',
    'project-key': 'Memfault-Project-Key for --server',
    resolve: 'HOST=ADDRESS[:PORT] for --server: use ADDRESS (and PORT for 443) for HOST instead of DNS (repeatable)',
    ca: 'root CA candidates (PEM files or bundles), every certificate tried in the order given, sec_tags 1001..',
    image: 'serve this MCUboot image as the release (sign it with --key)',
    key: 'signing key (PKCS#8 PEM, as imgtool keygen writes); the board trusts it',
    faults: 'server faults, e.g. drop-after=20000,count=1 or status=503,count=2 or ignore-range',
    'cert-mode': 'probe (one handshake per candidate, default) or list (one handshake with every sec_tag)',
    'payload-bytes': 'size of the generated application images (default 131072)',
    window: 'range requests in flight (default 6)',
    'max-record-bytes': "the modem's TLS record limit in bytes (default 2303)",
    report: 'write the run as a self-contained HTML report',
    engine: 'run the device application inside an embedded JS engine: xs (Moddable XS) or quickjs, or v8 (the same bundle in node:vm, the baseline); the HAL is served by the simulated board',
    'virtual-time': 'run in virtual time: the link, the timeouts and TLS (in memory) on one virtual clock; finishes without waiting for the link, times shown are simulated (local server only)',
    'engine-crypto': 'with --engine: host (hashing and signatures on the board\'s hardware crypto, default) or engine (in JavaScript, in the engine)',
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
};

function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`sim: --${flag} ${path}: ${(e as Error).message}`);
  }
}

/** The run's options as the flags give them: a real server (--server) or the local one with its --faults. */
type SimCommandOptions = Omit<SimOptions, 'world'> & {
  server?: { url: string; projectKey: string; resolve: HostTable; lookup: (host: string) => Promise<string | undefined> };
  faults?: ServerFaults;
  /** DIR/app_update.bin of `--state DIR` when the run generates its release: read when kept, else written after. */
  stateRelease?: string;
};

/** The signing key a kept board trusts when no --key is given: generated once, kept in the state folder. */
const SIM_STATE_KEY_FILE = 'signing-key.pem';
/** The release a kept board is offered when no --image is given: generated on the first run, kept beside the key. */
const SIM_STATE_RELEASE_FILE = 'app_update.bin';

/** `--state DIR`: a folder (made when missing), never a file. */
function checkStateDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new UsageError(`sim: --state '${dir}' is a file; --state wants a folder (it keeps the board's flash and key)`, { path: dir });
  if (!st) {
    checkOutputPath('--state', dir);
    mkdirSync(dir);
  }
}

/** The kept board's signing key: DIR/signing-key.pem, generated (ed25519) on the first run. */
function stateKeyPem(dir: string): string {
  const file = join(dir, SIM_STATE_KEY_FILE);
  if (existsSync(file)) return readText('state', file);
  const pem = generateImageKeyPem('ed25519');
  writeFileAtomic('--state', file, pem, 0o600);
  return pem;
}

function options(p: ReturnType<typeof parseCommand>): SimCommandOptions {
  const o: SimCommandOptions = {};
  const board = stringValue(p, 'board');
  if (board !== undefined) {
    if (board !== 'nrf9160' && board !== 'nrf52833') throw new UsageError(`sim: --board must be nrf9160 or nrf52833, not '${board}'`);
    o.target = board;
  }
  const link = stringValue(p, 'link');
  if (link !== undefined) {
    if (!LINKS.includes(link as LinkProfileName)) throw new UsageError(`sim: --link must be one of ${LINKS.join(', ')}, not '${link}'`);
    o.link = link as LinkProfileName;
  }
  const cut = stringValue(p, 'power-cut-at');
  if (cut !== undefined) o.powerCutAt = parseInteger('power-cut-at', cut, undefined, 'a flash operation number');
  if (p.values['fail-selftest'] === true) o.failSelftest = true;
  if (p.values['virtual-time'] === true) o.virtualTime = true;
  const state = stringValue(p, 'state');
  if (state !== undefined) {
    checkStateDir(state);
    o.statePath = state;
  }
  const server = stringValue(p, 'server');
  if (server !== undefined) {
    checkServerUrl(server);
    const key = stringValue(p, 'project-key');
    if (!key) throw new UsageError('sim: --server needs --project-key');
    const resolve = parseResolve(stringList(p, 'resolve'));
    // Other names go to DNS, as the modem's own lookups do.
    o.server = { url: server, projectKey: key, resolve, lookup: async (host) => (await lookup(host).catch(() => undefined))?.address };
  }
  const cas = stringList(p, 'ca');
  if (cas.length > 0) o.candidates = readCandidates(cas, SIM_CA_FIRST_SEC_TAG, 'ca');
  const image = stringValue(p, 'image');
  const key = stringValue(p, 'key');
  if (o.virtualTime && server !== undefined) {
    throw new UsageError('sim: --virtual-time runs against the local update server in memory; a --server is reached over real sockets: give one or the other');
  }
  if (image !== undefined && server !== undefined) {
    throw new UsageError('sim: --image is served by the local update server; with --server the release comes from that server: give one or the other');
  }
  if (image !== undefined) {
    if (key === undefined) throw new UsageError('sim: --image needs --key (the key it is signed with, which the board trusts)');
    try {
      o.image = new Uint8Array(readFileSync(image));
    } catch (e) {
      throw new UsageError(`sim: --image ${image}: ${(e as Error).message}`);
    }
  }
  if (key !== undefined) o.keyPem = readText('key', key);
  else if (state !== undefined) o.keyPem = stateKeyPem(state);
  if (state !== undefined && key === undefined && image === undefined && server === undefined) {
    o.stateRelease = join(state, SIM_STATE_RELEASE_FILE);
    if (existsSync(o.stateRelease)) o.image = new Uint8Array(readFileSync(o.stateRelease));
  }
  const faults = stringValue(p, 'faults');
  if (faults !== undefined) o.faults = parseFaults(faults);
  const mode = stringValue(p, 'cert-mode');
  if (mode !== undefined) {
    if (mode !== 'probe' && mode !== 'list') throw new UsageError(`sim: --cert-mode must be probe or list, not '${mode}'`);
    o.certMode = mode;
  }
  const payload = stringValue(p, 'payload-bytes');
  if (payload !== undefined) o.payloadBytes = parseInteger('payload-bytes', payload, 400 * 1024);
  const window = stringValue(p, 'window');
  if (window !== undefined) o.pipelineDepth = parseInteger('window', window, 16);
  const record = stringValue(p, 'max-record-bytes');
  if (record !== undefined) o.recordLimitBytes = parseInteger('max-record-bytes', record, 18437);
  const engine = stringValue(p, 'engine');
  const engineCrypto = stringValue(p, 'engine-crypto');
  if (engine !== undefined) {
    if (!ENGINE_NAMES.includes(engine as EngineName)) throw new UsageError(`sim: --engine must be one of ${ENGINE_NAMES.join(', ')}, not '${engine}'`);
    if (engineCrypto !== undefined && engineCrypto !== 'host' && engineCrypto !== 'engine') {
      throw new UsageError(`sim: --engine-crypto must be host or engine, not '${engineCrypto}'`);
    }
    o.deviceApp = engineDeviceApp({ engine: engine as EngineName, crypto: (engineCrypto ?? 'host') as EngineCryptoMode });
  } else if (engineCrypto !== undefined) {
    throw new UsageError('sim: --engine-crypto needs --engine');
  }
  return o;
}

/** A record size as every output says it: bytes, or RECORD_SIZE_UNKNOWN_TEXT when the modem cannot see records. */
export function recordText(bytes: number): string {
  return bytes > 0 ? `${bytes} B` : RECORD_SIZE_UNKNOWN_TEXT;
}

/**
 * Human output: one line per event worth reading, the CLI's progress bar (src/cli/progress.ts) while
 * downloading (also used by `fotakit hil`). Every line printed ends the bar first, so no line follows a
 * half-drawn bar; the next progress entry draws a new one. `close()` ends it when the run ends or fails.
 */
export class HumanView {
  private readonly bar: ProgressBar;

  /** `recordLimit`: the modem's record limit the progress bar shows the largest record against. */
  constructor(private readonly recordLimit = MODEM_TLS_MAX_RECORD_BYTES, progress: ProgressOptions = {}) {
    this.bar = new ProgressBar(progress);
  }

  private lastState = '';

  /** Ends the progress bar (its line cleared). */
  close(): void {
    this.bar.stop();
  }

  /** Prints a line: the bar ends first, so the line never follows a half-drawn bar. */
  private log(line: string): void {
    this.bar.stop();
    console.log(line);
  }

  entry(e: RunLogEntry): void {
    if (e.kind === 'progress') {
      this.bar.update(e.bytes, e.total, `range ${e.rangeBytes} B | largest record ${recordText(e.maxRecordBytes)} (limit ${this.recordLimit} B)`);
      return;
    }
    const at = `[${(e.t / MS_PER_S).toFixed(2).padStart(6)}s]`;
    switch (e.kind) {
      case 'power-cut':
        // The bar ends here: the outage is a gap, and the download continues on a new bar after the boot.
        this.log(
          `${at} ⚡ POWER CUT at flash operation ${e.operation}${e.op ? ` (${e.op})` : ''}${e.state ? ` while ${e.state}` : ''}` +
            `${e.bytes !== undefined ? `, ${e.bytes} bytes downloaded` : ''}: the board is off until it boots again`,
        );
        break;
      case 'pipeline':
        if (e.what === 'off') {
          this.log(`${at}   pipelining off: ${e.why ?? e.reason ?? 'failures'}${e.stays ? ' (stays off for the rest of the download)' : ' (tried again after good ranges)'}`);
        } else if (e.what === 'on') this.log(`${at}   pipelining back on after good ranges`);
        else this.log(`${at}   the server answers ${e.requestsPerConnection} requests per connection: no more are sent on one`);
        break;
      case 'board-boot':
        this.log(`${at} ${e.board ?? 'board'} boots (${e.reason}): MCUboot ${e.swap === 'none' ? 'no swap' : `swap ${e.swap}`} → running ${e.version ?? 'NOTHING'}`);
        break;
      case 'upload':
        this.log(
          `${at}   pushed ${e.bytes} bytes to ${e.target} in ${e.requests} SMP requests, ${e.ms} ms (${e.ms > 0 ? (e.bytes / e.ms).toFixed(1) : '-'} kB/s)${e.resumedFrom > 0 ? ` (resumed at ${e.resumedFrom})` : ''}${e.match === undefined ? '' : e.match ? ', device hash matches' : ', DEVICE HASH MISMATCH'}`,
        );
        break;
      case 'state':
        if (e.to === 'downloading') this.lastState = e.to;
        this.log(`${at} ${e.from} → ${e.to}${e.reason ? `  (${e.reason.code}: ${e.reason.message})` : ''}`);
        break;
      case 'check':
        this.log(`${at}   release API: running ${e.running}, ${e.result}${e.url ? ` ${e.url}` : ''}`);
        break;
      case 'probe':
        this.log(
          `${at}   ${e.ok ? '✓' : '✗'} ${e.host}  sec_tag ${e.secTag}  ${e.name}  ${e.ok ? 'handshake ok' : e.code}  (${Math.round(e.ms)} ms${e.via === 'remembered' ? ', remembered' : ''})`,
        );
        break;
      case 'connection':
        if (e.what === 'reconnect') {
          this.log(`${at}   reconnect${e.code ? ` after ${e.code}` : ''}, resuming`);
        }
        break;
      case 'download':
        this.log(
          `${at}   downloaded ${e.bytes} bytes${e.resumedAt > 0 ? ` (resumed at ${e.resumedAt})` : ''} in ${e.requests} range requests, ${e.retries} retries, ${e.maxRecordBytes > 0 ? `largest TLS record accepted ${e.maxRecordBytes} B` : `TLS record sizes ${RECORD_SIZE_UNKNOWN_TEXT}`}`,
        );
        break;
      case 'verdict':
        this.log(`${at}   verify: ${e.verdict.valid ? `valid, version ${e.verdict.version}, ${e.verdict.signed ? 'signed by a trusted key' : 'hash only (no trusted key configured)'}` : `INVALID ${e.verdict.code}`}`);
        break;
      case 'selftest':
        this.log(`${at}   self-test of ${e.version}: ${e.passed ? 'passed' : 'FAILED'}`);
        break;
      case 'summary':
        this.log('');
        this.log(`final state   ${e.final}${e.reason ? `  (${e.reason.code}: ${e.reason.message})` : ''}`);
        this.log(`running       ${e.version ?? '-'}  (was ${e.fromVersion ?? '-'})`);
        this.log(`download      ${e.bytes} bytes, ${e.requests} requests, ${e.retries} retries`);
        this.log(
          `TLS records   largest accepted ${e.recordSizesKnown === false ? RECORD_SIZE_UNKNOWN_TEXT : recordText(e.maxRecordBytes)} of the modem's ${e.recordLimit} B limit` +
            (e.refusedRecords ? `;  refused ${e.refusedRecords} (largest ${e.largestRefusedRecordBytes} B, EMSGSIZE)` : ''),
        );
        if (e.pipeline?.offReason) {
          this.log(`pipelining    off at the end: ${e.pipeline.why ?? e.pipeline.offReason}${e.pipeline.recoveries > 0 ? ` (recovered ${e.pipeline.recoveries}×, then off again)` : ''}`);
        } else if (e.pipeline?.requestsPerConnection !== undefined) {
          this.log(`pipelining    at most ${e.pipeline.requestsPerConnection} requests per connection (the server's limit)`);
        }
        for (const c of e.powerCuts ?? []) {
          this.log(`power cut     at flash operation ${c.operation}${c.op ? ` (${c.op})` : ''}${c.state ? ` while ${c.state}` : ''}${c.bytes !== undefined ? `, ${c.bytes} bytes downloaded` : ''}`);
        }
        this.log(`probes        ${e.probes} handshakes;  reboots ${e.reboots}${e.companionReboots !== undefined ? ` (+ ${e.companionReboots} of the nRF52833)` : ''};  ${e.seconds} s on ${e.link}`);
        if (e.linkLimitSeconds !== undefined) {
          this.log(`link limit    ${e.linkLimitSeconds} s for these bytes and connections (efficiency ${Math.round((100 * e.linkLimitSeconds) / e.seconds)}%)`);
        }
        break;
      default:
        break;
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const o = options(p);
  const reportPath = stringValue(p, 'report');
  if (reportPath !== undefined) checkOutputPath('--report', reportPath);
  const view = new HumanView(o.recordLimitBytes);
  if (!p.json) {
    console.log(
      `fotakit sim: a ${o.target === 'nrf52833' ? 'simulated nRF9160 updating its companion nRF52833 over SMP/BLE' : 'simulated nRF9160'} ` +
        `on ${o.link ?? 'lte-m'}, ${o.server ? o.server.url : 'the local update server (API chains to Amazon Root CA 1, CDN to DigiCert G2)'}\n`,
    );
  }
  const { server, faults, stateRelease: _release, ...run } = o;
  // The bar ends with the run, a failed one too: no half-drawn bar before an error message.
  const result = await runSim({
    ...run,
    world: server ? remoteReleaseApi(server) : localUpdateServer(faults),
    onEntry: (e) => (p.json ? (e.kind === 'progress' ? undefined : console.log(JSON.stringify(e))) : view.entry(e)),
  }).finally(() => view.close());
  if (o.stateRelease !== undefined && !existsSync(o.stateRelease)) writeFileAtomic('--state', o.stateRelease, result.release);
  if (reportPath !== undefined) {
    writeFileAtomic('--report', reportPath, renderReport(result.entries, { title: `fotakit sim — ${result.summary.board} on ${result.summary.link}` }));
    if (!p.json) console.log(`report        ${reportPath}`);
  }
  const ok = result.summary.final === 'confirmed' || result.summary.final === 'idle';
  return ok ? EXIT_OK : EXIT_NEGATIVE;
}

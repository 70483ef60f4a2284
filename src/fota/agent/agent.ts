/**
 * The FOTA agent: an explicit state machine (transitions.ts is the table) whose every state has one
 * resumable action. The record (state, release, reasons) is persisted in settings after each step, so a
 * reboot or power cut anywhere resumes or recovers: a finished download is never restarted, a bad
 * release is never retried in a loop, and nothing is marked for MCUboot before hash, signature, key and
 * version policy all passed. DESIGN.md "The FOTA agent".
 */
import type { Clock } from '../../hal/clock.ts';
import { FotaError, PowerCutError, isFotaError, type FotaErrorCode } from '../../hal/errors.ts';
import type { Log } from '../../hal/log.ts';
import type { Settings } from '../../hal/settings.ts';
import type { SlotTarget } from '../dfu/slot-target.ts';
import { SLOT_READ_BACK_CHUNK_BYTES, VerifyingSlotSink, readBackInto } from '../dfu/verifying-sink.ts';
import { checkSecurityCounter, checkVersionPolicy, DEFAULT_RELEASE_POLICY, type ReleasePolicy } from './policy.ts';
import type {
  CreateVerifier,
  DownloadPort,
  DownloadProgress,
  DownloadSummary,
  ImageVerdict,
  ReleasePort,
  SelfTest,
  StreamingImageVerifier,
} from './ports.ts';
import { isReleaseRefusal, rememberBadRelease } from './refused-releases.ts';
import { loadAgentRecord, saveAgentRecord, urlId, type AgentRecord } from './record.ts';
import { nextState, type AgentEvent, type AgentState } from './transitions.ts';

export { AGENT_RECORD_KEY, AGENT_RELEASE_URL_KEY, urlId, type AgentRecord } from './record.ts';

/** Releases remembered as failed on this device (the oldest is forgotten first). */
export const AGENT_MAX_BAD_RELEASES = 8;
/** Staging attempts of one release before the agent gives up on it (reboots that did not apply it). */
export const AGENT_MAX_STAGE_ATTEMPTS = 3;
/** Steps of one run before the agent calls it a loop. */
export const AGENT_MAX_STEPS_PER_RUN = 64;
/** Chunk size when re-reading a staged image from the slot to verify it again. */
export const AGENT_REVERIFY_CHUNK_BYTES = SLOT_READ_BACK_CHUNK_BYTES;

export type AgentEventRecord =
  | { kind: 'state'; from: AgentState; to: AgentState; event: AgentEvent; reason?: { code: string; message: string } }
  | { kind: 'check'; running: string; result: 'up-to-date' | 'update' | 'known-bad'; url?: string }
  | ({ kind: 'progress' } & DownloadProgress)
  | ({ kind: 'download' } & DownloadSummary & { resumedAt: number })
  | { kind: 'verdict'; verdict: ImageVerdict }
  | { kind: 'reset'; why: 'apply' | 'revert' }
  | { kind: 'boot'; running: string | undefined; expected: string | undefined }
  | { kind: 'selftest'; version: string; passed: boolean };

export interface AgentOptions {
  settings: Settings;
  clock: Clock;
  log: Log;
  slot: SlotTarget;
  release: ReleasePort;
  downloader: DownloadPort;
  createVerifier: CreateVerifier;
  /** Proves a root CA for the download host before downloading (cert selection is its own state). */
  selectCert?: (url: string) => Promise<void>;
  selfTest: SelfTest;
  policy?: ReleasePolicy;
  /** Security counter of the running image, when the board has one. */
  runningSecurityCounter?: () => Promise<number | undefined>;
  onEvent?: (e: AgentEventRecord) => void;
}

export interface AgentResult {
  state: AgentState;
  running: string | undefined;
  reason?: { code: string; message: string };
  release?: AgentRecord['release'];
}

const RESTING: readonly AgentState[] = ['idle', 'confirmed', 'rolled-back', 'failed'];

export class FotaAgent {
  private readonly o: AgentOptions;
  /** The verifier that saw the current download in this run (lost at reboot: then we re-read the slot). */
  private live: StreamingImageVerifier | undefined;

  constructor(options: AgentOptions) {
    this.o = options;
  }

  /** The persisted record (a fresh one when none). A release whose URL was lost is dropped. */
  async record(): Promise<AgentRecord> {
    return loadAgentRecord(this.o.settings, this.o.log);
  }

  /** Writes the record (and the release URL first, when it changed). */
  private async save(rec: AgentRecord): Promise<void> {
    await saveAgentRecord(this.o.settings, rec);
  }

  /** The version the device that owns the slot runs now. */
  async runningVersion(): Promise<string | undefined> {
    const images = await this.o.slot.state();
    return images.find((i) => i.active)?.version;
  }

  /**
   * Runs from the persisted state until a resting state (idle, confirmed, rolled-back, failed).
   * With `check`, a resting state starts one update check. On a simulated board a reset rejects with
   * BoardResetSignal (and a power cut with PowerCutError): the board's runner boots MCUboot and calls
   * run() again, which picks up where the record says.
   */
  async run(options: { check?: boolean } = {}): Promise<AgentResult> {
    let rec = await this.record();
    // A run that resumes unfinished work ends when that work rests; it does not start another check.
    let checked = !RESTING.includes(rec.state);
    for (let step = 0; step < AGENT_MAX_STEPS_PER_RUN; step++) {
      if (RESTING.includes(rec.state)) {
        if (options.check === false || checked) return this.result(rec);
        checked = true;
        rec = await this.go(rec, 'check');
        continue;
      }
      let event: AgentEvent;
      try {
        event = await this.act(rec);
      } catch (e) {
        if (e instanceof PowerCutError || !isFotaError(e)) throw e;
        rec.reason = { code: e.code, message: e.message };
        this.o.log.log('error', `fota: ${e.message}`, { code: e.code, state: rec.state });
        if (rec.release && isReleaseRefusal(rec.state, e.code)) {
          rec.badReleases = rememberBadRelease(rec.badReleases, { urlId: urlId(rec.release.url), code: e.code }, AGENT_MAX_BAD_RELEASES);
        }
        event = 'error';
      }
      rec = await this.go(rec, event);
    }
    throw new FotaError('AGENT_NO_PROGRESS', `agent.run: no resting state after ${AGENT_MAX_STEPS_PER_RUN} steps (in '${rec.state}')`);
  }

  private async result(rec: AgentRecord): Promise<AgentResult> {
    return { state: rec.state, running: await this.runningVersion(), reason: rec.reason, release: rec.release };
  }

  /** Applies the table, persists the record, reports the change. */
  private async go(rec: AgentRecord, event: AgentEvent): Promise<AgentRecord> {
    const from = rec.state;
    const to = nextState(from, event);
    const next: AgentRecord = { ...rec, state: to, resetIssued: false };
    if (to !== 'trial') next.selftestStarted = false;
    if (event === 'check') {
      next.reason = undefined;
    }
    if (to === 'failed' && !next.reason) next.reason = { code: 'UNKNOWN', message: 'failed' };
    await this.save(next);
    this.o.onEvent?.({ kind: 'state', from, to, event, reason: to === 'failed' || to === 'rolled-back' ? next.reason : undefined });
    return next;
  }

  /** The action of a working state; returns the event it ends with. */
  private async act(rec: AgentRecord): Promise<AgentEvent> {
    switch (rec.state) {
      case 'checking':
        return this.actCheck(rec);
      case 'selecting-cert':
        await this.o.selectCert?.(this.release(rec).url);
        return 'cert-selected';
      case 'downloading':
        return this.actDownload(rec);
      case 'verifying':
        return this.actVerify(rec);
      case 'staged':
        await this.o.slot.requestUpgrade('test');
        return 'marked-pending';
      case 'rebooting':
        return this.actReboot(rec);
      case 'trial':
        return this.actTrial(rec);
      case 'reverting':
        return this.actRevert(rec);
      default:
        throw new FotaError('AGENT_BAD_STATE', `agent.act: '${rec.state}' has no action`);
    }
  }

  private release(rec: AgentRecord): NonNullable<AgentRecord['release']> {
    if (!rec.release) throw new FotaError('AGENT_NO_RELEASE', `agent: state '${rec.state}' without a release`);
    return rec.release;
  }

  private async actCheck(rec: AgentRecord): Promise<AgentEvent> {
    const running = await this.runningVersion();
    if (running === undefined) throw new FotaError('AGENT_NO_RUNNING_IMAGE', 'agent.check: the slot reports no active image');
    const res = await this.o.release.check(running);
    if (res.kind === 'up-to-date') {
      this.o.onEvent?.({ kind: 'check', running, result: 'up-to-date' });
      return 'up-to-date';
    }
    const bad = rec.badReleases.find((b) => b.urlId === urlId(res.url));
    if (bad) {
      this.o.onEvent?.({ kind: 'check', running, result: 'known-bad', url: res.url });
      const why = bad.code === undefined || bad.code === 'SELFTEST_FAILED' ? 'failed its trial' : `was refused (${bad.code})`;
      rec.reason = { code: 'AGENT_KNOWN_BAD_RELEASE', message: `release ${res.url} ${why} on this device before; not downloaded again` };
      return 'skip-known-bad';
    }
    this.o.onEvent?.({ kind: 'check', running, result: 'update', url: res.url });
    if (rec.release?.url !== res.url) {
      rec.release = { url: res.url };
      rec.attempts = 0;
    }
    rec.fromVersion = running;
    return 'update-available';
  }

  /**
   * Downloads the release through the verifying slot sink (src/fota/dfu/verifying-sink.ts): downloader →
   * verifier + slot → stream writer → flash area. The file's identity goes into the record as soon as
   * it is known, so a reboot resumes the same file from what the slot kept.
   */
  private async actDownload(rec: AgentRecord): Promise<AgentEvent> {
    const release = this.release(rec);
    const slot = this.o.slot;
    this.live = undefined;
    const sink = new VerifyingSlotSink({
      slot,
      createVerifier: this.o.createVerifier,
      imageKey: release.url,
      capacityBytes: await slot.capacityBytes(),
      resumeFile: { ...(release.bytes !== undefined ? { size: release.bytes } : {}), ...(release.validator !== undefined ? { validator: release.validator } : {}) },
      onFile: async (file) => {
        release.bytes = file.size;
        release.validator = file.validator;
        await this.save(rec);
      },
      onFileDropped: () => {
        release.validator = undefined;
      },
      checkHeader: (verifier) => this.checkHeader(rec, verifier),
    });
    let summary: DownloadSummary;
    try {
      summary = await this.o.downloader.download(release.url, sink, (p) => this.o.onEvent?.({ kind: 'progress', ...p }));
    } catch (e) {
      if (isFotaError(e, 'AGENT_KNOWN_BAD_RELEASE')) {
        rec.reason = { code: e.code, message: e.message };
        await slot.discard();
        return 'skip-known-bad';
      }
      if (isFotaError(e) && IMAGE_CONTENT_CODES.has(e.code)) await slot.discard();
      throw e;
    }
    const { verifier, resumedAt } = await sink.finish();
    this.o.onEvent?.({ kind: 'download', ...summary, resumedAt });
    this.live = verifier;
    return 'download-complete';
  }

  /** Early checks on the first 32 bytes: image type, known-bad version, version policy. */
  private checkHeader(rec: AgentRecord, verifier: StreamingImageVerifier): void {
    const header = verifier.header();
    if (!header) return;
    if (rec.badReleases.some((b) => b.version === header.version)) {
      throw new FotaError('AGENT_KNOWN_BAD_RELEASE', `agent.download: version ${header.version} failed its trial on this device before`, { version: header.version });
    }
    if (rec.fromVersion) checkVersionPolicy(this.o.policy ?? DEFAULT_RELEASE_POLICY, rec.fromVersion, header.version);
  }

  private async actVerify(rec: AgentRecord): Promise<AgentEvent> {
    const release = this.release(rec);
    let verdict: ImageVerdict;
    if (this.live) {
      verdict = await this.live.finish();
      this.live = undefined;
    } else if (this.o.slot.read && release.bytes !== undefined) {
      verdict = await this.reverifyFromSlot(release.bytes);
    } else {
      // A remote slot (SMP) cannot be read back: the bytes come again, and the device resumes or
      // matches its upload by the image's SHA-256.
      return 'redownload';
    }
    this.o.onEvent?.({ kind: 'verdict', verdict });
    try {
      if (!verdict.valid) {
        throw new FotaError(verdict.code ?? 'IMAGE_INVALID', `agent.verify: ${verdict.message ?? 'the image is not valid'}`, { code: verdict.code });
      }
      if (!verdict.version) throw new FotaError('IMAGE_BAD_HEADER', 'agent.verify: the verdict has no version');
      if (rec.fromVersion) checkVersionPolicy(this.o.policy ?? DEFAULT_RELEASE_POLICY, rec.fromVersion, verdict.version);
      checkSecurityCounter(await this.o.runningSecurityCounter?.(), verdict.securityCounter);
    } catch (e) {
      await this.o.slot.discard();
      throw e;
    }
    release.version = verdict.version;
    release.hashHex = verdict.hashHex;
    return 'verified';
  }

  /** After a reboot between download and verify: the staged bytes are read back once, into a fresh verifier. */
  private async reverifyFromSlot(bytes: number): Promise<ImageVerdict> {
    const v = this.o.createVerifier();
    await readBackInto(this.o.slot, v, bytes);
    return v.finish();
  }

  private async actReboot(rec: AgentRecord): Promise<AgentEvent> {
    const release = this.release(rec);
    if (!rec.resetIssued) {
      rec.resetIssued = true;
      await this.save(rec);
      this.o.onEvent?.({ kind: 'reset', why: 'apply' });
      await this.o.slot.reset();
    }
    const running = await this.runningVersion();
    this.o.onEvent?.({ kind: 'boot', running, expected: release.version });
    if (running !== undefined && running === release.version) return 'booted-new';
    return this.retryOrGiveUp(rec, 'AGENT_UPGRADE_NOT_APPLIED', `the reset did not start ${release.version} (running ${running})`);
  }

  /** A staged image that did not stay: stage it again, a bounded number of times. */
  private async retryOrGiveUp(rec: AgentRecord, code: FotaErrorCode, why: string): Promise<AgentEvent> {
    rec.attempts += 1;
    if (rec.attempts >= AGENT_MAX_STAGE_ATTEMPTS) {
      throw new FotaError(code, `agent: ${why}; gave up after ${rec.attempts} attempts`, { attempts: rec.attempts });
    }
    await this.save(rec);
    return rec.state === 'rebooting' ? 'booted-old' : 'retry';
  }

  private async actTrial(rec: AgentRecord): Promise<AgentEvent> {
    const release = this.release(rec);
    const version = release.version;
    if (version === undefined) throw new FotaError('AGENT_NO_RELEASE', 'agent.trial: the release has no verified version');
    const running = await this.runningVersion();
    if (running !== version) {
      // A reset came before the confirm: MCUboot reverted. Not the image's fault: stage it again.
      return this.retryOrGiveUp(rec, 'AGENT_TRIAL_INTERRUPTED', `a reset during the trial of ${release.version} reverted to ${running}`);
    }
    const images = await this.o.slot.state();
    if (images.find((i) => i.active)?.confirmed) {
      await this.o.slot.discard();
      return 'selftest-passed';
    }
    if (!rec.selftestStarted) {
      rec.selftestStarted = true;
      await this.save(rec);
    }
    const passed = await this.o.selfTest(version);
    this.o.onEvent?.({ kind: 'selftest', version, passed });
    if (passed) {
      await this.o.slot.confirm();
      // The secondary now holds the previous image: forget the download so nothing resumes into it.
      await this.o.slot.discard();
      return 'selftest-passed';
    }
    const id = urlId(release.url);
    rec.badReleases = rememberBadRelease(rec.badReleases, { urlId: id, version, code: 'SELFTEST_FAILED' }, AGENT_MAX_BAD_RELEASES);
    rec.reason = { code: 'SELFTEST_FAILED', message: `the self-test of ${version} failed; MCUboot reverts to ${rec.fromVersion}` };
    return 'selftest-failed';
  }

  private async actRevert(rec: AgentRecord): Promise<AgentEvent> {
    if (!rec.resetIssued) {
      rec.resetIssued = true;
      await this.save(rec);
      this.o.onEvent?.({ kind: 'reset', why: 'revert' });
      await this.o.slot.reset();
    }
    const running = await this.runningVersion();
    this.o.onEvent?.({ kind: 'boot', running, expected: rec.fromVersion });
    if (running !== rec.fromVersion) {
      throw new FotaError('AGENT_REVERT_FAILED', `agent.revert: expected ${rec.fromVersion} after the revert, running ${running}`);
    }
    await this.o.slot.discard();
    return 'reverted';
  }
}

/** Errors that mean the image itself is bad: its bytes are dropped from the slot. */
const IMAGE_CONTENT_CODES = new Set([
  'IMAGE_TYPE_UNSUPPORTED',
  'IMAGE_DOWNGRADE',
  'IMAGE_SAME_VERSION',
  'DFU_IMAGE_TOO_BIG',
]);

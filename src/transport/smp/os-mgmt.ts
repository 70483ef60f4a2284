/**
 * Device side of the OS group (Zephyr's os_mgmt, subsys/mgmt/mcumgr/grp/os_mgmt/src/os_mgmt.c) as the
 * smp_svr sample enables it: echo (read and write), taskstat, mpstat, datetime (read, write), reset,
 * mcumgr params, info and bootloader info. mpstat answers as current Zephyr's does (its test suite,
 * tests/subsys/mgmt/mcumgr/os_mgmt_mpstat): the heaps under `tasks`, named by index ("0", "1"), each
 * `{blksiz: 1, nblks, nfree, min}` in bytes (the group documentation's older shape named pools instead).
 * What is kept from Zephyr:
 * - echo, datetime write, info and bootloader info read their fields (decodeBulk: an empty body is
 *   EINVAL); reset, params, taskstat and datetime read read nothing, so an empty body is fine;
 * - datetime read before any write: group error RTC_NOT_SET (v1: ENOENT); a write must be
 *   `yyyy-mm-ddThh:mm:ss` (19 to 25 characters, each field in range), else EINVAL;
 * - info: `format` letters s n r v m p i o a (default s); any other letter: INVALID_FORMAT (v1: EINVAL);
 * - bootloader info: no query: `{bootloader: "MCUboot"}`; query "mode": the MCUboot mode; other
 *   queries: QUERY_YIELDS_NO_ANSWER (v1: ENOENT).
 */
import type { SmpBody } from './cbor.ts';
import {
  MCUBOOT_MODE_SWAP_USING_MOVE,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOENT,
  MGMT_ERR_EUNKNOWN,
  MGMT_GROUP_ID_OS,
  OS_MGMT_ERR_INVALID_FORMAT,
  OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER,
  OS_MGMT_ERR_RTC_NOT_SET,
  OS_MGMT_ID_BOOTLOADER_INFO,
  OS_MGMT_ID_DATETIME_STR,
  OS_MGMT_ID_ECHO,
  OS_MGMT_ID_INFO,
  OS_MGMT_ID_MCUMGR_PARAMS,
  OS_MGMT_ID_MPSTAT,
  OS_MGMT_ID_RESET,
  OS_MGMT_ID_TASKSTAT,
} from './constants.ts';
import { decodeBulk, type HandlerResult, type MgmtGroup, type MgmtRequest } from './mgmt-handler.ts';

/** os_mgmt_translate_error_code: how an OS group error reads for a v1 client. */
const OS_MGMT_V1_RC: Readonly<Record<number, number>> = {
  [OS_MGMT_ERR_INVALID_FORMAT]: MGMT_ERR_EINVAL,
  [OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER]: MGMT_ERR_ENOENT,
  [OS_MGMT_ERR_RTC_NOT_SET]: MGMT_ERR_ENOENT,
};

function osError(rc: number): HandlerResult {
  return { groupRc: rc, v1Rc: OS_MGMT_V1_RC[rc] ?? MGMT_ERR_EUNKNOWN };
}

/** One thread as taskstat reports it. */
export interface OsTask {
  name: string;
  prio: number;
  state: number;
  stksiz: number;
  stkuse: number;
}

/** What `info` reports for each format letter (Zephyr's build-time strings). */
export interface OsInfoStrings {
  nodeName: string;
  kernelRelease: string;
  kernelVersion: string;
  machine: string;
  processor: string;
  hardwarePlatform: string;
}

/** The threads smp_svr runs on an nRF52833 with BLE (stack sizes in 32-bit words, as Zephyr reports). */
export const SMP_SVR_TASKS: ReadonlyArray<OsTask> = [
  { name: 'mcumgr smp', prio: 14, state: 0, stksiz: 512, stkuse: 278 },
  { name: 'BT RX', prio: 248, state: 0, stksiz: 512, stkuse: 96 },
  { name: 'BT TX', prio: 247, state: 0, stksiz: 384, stkuse: 130 },
  { name: 'sysworkq', prio: 255, state: 0, stksiz: 512, stkuse: 214 },
  { name: 'logging', prio: 14, state: 0, stksiz: 192, stkuse: 64 },
  { name: 'idle', prio: 15, state: 0, stksiz: 80, stkuse: 20 },
  { name: 'main', prio: 0, state: 8, stksiz: 512, stkuse: 180 },
];

/** One heap as mpstat reports it (sizes in bytes). */
export interface OsHeap {
  nblks: number;
  nfree: number;
  min: number;
}

/** smp_svr's heaps: the libc malloc arena and the kernel heap (k_malloc). */
export const SMP_SVR_HEAPS: ReadonlyArray<OsHeap> = [
  { nblks: 4096, nfree: 3712, min: 3520 },
  { nblks: 2048, nfree: 1920, min: 1792 },
];

export const NRF52833_INFO: OsInfoStrings = {
  nodeName: 'Zephyr',
  kernelRelease: 'v3.7.0',
  kernelVersion: '3.7.0',
  machine: 'arm',
  processor: 'cortex-m4',
  hardwarePlatform: 'nrf52833dk/nrf52833',
};

export interface OsMgmtOptions {
  bufSize: number;
  bufCount: number;
  /** Milliseconds, for the emulated RTC (datetime); default: the RTC does not advance. */
  now?: () => number;
  tasks?: ReadonlyArray<OsTask>;
  heaps?: ReadonlyArray<OsHeap>;
  info?: OsInfoStrings;
  /** MCUboot mode bootloader info reports (default swap using move, the nRF52833's). */
  bootloaderMode?: number;
}

/** Datetime limits (os_mgmt.c RTC_DATETIME_*). */
const DATETIME_MIN_CHARS = 19;
const DATETIME_MAX_CHARS = 26;
const DATETIME_FIELDS: ReadonlyArray<{ min: number; max: number }> = [
  { min: 1900, max: 11899 },
  { min: 1, max: 12 },
  { min: 1, max: 31 },
  { min: 0, max: 23 },
  { min: 0, max: 59 },
  { min: 0, max: 59 },
];
const MS_PER_S = 1000;

/** Format letters of `info`, in Zephyr's output order. */
const INFO_LETTERS = ['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o'] as const;
type InfoLetter = (typeof INFO_LETTERS)[number];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export class OsMgmt implements MgmtGroup {
  readonly groupId = MGMT_GROUP_ID_OS;
  readonly handlers;
  /** The emulated RTC: wall-clock milliseconds at `setAt` on the clock, or unset. */
  private rtc: { wallMs: number; setAt: number } | undefined;

  constructor(private readonly o: OsMgmtOptions) {
    this.handlers = {
      [OS_MGMT_ID_ECHO]: { read: (r: MgmtRequest) => this.echo(r), write: (r: MgmtRequest) => this.echo(r) },
      [OS_MGMT_ID_TASKSTAT]: { read: () => this.taskstat() },
      [OS_MGMT_ID_MPSTAT]: { read: () => this.mpstat() },
      [OS_MGMT_ID_DATETIME_STR]: { read: () => this.datetimeRead(), write: (r: MgmtRequest) => this.datetimeWrite(r) },
      [OS_MGMT_ID_RESET]: { write: () => ({ body: {} }) },
      [OS_MGMT_ID_MCUMGR_PARAMS]: { read: () => ({ body: { buf_size: this.o.bufSize, buf_count: this.o.bufCount } }) },
      [OS_MGMT_ID_INFO]: { read: (r: MgmtRequest) => this.info(r) },
      [OS_MGMT_ID_BOOTLOADER_INFO]: { read: (r: MgmtRequest) => this.bootloaderInfo(r) },
    };
  }

  private now(): number {
    return this.o.now ? this.o.now() : 0;
  }

  private echo(req: MgmtRequest): HandlerResult {
    const f = decodeBulk(req.body, { d: 'tstr' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    return { body: { r: f.d ?? '' } };
  }

  private taskstat(): HandlerResult {
    const tasks: SmpBody = {};
    (this.o.tasks ?? SMP_SVR_TASKS).forEach((t, tid) => {
      tasks[t.name] = { prio: t.prio, tid, state: t.state, stksiz: t.stksiz, stkuse: t.stkuse, runtime: 0, cswcnt: 0, last_checkin: 0, next_checkin: 0 };
    });
    return { body: { tasks } };
  }

  private mpstat(): HandlerResult {
    const tasks: SmpBody = {};
    (this.o.heaps ?? SMP_SVR_HEAPS).forEach((h, i) => {
      tasks[String(i)] = { blksiz: 1, nblks: h.nblks, nfree: h.nfree, min: h.min };
    });
    return { body: { tasks } };
  }

  private datetimeRead(): HandlerResult {
    if (!this.rtc) return osError(OS_MGMT_ERR_RTC_NOT_SET);
    const t = new Date(this.rtc.wallMs + (this.now() - this.rtc.setAt));
    const s = `${String(t.getUTCFullYear()).padStart(4, ' ')}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}T${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
    return { body: { datetime: s } };
  }

  /** os_mgmt_datetime_write: six decimal fields separated by one character each, in range. */
  private datetimeWrite(req: MgmtRequest): HandlerResult {
    const f = decodeBulk(req.body, { datetime: 'tstr' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    const s = f.datetime ?? '';
    if (s.length < DATETIME_MIN_CHARS || s.length >= DATETIME_MAX_CHARS) return { rc: MGMT_ERR_EINVAL };
    const values: number[] = [];
    let pos = 0;
    for (const field of DATETIME_FIELDS) {
      if (pos >= s.length) return { rc: MGMT_ERR_EINVAL };
      const m = /^[+-]?\d+/.exec(s.slice(pos).replace(/^\s+/, ''));
      if (!m) return { rc: MGMT_ERR_EINVAL };
      const skipped = s.slice(pos).length - s.slice(pos).replace(/^\s+/, '').length;
      const v = Number.parseInt(m[0], 10);
      if (v < field.min || v > field.max) return { rc: MGMT_ERR_EINVAL };
      values.push(v);
      pos += skipped + m[0].length + 1;
    }
    const [y, mo, d, h, mi, se] = values as [number, number, number, number, number, number];
    this.rtc = { wallMs: Date.UTC(y, mo - 1, d, h, mi, se), setAt: this.now() };
    return { body: {} };
  }

  private info(req: MgmtRequest): HandlerResult {
    const f = decodeBulk(req.body, { format: 'tstr' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    const format = f.format ?? '';
    const wanted = new Set<InfoLetter>();
    for (const c of format) {
      if (c === 'a') for (const l of INFO_LETTERS) wanted.add(l);
      else if ((INFO_LETTERS as readonly string[]).includes(c)) wanted.add(c as InfoLetter);
      else return osError(OS_MGMT_ERR_INVALID_FORMAT);
    }
    if (wanted.size === 0) wanted.add('s');
    const i = this.o.info ?? NRF52833_INFO;
    const text: Record<InfoLetter, string> = {
      s: 'Zephyr',
      n: i.nodeName,
      r: i.kernelRelease,
      v: i.kernelVersion,
      m: i.machine,
      p: i.processor,
      i: i.hardwarePlatform,
      o: 'Zephyr',
    };
    return { body: { output: INFO_LETTERS.filter((l) => wanted.has(l)).map((l) => text[l]).join(' ') } };
  }

  private bootloaderInfo(req: MgmtRequest): HandlerResult {
    const f = decodeBulk(req.body, { query: 'tstr' });
    if (!f) return { rc: MGMT_ERR_EINVAL };
    if (f.query === undefined) return { body: { bootloader: 'MCUboot' } };
    if (f.query === 'mode') return { body: { mode: this.o.bootloaderMode ?? MCUBOOT_MODE_SWAP_USING_MOVE } };
    return osError(OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER);
  }
}

/**
 * The AT channel: one command at a time over a byte-stream port, as a host talks to the nRF9160's
 * Serial LTE Modem. Spec: 3GPP TS 27.007 §4-5 (command line, final result codes) and the SLM docs
 * summarised in docs/reference/nrf91-fota.md.
 *
 * - A command is written as `AT...\r\n`; its reply is information lines ending in a final result code:
 *   `OK`, `ERROR`, `+CME ERROR: <n>` / `+CMS ERROR: <n>`.
 * - A command may announce a binary payload (SLM's `#XRECV: <size>` followed by exactly <size> raw
 *   bytes); the caller tells which line does and how many bytes follow, and the channel reads them raw.
 * - Unsolicited result codes (URCs) go to the handlers registered for their prefix, whether a
 *   command is running or not (a line with the running command's own prefix belongs to the command).
 * - Time comes through the Clock HAL: a watchdog polls it, so nothing keeps a process alive after the
 *   reply, and a virtual clock works too.
 * - Noise, overlong or garbled lines fail the running command with AT_BAD_REPLY (typed, never thrown
 *   out of the data handler); the channel then resynchronises: before the next command it waits for the
 *   line to go quiet, drops what is buffered, and starts again at the next line.
 */
import type { Clock } from '../../hal/clock.ts';
import { concatBytes, utf8Encode } from '../../hal/bytes.ts';
import { AtError } from './errors.ts';
import type { BytePort } from '../../hal/port.ts';

/** Time a command may take when the caller gives none. */
export const AT_DEFAULT_TIMEOUT_MS = 5_000;
/** Longest line accepted (a 2048-byte hex receive is 4096 characters plus its header). */
export const AT_LINE_MAX_BYTES = 8_192;
/** Largest binary payload a reply may announce. */
export const AT_PAYLOAD_MAX_BYTES = 4_096;
/** How often the timeout watchdog looks at the clock. */
export const AT_WATCHDOG_TICK_MS = 20;
/** Silence that ends a resynchronisation (the rest of a broken reply has drained). */
export const AT_RESYNC_QUIET_MS = 60;
/** Longest a resynchronisation waits for silence before going on anyway. */
export const AT_RESYNC_MAX_MS = 1_000;

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

export interface AtCommandOptions {
  timeoutMs?: number;
  /**
   * For commands whose reply carries raw bytes: given an information line, the number of bytes that
   * follow it, or undefined when the line announces none. Throwing an AtError rejects the command.
   */
  payloadLength?: (line: string) => number | undefined;
}

export interface AtReply {
  /** Information lines in order, without echo, URCs and the final result code. */
  lines: string[];
  /** The raw bytes announced through `payloadLength` (undefined when none was announced). */
  payload?: Uint8Array;
}

export interface AtChannelStats {
  commands: number;
  /** Lines dropped as noise (garbled, overlong, or unexpected with no handler). */
  droppedLines: number;
  urcs: number;
  resyncs: number;
}

export type UrcHandler = (line: string) => void;

export interface AtChannelOptions {
  defaultTimeoutMs?: number;
}

interface Pending {
  command: string;
  /** `#XRECV` for `AT#XRECV=...`: lines with this prefix belong to the command, never to a URC. */
  prefix: string;
  lines: string[];
  payload?: Uint8Array;
  options: AtCommandOptions;
  /** Data mode: the reply ends at the line with this prefix instead of `OK`. */
  donePrefix?: string;
  resolve: (reply: AtReply) => void;
  reject: (error: AtError) => void;
}

/** `AT#XRECV=1` → `#XRECV`; `AT+CFUN?` → `+CFUN`; `AT` → ''. */
export function commandPrefix(command: string): string {
  const m = /^AT([+%#$^][A-Za-z0-9_]+)/i.exec(command);
  return m ? m[1]!.toUpperCase() : '';
}

/** True when `command` has a CR or LF outside double quotes (it would end the command early). */
function hasBareLineBreak(command: string): boolean {
  let quoted = false;
  for (const ch of command) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\r' || ch === '\n')) return true;
  }
  return false;
}

export class AtChannel {
  private readonly defaultTimeoutMs: number;
  private pending: Pending | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private needsResync = false;
  private lastRxAt = 0;
  private line: number[] = [];
  private lineGarbled = false;
  private discardingLine = false;
  private payloadLeft = 0;
  private payloadBuf: Uint8Array | undefined;
  private payloadFill = 0;
  /** The line before a payload ended in CR: an LF right after it is that line's end, not payload. */
  private skipLf = false;
  private readonly urcHandlers: { prefix: string; handler: UrcHandler }[] = [];
  private readonly counters: AtChannelStats = { commands: 0, droppedLines: 0, urcs: 0, resyncs: 0 };

  constructor(
    private readonly port: BytePort,
    private readonly clock: Clock,
    options: AtChannelOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? AT_DEFAULT_TIMEOUT_MS;
    port.onData((bytes) => this.receive(bytes));
    port.onClose(() => {
      this.closed = true;
      this.fail(new AtError('AT_CLOSED', 'at.command: port closed while waiting for the reply'));
    });
  }

  /**
   * Registers a handler for unsolicited lines starting with `prefix` (e.g. `#XFOTA`), or every
   * unclaimed line with `*`. Returns a function that removes it.
   */
  onUnsolicited(prefix: string, handler: UrcHandler): () => void {
    const entry = { prefix: prefix.toUpperCase(), handler };
    this.urcHandlers.push(entry);
    return () => {
      const i = this.urcHandlers.indexOf(entry);
      if (i >= 0) this.urcHandlers.splice(i, 1);
    };
  }

  stats(): AtChannelStats {
    return { ...this.counters };
  }

  /**
   * Sends `command` (`AT...`, without line end) once every earlier command finished; resolves with
   * its information lines on `OK`, rejects with AtError otherwise.
   */
  command(command: string, options: AtCommandOptions = {}): Promise<AtReply> {
    const run = this.tail.then(() => this.execute(command, options));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Data mode (the legacy SLM's `AT#XSEND` without data): sends `command`; once it answers `OK`, writes
   * `data` and then `terminator` raw, and resolves with the line starting with `donePrefix` (e.g.
   * `#XDATAMODE: 0`) that ends data mode. Queued like any command.
   */
  dataMode(command: string, data: Uint8Array, terminator: Uint8Array, donePrefix: string, options: AtCommandOptions = {}): Promise<AtReply> {
    const run = this.tail.then(async () => {
      await this.execute(command, options);
      return this.execute(undefined, options, { data: concatBytes(data, terminator), donePrefix: donePrefix.toUpperCase() });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new AtError('AT_CLOSED', 'at.command: channel closed while waiting for the reply'));
    await this.port.close();
  }

  /** Runs one exchange: `command` (or, in data mode, raw `raw.data`) and its reply. */
  private async execute(command: string | undefined, options: AtCommandOptions, raw?: { data: Uint8Array; donePrefix: string }): Promise<AtReply> {
    const label = command ?? `data mode (${raw!.data.length} bytes)`;
    if (this.closed) throw new AtError('AT_CLOSED', `at.command: channel is closed (${label.slice(0, 32)})`);
    if (command !== undefined) {
      if (!/^AT/i.test(command)) throw new AtError('AT_BAD_COMMAND', `at.command: '${command.slice(0, 32)}' does not start with AT`);
      if (hasBareLineBreak(command)) {
        throw new AtError('AT_BAD_COMMAND', `at.command: line break outside quotes in '${command.slice(0, 32)}'`);
      }
    }
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (this.needsResync) await this.resync();
    this.counters.commands++;
    const reply = new Promise<AtReply>((resolve, reject) => {
      this.pending = {
        command: label,
        prefix: command !== undefined ? commandPrefix(command) : '',
        lines: [],
        options,
        ...(raw ? { donePrefix: raw.donePrefix } : {}),
        resolve,
        reject,
      };
    });
    const mine = this.pending;
    // The reply can fail while the write is still draining: observe it now so that is not an
    // unhandled rejection; the caller still gets the rejection from the returned promise.
    reply.catch(() => undefined);
    void this.watchdog(mine!, timeoutMs);
    try {
      await this.port.write(raw ? raw.data : utf8Encode(`${command}\r\n`));
    } catch (e) {
      this.fail(new AtError('AT_CLOSED', `at.command: write failed for '${label.slice(0, 32)}'`, {}, { cause: e }), mine);
    }
    return reply;
  }

  private async watchdog(p: Pending, timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.pending === p) {
      const left = deadline - this.clock.now();
      if (left <= 0) {
        this.fail(new AtError('AT_TIMEOUT', `at.command: no final result for '${p.command.slice(0, 40)}' within ${timeoutMs} ms`, { timeoutMs }), p);
        return;
      }
      await this.clock.sleep(Math.min(left, AT_WATCHDOG_TICK_MS));
    }
  }

  /** Waits for silence, then drops everything buffered so the next reply starts on a clean line. */
  private async resync(): Promise<void> {
    this.counters.resyncs++;
    const start = this.clock.now();
    while (this.clock.now() - this.lastRxAt < AT_RESYNC_QUIET_MS && this.clock.now() - start < AT_RESYNC_MAX_MS) {
      await this.clock.sleep(AT_WATCHDOG_TICK_MS);
    }
    this.line = [];
    this.lineGarbled = false;
    this.discardingLine = false;
    this.payloadLeft = 0;
    this.payloadBuf = undefined;
    this.needsResync = false;
  }

  /** Rejects the running command (only `only`, when given) and marks the line for resynchronisation. */
  private fail(error: AtError, only?: Pending): void {
    const p = this.pending;
    if (!p || (only && p !== only)) return;
    this.pending = undefined;
    // A clean final result (ERROR, +CME ERROR) leaves the line in step; anything else may not have.
    if (error.code !== 'AT_ERROR' && error.code !== 'AT_CME_ERROR') this.needsResync = true;
    this.payloadLeft = 0;
    this.payloadBuf = undefined;
    this.skipLf = false;
    p.reject(error);
  }

  private receive(bytes: Uint8Array): void {
    this.lastRxAt = this.clock.now();
    let i = 0;
    while (i < bytes.length) {
      if (this.skipLf) {
        this.skipLf = false;
        if (bytes[i] === LF) {
          i++;
          continue;
        }
      }
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, bytes.length - i);
        this.payloadBuf!.set(bytes.subarray(i, i + n), this.payloadFill);
        this.payloadFill += n;
        this.payloadLeft -= n;
        i += n;
        if (this.payloadLeft === 0) this.payloadDone();
        continue;
      }
      const b = bytes[i++]!;
      if (b === LF || b === CR) {
        if (this.discardingLine) this.discardingLine = false;
        else if (this.line.length > 0) {
          this.lineDone();
          if (this.payloadLeft > 0 && b === CR) this.skipLf = true;
        }
        continue;
      }
      if (this.discardingLine) continue;
      if (this.line.length >= AT_LINE_MAX_BYTES) {
        this.line = [];
        this.lineGarbled = false;
        this.discardingLine = true;
        this.counters.droppedLines++;
        this.fail(new AtError('AT_BAD_REPLY', `at.receive: line longer than ${AT_LINE_MAX_BYTES} bytes`, { maxBytes: AT_LINE_MAX_BYTES }));
        continue;
      }
      if ((b < 0x20 && b !== TAB) || b > 0x7e) this.lineGarbled = true;
      this.line.push(b);
    }
  }

  private payloadDone(): void {
    const p = this.pending;
    if (p) p.payload = this.payloadBuf;
    this.payloadBuf = undefined;
  }

  private lineDone(): void {
    const garbled = this.lineGarbled;
    const text = garbled ? '' : String.fromCharCode(...this.line);
    this.line = [];
    this.lineGarbled = false;
    const p = this.pending;
    if (garbled) {
      this.counters.droppedLines++;
      this.fail(new AtError('AT_BAD_REPLY', `at.receive: garbled line (non-printable bytes)${p ? ` answering '${p.command.slice(0, 32)}'` : ''}`));
      return;
    }
    if (!p) {
      this.dispatchUrc(text);
      return;
    }
    if (text === p.command) return; // echo (ATE1)
    if (p.donePrefix !== undefined && text.toUpperCase().startsWith(p.donePrefix)) {
      this.pending = undefined;
      p.resolve({ lines: [...p.lines, text] });
      return;
    }
    if (text === 'OK' && p.donePrefix === undefined) {
      this.pending = undefined;
      p.resolve({ lines: p.lines, ...(p.payload ? { payload: p.payload } : {}) });
      return;
    }
    if (text === 'ERROR') {
      this.fail(new AtError('AT_ERROR', `at.command: '${p.command.slice(0, 40)}' answered ERROR`), p);
      return;
    }
    const cme = /^\+CM([ES]) ERROR: ?(.*)$/.exec(text);
    if (cme) {
      const n = /^\d{1,6}$/.test(cme[2]!) ? Number(cme[2]) : undefined;
      if (n === undefined) {
        this.fail(new AtError('AT_BAD_REPLY', `at.command: '${p.command.slice(0, 40)}' answered an unnumbered error '${text.slice(0, 40)}'`), p);
      } else {
        this.fail(new AtError('AT_CME_ERROR', `at.command: '${p.command.slice(0, 40)}' answered +CM${cme[1]} ERROR: ${n}`, { cme: n }), p);
      }
      return;
    }
    const own = p.prefix !== '' && text.toUpperCase().startsWith(p.prefix);
    if (!own && this.claimUrc(text)) return;
    p.lines.push(text);
    if (p.options.payloadLength && p.payload === undefined) {
      let n: number | undefined;
      try {
        n = p.options.payloadLength(text);
      } catch (e) {
        this.fail(e instanceof AtError ? e : new AtError('AT_BAD_REPLY', `at.receive: unreadable payload header '${text.slice(0, 40)}'`), p);
        return;
      }
      if (n === undefined) return;
      if (!Number.isInteger(n) || n < 0 || n > AT_PAYLOAD_MAX_BYTES) {
        this.fail(new AtError('AT_BAD_REPLY', `at.receive: payload of ${n} bytes announced, limit ${AT_PAYLOAD_MAX_BYTES}`, { length: n }), p);
        return;
      }
      p.payload = new Uint8Array(n);
      if (n > 0) {
        this.payloadBuf = p.payload;
        this.payloadFill = 0;
        this.payloadLeft = n;
      }
    }
  }

  private claimUrc(text: string): boolean {
    const upper = text.toUpperCase();
    let claimed = false;
    for (const { prefix, handler } of this.urcHandlers) {
      if (prefix !== '*' && (upper.startsWith(`${prefix}:`) || upper === prefix)) {
        claimed = true;
        this.callHandler(handler, text);
      }
    }
    if (claimed) this.counters.urcs++;
    return claimed;
  }

  private dispatchUrc(text: string): void {
    if (this.claimUrc(text)) return;
    const catchAll = this.urcHandlers.filter((h) => h.prefix === '*');
    if (catchAll.length === 0) {
      this.counters.droppedLines++;
      return;
    }
    this.counters.urcs++;
    for (const { handler } of catchAll) this.callHandler(handler, text);
  }

  /** A throwing URC handler must not break the receive path; its error is dropped with the line. */
  private callHandler(handler: UrcHandler, text: string): void {
    try {
      handler(text);
    } catch {
      this.counters.droppedLines++;
    }
  }
}

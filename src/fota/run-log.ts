/**
 * The record of one FOTA run, as `fotakit sim|download|hil --json` prints it (one JSON object a line)
 * and as `--report FILE.html` draws it. Every entry carries `t`, milliseconds since the run started.
 */
import type { AgentEventRecord } from './agent/agent.ts';
import type { CertProbe } from './cert-select.ts';

/** How every output (terminal, --json consumers, report) names a record size the modem cannot see. */
export const RECORD_SIZE_UNKNOWN_TEXT = 'unknown over this modem';

/** One HTTP response the downloader read: how close it came to the modem's record limit. */
export interface ResponseEntry {
  kind: 'response';
  host: string;
  status: number;
  /** Bytes asked for in the Range header (0 when not a range request). */
  rangeBytes: number;
  headerBytes: number;
  bodyBytes: number;
  /** Largest TLS record the modem saw for this response, header included (0 if unknown). */
  recordBytes: number;
  /** The modem's record limit in force. */
  recordLimit: number;
}

/** A connection event on the device side: connect, reconnect after an error, close. */
export interface ConnectionEntry {
  kind: 'connection';
  host: string;
  what: 'connect' | 'reconnect' | 'close';
  /** Error code that caused a reconnect (EMSGSIZE, ECONNRESET, ...). */
  code?: string;
}

/** The board (re)started: power-on, software reset, power cut, with what MCUboot booted. */
export interface BootEntry {
  kind: 'board-boot';
  /** Which board, when the run has more than one (the companion nRF52833); absent: the device itself. */
  board?: string;
  reason: string;
  /** Version MCUboot started, or undefined when it found no valid image. */
  version?: string;
  /** MCUboot's swap type for this boot (none, test, perm, revert). */
  swap?: string;
}

/** An image pushed into a remote slot (SMP upload to the companion board). */
export interface UploadEntry {
  kind: 'upload';
  target: string;
  bytes: number;
  /** Upload requests sent, retransmissions included. */
  requests: number;
  /** Where the device resumed (non-zero when it already held part of the image). */
  resumedFrom: number;
  /** The device's SHA-256 check of the whole image, when it reported one. */
  match?: boolean;
  ms: number;
}

export interface SummaryEntry {
  kind: 'summary';
  final: string;
  version?: string;
  fromVersion?: string;
  bytes: number;
  requests: number;
  retries: number;
  /** Largest TLS record the modem ACCEPTED, header included (0 with recordSizesKnown false: unknown). */
  maxRecordBytes: number;
  recordLimit: number;
  /** Records the modem refused (EMSGSIZE) and the largest of them: never counted in maxRecordBytes. */
  refusedRecords?: number;
  largestRefusedRecordBytes?: number;
  /** False when the modem cannot see TLS records (the serial modem): say RECORD_SIZE_UNKNOWN_TEXT. */
  recordSizesKnown?: boolean;
  /** Why the download ended with fewer requests in flight than the policy's depth (pipeline-control.ts). */
  pipeline?: { depth: number; offReason?: string; why?: string; recoveries: number; requestsPerConnection?: number };
  /** Power cuts during the run, each with where it cut. */
  powerCuts?: PowerCutNote[];
  seconds: number;
  /** Seconds the shaped link needs at least for these bytes (bandwidth + handshake round trips), if shaped. */
  linkLimitSeconds?: number;
  probes: number;
  reboots: number;
  /** Resets of a companion board updated over SMP (the nRF52833), when there is one. */
  companionReboots?: number;
  reason?: { code: string; message: string };
  board?: string;
  link?: string;
}

/** Where a simulated power cut hit: the flash operation's index and what the agent was doing. */
export interface PowerCutNote {
  /** Flash operation index counted from the start of the update (as --power-cut-at takes it). */
  operation: number;
  /** The operation, e.g. 'flash.write'. */
  op?: string;
  /** The agent's state when the power went. */
  state?: string;
  /** Bytes downloaded before the cut. */
  bytes?: number;
}

/** The downloader changed how many requests it keeps in flight, and why (pipeline-control.ts). */
export interface PipelineEntry {
  kind: 'pipeline';
  host: string;
  what: 'off' | 'on' | 'limit';
  /** For 'off': failures-while-pipelined or coalesced-records, and the words for it. */
  reason?: string;
  why?: string;
  /** For 'off': whether it may come back (after good ranges) or stays off for the rest of the download. */
  stays?: boolean;
  /** For 'limit': the requests the server answers per connection. */
  requestsPerConnection?: number;
}

/** The power went: logged before the board boots again (the boot entry's reason says power-cut). */
export interface PowerCutEntry extends PowerCutNote {
  kind: 'power-cut';
}

export type RunLogEntry = { t: number } & (
  | AgentEventRecord
  | ({ kind: 'probe' } & CertProbe)
  | ResponseEntry
  | ConnectionEntry
  | BootEntry
  | UploadEntry
  | PowerCutEntry
  | PipelineEntry
  | SummaryEntry
);

/** A run-log entry before it is stamped with `t`. */
export type RunLogEvent = RunLogEntry extends infer E ? (E extends { t: number } ? Omit<E, 't'> : never) : never;

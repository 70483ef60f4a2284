/**
 * How the local update server sends an answer once it is decided: status, headers and body, cut short
 * by the per-response faults `dropAfterBytes` and `stallAfterBytes`, and noted in the request's record
 * (status, the body bytes that actually left, the fault). Deciding the answer is elsewhere
 * (src/server/update-server.ts routes; src/server/cdn.ts, src/server/release-api.ts answer).
 */
import type { ServerResponse } from 'node:http';
import type { ServerFaults } from './faults.ts';
import type { RequestRecord, Schedule } from './server-state.ts';

/** One decided answer. */
export interface Answer {
  status: number;
  body: Uint8Array;
  /** Headers besides Content-Length (which is the body's length). */
  headers: Record<string, string | number>;
  /** The fault that shaped it, for the request record. */
  fault?: string;
}

/** A plain-text answer (errors, the release API's URL). */
export function textAnswer(status: number, body: string): Answer {
  return { status, body: new TextEncoder().encode(body), headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
}

export interface Sending {
  /** The request's record: status, bytes and a cutting fault are written to it. */
  rec: RequestRecord;
  /** A HEAD request: the headers only. */
  head: boolean;
  /** The faults this answer took (`takeFaults`); `{}` for none. */
  faults: ServerFaults;
  /** Told of every run of body bytes the socket took. */
  onBytes: (n: number) => void;
  /** The clock of the stall's end. */
  schedule: Schedule;
}

/**
 * Writes the answer and notes it in the record. Body bytes are counted when the socket took them (the write callbacks), so the
 * record and the `changeAfterBytes` counter see what was sent, not what was planned. `dropAfterBytes`
 * sends that many bytes then destroys the connection; `stallAfterBytes` sends that many, then the rest
 * after `stallMs` (never, without it: the client's receive timeout is what is being tested).
 */
export function sendAnswer(res: ServerResponse, answer: Answer, how: Sending): void {
  const { rec, faults: f } = how;
  const { status, body } = answer;
  if (answer.fault !== undefined) rec.fault = answer.fault;
  rec.status = status;
  res.writeHead(status, { 'Content-Length': body.length, ...answer.headers });
  if (how.head || body.length === 0) {
    res.end();
    return;
  }
  const sent = (n: number): void => {
    rec.bytes += n;
    how.onBytes(n);
  };
  if (f.dropAfterBytes !== undefined && f.dropAfterBytes < body.length) {
    rec.fault = 'drop';
    const part = body.subarray(0, f.dropAfterBytes);
    res.write(part, () => {
      sent(part.length);
      res.socket?.destroy();
    });
    return;
  }
  if (f.stallAfterBytes !== undefined && f.stallAfterBytes < body.length) {
    rec.fault = 'stall';
    const part = body.subarray(0, f.stallAfterBytes);
    res.write(part, () => sent(part.length));
    if (f.stallMs !== undefined) {
      how.schedule(f.stallMs, () => {
        if (res.destroyed) return;
        const rest = body.subarray(f.stallAfterBytes);
        res.end(rest, () => sent(rest.length));
      });
    }
    return;
  }
  res.end(body, () => sent(body.length));
  if (f.connectionClose) res.on('finish', () => res.socket?.end());
}

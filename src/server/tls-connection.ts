/**
 * The TLS side of the local update server: the identity each SNI name gets (API, CDN, mirror, or one of
 * the bad leaves), and the shape of the records each connection sends, which is what the nRF91 modem is
 * picky about (docs/reference/nrf91-fota.md, "EMSGSIZE"): their plaintext size, and with `coalesceMs`
 * pipelined answers packed into shared records.
 */
import * as tls from 'node:tls';
import { TLS_MAX_SEND_FRAGMENT_BYTES, type ServerFaults } from './faults.ts';
import { BAD_HOSTS, type PkiIdentity, type TestPki } from './pki.ts';
import type { Schedule } from './server-state.ts';

/** SNI name (lower case) → the secure context of the identity serving it. */
export function sniContexts(pki: TestPki): Map<string, tls.SecureContext> {
  const context = (id: PkiIdentity): tls.SecureContext => tls.createSecureContext({ key: id.keyPem, cert: id.chainPem });
  const contexts = new Map<string, tls.SecureContext>();
  for (const id of [pki.api, pki.cdn, pki.mirror, pki.expired, pki.notYetValid, pki.unknownCa]) {
    for (const n of id.names) contexts.set(n.toLowerCase(), context(id));
  }
  contexts.set(BAD_HOSTS.wrongHost, context(pki.wrongHost));
  return contexts;
}

/** Plaintext bytes per TLS record under a fault set (16 KiB, the TLS maximum, like the field's CDNs). */
export function sendFragmentBytes(faults: ServerFaults): number {
  return faults.recordPlaintextBytes ?? TLS_MAX_SEND_FRAGMENT_BYTES;
}

/**
 * Shapes a new connection's records under the fault set of the moment: their plaintext size, and with
 * `coalesceMs` the held writes (see `holdWrites`). The record size follows later fault changes (each
 * request sets it again); coalescing is decided once, here.
 */
export function shapeConnection(s: tls.TLSSocket, faults: ServerFaults, schedule: Schedule): void {
  s.setMaxSendFragment(sendFragmentBytes(faults));
  if (faults.coalesceMs) holdWrites(s, faults.coalesceMs, schedule);
}

/**
 * Coalescing, by patching the socket's `write`: Node's HTTP server hands every piece of an answer to
 * `write` as it goes and TLS seals each write into records of its own, and the next pipelined answer
 * only starts once the previous one's writes were taken. So every write is taken at once (its callback
 * runs on the next tick, and HTTP goes on to the next answer) and the lot is flushed as one write each
 * `everyMs`, which TLS packs into records of up to 16 KiB: the big shared records of a CDN that the
 * modem refuses. `write` is the one place all of HTTP's bytes pass before TLS.
 */
function holdWrites(s: tls.TLSSocket, everyMs: number, schedule: Schedule): void {
  const write = s.write.bind(s) as (data: Uint8Array) => boolean;
  let held: Uint8Array[] = [];
  (s as unknown as { write: (...args: unknown[]) => boolean }).write = (chunk: unknown, enc?: unknown, cb?: unknown) => {
    const done = typeof enc === 'function' ? enc : cb;
    held.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8') : (chunk as Uint8Array));
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  let cancel: () => void = () => {};
  const tick = (): void => {
    if (held.length > 0 && !s.destroyed) {
      const all = Buffer.concat(held);
      held = [];
      write(all);
    }
    if (s.destroyed) return;
    cancel = schedule(everyMs, tick);
  };
  cancel = schedule(everyMs, tick);
  s.on('close', () => cancel());
}

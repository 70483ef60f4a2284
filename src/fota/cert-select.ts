/**
 * Root-CA selection that really validates. The field bug (docs/reference/nrf91-fota.md, problem 1):
 * a loop over root CAs took "download started" as proof that a certificate worked. Here every candidate
 * is proven by a completed TLS handshake with peer verification and host-name check, per host (release
 * API, CDN, every redirect target), and each failure is recorded with its reason.
 *
 * Modes: `probe` tries candidates one sec_tag at a time in order (the persisted winner for the host
 * first); `list` opens one handshake with the whole sec_tag list, as the modem supports, and still reports
 * which root validated (SocketInfo.validatedBy) when the modem can tell.
 */
import { toHex, utf8Encode } from '../hal/bytes.ts';
import type { Clock } from '../hal/clock.ts';
import type { Crypto } from '../hal/crypto.ts';
import { hash } from '../hal/crypto.ts';
import { FotaError, TlsError, isFotaError } from '../hal/errors.ts';
import { CREDENTIAL_TYPE, type Modem, type Socket } from '../hal/net.ts';
import type { Settings } from '../hal/settings.ts';
import { getJson, setJson } from '../hal/settings.ts';

export interface CertCandidate {
  /** Where the modem stores it. */
  secTag: number;
  /** A name people recognise, e.g. `DigiCert Global Root G2`. */
  name: string;
  /** The root certificate, PEM. */
  pem: string;
}

export interface CertProbe {
  host: string;
  port: number;
  secTag: number;
  name: string;
  ok: boolean;
  /** Error code when it failed (CERT_UNKNOWN_CA, CERT_HOSTNAME_MISMATCH, CERT_EXPIRED, ...). */
  code?: string;
  message?: string;
  /** How long the handshake (or the failed attempt) took. */
  ms: number;
  /** Why this candidate was tried: `remembered` winner, next `in-order`, or a `list` handshake. */
  via: 'remembered' | 'in-order' | 'list';
}

export type CertMode = 'probe' | 'list';

export interface CertSelectorOptions {
  modem: Modem;
  candidates: readonly CertCandidate[];
  settings: Settings;
  clock: Clock;
  crypto: Crypto;
  mode?: CertMode;
  handshakeTimeoutMs?: number;
  onProbe?: (probe: CertProbe) => void;
}

/** Settings key prefix of the remembered winner per host. */
export const CERT_WINNER_KEY_PREFIX = 'fota/ca/';
/** Handshake timeout of one probe. */
export const CERT_PROBE_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Errors after which another root CA cannot help: stop probing this host. */
const CONNECTION_LEVEL_CODES = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOMEM'];

export class CertSelector {
  private readonly opts: CertSelectorOptions;
  private readonly probes: CertProbe[] = [];
  private readonly winners = new Map<string, number>();
  /** Sockets proven by prove() and not yet handed out: the next connect to that host takes it. */
  private readonly parked = new Map<string, Socket>();
  private provisioned = false;

  constructor(options: CertSelectorOptions) {
    if (options.candidates.length === 0) throw new FotaError('CERT_NO_CANDIDATE', 'certSelect: the candidate list is empty');
    const tags = new Set(options.candidates.map((c) => c.secTag));
    if (tags.size !== options.candidates.length) throw new FotaError('CERT_DUPLICATE_SEC_TAG', 'certSelect: two candidates share a sec_tag');
    this.opts = options;
  }

  /** Every probe made so far, in order. */
  history(): readonly CertProbe[] {
    return this.probes;
  }

  /** The sec_tag that validated `host` last (remembered across reboots once selected). */
  async winner(host: string): Promise<number | undefined> {
    if (this.winners.has(host)) return this.winners.get(host);
    const stored = await getJson<{ secTag: number }>(this.opts.settings, CERT_WINNER_KEY_PREFIX + host);
    return stored?.secTag;
  }

  /**
   * Makes sure the modem holds every candidate as a root CA under its sec_tag; skips a write when the
   * stored certificate already matches (the modem's write cycles and the offline switch are costly).
   */
  async provision(): Promise<void> {
    if (this.provisioned) return;
    const stored = await this.opts.modem.credentials.list();
    for (const c of this.opts.candidates) {
      const sha = toHex(hash(this.opts.crypto, 'sha256', utf8Encode(c.pem)));
      const have = stored.find((s) => s.secTag === c.secTag && s.type === CREDENTIAL_TYPE.rootCa);
      if (have && have.sha256 !== undefined && have.sha256.toLowerCase() === sha) continue;
      await this.opts.modem.credentials.write(c.secTag, CREDENTIAL_TYPE.rootCa, c.pem);
    }
    this.provisioned = true;
  }

  /**
   * Chooses the root CA for host:port now (the agent's selecting-cert state) and keeps the verified
   * socket for the next connect() to that host, so proving a root costs no extra handshake.
   */
  async prove(host: string, port: number): Promise<void> {
    const key = `${host}:${port}`;
    if (this.parked.has(key)) return;
    this.parked.set(key, await this.connect(host, port));
  }

  /** Closes sockets proven but never used. */
  async close(): Promise<void> {
    const sockets = [...this.parked.values()];
    this.parked.clear();
    for (const s of sockets) await s.close();
  }

  /** Opens a verified TLS socket to host:port, choosing the root CA as configured. */
  async connect(host: string, port: number): Promise<Socket> {
    const key = `${host}:${port}`;
    const proven = this.parked.get(key);
    if (proven) {
      this.parked.delete(key);
      return proven;
    }
    await this.provision();
    return (this.opts.mode ?? 'probe') === 'list' ? this.connectWithList(host, port) : this.connectByProbing(host, port);
  }

  private async connectByProbing(host: string, port: number): Promise<Socket> {
    const remembered = await this.winner(host);
    const ordered = [...this.opts.candidates];
    const first = ordered.findIndex((c) => c.secTag === remembered);
    if (first > 0) ordered.unshift(...ordered.splice(first, 1));
    const failures: CertProbe[] = [];
    for (const [i, c] of ordered.entries()) {
      const via = i === 0 && first >= 0 ? 'remembered' : 'in-order';
      const started = this.opts.clock.now();
      try {
        const socket = await this.opts.modem.connect({
          host,
          port,
          tls: { secTags: [c.secTag], peerVerify: 'required', hostname: host, handshakeTimeoutMs: this.timeout() },
        });
        this.record({ host, port, secTag: c.secTag, name: c.name, ok: true, ms: this.opts.clock.now() - started, via });
        await this.remember(host, c.secTag);
        return socket;
      } catch (e) {
        if (!isFotaError(e)) throw e;
        const probe: CertProbe = { host, port, secTag: c.secTag, name: c.name, ok: false, code: e.code, message: e.message, ms: this.opts.clock.now() - started, via };
        this.record(probe);
        failures.push(probe);
        if (CONNECTION_LEVEL_CODES.includes(e.code)) throw e;
      }
    }
    throw new TlsError('CERT_NO_CANDIDATE', `certSelect.connect: no root CA validated ${host}:${port} (${failures.map((f) => `${f.secTag} ${f.code}`).join(', ')})`, {
      host,
      port,
      probes: failures,
    });
  }

  private async connectWithList(host: string, port: number): Promise<Socket> {
    const secTags = this.opts.candidates.map((c) => c.secTag);
    const started = this.opts.clock.now();
    try {
      const socket = await this.opts.modem.connect({ host, port, tls: { secTags, peerVerify: 'required', hostname: host, handshakeTimeoutMs: this.timeout() } });
      const tag = socket.info().validatedBy;
      const c = this.opts.candidates.find((x) => x.secTag === tag);
      this.record({ host, port, secTag: tag ?? -1, name: c?.name ?? 'one of the list (the modem does not tell which)', ok: true, ms: this.opts.clock.now() - started, via: 'list' });
      if (tag !== undefined) await this.remember(host, tag);
      return socket;
    } catch (e) {
      if (isFotaError(e)) {
        this.record({ host, port, secTag: -1, name: `list ${secTags.join(',')}`, ok: false, code: e.code, message: e.message, ms: this.opts.clock.now() - started, via: 'list' });
      }
      throw e;
    }
  }

  private timeout(): number {
    return this.opts.handshakeTimeoutMs ?? CERT_PROBE_HANDSHAKE_TIMEOUT_MS;
  }

  private record(probe: CertProbe): void {
    this.probes.push(probe);
    this.opts.onProbe?.(probe);
  }

  private async remember(host: string, secTag: number): Promise<void> {
    if (this.winners.get(host) === secTag) return;
    this.winners.set(host, secTag);
    if ((await getJson<{ secTag: number }>(this.opts.settings, CERT_WINNER_KEY_PREFIX + host))?.secTag !== secTag) {
      await setJson(this.opts.settings, CERT_WINNER_KEY_PREFIX + host, { secTag });
    }
  }
}

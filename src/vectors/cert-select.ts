/**
 * Certificate-selection vectors: root-CA candidates (sec_tags), a scripted modem deciding which
 * handshakes validate for which host, and the steps of fotakit's CertSelector → every probe it makes
 * (sec_tag, outcome, reason, why it was tried), the sec_tag it chooses or the error, and the winner
 * it remembers per host. Probe mode and list mode; remembered winners across restarts.
 * Spec: nrf91-fota.md problem 1 (a root CA is proven by a completed, verified handshake per host).
 */
import { FotaError, NetError, TlsError, type NetErrorCode, type TlsErrorCode } from '../hal/errors.ts';
import { nodeCrypto } from '../hal/node/crypto.ts';
import type { ConnectOptions, CredentialInfo, Modem, Socket } from '../hal/net.ts';
import { MemorySettings } from '../hal/portable/memory-settings.ts';
import { CertSelector, type CertCandidate, type CertMode, type CertProbe } from '../fota/cert-select.ts';
import { CHeaderWriter, cString } from './c-header.ts';
import { VECTORS_SCHEMA_VERSION, errorCode, type VectorCategory } from './category.ts';

/** TLS port of every step. */
const VECTOR_TLS_PORT = 443;
/** Outcome name of a step that connected. */
const CERT_RESULT_OK = 'OK';
/** sec_tag reported when none is known (list mode, failure or a modem that does not tell). */
export const CERT_SEC_TAG_NONE = -1;

export const VECTOR_CERT_CANDIDATES: readonly CertCandidate[] = [
  { secTag: 1002, name: 'Amazon Root CA 1', pem: '-----BEGIN CERTIFICATE-----\nVECTOR-AMAZON-ROOT-CA-1\n-----END CERTIFICATE-----\n' },
  { secTag: 2001, name: 'Baltimore CyberTrust Root', pem: '-----BEGIN CERTIFICATE-----\nVECTOR-BALTIMORE\n-----END CERTIFICATE-----\n' },
  { secTag: 1001, name: 'DigiCert Global Root G2', pem: '-----BEGIN CERTIFICATE-----\nVECTOR-DIGICERT-G2\n-----END CERTIFICATE-----\n' },
];

/** What the scripted modem answers for a host: the sec_tag that validates, per-tag failure codes, or a connection error. */
interface HostScript {
  validates?: number;
  /** Failure code for specific sec_tags (default CERT_UNKNOWN_CA). */
  failures?: Record<number, TlsErrorCode>;
  /** A connection-level failure for every attempt. */
  connectError?: NetErrorCode;
  /** List mode: the modem does not report which sec_tag validated. */
  hidesValidatedBy?: boolean;
}

class ScriptedModem implements Modem {
  constructor(public script: Record<string, HostScript>) {}
  readonly credentials = {
    list: async (): Promise<CredentialInfo[]> => [],
    write: async (): Promise<void> => {},
    delete: async (): Promise<void> => {},
  };
  async connect(o: ConnectOptions): Promise<Socket> {
    const s = this.script[o.host] ?? {};
    if (s.connectError) throw new NetError(s.connectError, `connect ${o.host}: ${s.connectError}`);
    const tags = o.tls?.secTags ?? [];
    const hit = tags.find((t) => t === s.validates);
    if (hit === undefined) {
      const code = tags.length === 1 ? (s.failures?.[tags[0]!] ?? 'CERT_UNKNOWN_CA') : 'CERT_UNKNOWN_CA';
      throw new TlsError(code, `handshake with ${o.host}: ${code}`);
    }
    const info = s.hidesValidatedBy ? { maxRecordBytes: 0, bytesReceived: 0, bytesSent: 0 } : { validatedBy: hit, maxRecordBytes: 0, bytesReceived: 0, bytesSent: 0 };
    return { send: async () => {}, recv: async () => new Uint8Array(0), close: async () => {}, info: () => info };
  }
}

interface Step {
  host: string;
  /** Restart first: a new CertSelector over the same settings (the remembered winners persist). */
  restart?: boolean;
  /** Change the modem's script for this host before the step. */
  rescript?: HostScript;
}

interface Scenario {
  name: string;
  description: string;
  mode: CertMode;
  script: Record<string, HostScript>;
  steps: Step[];
}

const API = 'api.fotakit.test';
const CDN = 'cdn.fotakit.test';

const SCENARIOS: readonly Scenario[] = [
  { name: 'probe_last_wins', description: 'probe mode: the third candidate validates the CDN', mode: 'probe', script: { [CDN]: { validates: 1001 } }, steps: [{ host: CDN }] },
  { name: 'probe_first_wins', description: 'probe mode: the first candidate validates', mode: 'probe', script: { [API]: { validates: 1002 } }, steps: [{ host: API }] },
  {
    name: 'probe_per_host',
    description: 'probe mode: each host chooses its own root; both remembered',
    mode: 'probe',
    script: { [API]: { validates: 1002 }, [CDN]: { validates: 1001 } },
    steps: [{ host: API }, { host: CDN }],
  },
  {
    name: 'probe_remembered',
    description: 'after a restart the remembered winner is tried first and alone',
    mode: 'probe',
    script: { [CDN]: { validates: 1001 } },
    steps: [{ host: CDN }, { host: CDN, restart: true }],
  },
  {
    name: 'probe_remembered_stale',
    description: 'the remembered root stops validating (the CDN moved): the others are probed again',
    mode: 'probe',
    script: { [CDN]: { validates: 1001 } },
    steps: [{ host: CDN }, { host: CDN, restart: true, rescript: { validates: 2001 } }],
  },
  {
    name: 'probe_reasons',
    description: 'failure reasons are kept per candidate: hostname mismatch, expired, then success',
    mode: 'probe',
    script: { [CDN]: { validates: 1001, failures: { 1002: 'CERT_HOSTNAME_MISMATCH', 2001: 'CERT_EXPIRED' } } },
    steps: [{ host: CDN }],
  },
  {
    name: 'probe_none',
    description: 'no candidate validates: CERT_NO_CANDIDATE with every reason',
    mode: 'probe',
    script: { 'x.test': { failures: { 2001: 'CERT_NOT_YET_VALID' } } },
    steps: [{ host: 'x.test' }],
  },
  { name: 'probe_refused', description: 'a refused connection stops probing: no root can help', mode: 'probe', script: { 'down.test': { connectError: 'ECONNREFUSED' } }, steps: [{ host: 'down.test' }] },
  { name: 'list_reports', description: 'list mode: one handshake with every sec_tag; the modem tells which validated', mode: 'list', script: { [CDN]: { validates: 1001 } }, steps: [{ host: CDN }] },
  { name: 'list_hidden', description: 'list mode with a modem that does not tell which root validated', mode: 'list', script: { [CDN]: { validates: 2001, hidesValidatedBy: true } }, steps: [{ host: CDN }] },
  { name: 'list_none', description: 'list mode: no root validates', mode: 'list', script: { 'x.test': {} }, steps: [{ host: 'x.test' }] },
];

interface StepResult {
  host: string;
  restart: boolean;
  code: string;
  chosenSecTag: number;
  probes: CertProbe[];
  /** The probes behind a CERT_NO_CANDIDATE error. */
  errorProbes: string[];
  winner: number;
}

async function runScenario(s: Scenario): Promise<StepResult[]> {
  const modem = new ScriptedModem(structuredClone(s.script));
  const settings = new MemorySettings();
  const clock = { now: () => 0, sleep: async () => {} };
  let probes: CertProbe[] = [];
  const make = () => new CertSelector({ modem, candidates: VECTOR_CERT_CANDIDATES, settings, clock, crypto: nodeCrypto, mode: s.mode, onProbe: (p) => probes.push(p) });
  let selector = make();
  const out: StepResult[] = [];
  for (const step of s.steps) {
    if (step.restart) selector = make();
    if (step.rescript) modem.script[step.host] = step.rescript;
    probes = [];
    let code = CERT_RESULT_OK;
    let chosen = CERT_SEC_TAG_NONE;
    let errorProbes: string[] = [];
    try {
      const socket = await selector.connect(step.host, VECTOR_TLS_PORT);
      chosen = socket.info().validatedBy ?? CERT_SEC_TAG_NONE;
      await socket.close();
    } catch (e) {
      code = errorCode(e);
      const ps = e instanceof FotaError ? (e.context.probes as CertProbe[] | undefined) : undefined;
      errorProbes = (ps ?? []).map((p) => `${p.secTag}:${p.code}`);
    }
    out.push({ host: step.host, restart: step.restart === true, code, chosenSecTag: chosen, probes, errorProbes, winner: (await selector.winner(step.host)) ?? CERT_SEC_TAG_NONE });
  }
  return out;
}

export async function generateCertSelectVectors(): Promise<VectorCategory> {
  const runs: Array<{ s: Scenario; steps: StepResult[] }> = [];
  for (const s of SCENARIOS) runs.push({ s, steps: await runScenario(s) });

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'cert_select',
    candidates: VECTOR_CERT_CANDIDATES.map((c) => ({ sec_tag: c.secTag, name: c.name })),
    scenarios: runs.map(({ s, steps }) => ({
      name: s.name,
      description: s.description,
      mode: s.mode,
      modem_script: s.script,
      steps: steps.map((st, i) => ({
        host: st.host,
        restart_before: st.restart,
        modem_change: s.steps[i]!.rescript ?? null,
        expect: {
          code: st.code,
          chosen_sec_tag: st.chosenSecTag,
          remembered_sec_tag: st.winner,
          probes: st.probes.map((p) => ({ sec_tag: p.secTag, ok: p.ok, code: p.code ?? null, via: p.via })),
          failure_reasons: st.errorProbes,
        },
      })),
    })),
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_CERT_SELECT_H', 'Certificate selection vectors: candidates, handshake outcomes, choice and reasons.');
  w.define('FOTAKIT_CERT_SEC_TAG_NONE', CERT_SEC_TAG_NONE);
  w.raw(
    [
      'struct fotakit_cert_candidate { int sec_tag; const char *name; };',
      '',
      'struct fotakit_cert_probe {',
      '\tint sec_tag; /* FOTAKIT_CERT_SEC_TAG_NONE for a list-mode handshake that names none */',
      '\tint ok;',
      '\tconst char *code; /* failure reason, "" when ok */',
      '\tconst char *via; /* "remembered", "in-order", "list" */',
      '};',
      '',
      'struct fotakit_cert_step {',
      '\tconst char *scenario;',
      '\tconst char *mode; /* "probe" or "list" */',
      '\tconst char *host;',
      '\tint restart_before; /* a new selector over the same settings (winners persist) */',
      '\tconst char *expect_code; /* "OK" or the error (CERT_NO_CANDIDATE, ECONNREFUSED, CERT_UNKNOWN_CA...) */',
      '\tint chosen_sec_tag;',
      '\tint remembered_sec_tag; /* the winner stored for the host after the step */',
      '\tconst struct fotakit_cert_probe *probes;',
      '\tsize_t probe_count;',
      '};',
    ].join('\n'),
    'fotakit_cert_candidate',
    'fotakit_cert_probe',
    'fotakit_cert_step',
  );
  w.table('fotakit_cert_candidate', 'fotakit_cert_candidates', VECTOR_CERT_CANDIDATES.map((c) => [String(c.secTag), cString(c.name)]), 'FOTAKIT_CERT_CANDIDATE_COUNT');
  const rows: string[][] = [];
  let k = 0;
  for (const { s, steps } of runs) {
    for (const st of steps) {
      const name = `fotakit_cert_step_${k}_probes`;
      w.table('fotakit_cert_probe', name, st.probes.map((p) => [String(p.secTag), p.ok ? '1' : '0', cString(p.code ?? ''), cString(p.via)]), `FOTAKIT_CERT_STEP_${k}_PROBE_COUNT`);
      rows.push([cString(s.name), cString(s.mode), cString(st.host), st.restart ? '1' : '0', cString(st.code), String(st.chosenSecTag), String(st.winner), name, `FOTAKIT_CERT_STEP_${k}_PROBE_COUNT`]);
      k++;
    }
  }
  w.table('fotakit_cert_step', 'fotakit_cert_steps', rows, 'FOTAKIT_CERT_STEP_COUNT');
  return { name: 'cert_select', count: rows.length, json, header: w.toString() };
}

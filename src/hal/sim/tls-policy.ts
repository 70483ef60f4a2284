/**
 * What the simulated nRF9160 modem accepts from a TLS server beyond a valid chain (docs/nrf9160-modem-tls.md):
 * TLS 1.2 only (Nordic's modem library lists a TLS 1.2 client), certificate keys of at least
 * MODEM_TLS_RSA_MIN_KEY_BITS for RSA and only the curves in MODEM_TLS_EC_CURVES for EC, and no SHA-1 (or
 * MD5) signatures on the certificates the server sends. Each refusal has its own code so a failed
 * handshake says why: CERT_WEAK_KEY, CERT_WEAK_SIGNATURE, TLS_VERSION_UNSUPPORTED.
 * Node's OpenSSL refuses some of these itself before our check runs; its verdicts are mapped here too.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import {
  MODEM_TLS_EC_CURVES,
  MODEM_TLS_RSA_MIN_KEY_BITS,
} from '../net.ts';

/** Node's names of the curves the modem accepts (OpenSSL's: prime256v1 = P-256, secp384r1 = P-384). */
const NODE_CURVE_NAMES: Readonly<Record<string, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };

/** Signature algorithm OIDs (DER contents) refused as weak: SHA-1 and MD5 based. */
const WEAK_SIGNATURE_OIDS: ReadonlyArray<{ name: string; oid: number[] }> = [
  { name: 'sha1WithRSAEncryption', oid: [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05] },
  { name: 'md5WithRSAEncryption', oid: [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04] },
  { name: 'ecdsa-with-SHA1', oid: [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01] },
  { name: 'dsa-with-sha1', oid: [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03] },
];

/** OpenSSL / Node failure codes (and message fragments) → fotakit codes. */
const OPENSSL_POLICY_CODES: ReadonlyArray<{ match: RegExp; code: string }> = [
  { match: /CA_MD_TOO_WEAK|digest algorithm too weak|md too weak/i, code: 'CERT_WEAK_SIGNATURE' },
  { match: /EE_KEY_TOO_SMALL|CA_KEY_TOO_SMALL|key too small|key too weak/i, code: 'CERT_WEAK_KEY' },
  { match: /UNSUPPORTED_PROTOCOL|PROTOCOL_VERSION|unsupported protocol|wrong version number/i, code: 'TLS_VERSION_UNSUPPORTED' },
];

export interface PolicyViolation {
  code: 'CERT_WEAK_KEY' | 'CERT_WEAK_SIGNATURE';
  /** Subject of the certificate at fault. */
  subject: string;
  detail: string;
}

/** The code a Node TLS failure stands for when it is one of the modem's policy refusals. */
export function policyCodeOf(e: unknown): string | undefined {
  const code = String((e as { code?: unknown })?.code ?? '');
  const text = `${code} ${(e as Error)?.message ?? ''}`;
  return OPENSSL_POLICY_CODES.find((p) => p.match.test(text))?.code;
}

/** The signature algorithm OID of a DER certificate (Certificate ::= SEQUENCE { tbs, sigAlg, sig }). */
export function signatureOid(der: Uint8Array): Uint8Array | undefined {
  const read = (at: number): { tag: number; start: number; end: number } | undefined => {
    if (at + 2 > der.length) return undefined;
    const tag = der[at]!;
    let len = der[at + 1]!;
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 4 || start + n > der.length) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
      start += n;
    }
    return start + len <= der.length ? { tag, start, end: start + len } : undefined;
  };
  const cert = read(0);
  if (cert?.tag !== 0x30) return undefined;
  const tbs = read(cert.start);
  if (tbs === undefined) return undefined;
  const alg = read(tbs.end);
  if (alg?.tag !== 0x30) return undefined;
  const oid = read(alg.start);
  return oid?.tag === 0x06 ? der.subarray(oid.start, oid.end) : undefined;
}

function weakSignature(der: Uint8Array): string | undefined {
  const oid = signatureOid(der);
  if (oid === undefined) return undefined;
  return WEAK_SIGNATURE_OIDS.find((w) => w.oid.length === oid.length && w.oid.every((b, i) => b === oid[i]))?.name;
}

function weakKey(cert: X509Certificate): string | undefined {
  const key = cert.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const bits = d.modulusLength ?? 0;
    return bits < MODEM_TLS_RSA_MIN_KEY_BITS ? `RSA-${bits} (at least ${MODEM_TLS_RSA_MIN_KEY_BITS} bits)` : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    const allowed = MODEM_TLS_EC_CURVES.map((c) => NODE_CURVE_NAMES[c]);
    return d.namedCurve !== undefined && allowed.includes(d.namedCurve) ? undefined : `EC ${d.namedCurve ?? 'unknown curve'} (only ${MODEM_TLS_EC_CURVES.join(', ')})`;
  }
  return `${key.asymmetricKeyType ?? 'unknown'} key (RSA or EC ${MODEM_TLS_EC_CURVES.join('/')} only)`;
}

/**
 * Checks the chain a server presented (leaf first, up to the trusted root): every key against the
 * modem's key policy, every signature but the root's self-signature against the weak list.
 */
export function checkChainPolicy(peer: DetailedPeerCertificate | undefined): PolicyViolation | undefined {
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    const cert = new X509Certificate(c.raw);
    const subject = cert.subject.replace(/\n/g, ', ');
    const key = weakKey(cert);
    if (key !== undefined) return { code: 'CERT_WEAK_KEY', subject, detail: key };
    const selfSigned = cert.subject === cert.issuer;
    const sig = selfSigned ? undefined : weakSignature(new Uint8Array(c.raw.buffer, c.raw.byteOffset, c.raw.length));
    if (sig !== undefined) return { code: 'CERT_WEAK_SIGNATURE', subject, detail: sig };
  }
  return undefined;
}

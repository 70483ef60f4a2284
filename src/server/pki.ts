/**
 * The test PKI of the local update server, made at start with @peculiar/x509 on Node's webcrypto
 * (ECDSA P-256 keeps it fast). It mirrors the field (docs/reference/nrf91-fota.md, problem 1): four
 * roots named after the ones Memfault's SDK carries, the release API chaining to the Amazon-like root
 * and the CDN, a DIFFERENT host, chaining to the DigiCert-G2-like root, each through an intermediate.
 * Bad leaves for tests: expired, not yet valid, a name that is not the host's, and one from a root no
 * client holds. Everything is PEM, as the modem's credential store takes it.
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 (through tsyringe) needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Key pair type as @peculiar/x509 takes it (the DOM's CryptoKeyPair, without the DOM lib). */
type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Validity of the good certificates around "now". */
const CERT_VALID_BEFORE_NOW_MS = 1 * DAY_MS;
const CERT_VALID_AFTER_NOW_MS = 365 * DAY_MS;
/** The expired leaf ended this long ago; the not-yet-valid one starts this far ahead. */
const BAD_LEAF_OFFSET_MS = 30 * DAY_MS;

export const DEFAULT_API_HOST = 'api.fotakit.test';
export const DEFAULT_CDN_HOST = 'cdn.fotakit.test';
/** A third host the CDN may redirect to, chaining to a third root (Baltimore-like). */
export const DEFAULT_MIRROR_HOST = 'mirror.fotakit.test';
/** Host names whose leaves are bad on purpose (each served by the same server, chosen by SNI). */
export const BAD_HOSTS = {
  expired: 'expired.fotakit.test',
  notYetValid: 'future.fotakit.test',
  wrongHost: 'wrong-host.fotakit.test',
  unknownCa: 'unknown-ca.fotakit.test',
} as const;
/** The name the wrong-host leaf is issued for (not the host that serves it). */
export const WRONG_HOST_CERT_NAME = 'somebody-else.fotakit.test';

/** The roots clients are given, by the role they play in the field. */
export const ROOT_NAMES = {
  amazonRootCa1: 'fotakit test Amazon Root CA 1',
  digicertGlobalRootG2: 'fotakit test DigiCert Global Root G2',
  baltimoreCyberTrust: 'fotakit test Baltimore CyberTrust Root',
  digicertGlobalRootCa: 'fotakit test DigiCert Global Root CA',
} as const;
export type RootId = keyof typeof ROOT_NAMES;
/** A root no client holds (for CERT_UNKNOWN_CA). */
export const UNTRUSTED_ROOT_NAME = 'fotakit test Untrusted Root';

export interface PkiRoot {
  id: RootId | 'untrusted';
  name: string;
  pem: string;
}

/** What a TLS server needs to present one identity: the key and the chain (leaf, then intermediate). */
export interface PkiIdentity {
  /** Host names in the leaf's SAN. */
  names: string[];
  keyPem: string;
  /** Leaf then intermediate, PEM (the root is not sent, as in the field). */
  chainPem: string;
  /** The root the chain ends at. */
  root: RootId | 'untrusted';
}

export interface TestPki {
  roots: Record<RootId, PkiRoot>;
  untrustedRoot: PkiRoot;
  api: PkiIdentity;
  cdn: PkiIdentity;
  mirror: PkiIdentity;
  expired: PkiIdentity;
  notYetValid: PkiIdentity;
  wrongHost: PkiIdentity;
  unknownCa: PkiIdentity;
  /** Every root clients may hold, concatenated PEM, in the field's (bad) order: Amazon first, G2 last. */
  rootsPem: string;
}

export interface PkiOptions {
  /** Names of the release API leaf (default api.fotakit.test). */
  apiHosts?: string[];
  /** Names of the CDN leaf (default cdn.fotakit.test). */
  cdnHosts?: string[];
  /** Names of the redirect mirror's leaf (default mirror.fotakit.test). */
  mirrorHosts?: string[];
  /** IP addresses put in both good leaves too (for devices that connect by address). */
  ipAddresses?: string[];
}

interface Issuer {
  cert: x509.X509Certificate;
  keys: KeyPair;
}

let serial = 1;
function nextSerial(): string {
  // Distinct serials within one run; a random high part keeps separate runs distinct.
  const hi = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
  return `7f${hi}${(serial++).toString(16).padStart(8, '0')}`;
}

async function newKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as unknown as KeyPair;
}

async function keyPem(keys: KeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function makeRoot(name: string, now: number): Promise<Issuer> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}, O=fotakit test PKI`,
    notBefore: new Date(now - CERT_VALID_BEFORE_NOW_MS),
    notAfter: new Date(now + 10 * CERT_VALID_AFTER_NOW_MS),
    signingAlgorithm: EC_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function makeIntermediate(name: string, parent: Issuer, now: number): Promise<Issuer> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${name}, O=fotakit test PKI`,
    issuer: parent.cert.subject,
    notBefore: new Date(now - CERT_VALID_BEFORE_NOW_MS),
    notAfter: new Date(now + 5 * CERT_VALID_AFTER_NOW_MS),
    signingAlgorithm: EC_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: parent.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function makeLeaf(
  names: string[],
  ips: string[],
  issuer: Issuer,
  root: RootId | 'untrusted',
  notBefore: number,
  notAfter: number,
): Promise<PkiIdentity> {
  const keys = await newKeys();
  const san = [...names.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${names[0]}`,
    issuer: issuer.cert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: EC_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(san),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { names, keyPem: await keyPem(keys), chainPem: cert.toString('pem') + '\n' + issuer.cert.toString('pem') + '\n', root };
}

/** Makes a fresh PKI (a few tens of milliseconds). */
export async function createTestPki(options: PkiOptions = {}): Promise<TestPki> {
  const now = Date.now();
  const apiHosts = options.apiHosts ?? [DEFAULT_API_HOST];
  const cdnHosts = options.cdnHosts ?? [DEFAULT_CDN_HOST];
  const mirrorHosts = options.mirrorHosts ?? [DEFAULT_MIRROR_HOST];
  const ips = options.ipAddresses ?? [];
  const [amazon, g2, baltimore, digicertCa, untrusted] = await Promise.all([
    makeRoot(ROOT_NAMES.amazonRootCa1, now),
    makeRoot(ROOT_NAMES.digicertGlobalRootG2, now),
    makeRoot(ROOT_NAMES.baltimoreCyberTrust, now),
    makeRoot(ROOT_NAMES.digicertGlobalRootCa, now),
    makeRoot(UNTRUSTED_ROOT_NAME, now),
  ]);
  const [amazonInt, g2Int, baltimoreInt, untrustedInt] = await Promise.all([
    makeIntermediate('fotakit test Amazon ECDSA 256 M01', amazon!, now),
    makeIntermediate('fotakit test DigiCert Global G2 TLS ECC CA', g2!, now),
    makeIntermediate('fotakit test Cybertrust Mirror CA', baltimore!, now),
    makeIntermediate('fotakit test Untrusted Intermediate', untrusted!, now),
  ]);
  const from = now - CERT_VALID_BEFORE_NOW_MS;
  const to = now + CERT_VALID_AFTER_NOW_MS;
  const [api, cdn, mirror, expired, notYetValid, wrongHost, unknownCa] = await Promise.all([
    makeLeaf(apiHosts, ips, amazonInt, 'amazonRootCa1', from, to),
    makeLeaf(cdnHosts, ips, g2Int, 'digicertGlobalRootG2', from, to),
    makeLeaf(mirrorHosts, ips, baltimoreInt, 'baltimoreCyberTrust', from, to),
    makeLeaf([BAD_HOSTS.expired], [], amazonInt, 'amazonRootCa1', now - 2 * BAD_LEAF_OFFSET_MS, now - BAD_LEAF_OFFSET_MS),
    makeLeaf([BAD_HOSTS.notYetValid], [], amazonInt, 'amazonRootCa1', now + BAD_LEAF_OFFSET_MS, now + 2 * BAD_LEAF_OFFSET_MS),
    makeLeaf([WRONG_HOST_CERT_NAME], [], amazonInt, 'amazonRootCa1', from, to),
    makeLeaf([BAD_HOSTS.unknownCa], [], untrustedInt, 'untrusted', from, to),
  ]);
  const root = (id: RootId, issuer: Issuer): PkiRoot => ({ id, name: ROOT_NAMES[id], pem: issuer.cert.toString('pem') + '\n' });
  const roots: Record<RootId, PkiRoot> = {
    amazonRootCa1: root('amazonRootCa1', amazon!),
    digicertGlobalRootCa: root('digicertGlobalRootCa', digicertCa!),
    baltimoreCyberTrust: root('baltimoreCyberTrust', baltimore!),
    digicertGlobalRootG2: root('digicertGlobalRootG2', g2!),
  };
  return {
    roots,
    untrustedRoot: { id: 'untrusted', name: UNTRUSTED_ROOT_NAME, pem: untrusted!.cert.toString('pem') + '\n' },
    api: api!,
    cdn: cdn!,
    mirror: mirror!,
    expired: expired!,
    notYetValid: notYetValid!,
    wrongHost: wrongHost!,
    unknownCa: unknownCa!,
    rootsPem: Object.values(roots).map((r) => r.pem).join(''),
  };
}

let shared: Promise<TestPki> | undefined;

/** One PKI with the default names, made once per process and shared (tests, benches). */
export function sharedTestPki(): Promise<TestPki> {
  shared ??= createTestPki();
  return shared;
}

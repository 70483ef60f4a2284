/**
 * Test helper (not a test file): a small PKI whose leaves break the nRF9160 modem's policy on purpose
 * (docs/nrf9160-modem-tls.md): RSA-1024 and P-521 keys, a SHA-1 signature; plus good RSA-2048 and P-384
 * leaves. One root (ECDSA P-256, SHA-256) signs every leaf directly.
 */
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
type Alg = { name: string; modulusLength?: number; publicExponent?: Uint8Array; hash?: string; namedCurve?: string };

const DAY_MS = 24 * 60 * 60 * 1000;

export interface WeakLeaf {
  keyPem: string;
  /** Leaf only (the root signs it directly). */
  chainPem: string;
}

export interface WeakPki {
  rootPem: string;
  rsa1024: WeakLeaf;
  rsa2048: WeakLeaf;
  p521: WeakLeaf;
  p384: WeakLeaf;
  sha1: WeakLeaf;
}

async function keys(alg: Alg): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(alg as Parameters<typeof webcrypto.subtle.generateKey>[0], true, ['sign', 'verify'])) as unknown as KeyPair;
}

async function pem(k: KeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', k.privateKey as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

const rsa = (bits: number): Alg => ({ name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }) as Alg;
const ec = (curve: string): Alg => ({ name: 'ECDSA', namedCurve: curve }) as Alg;

export async function createWeakPki(host: string): Promise<WeakPki> {
  const now = Date.now();
  const rootKeys = await keys(ec('P-256'));
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=fotakit weak-leaf test root',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys: rootKeys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  let serial = 2;
  const leaf = async (alg: Alg, hash: 'SHA-256' | 'SHA-1'): Promise<WeakLeaf> => {
    const k = await keys(alg);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject: `CN=${host}`,
      issuer: root.subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 30 * DAY_MS),
      signingAlgorithm: { name: 'ECDSA', hash },
      publicKey: k.publicKey,
      signingKey: rootKeys.privateKey,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }]), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
    });
    return { keyPem: await pem(k), chainPem: cert.toString('pem') + '\n' };
  };
  const [rsa1024, rsa2048, p521, p384, sha1] = await Promise.all([
    leaf(rsa(1024), 'SHA-256'),
    leaf(rsa(2048), 'SHA-256'),
    leaf(ec('P-521'), 'SHA-256'),
    leaf(ec('P-384'), 'SHA-256'),
    leaf(ec('P-256'), 'SHA-1'),
  ]);
  return { rootPem: root.toString('pem') + '\n', rsa1024, rsa2048, p521, p384, sha1 };
}

/**
 * Default root-CA candidates taken from Node's bundled root store, so the agent works against real
 * servers (Memfault's device API and CDN) without shipping certificates: Memfault's sec_tags —
 * DigiCert Global Root G2 = 1001, Amazon Root CA 1 = 1002 (docs/reference/nrf91-fota.md).
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { FotaError } from '../hal/errors.ts';
import type { CertCandidate } from '../fota/cert-select.ts';

export const MEMFAULT_SEC_TAG_DIGICERT_GLOBAL_ROOT_G2 = 1001;
export const MEMFAULT_SEC_TAG_AMAZON_ROOT_CA_1 = 1002;

/** The PEM of the root whose subject CN is exactly `commonName`. */
export function bundledRoot(commonName: string): string {
  for (const pem of rootCertificates) {
    const subject = new X509Certificate(pem).subject;
    if (subject.split('\n').some((line) => line === `CN=${commonName}`)) return pem;
  }
  throw new FotaError('CERT_NOT_IN_STORE', `rootStore: '${commonName}' is not in Node's bundled root store`);
}

/** Memfault's current candidate list: DigiCert Global Root G2 (1001), then Amazon Root CA 1 (1002). */
export function memfaultCandidates(): CertCandidate[] {
  return [
    { secTag: MEMFAULT_SEC_TAG_DIGICERT_GLOBAL_ROOT_G2, name: 'DigiCert Global Root G2', pem: bundledRoot('DigiCert Global Root G2') },
    { secTag: MEMFAULT_SEC_TAG_AMAZON_ROOT_CA_1, name: 'Amazon Root CA 1', pem: bundledRoot('Amazon Root CA 1') },
  ];
}

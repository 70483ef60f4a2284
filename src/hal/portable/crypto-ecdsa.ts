/**
 * ECDSA verification on a digest, as MCUboot checks the ECDSA_SIG TLV (the hashed region's digest is
 * what was signed, ASN.1 DER (r, s) signature). Shared by both crypto HALs: node:crypto cannot verify a
 * prehashed ECDSA signature, so the Node HAL uses this audited pure-JS path too (@noble/curves).
 */
import { p256, p384 } from '@noble/curves/nist.js';

/** False for a wrong or malformed signature, never throws for one. */
export function verifyEcdsaDigest(curve: 'ecdsa-p256' | 'ecdsa-p384', publicPoint: Uint8Array, digest: Uint8Array, derSignature: Uint8Array): boolean {
  const c = curve === 'ecdsa-p256' ? p256 : p384;
  try {
    return c.verify(derSignature, digest, publicPoint, { prehash: false, lowS: false, format: 'der' });
  } catch {
    return false;
  }
}

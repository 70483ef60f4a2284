/**
 * The agent's verifier port on the MCUboot streaming verifier: hash and a signature by one of the
 * trusted keys (hash-only only when no key is configured and that is explicitly allowed), checked while
 * the image streams, with the header available after 32 bytes for the early checks.
 */
import { toHex } from '../../hal/bytes.ts';
import type { Crypto } from '../../hal/crypto.ts';
import { FotaError } from '../../hal/errors.ts';
import type { TrustedKey } from '../mcuboot/keys.ts';
import { createStreamVerifier } from '../mcuboot/stream-verifier.ts';
import { formatVersion } from '../mcuboot/version.ts';
import type { CreateVerifier, ImageVerdict } from './ports.ts';

export interface McubootVerifierOptions {
  crypto: Crypto;
  trustedKeys: readonly TrustedKey[];
  /** Accept unsigned (hash-only) images; only meaningful without trusted keys. */
  allowUnsigned?: boolean;
}

export function mcubootVerifier(o: McubootVerifierOptions): CreateVerifier {
  if (o.trustedKeys.length === 0 && !o.allowUnsigned) {
    throw new FotaError('AGENT_NO_TRUSTED_KEYS', 'mcubootVerifier: no trusted keys; pass allowUnsigned to accept hash-only images');
  }
  return () => {
    const v = createStreamVerifier({
      crypto: o.crypto,
      ...(o.trustedKeys.length > 0 ? { trustedKeys: [...o.trustedKeys] } : { allowUnsigned: true }),
    });
    return {
      update: (chunk) => v.update(chunk),
      header: () => (v.header ? { version: formatVersion(v.header.version) } : undefined),
      async finish(): Promise<ImageVerdict> {
        const r = await v.finish();
        return {
          valid: r.valid,
          ...(r.code ? { code: r.code } : {}),
          ...(r.message ? { message: r.message } : {}),
          version: r.versionText,
          ...(r.securityCounter !== undefined ? { securityCounter: r.securityCounter } : {}),
          ...(r.hash ? { hashHex: toHex(r.hash) } : {}),
          signed: r.signed,
        };
      },
    };
  };
}

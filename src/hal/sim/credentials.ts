/**
 * The simulated modem's credential store: what the nRF9160 holds under each sec_tag (AT%CMNG), with the
 * SHA-256 of each credential's content as `AT%CMNG=1` lists it (upper-case hex).
 * Spec: docs/reference/nrf91-fota.md ("Serial LTE Modem (SLM) AT commands", "nRF9160 modem facts").
 */
import { createHash, X509Certificate } from 'node:crypto';
import { NetError } from '../errors.ts';
import { CREDENTIAL_TYPE, type CredentialInfo, type CredentialStore, type CredentialType } from '../net.ts';

/** sec_tag range the modem accepts. */
export const SEC_TAG_MIN = 0;
export const SEC_TAG_MAX = 2_147_483_647;
/** Largest credential the modem stores (one certificate or key, PEM). */
export const MODEM_CREDENTIAL_MAX_BYTES = 4096;

const TYPES = new Set<number>(Object.values(CREDENTIAL_TYPE));

function key(secTag: number, type: CredentialType): string {
  return `${secTag}:${type}`;
}

function checkSecTag(op: string, secTag: number): void {
  if (!Number.isInteger(secTag) || secTag < SEC_TAG_MIN || secTag > SEC_TAG_MAX) {
    throw new NetError('EINVAL', `${op}: sec_tag must be an integer from ${SEC_TAG_MIN} to ${SEC_TAG_MAX}, got ${secTag}`, { secTag });
  }
}

function checkType(op: string, type: number): void {
  if (!TYPES.has(type)) throw new NetError('EINVAL', `${op}: unknown credential type ${type}`, { type });
}

export class SimCredentialStore implements CredentialStore {
  private readonly items = new Map<string, { secTag: number; type: CredentialType; content: string; sha256: string }>();

  async list(): Promise<CredentialInfo[]> {
    return [...this.items.values()]
      .sort((a, b) => a.secTag - b.secTag || a.type - b.type)
      .map(({ secTag, type, sha256 }) => ({ secTag, type, sha256 }));
  }

  async write(secTag: number, type: CredentialType, content: string): Promise<void> {
    const op = 'credentials.write';
    checkSecTag(op, secTag);
    checkType(op, type);
    if (typeof content !== 'string' || content.length === 0) throw new NetError('EINVAL', `${op}: empty content for sec_tag ${secTag}`, { secTag });
    if (content.length > MODEM_CREDENTIAL_MAX_BYTES) {
      throw new NetError('ENOMEM', `${op}: ${content.length} bytes exceed the modem's ${MODEM_CREDENTIAL_MAX_BYTES}-byte credential limit`, { secTag, bytes: content.length });
    }
    if (type === CREDENTIAL_TYPE.rootCa || type === CREDENTIAL_TYPE.clientCert) {
      try {
        new X509Certificate(content);
      } catch {
        throw new NetError('EINVAL', `${op}: sec_tag ${secTag} type ${type} is not a PEM certificate`, { secTag, type });
      }
    }
    const sha256 = createHash('sha256').update(content, 'utf8').digest('hex').toUpperCase();
    this.items.set(key(secTag, type), { secTag, type, content, sha256 });
  }

  async delete(secTag: number, type: CredentialType): Promise<void> {
    const op = 'credentials.delete';
    checkSecTag(op, secTag);
    checkType(op, type);
    if (!this.items.delete(key(secTag, type))) {
      throw new NetError('ENOENT', `${op}: no credential of type ${type} under sec_tag ${secTag}`, { secTag, type });
    }
  }

  /** The stored content (the simulator can read back what a real modem would not show). */
  read(secTag: number, type: CredentialType): string | undefined {
    return this.items.get(key(secTag, type))?.content;
  }
}

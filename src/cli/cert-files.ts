/**
 * Root-CA candidates from PEM files given on the command line (`--ca`): every certificate of
 * every file, in order, each under the next sec_tag and named by its subject CN, as the modem will
 * store them. Shared by `fotakit sim` and `fotakit hil`.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../hal/errors.ts';
import type { CertCandidate } from '../fota/cert-select.ts';

/** Highest sec_tag the modem accepts. */
export const SEC_TAG_MAX = 2_147_483_647;
const PEM_CERTIFICATE_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Candidates from `files` with sec_tags firstSecTag, firstSecTag + 1, ...; UsageError naming `flag` otherwise. */
export function readCandidates(files: readonly string[], firstSecTag: number, flag: string, hint = ''): CertCandidate[] {
  const out: CertCandidate[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--${flag}: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${hint}`);
    }
    const pems = text.match(PEM_CERTIFICATE_RE) ?? [];
    if (pems.length === 0) throw new UsageError(`--${flag}: '${file}' holds no PEM certificate`);
    pems.forEach((pem, i) => {
      let name: string;
      try {
        const subject = new X509Certificate(pem).subject;
        name = /CN=([^\n,]+)/.exec(subject)?.[1] ?? subject;
      } catch {
        throw new UsageError(`--${flag}: certificate ${i + 1} of '${file}' does not parse`);
      }
      const secTag = firstSecTag + out.length;
      if (secTag > SEC_TAG_MAX) throw new UsageError(`--${flag}: sec_tag ${secTag} is over ${SEC_TAG_MAX}`);
      out.push({ secTag, name, pem: `${pem}\n` });
    });
  }
  return out;
}

/**
 * What every vector generator returns: one category's JSON document (schema in docs/vectors.md) and
 * its C99 header text. The writer (index.ts) names the files `<name>.json` and `fotakit_<name>.h`.
 */
import { FotaError } from '../hal/errors.ts';

export interface VectorCategory {
  /** File stem: `images`, `trailers`, `http`, `smp`, `at`, `cert_select`. */
  name: string;
  /** Number of vectors (all kinds) in the category. */
  count: number;
  json: Record<string, unknown>;
  header: string;
}

/** Version of the JSON schema (docs/vectors.md); bumped when a field changes meaning. */
export const VECTORS_SCHEMA_VERSION = 1;

/** The `code` of a thrown FotaError, else rethrows (a generator never hides an untyped failure). */
export function errorCode(e: unknown): string {
  if (e instanceof FotaError) return e.code;
  throw e;
}

/** Test-vector generation errors. */
export const VECTORS_ERROR_CODES = {
  VECTORS_BAD_INPUT: 'a value a C header cannot hold (name, number range)',
  VECTORS_BAD_KEY: 'a test key that does not parse',
  VECTORS_EMPTY: 'a category that produced no vectors',
  VECTORS_UNKNOWN_CATEGORY: 'a category name that does not exist',
} as const;

declare module '../hal/errors.ts' {
  interface FotaErrorCodeRegistry extends Record<keyof typeof VECTORS_ERROR_CODES, true> {}
}

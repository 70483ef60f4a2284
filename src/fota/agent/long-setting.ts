/**
 * A value longer than one settings entry (SETTINGS_MAX_VALUE_BYTES), spread over entries: the first
 * piece under `key`, the next ones under `key/1`, `key/2`, ... Written last piece first and the main key
 * last; pieces of an older, longer value are deleted. The pieces are not written atomically together:
 * the caller keeps a digest of the whole value elsewhere (the agent's record holds the URL's urlId) and
 * drops a value that does not match it.
 */
import { SETTINGS_MAX_VALUE_BYTES, type Settings } from '../../hal/settings.ts';
import { FotaError } from '../../hal/errors.ts';

/** Most entries one value may take (bounds reads of a corrupt store). */
export const LONG_SETTING_MAX_PIECES = 16;

function pieceKey(key: string, i: number): string {
  return i === 0 ? key : `${key}/${i}`;
}

export async function writeLongSetting(settings: Settings, key: string, value: Uint8Array): Promise<void> {
  const pieces = Math.max(1, Math.ceil(value.length / SETTINGS_MAX_VALUE_BYTES));
  if (pieces > LONG_SETTING_MAX_PIECES) {
    throw new FotaError('SETTINGS_VALUE_TOO_LARGE', `settings.writeLong: ${value.length} bytes need more than ${LONG_SETTING_MAX_PIECES} entries`, { bytes: value.length });
  }
  for (let i = pieces; i < LONG_SETTING_MAX_PIECES; i++) {
    if ((await settings.get(pieceKey(key, i))) === undefined) break;
    await settings.delete(pieceKey(key, i));
  }
  for (let i = pieces - 1; i >= 0; i--) {
    await settings.set(pieceKey(key, i), value.subarray(i * SETTINGS_MAX_VALUE_BYTES, (i + 1) * SETTINGS_MAX_VALUE_BYTES));
  }
}

/** The value, or undefined when the main key is absent. */
export async function readLongSetting(settings: Settings, key: string): Promise<Uint8Array | undefined> {
  const first = await settings.get(key);
  if (first === undefined) return undefined;
  const parts = [first];
  // Only a full piece can have a successor.
  for (let i = 1; i < LONG_SETTING_MAX_PIECES && parts[parts.length - 1]!.length === SETTINGS_MAX_VALUE_BYTES; i++) {
    const p = await settings.get(pieceKey(key, i));
    if (p === undefined) break;
    parts.push(p);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Entry checks shared by the Settings implementations (memory-settings.ts, flash-settings.ts): a key is
 * a non-empty string of at most SETTINGS_MAX_KEY_BYTES bytes of UTF-8, a value a Uint8Array of at most
 * SETTINGS_MAX_VALUE_BYTES. Internal helper of src/hal/portable.
 */
import { utf8Encode } from '../bytes.ts';
import { SettingsError } from '../errors.ts';
import { SETTINGS_MAX_KEY_BYTES, SETTINGS_MAX_VALUE_BYTES } from '../settings.ts';

/** Returns the key's UTF-8 bytes; SettingsError `SETTINGS_BAD_KEY` for an empty, too long or non-string key. */
export function checkSettingsKey(op: string, key: unknown): Uint8Array {
  if (typeof key !== 'string' || key.length === 0) {
    throw new SettingsError('SETTINGS_BAD_KEY', `${op}: key must be a non-empty string`, { key: String(key) });
  }
  const bytes = utf8Encode(key);
  if (bytes.length > SETTINGS_MAX_KEY_BYTES) {
    throw new SettingsError('SETTINGS_BAD_KEY', `${op}: key '${key.slice(0, 16)}...' is ${bytes.length} bytes, limit ${SETTINGS_MAX_KEY_BYTES}`, { key, bytes: bytes.length, limit: SETTINGS_MAX_KEY_BYTES });
  }
  return bytes;
}

/** SettingsError `SETTINGS_BAD_VALUE` for a non-Uint8Array, `SETTINGS_VALUE_TOO_LARGE` over the limit. */
export function checkSettingsValue(op: string, key: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new SettingsError('SETTINGS_BAD_VALUE', `${op}: value of '${key}' must be a Uint8Array`, { key });
  }
  if (value.length > SETTINGS_MAX_VALUE_BYTES) {
    throw new SettingsError('SETTINGS_VALUE_TOO_LARGE', `${op}: value of '${key}' is ${value.length} bytes, limit ${SETTINGS_MAX_VALUE_BYTES}`, { key, bytes: value.length, limit: SETTINGS_MAX_VALUE_BYTES });
  }
  return value;
}

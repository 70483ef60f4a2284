/**
 * Settings HAL: a persistent key-value store (Zephyr settings over NVS/ZMS). Keys are path-like
 * strings (`fota/state`, `fota/cert/api.example.com`); values are bytes. After a power cut in the
 * middle of `set`, a key reads as its old or its new value, never anything else.
 */
import { utf8Decode, utf8Encode } from './bytes.ts';
import { SettingsError } from './errors.ts';

export interface Settings {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys currently stored, optionally only those starting with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
}

/** Longest key accepted, in bytes of UTF-8 (Zephyr SETTINGS_MAX_NAME_LEN). */
export const SETTINGS_MAX_KEY_BYTES = 64;
/** Largest value accepted, in bytes. */
export const SETTINGS_MAX_VALUE_BYTES = 1024;

/** Stores a JSON value under `key` (helper for the structured records the agent persists). */
export async function setJson(settings: Settings, key: string, value: unknown): Promise<void> {
  await settings.set(key, utf8Encode(JSON.stringify(value)));
}

/** Reads a JSON value stored with setJson; undefined when absent; SETTINGS_CORRUPT when it does not parse. */
export async function getJson<T>(settings: Settings, key: string): Promise<T | undefined> {
  const raw = await settings.get(key);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(utf8Decode(raw)) as T;
  } catch (cause) {
    throw new SettingsError('SETTINGS_CORRUPT', `settings.getJson: value of '${key}' is not JSON`, { key }, { cause });
  }
}

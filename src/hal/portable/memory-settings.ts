/**
 * In-memory Settings (src/hal/settings.ts) for unit tests: a Map of copies, with the same key and value
 * checks as the flash store. Nothing survives the object.
 */
import type { Settings } from '../settings.ts';
import { checkSettingsKey, checkSettingsValue } from './settings-check.ts';

export class MemorySettings implements Settings {
  private readonly map = new Map<string, Uint8Array>();

  constructor(initial: Record<string, Uint8Array> = {}) {
    for (const [k, v] of Object.entries(initial)) {
      checkSettingsKey('memorySettings', k);
      this.map.set(k, checkSettingsValue('memorySettings', k, v).slice());
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkSettingsKey('settings.get', key);
    return this.map.get(key)?.slice();
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkSettingsKey('settings.set', key);
    this.map.set(key, checkSettingsValue('settings.set', key, value).slice());
  }

  async delete(key: string): Promise<void> {
    checkSettingsKey('settings.delete', key);
    this.map.delete(key);
  }

  async keys(prefix = ''): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Number of keys stored. */
  get size(): number {
    return this.map.size;
  }
}

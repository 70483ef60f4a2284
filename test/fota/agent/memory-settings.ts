/** Settings in a Map, for agent tests (the flash-backed store has its own tests). */
import type { Settings } from '../../../src/hal/settings.ts';
export class MemorySettings implements Settings {
  readonly map = new Map<string, Uint8Array>();
  async get(key: string) { const v = this.map.get(key); return v && v.slice(); }
  async set(key: string, value: Uint8Array) { this.map.set(key, value.slice()); }
  async delete(key: string) { this.map.delete(key); }
  async keys(prefix = '') { return [...this.map.keys()].filter((k) => k.startsWith(prefix)); }
}

/**
 * Download state kept in the Settings HAL so a reboot resumes where the sink left off:
 * {id, etag, lastModified, size, offset, head}. `id` is the download's identity (the URL unless the caller
 * names it), stored as is when short, else as a length and FNV-1a digest so the record stays under
 * SETTINGS_MAX_VALUE_BYTES. A record that does not parse is dropped (the download starts over), never
 * trusted.
 */
import { fnv1a32, utf8Encode } from '../../hal/bytes.ts';
import { isFotaError } from '../../hal/errors.ts';
import { getJson, setJson, type Settings } from '../../hal/settings.ts';

/** Settings key used when the caller names none. */
export const DOWNLOAD_STATE_KEY_DEFAULT = 'dl/state';
/** Longest id stored verbatim; longer ones are stored as a digest. */
export const DOWNLOAD_STATE_ID_MAX_CHARS = 256;
/** Longest validator kept (ETag or Last-Modified). */
export const DOWNLOAD_STATE_VALIDATOR_MAX_CHARS = 200;

export interface DownloadState {
  id: string;
  etag?: string;
  lastModified?: string;
  size: number;
  /** Bytes the sink had accepted when this was written. */
  offset: number;
  /** The response head ranges were planned on, as [headBytes, first, last], so a resume plans full ranges at once. */
  head?: [number, number, number];
}

/** The stored form of an id: itself, or `#<utf8 length>:<fnv1a-32 hex>` when long. */
export function stateId(id: string): string {
  if (id.length <= DOWNLOAD_STATE_ID_MAX_CHARS) return id;
  const bytes = utf8Encode(id);
  return `#${bytes.length}:${fnv1a32(bytes).toString(16).padStart(8, '0')}`;
}

function isState(v: unknown): v is DownloadState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const okNum = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const okStr = (x: unknown) => x === undefined || (typeof x === 'string' && x.length <= DOWNLOAD_STATE_VALIDATOR_MAX_CHARS);
  const okHead = s.head === undefined || (Array.isArray(s.head) && s.head.length === 3 && s.head.every(okNum) && (s.head[1] as number) <= (s.head[2] as number));
  return typeof s.id === 'string' && okHead && okNum(s.size) && okNum(s.offset) && (s.offset as number) <= (s.size as number) && okStr(s.etag) && okStr(s.lastModified);
}

/** The stored state, or undefined when absent or unusable. */
export async function loadDownloadState(settings: Settings, key = DOWNLOAD_STATE_KEY_DEFAULT): Promise<DownloadState | undefined> {
  try {
    const v = await getJson<unknown>(settings, key);
    return isState(v) ? v : undefined;
  } catch (e) {
    if (isFotaError(e, 'SETTINGS_CORRUPT')) return undefined;
    throw e;
  }
}

export async function saveDownloadState(settings: Settings, state: DownloadState, key = DOWNLOAD_STATE_KEY_DEFAULT): Promise<void> {
  const clip = (s: string | undefined) => (s === undefined || s.length > DOWNLOAD_STATE_VALIDATOR_MAX_CHARS ? undefined : s);
  await setJson(settings, key, { id: stateId(state.id), etag: clip(state.etag), lastModified: clip(state.lastModified), size: state.size, offset: state.offset, head: state.head });
}

export async function clearDownloadState(settings: Settings, key = DOWNLOAD_STATE_KEY_DEFAULT): Promise<void> {
  await settings.delete(key);
}

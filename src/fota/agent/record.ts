/**
 * The FOTA agent's record: what survives a reboot or a power cut about the update in progress (state,
 * release, attempts, reasons, releases that failed here), in the settings HAL under AGENT_RECORD_KEY.
 * The release URL is stored apart (AGENT_RELEASE_URL_KEY): signed CDN URLs are long, and the record must
 * stay well inside one settings value whatever the URL; the record holds the URL's digest. A stored value
 * this module did not write (wrong shape, corrupt) is never trusted: the agent starts from idle.
 *
 * Resume state: the record keeps the file's identity (size, ETag or Last-Modified) once the download
 * knows it; how many bytes are safely in the slot is the slot's own progress (src/fota/dfu/stream-writer.ts
 * for the local slot, the device's upload offset for an SMP slot), never copied here.
 */
import { fnv1a32, utf8Decode, utf8Encode } from '../../hal/bytes.ts';
import { isFotaError } from '../../hal/errors.ts';
import type { Log } from '../../hal/log.ts';
import { getJson, setJson, type Settings } from '../../hal/settings.ts';
import { readLongSetting, writeLongSetting } from './long-setting.ts';
import type { BadRelease } from './refused-releases.ts';
import { AGENT_STATES, type AgentState } from './transitions.ts';

/** Settings key of the agent's record. */
export const AGENT_RECORD_KEY = 'fota/agent';
/**
 * Settings key of the release URL, kept apart from the record: CDN URLs with signed query strings are
 * long (up to RELEASE_URL_MAX_BYTES, spread over several entries: long-setting.ts), and the record must
 * stay well inside one settings value whatever the URL.
 */
export const AGENT_RELEASE_URL_KEY = 'fota/release-url';

export interface AgentRecord {
  state: AgentState;
  /** Why the last cycle failed or rolled back. */
  reason?: { code: string; message: string };
  /** The release being worked on. */
  release?: {
    url: string;
    /** ETag or Last-Modified of the file being downloaded (keys the slot's progress). */
    validator?: string;
    version?: string;
    hashHex?: string;
    bytes?: number;
  };
  /** Version that ran when this release was taken on (the one to fall back to). */
  fromVersion?: string;
  /** Reboots that did not apply the staged image, for this release. */
  attempts: number;
  /** A reset was requested in the current state (rebooting / reverting / trial): what follows is after it. */
  resetIssued?: boolean;
  /** The self-test started for the image on trial (a reset after this means it did not finish). */
  selftestStarted?: boolean;
  /** Releases that failed their trial or were refused here (URL digest, see urlId): never downloaded again. */
  badReleases: BadRelease[];
}

/** The record as stored: the release URL lives under its own key, the record holds its digest. */
type StoredRecord = Omit<AgentRecord, 'release'> & { release?: Omit<NonNullable<AgentRecord['release']>, 'url'> & { urlId: string } };

/** Whether a value read from settings has the record's shape (anything else is not trusted). */
function isStoredRecord(v: unknown): v is StoredRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.state === 'string' &&
    (AGENT_STATES as readonly string[]).includes(r.state) &&
    typeof r.attempts === 'number' &&
    Array.isArray(r.badReleases) &&
    (r.release === undefined || (typeof r.release === 'object' && r.release !== null && typeof (r.release as { urlId?: unknown }).urlId === 'string'))
  );
}

/** A short stable identity of a URL: its UTF-8 length and FNV-1a digest. */
export function urlId(url: string): string {
  const bytes = utf8Encode(url);
  return `${bytes.length}:${fnv1a32(bytes).toString(16).padStart(8, '0')}`;
}

/** A record with nothing in progress. */
export function freshAgentRecord(): AgentRecord {
  return { state: 'idle', attempts: 0, badReleases: [] };
}

/** The persisted record (a fresh one when none). A release whose URL was lost is dropped. */
export async function loadAgentRecord(settings: Settings, log: Log): Promise<AgentRecord> {
  let stored: StoredRecord | undefined;
  try {
    stored = await getJson<StoredRecord>(settings, AGENT_RECORD_KEY);
  } catch (e) {
    if (!isFotaError(e, 'SETTINGS_CORRUPT')) throw e;
  }
  if (stored === undefined) return freshAgentRecord();
  if (!isStoredRecord(stored)) {
    log.log('warn', 'fota: the stored agent record is not one this agent wrote; starting from idle');
    return freshAgentRecord();
  }
  const { release, ...rest } = stored;
  if (!release) return rest;
  const raw = await readLongSetting(settings, AGENT_RELEASE_URL_KEY);
  let url: string | undefined;
  try {
    url = raw === undefined ? undefined : utf8Decode(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || urlId(url) !== release.urlId) return rest;
  const { urlId: _id, ...fields } = release;
  return { ...rest, release: { ...fields, url } };
}

/** Writes the record (and the release URL first, when it changed). */
export async function saveAgentRecord(settings: Settings, rec: AgentRecord): Promise<void> {
  let stored: StoredRecord;
  if (rec.release) {
    const { url, ...fields } = rec.release;
    const id = urlId(url);
    const raw = await readLongSetting(settings, AGENT_RELEASE_URL_KEY);
    if (raw === undefined || utf8Decode(raw) !== url) await writeLongSetting(settings, AGENT_RELEASE_URL_KEY, utf8Encode(url));
    stored = { ...rec, release: { ...fields, urlId: id } };
  } else {
    stored = { ...rec, release: undefined };
  }
  await setJson(settings, AGENT_RECORD_KEY, stored);
}

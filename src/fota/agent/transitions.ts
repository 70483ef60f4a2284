/**
 * The FOTA agent's transition table, as data (like MCUboot's boot_swap_tables[]): every state change
 * is an event, and only the rows below are allowed. DESIGN.md "The FOTA agent".
 */
import { FotaError } from '../../hal/errors.ts';

export const AGENT_STATES = [
  'idle',
  'checking',
  'selecting-cert',
  'downloading',
  'verifying',
  'staged',
  'rebooting',
  'trial',
  'confirmed',
  'reverting',
  'rolled-back',
  'failed',
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_EVENTS = [
  'check', // start an update check
  'up-to-date', // the release API answered 204
  'update-available', // 200 with a payload URL
  'skip-known-bad', // the offered release already failed its trial here
  'cert-selected', // a root CA validated the download host (real handshake)
  'download-complete', // every byte of the image is in the slot
  'verified', // hash, signature, key and policy all passed
  'marked-pending', // MCUboot trailer written (test or permanent)
  'booted-new', // the board runs the new image, unconfirmed
  'booted-old', // the board still runs the old image after a reboot meant to swap
  'selftest-passed', // the self-test hook passed: confirm
  'selftest-failed', // the self-test hook failed: reset without confirming
  'reverted', // MCUboot reverted to the old image
  'retry', // a staged image went back after a reset before confirm: re-verify and re-stage
  'redownload', // the verdict was lost in a reset and the slot cannot be read back: fetch again to verify
  'error', // a typed error ended this cycle
] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

export interface TransitionRow {
  from: AgentState | '*';
  event: AgentEvent;
  to: AgentState;
}

/** First matching row wins; `*` matches any state. */
export const AGENT_TRANSITIONS: readonly TransitionRow[] = [
  { from: 'idle', event: 'check', to: 'checking' },
  { from: 'confirmed', event: 'check', to: 'checking' },
  { from: 'rolled-back', event: 'check', to: 'checking' },
  { from: 'failed', event: 'check', to: 'checking' },
  { from: 'checking', event: 'up-to-date', to: 'idle' },
  { from: 'checking', event: 'skip-known-bad', to: 'idle' },
  { from: 'checking', event: 'update-available', to: 'selecting-cert' },
  { from: 'selecting-cert', event: 'cert-selected', to: 'downloading' },
  { from: 'downloading', event: 'skip-known-bad', to: 'idle' },
  { from: 'downloading', event: 'download-complete', to: 'verifying' },
  { from: 'verifying', event: 'verified', to: 'staged' },
  { from: 'verifying', event: 'redownload', to: 'downloading' },
  { from: 'staged', event: 'marked-pending', to: 'rebooting' },
  { from: 'rebooting', event: 'booted-new', to: 'trial' },
  { from: 'rebooting', event: 'booted-old', to: 'verifying' },
  { from: 'trial', event: 'selftest-passed', to: 'confirmed' },
  { from: 'trial', event: 'selftest-failed', to: 'reverting' },
  { from: 'trial', event: 'retry', to: 'verifying' },
  { from: 'reverting', event: 'reverted', to: 'rolled-back' },
  { from: '*', event: 'error', to: 'failed' },
];

/** The state `event` leads to from `from`; AGENT_BAD_TRANSITION when the table has no row for it. */
export function nextState(from: AgentState, event: AgentEvent): AgentState {
  const row = AGENT_TRANSITIONS.find((r) => (r.from === from || r.from === '*') && r.event === event);
  if (!row) {
    throw new FotaError('AGENT_BAD_TRANSITION', `agent.transition: no transition from '${from}' on '${event}'`, { from, event });
  }
  return row.to;
}

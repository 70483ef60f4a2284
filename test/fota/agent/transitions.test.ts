import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_STATES, AGENT_TRANSITIONS, nextState } from '../../../src/fota/agent/transitions.ts';
import { FotaError } from '../../../src/hal/errors.ts';

test('the happy path runs idle → … → confirmed through the table', () => {
  const path: [Parameters<typeof nextState>[1], string][] = [
    ['check', 'checking'],
    ['update-available', 'selecting-cert'],
    ['cert-selected', 'downloading'],
    ['download-complete', 'verifying'],
    ['verified', 'staged'],
    ['marked-pending', 'rebooting'],
    ['booted-new', 'trial'],
    ['selftest-passed', 'confirmed'],
  ];
  let s: ReturnType<typeof nextState> = 'idle';
  for (const [event, to] of path) {
    s = nextState(s, event);
    assert.is(s, to);
  }
});

test('a failed self-test goes trial → reverting → rolled-back', () => {
  assert.is(nextState('trial', 'selftest-failed'), 'reverting');
  assert.is(nextState('reverting', 'reverted'), 'rolled-back');
});

test('an error leads to failed from any state', () => {
  for (const s of AGENT_STATES) assert.is(nextState(s, 'error'), 'failed');
});

test('a transition the table lacks is AGENT_BAD_TRANSITION', () => {
  try {
    nextState('idle', 'verified');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FotaError);
    assert.is((e as FotaError).code, 'AGENT_BAD_TRANSITION');
  }
});

test('every row names known states', () => {
  for (const r of AGENT_TRANSITIONS) {
    assert.ok(r.from === '*' || (AGENT_STATES as readonly string[]).includes(r.from), r.from);
    assert.ok((AGENT_STATES as readonly string[]).includes(r.to), r.to);
  }
});

test.run();

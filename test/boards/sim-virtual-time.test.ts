/**
 * runSim in virtual time (`fotakit sim --virtual-time`): the same run as in real time (same figures),
 * with TLS over in-memory streams and one VirtualClock for the agent, the link and the modem's timeouts,
 * so the simulated seconds are the link model's and nothing waits for them. No wall-clock assertions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { remoteReleaseApi, runSim, type SimOptions, type SimResult } from '../../src/boards/sim-run.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';
import { LINK_NB_IOT } from '../../src/hal/sim/link.ts';
import type { ServerFaults } from '../../src/server/faults.ts';
import { isFotaError } from '../../src/hal/errors.ts';
import { rejectionOf } from '../support/rejection.ts';

const small: Omit<SimOptions, 'world'> = { link: 'none', payloadBytes: 16 * 1024 };

/** The figures a run prints that do not depend on time. */
function figures(r: SimResult) {
  const s = r.summary;
  return {
    final: s.final,
    version: s.version,
    fromVersion: s.fromVersion,
    bytes: s.bytes,
    requests: s.requests,
    retries: s.retries,
    maxRecordBytes: s.maxRecordBytes,
    probes: s.probes,
    reboots: s.reboots,
    boots: r.boots,
  };
}

test('virtual time prints the same summary figures as a real-time run (link none)', async () => {
  const real = await runSim({ ...small, world: localUpdateServer() });
  const virtual = await runSim({ ...small, world: localUpdateServer(), virtualTime: true });
  assert.is(virtual.summary.final, 'confirmed');
  assert.equal(figures(virtual), figures(real));
  // The link model of `none` takes no time: nothing else moves the virtual clock.
  assert.is(virtual.summary.seconds, 0);
  assert.is(virtual.summary.linkLimitSeconds, undefined);
});

test('server faults in virtual time (a drop, a stall on the server clock): the same retries as in real time', async () => {
  // One request in flight: which pipelined request a counted fault hits depends on when each one reached
  // the server, a race in real time; one at a time, both runs meet the same faults.
  const serial = { ...small, pipelineDepth: 1 };
  for (const faults of [{ dropAfterBytes: 700, count: 2 }, { stallAfterBytes: 500, stallMs: 300, count: 1 }] as ServerFaults[]) {
    const real = await runSim({ ...serial, world: localUpdateServer(faults) });
    const virtual = await runSim({ ...serial, world: localUpdateServer(faults), virtualTime: true });
    assert.equal(figures(virtual), figures(real), JSON.stringify(faults));
    assert.is(virtual.summary.final, 'confirmed', JSON.stringify(faults));
  }
  // The stall is waited for in virtual time: 300 ms of it, on an otherwise timeless link.
  const stalled = await runSim({ ...small, pipelineDepth: 1, world: localUpdateServer({ stallAfterBytes: 500, stallMs: 300, count: 1 }), virtualTime: true });
  assert.is(stalled.summary.seconds, 0.3);
});

test('nb-iot in virtual time: the simulated seconds are the link model\'s (its lower bound plus the request round trips)', async () => {
  const r = await runSim({ link: 'nb-iot', payloadBytes: 16 * 1024, world: localUpdateServer(), virtualTime: true });
  assert.is(r.summary.final, 'confirmed');
  const limit = r.summary.linkLimitSeconds!;
  assert.ok(limit > 0);
  const rtt = (2 * LINK_NB_IOT.oneWayLatencyMs) / 1000;
  // linkLimitSeconds counts the bytes at the slower direction's rate and three round trips per connection;
  // the run also waits one round trip for the release check and one for the first range.
  assert.ok(r.summary.seconds >= limit, `${r.summary.seconds} s is under the link limit ${limit} s`);
  assert.ok(r.summary.seconds <= limit + 4 * rtt, `${r.summary.seconds} s is over the link limit ${limit} s + 4 round trips`);
  // Every event is stamped with simulated time: each probe costs at least the TCP and TLS round trips.
  for (const e of r.entries) if (e.kind === 'probe') assert.ok(e.ms >= 3 * rtt * 1000, `probe ${e.ms} ms`);
});

test('virtual time needs a world in this process: a remote release API is refused (USAGE)', async () => {
  const e = await rejectionOf(runSim({ ...small, world: remoteReleaseApi({ url: 'https://api.example.test', projectKey: 'k' }), virtualTime: true }));
  assert.ok(isFotaError(e, 'USAGE'), String(e));
});

test.run();

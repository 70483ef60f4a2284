/**
 * docs/network-limits.md lists every timeout and limit with its default: each constant named in its
 * tables exists and has the value written there.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as net from '../../../src/hal/net.ts';
import * as simModem from '../../../src/hal/sim/modem.ts';
import * as settings from '../../../src/hal/settings.ts';
import * as client from '../../../src/transport/http/client.ts';
import * as connection from '../../../src/transport/http/connection.ts';
import * as parser from '../../../src/transport/http/response-parser.ts';
import * as url from '../../../src/transport/http/url.ts';
import * as downloader from '../../../src/transport/download/downloader.ts';
import * as liveness from '../../../src/transport/download/liveness.ts';
import * as pipeline from '../../../src/transport/download/pipeline-control.ts';
import * as planner from '../../../src/transport/download/planner.ts';
import * as policy from '../../../src/transport/download/policy.ts';
import * as rangeResponse from '../../../src/transport/download/range-response.ts';
import * as resume from '../../../src/transport/download/resume.ts';
import * as agent from '../../../src/fota/agent/agent.ts';
import * as longSetting from '../../../src/fota/agent/long-setting.ts';
import * as updateCheck from '../../../src/fota/update-check.ts';
import * as certSelect from '../../../src/fota/cert-select.ts';
import * as at from '../../../src/transport/at/channel.ts';

const MODULES: Record<string, unknown>[] = [
  net, simModem, settings, client, connection, parser, url, downloader, liveness, pipeline, planner, policy, rangeResponse, resume, agent, longSetting, updateCheck, certSelect, at,
];

function lookup(name: string): unknown {
  for (const m of MODULES) if (name in m) return m[name];
  return undefined;
}

test('every constant in docs/network-limits.md exists with the documented default', () => {
  const doc = readFileSync('docs/network-limits.md', 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)];
  assert.ok(rows.length >= 50, `rows ${rows.length}`);
  for (const [, name, written] of rows) {
    const value = lookup(name!);
    assert.ok(value !== undefined, `${name} is not exported`);
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    assert.is(written!.trim(), text, name);
  }
});

test.run();

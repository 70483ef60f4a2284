/** `fotakit sim` as a user runs it: JSON lines ending in the summary, exit codes, usage errors, the report. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = ['--import', 'tsx', 'src/cli/main.ts', 'sim'];

function sim(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, lines: r.stdout.trim().split('\n'), stdout: r.stdout, stderr: r.stderr };
}

test('--json prints the run log, the last line a summary with what a script needs', () => {
  const r = sim(['--link', 'none', '--payload-bytes', '16384', '--json']);
  assert.is(r.code, 0, r.stderr);
  const entries = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = entries.at(-1)!;
  assert.is(summary.kind, 'summary');
  assert.is(summary.final, 'confirmed');
  assert.is(summary.version, '1.1.0+0');
  for (const k of ['bytes', 'requests', 'maxRecordBytes', 'probes']) assert.type(summary[k], 'number', k);
  assert.ok((summary.maxRecordBytes as number) <= 2303);
  assert.ok(entries.some((e) => e.kind === 'probe' && e.code === 'CERT_UNKNOWN_CA'));
});

test('--fail-selftest exits 1 (a negative verdict) with rolled-back and 1.0.0 running', () => {
  const r = sim(['--link', 'none', '--payload-bytes', '16384', '--fail-selftest', '--json']);
  assert.is(r.code, 1);
  const summary = JSON.parse(r.lines.at(-1)!) as Record<string, unknown>;
  assert.is(summary.final, 'rolled-back');
  assert.is(summary.version, '1.0.0+0');
});

test('a bad flag value is a usage error, exit 2', () => {
  const r = sim(['--board', 'esp32']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--board must be nrf9160 or nrf52833/);
  assert.is(sim(['--power-cut-at', 'soon']).code, 2);
  assert.is(sim(['--no-such-flag']).code, 2);
});

test('--virtual-time: the same run in simulated time (nb-iot, small payload), its seconds at least the link limit', () => {
  const r = sim(['--link', 'nb-iot', '--payload-bytes', '16384', '--virtual-time', '--json']);
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.lines.at(-1)!) as Record<string, number | string>;
  assert.is(summary.final, 'confirmed');
  assert.is(summary.link, 'nb-iot');
  assert.ok((summary.seconds as number) >= (summary.linkLimitSeconds as number), `${summary.seconds} s, link limit ${summary.linkLimitSeconds} s`);
});

test('--virtual-time with --server is refused (usage error, exit 2): a real server is reached over real sockets', () => {
  const r = sim(['--virtual-time', '--server', 'https://api.example.test', '--project-key', 'k']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--virtual-time/);
});

test('--image together with --server is refused (usage error, exit 2), not silently ignored', () => {
  const r = sim(['--server', 'https://device.example.test', '--project-key', 'k', '--image', 'app.bin', '--key', 'k.pem']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--image .* --server .*one or the other/);
});

test('--report writes a self-contained HTML page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fotakit-report-'));
  try {
    const file = join(dir, 'run.html');
    const r = sim(['--link', 'none', '--payload-bytes', '16384', '--report', file]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(existsSync(file));
    const html = readFileSync(file, 'utf8');
    assert.match(html, /<svg/);
    assert.not.match(html, /<script[^>]+src=|<link[^>]+href="http/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

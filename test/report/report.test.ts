import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import { findTool, testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import type { RunLogEntry } from '../../src/fota/run-log.ts';
import { isFotaError } from '../../src/hal/errors.ts';
import { ReportError, buildRunModel, renderReport } from '../../src/report/report.ts';
import type { BrowserContext } from 'playwright-core';
import { runSim, type SimOptions } from '../../src/boards/sim-run.ts';
import { localUpdateServer } from '../../src/server/sim-world.ts';
import { IMAGE_BYTES, failedCertRun, hugeRun, realisticRun } from './fixtures.ts';

/** Debian's chromium (the test is skipped where it is absent, and fails in CI). */
const chromiumTest = testNeeding('chromium');
const CHROMIUM = findTool('chromium') ?? '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const CHART_IDS = ['chart-timeline', 'chart-download', 'chart-records'] as const;
/** The simulated run drawn in the browser check: unshaped link (fast), one dropped connection, a power cut. */
const SIM_RUN: SimOptions = { link: 'none', payloadBytes: 64 * 1024, powerCutAt: 30, world: localUpdateServer({ dropAfterBytes: 700, count: 1 }) };
/** Launch, load and each query in the browser: fail instead of hanging. */
const BROWSER_TIMEOUT_MS = 60_000;
/** A report of a huge run must stay small enough to mail. */
const HUGE_REPORT_MAX_BYTES = 600_000;

/** The little of the DOM the browser check touches (the tests are type-checked without DOM types). */
interface MarkHost {
  querySelectorAll(selector: string): ArrayLike<{ getBoundingClientRect(): { width: number; height: number } }>;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(isFotaError(e), `expected a FotaError, got ${String(e)}`);
    assert.ok(e instanceof ReportError);
    assert.ok((e as Error).message.startsWith('report.render: '), (e as Error).message);
    return (e as ReportError).code;
  }
  return undefined;
}

test('the realistic run folds into states, boots, probes, responses and its own summary', () => {
  const m = buildRunModel(realisticRun());
  assert.equal(
    m.segments.map((s) => s.state),
    ['idle', 'checking', 'selecting-cert', 'downloading', 'verifying', 'staged', 'rebooting', 'trial', 'confirmed'],
  );
  assert.equal(m.boots.map((b) => `${b.reason}:${b.version}:${b.swap}`), ['power-on:1.0.0:none', 'power-cut:1.0.0:none', 'software-reset:1.1.0:test']);
  assert.equal(m.probes.map((p) => `${p.secTag}:${p.ok ? 'ok' : p.code}`), ['1002:CERT_UNKNOWN_CA', '1003:CERT_UNKNOWN_CA', '1004:CERT_UNKNOWN_CA', '1001:ok']);
  assert.is(m.responses.length, 101);
  assert.equal(m.connections.filter((c) => c.what === 'reconnect').map((c) => c.code), ['EMSGSIZE', 'ECONNRESET']);
  assert.equal(m.retries.map((r) => r.retries), [1, 2]);
  assert.is(m.summary.derived, false);
  assert.is(m.summary.final, 'confirmed');
  assert.is(m.summary.bytes, IMAGE_BYTES);
  assert.is(m.failure, undefined);
  assert.is(m.progress[m.progress.length - 1]!.bytes, IMAGE_BYTES);
});

test('the report is one self-contained document: no scripts, no external URLs, inline CSS and SVG', () => {
  const html = renderReport(realisticRun(), { generatedAt: '2026-11-27T03:00:00Z' });
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<link/i);
  assert.not.match(html, /\b(src|href)=/i);
  assert.not.match(html, /url\(/i);
  for (const id of CHART_IDS) assert.ok(html.includes(`<svg id="${id}"`), id);
  assert.ok(html.includes(`default-src 'none'`));
  assert.ok(html.includes('generated 2026-11-27T03:00:00Z'));
});

test('the report shows the limit, the EMSGSIZE reconnect, the winning root CA and the summary figures', () => {
  const html = renderReport(realisticRun());
  assert.ok(html.includes('modem record limit 2,303 B'));
  assert.ok(html.includes('>EMSGSIZE</text>'), 'reconnect labelled with its code');
  assert.ok(html.includes('>ECONNRESET</text>'));
  assert.ok(html.includes('1 response OVER the 2,303 B limit'));
  assert.ok(html.includes('1 refused by the modem (EMSGSIZE), largest 2,364 B'), 'the refused record has its own row');
  assert.ok(html.includes('validated by <strong>DigiCert Global Root G2</strong> (sec_tag 1001) after 3 failed candidates'));
  assert.is((html.match(/✗ CERT_UNKNOWN_CA/g) ?? []).length, 3);
  assert.ok(html.includes('1.0.0 → 1.1.0'));
  assert.ok(html.includes('190,464 B (186 KiB)'));
  assert.ok(html.includes('3 connects, 2 reconnects (1× EMSGSIZE, 1× ECONNRESET)'));
  assert.match(html, /stall: no progress for 9\.\d s/);
  assert.not.ok(html.includes('id="failure"'), 'a confirmed run has no failure banner');
});

test('a failed run shows its reason prominently and says there was no download', () => {
  const html = renderReport(failedCertRun());
  assert.match(html, /<div class="banner" id="failure" role="alert"><div class="big">FAILED — <code>CERT_NO_CANDIDATE<\/code><\/div><div>no root CA validated the download host<\/div><\/div>/);
  assert.ok(html.includes('No download in this run'));
  assert.ok(html.includes('No HTTP responses recorded in this run'));
  assert.ok(html.includes('no root CA validated this host (2 tried)'));
});

test('a rolled-back run without a summary shows an amber banner with the reason from its last state change', () => {
  const log: RunLogEntry[] = [
    { t: 0, kind: 'board-boot', reason: 'software-reset', version: '1.1.0', swap: 'test' },
    { t: 0, kind: 'state', from: 'rebooting', to: 'trial', event: 'booted-new' },
    { t: 900, kind: 'selftest', version: '1.1.0', passed: false },
    { t: 900, kind: 'state', from: 'trial', to: 'reverting', event: 'selftest-failed' },
    { t: 905, kind: 'reset', why: 'revert' },
    { t: 5200, kind: 'board-boot', reason: 'software-reset', version: '1.0.0', swap: 'revert' },
    { t: 6000, kind: 'state', from: 'reverting', to: 'rolled-back', event: 'reverted', reason: { code: 'SELFTEST_FAILED', message: 'self-test of 1.1.0 failed: modem did not attach' } },
  ];
  const html = renderReport(log);
  assert.ok(html.includes('<div class="banner rolled" id="failure" role="alert"><div class="big">ROLLED BACK — <code>SELFTEST_FAILED</code></div><div>self-test of 1.1.0 failed: modem did not attach</div></div>'));
  assert.ok(html.includes('1.1.0 → 1.0.0'));
  assert.ok(html.includes('>1.0.0 (revert)</text>'));
});

test('host names and messages are escaped everywhere', () => {
  const evil = `<script>alert("x")</script>&'`;
  const html = renderReport(failedCertRun(evil, `</div><img src=x onerror=alert(1)>`));
  assert.not.ok(html.includes('<script>'));
  assert.not.ok(html.includes('<img'));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;'));
  assert.ok(html.includes('&lt;/div&gt;&lt;img src=x onerror=alert(1)&gt;'));
});

test('control characters and lone surrogates in text become U+FFFD', () => {
  const html = renderReport(failedCertRun('bad\u0000host\ud800.example'));
  assert.ok(html.includes('bad\ufffdhost\ufffd.example'));
  assert.not.ok(html.includes('\u0000'));
});

test('a run log without a summary gets one derived from its entries, marked as derived', () => {
  const log = realisticRun().filter((e) => e.kind !== 'summary');
  const m = buildRunModel(log);
  assert.is(m.summary.derived, true);
  assert.is(m.summary.final, 'confirmed');
  assert.is(m.summary.fromVersion, '1.0.0');
  assert.is(m.summary.version, '1.1.0');
  assert.is(m.summary.bytes, IMAGE_BYTES);
  assert.is(m.summary.requests, 101);
  assert.is(m.summary.retries, 2);
  // The largest ACCEPTED record; the refused one is counted apart.
  assert.is(m.summary.maxRecordBytes, 2236);
  assert.is(m.summary.refusedRecords, 1);
  assert.is(m.summary.largestRefusedRecordBytes, 2364);
  assert.is(m.summary.recordLimit, 2303);
  assert.is(m.summary.reboots, 2);
  assert.ok(renderReport(log).includes('derived from its other entries'));
});

test('edge cases render: an empty log, a single progress point, entries out of order, unknown kinds', () => {
  const empty = renderReport([]);
  assert.ok(empty.includes('No download in this run'));
  assert.ok(empty.includes('no agent state changes in this run log'));
  const one = renderReport([{ t: 0, kind: 'progress', bytes: 512, total: 1024, requests: 1, retries: 0, rangeBytes: 512, maxRecordBytes: 900 }]);
  assert.ok(one.includes('class="mark curve-dot"'));
  const shuffled = [...realisticRun()].reverse();
  assert.equal(buildRunModel(shuffled).segments.map((s) => s.state), buildRunModel(realisticRun()).segments.map((s) => s.state));
  const future = renderReport([{ t: 5, kind: 'quantum-flux' } as unknown as RunLogEntry]);
  assert.ok(future.includes('1 entries of kinds this report does not know were skipped'));
});

test('a huge run is downsampled: the file stays small and keeps its marks', () => {
  const html = renderReport(hugeRun(60_000));
  assert.ok(html.length < HUGE_REPORT_MAX_BYTES, `report is ${html.length} bytes`);
  const bars = (html.match(/class="mark rec"/g) ?? []).length;
  assert.ok(bars > 100 && bars <= 300, `${bars} record bars`);
  assert.ok(html.includes('one bar = up to 200 responses, the largest'));
  assert.is((html.match(/class="mark reconnect"/g) ?? []).length, 12);
});

test('bad input is a ReportError with a stable code', () => {
  assert.is(codeOf(() => renderReport('nope' as unknown as RunLogEntry[])), 'REPORT_BAD_INPUT');
  assert.is(codeOf(() => renderReport([null as unknown as RunLogEntry])), 'REPORT_BAD_ENTRY');
  assert.is(codeOf(() => renderReport([{ t: Number.NaN, kind: 'reset', why: 'apply' }])), 'REPORT_BAD_ENTRY');
  assert.is(codeOf(() => renderReport([{ t: -1, kind: 'reset', why: 'apply' }])), 'REPORT_BAD_ENTRY');
  assert.is(codeOf(() => renderReport([{ t: 1 } as unknown as RunLogEntry])), 'REPORT_BAD_ENTRY');
  const badProgress = { t: 1, kind: 'progress', bytes: Infinity, total: 1, requests: 0, retries: 0, rangeBytes: 0, maxRecordBytes: 0 } as RunLogEntry;
  try {
    renderReport([badProgress]);
    assert.unreachable('accepted a non-finite byte count');
  } catch (e) {
    assert.ok(e instanceof ReportError);
    assert.is(e.code, 'REPORT_BAD_ENTRY');
    assert.equal(e.context, { index: 0, field: 'bytes', kind: 'progress' });
  }
  assert.is(codeOf(() => renderReport([{ t: 1, kind: 'verdict' } as unknown as RunLogEntry])), 'REPORT_BAD_ENTRY');
  assert.is(codeOf(() => renderReport([{ t: 1, kind: 'state', from: 'idle', event: 'check' } as unknown as RunLogEntry])), 'REPORT_BAD_ENTRY');
});

test('the same run renders to the same bytes', () => {
  assert.is(renderReport(realisticRun()), renderReport(realisticRun()));
});

interface PageMarks {
  bars: number;
  states: number;
  boots: number;
  probes: number;
}

/** Loads one report file, checks it in the browser, saves a full-page screenshot, returns its mark counts. */
async function checkInBrowser(context: BrowserContext, html: string, name: string): Promise<PageMarks> {
  const file = resolve(ARTIFACTS, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await context.newPage();
  try {
    page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (req) => {
      if (req.url() !== url) problems.push(`request: ${req.url()}`);
    });
    await page.goto(url, { waitUntil: 'load', timeout: BROWSER_TIMEOUT_MS });
    for (const id of CHART_IDS) {
      const svg = page.locator(`svg#${id}`);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 600 && box.height > 100, `${name}: ${id} box ${JSON.stringify(box)}`);
      // Every data mark is laid out with a non-empty box (lines have one zero dimension).
      const sizes = await svg.evaluate((node: MarkHost) =>
        Array.from(node.querySelectorAll('.mark')).map((e) => {
          const r = e.getBoundingClientRect();
          return [r.width, r.height] as [number, number];
        }),
      );
      assert.ok(sizes.length > 0, `${name}: ${id} has no data marks`);
      assert.ok(sizes.every(([w, h]) => w > 0 || h > 0), `${name}: ${id} has an empty mark`);
      assert.ok(sizes.some(([w, h]) => w > 0 && h > 0), `${name}: ${id} has no mark with an area`);
    }
    const count = (selector: string) => page.locator(selector).count();
    const marks = {
      bars: await count('#chart-records .mark.rec'),
      states: await count('#chart-timeline .mark.bar'),
      boots: await count('#chart-timeline .mark.boot'),
      probes: await count('#probes tbody tr'),
    };
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    assert.equal(problems, [], name);
    return marks;
  } finally {
    await page.close();
  }
}

chromiumTest('in headless Chromium: no console errors, every chart has visible marks, screenshots saved (scripted and simulated run)', async () => {
  // A real simulated FOTA (local update server, simulated nRF9160 modem): a dropped connection,
  // a power cut mid-download with resume, field-order root CAs, trial and confirm.
  const sim = await runSim(SIM_RUN);
  assert.is(sim.summary.final, 'confirmed');
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'fotakit-report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    timeout: BROWSER_TIMEOUT_MS,
  });
  try {
    const scripted = await checkInBrowser(context, renderReport(realisticRun(), { source: 'scripted run (test/report/fixtures.ts)' }), 'report');
    assert.equal(scripted, { bars: 101, states: 9, boots: 3, probes: 4 });
    const simulated = await checkInBrowser(context, renderReport(sim.entries, { source: 'runSim (src/boards/sim-run.ts)' }), 'report-sim');
    const responses = sim.entries.filter((e) => e.kind === 'response').length;
    const probes = sim.entries.filter((e) => e.kind === 'probe').length;
    assert.ok(responses > 10, `${responses} responses`);
    assert.is(simulated.bars, responses);
    assert.is(simulated.probes, probes);
    assert.ok(simulated.states >= 8, `${simulated.states} state bars`);
    assert.ok(simulated.boots >= 2, `${simulated.boots} boot marks`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('a companion update: the SMP push and the companion boot are events, not reboots of the device', () => {
  const entries: RunLogEntry[] = [
    { t: 0, kind: 'board-boot', reason: 'power-on', version: '1.0.0+0', swap: 'none' },
    { t: 10, kind: 'upload', target: 'nrf52833 over BLE (SMP)', bytes: 66192, requests: 184, resumedFrom: 0, match: true, ms: 1376 },
    { t: 20, kind: 'board-boot', board: 'nrf52833', reason: 'smp reset', version: '1.1.0+0', swap: 'test' },
  ];
  const m = buildRunModel(entries);
  assert.is(m.boots.length, 1);
  assert.equal(m.events.map((e) => e.what), ['board boot', 'image pushed', 'nrf52833 boot']);
  assert.match(m.events[1]!.detail, /66192 bytes to nrf52833 over BLE \(SMP\) in 184 requests, 1376 ms \(48\.1 kB\/s\), device hash matches/);
  // The companion's boot is drawn as its own mark in the board lane.
  assert.equal(m.companionBoots, [{ t: 20, reason: 'smp reset', version: '1.1.0+0', swap: 'test', board: 'nrf52833' }]);
  assert.match(renderReport(entries, { title: 'companion' }), /nrf52833 boot \(companion, SMP\)/);
  assert.is(m.unknownKinds, 0);
});

test('a power cut gets a banner saying where it cut; refused records, pipelining and unknown record sizes have their own words', () => {
  const summary = {
    t: 9000, kind: 'summary', final: 'confirmed', bytes: 1000, requests: 4, retries: 1, maxRecordBytes: 0, recordLimit: 2303, seconds: 9, probes: 1, reboots: 2,
    recordSizesKnown: false, refusedRecords: 2, largestRefusedRecordBytes: 16413,
    pipeline: { depth: 1, offReason: 'failures-while-pipelined', why: 'connections failed with pipelined requests in flight', recoveries: 0 },
    powerCuts: [{ operation: 57, op: 'flash.write', state: 'downloading', bytes: 40960 }],
  } as RunLogEntry;
  const log: RunLogEntry[] = [
    { t: 0, kind: 'board-boot', reason: 'power-on', version: '1.0.0', swap: 'none' },
    { t: 4000, kind: 'power-cut', operation: 57, op: 'flash.write', state: 'downloading', bytes: 40960 },
    { t: 4001, kind: 'board-boot', reason: 'power-cut', version: '1.0.0', swap: 'none' },
    { t: 5000, kind: 'pipeline', host: 'cdn', what: 'off', reason: 'failures-while-pipelined', why: 'connections failed with pipelined requests in flight', stays: false },
    summary,
  ];
  const html = renderReport(log);
  assert.ok(html.includes('id="power-cut-1"'), 'a banner for the cut');
  assert.ok(html.includes('at flash operation 57 (flash.write) while downloading, 40960 bytes downloaded'));
  assert.ok(html.includes('2 refused by the modem (EMSGSIZE), largest 16,413 B'));
  assert.ok(html.includes('unknown over this modem'));
  assert.ok(html.includes('off at the end: connections failed with pipelined requests in flight'));
  assert.ok(html.includes('pipelining off'), 'the change is a notable event');
});

test.run();

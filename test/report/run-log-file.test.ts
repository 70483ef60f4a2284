import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReportError } from '../../src/report/model.ts';
import { parseRunLog } from '../../src/report/run-log-file.ts';
import { realisticRun } from './fixtures.ts';

function codeAndLine(fn: () => unknown): [string, unknown] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ReportError, String(e));
    assert.ok(e.message.startsWith('report.parseRunLog: '), e.message);
    return [e.code, e.context.line];
  }
  throw new Error('expected a ReportError');
}

test('JSON lines round-trip to the same entries', () => {
  const run = realisticRun();
  const text = run.map((e) => JSON.stringify(e)).join('\n') + '\n';
  assert.equal(parseRunLog(text), JSON.parse(JSON.stringify(run)));
});

test('blank lines, CRLF and foreign output lines are skipped by default', () => {
  const text = 'fotakit sim: starting\r\n\r\n{"t":0,"kind":"reset","why":"apply"}\r\n{"note":"not an entry"}\n[1,2]\n';
  assert.equal(parseRunLog(text), [{ t: 0, kind: 'reset', why: 'apply' }]);
});

test('foreign lines are errors with their line number when skipForeign is false', () => {
  assert.equal(codeAndLine(() => parseRunLog('{"t":0,"kind":"reset","why":"apply"}\nhello', { skipForeign: false })), ['REPORT_BAD_LINE', 2]);
  assert.equal(codeAndLine(() => parseRunLog('{"t":0}', { skipForeign: false })), ['REPORT_BAD_LINE', 1]);
});

test('a line that starts like an entry but is not JSON is REPORT_BAD_LINE with its line number', () => {
  assert.equal(codeAndLine(() => parseRunLog('\n\n{"t":0,"kind":"res')), ['REPORT_BAD_LINE', 3]);
});

test('a non-string input is REPORT_BAD_INPUT', () => {
  assert.equal(codeAndLine(() => parseRunLog(42 as unknown as string)), ['REPORT_BAD_INPUT', undefined]);
});

test.run();

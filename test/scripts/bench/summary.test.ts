import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SUMMARY_MESSAGE_MAX_CHARS,
  countVerdicts,
  figureProblems,
  formatNumber,
  formatSummary,
  summaryExitCode,
  verdictOf,
  type BenchFigure,
} from '../../../scripts/bench/summary.ts';

const MET: BenchFigure = { name: 'image-verify 8 MiB', value: 0.853, unit: 'x raw sha256', goal: '>= 0.8', met: true, baseline: 'raw sha256 834 MB/s' };
const MISSED: BenchFigure = { name: 'smp-ble pipelined', value: 2.98, unit: 'x', goal: '>= 3', met: false, baseline: 'window-1 6.0 kB/s' };

test('formatNumber keeps three significant digits so a near miss does not round to the goal', () => {
  assert.is(formatNumber(2.98), '2.98');
  assert.is(formatNumber(2.996), '3.00');
  assert.is(formatNumber(0.921), '0.921');
  assert.is(formatNumber(1.2), '1.20');
  assert.is(formatNumber(245.1), '245');
  assert.is(formatNumber(-120.4), '-120');
});

test('formatNumber shows integers and values from 1000 up without decimals', () => {
  assert.is(formatNumber(0), '0');
  assert.is(formatNumber(807), '807');
  assert.is(formatNumber(1866.3), '1866');
  assert.is(formatNumber(177462.5), '177463');
});

test('formatNumber uses exponent form below 0.001 and names non-finite values', () => {
  assert.is(formatNumber(0.00012), '1.20e-4');
  assert.is(formatNumber(Number.NaN), 'NaN');
  assert.is(formatNumber(Number.POSITIVE_INFINITY), 'Infinity');
});

test('verdictOf follows the bench verdict for a complete figure', () => {
  assert.is(verdictOf(MET), 'met');
  assert.is(verdictOf(MISSED), 'MISSED');
});

test('a figure without goal or baseline, or with a non-finite value, is INCOMPLETE even when met', () => {
  assert.equal(figureProblems({ ...MET, goal: '', baseline: ' ' }), ['no goal', 'no baseline']);
  assert.equal(figureProblems({ ...MET, value: Number.NaN }), ['value NaN']);
  assert.is(verdictOf({ ...MET, baseline: '' }), 'INCOMPLETE');
  assert.equal(figureProblems(MET), []);
});

test('the table has one row per figure and per failed bench, columns aligned, no trailing spaces', () => {
  const { lines } = formatSummary([MET, MISSED], [{ bench: 'hil', message: 'socat not found\nstack...' }]);
  assert.equal(lines.slice(0, 6), [
    '',
    'figure              value               goal    verdict  baseline (same run)',
    '------------------  ------------------  ------  -------  -------------------',
    'image-verify 8 MiB  0.853 x raw sha256  >= 0.8  met      raw sha256 834 MB/s',
    'smp-ble pipelined   2.98 x              >= 3    MISSED   window-1 6.0 kB/s',
    'hil (bench failed)  —                   —       FAILED   socat not found',
  ]);
});

test('a long failure message is cut to its first line and the maximum length', () => {
  const { lines } = formatSummary([], [{ bench: 'x', message: 'a'.repeat(300) }]);
  const cellText = lines[3]!.split('FAILED')[1]!.trim();
  assert.is(cellText.length, SUMMARY_MESSAGE_MAX_CHARS);
  assert.ok(cellText.endsWith('…'));
});

test('the closing lines give the counts and each bench time with the total', () => {
  const { lines, counts } = formatSummary([MET, MISSED], [{ bench: 'hil', message: 'x' }], [
    { bench: 'image-verify', ms: 1500, figures: 1 },
    { bench: 'smp', ms: 2250, figures: 1 },
  ]);
  assert.equal(counts, { figures: 2, met: 1, missed: 1, incomplete: 0, failed: 1 });
  assert.is(lines.at(-2), 'bench: 2 figures, 1 met, 1 missed, 0 incomplete; 1 bench failed');
  assert.is(lines.at(-1), 'bench times: image-verify 1.5 s, smp 2.3 s (total 3.8 s)');
});

test('exit code is 0 only when every figure met its goal and no bench failed', () => {
  assert.is(summaryExitCode(countVerdicts([MET])), 0);
  assert.is(summaryExitCode(countVerdicts([MET, MISSED])), 1);
  assert.is(summaryExitCode(countVerdicts([{ ...MET, goal: '' }])), 1);
  assert.is(summaryExitCode(countVerdicts([MET], [{ bench: 'hil', message: 'x' }])), 1);
  assert.is(summaryExitCode(countVerdicts([])), 0);
});

test.run();

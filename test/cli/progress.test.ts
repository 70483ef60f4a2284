/**
 * The CLI's progress bar (src/cli/progress.ts): drawn into a fake terminal it shows bytes/total, rate
 * and ETA and clears its line when stopped; piped, with --json or --quiet it writes nothing. Rate and
 * ETA run on a hand-stepped clock, so the figures asserted are exact.
 */
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatEta, formatRate, ProgressBar, type ProgressStream } from '../../src/cli/progress.ts';

/** A stream that records what is written; `isTTY` says whether it plays a terminal. */
function fakeStream(isTTY: boolean): { stream: ProgressStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  if (isTTY) {
    stream.isTTY = true;
    stream.columns = 200;
  }
  return { stream, text: () => chunks.join('') };
}

/** The visible text: escape sequences (cursor moves, line clears) removed. */
function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1B(\[[0-9;?]*[A-Za-z]|[78])/g, '');
}

test('on a terminal: bar, percent, bytes/total, rate and ETA, then details; stop clears the line', () => {
  const { stream, text } = fakeStream(true);
  let now = 0;
  const bar = new ProgressBar({ stream, now: () => now });
  assert.ok(bar.enabled);
  bar.update(0, 10_240, 'range 1024 B');
  assert.match(visible(text()), /0\/10240 B \| - B\/s \| ETA - \| range 1024 B/);
  now = 2000;
  bar.update(4096, 10_240, 'range 2048 B');
  bar.stop();
  const out = text();
  // The last frame drawn (on stop): 4 KiB in 2 s = 2 KiB/s, 6 KiB left = 3 s.
  assert.match(visible(out), /█+░+\s+40% \| 4096\/10240 B \| 2\.0 KiB\/s \| ETA 3s \| range 2048 B/);
  // Cleared: the stream ends with a carriage-return move to column 0 and an erase of the line.
  assert.match(out, /\x1B\[1G\x1B\[2K$/);
  assert.not.match(out, /\n/, 'no newline: the next output starts on the cleared line');
  // No terminal mode changed (cursor hidden, wrapping off) that a Ctrl-C could leave behind.
  assert.not.match(out, /\x1B\[\?(25l|7l)/);
});

test('stop without a bar, twice, or after an error path writes nothing more; update after stop draws a new bar', () => {
  const { stream, text } = fakeStream(true);
  const bar = new ProgressBar({ stream, now: () => 0 });
  bar.stop();
  assert.is(text(), '');
  bar.update(1, 2);
  bar.stop();
  const once = text();
  bar.stop();
  assert.is(text(), once);
  bar.update(2, 2);
  bar.stop();
  assert.match(visible(text().slice(once.length)), /100% \| 2\/2 B/);
});

test('an unknown total draws ? instead of a percent and an ETA', () => {
  const { stream, text } = fakeStream(true);
  let now = 0;
  const bar = new ProgressBar({ stream, now: () => now });
  bar.update(0, undefined);
  now = 1000;
  bar.update(512, undefined);
  bar.stop();
  assert.match(visible(text()), /\?% \| 512\/\? B \| 512 B\/s \| ETA -/);
});

test('a resumed transfer: the rate counts only the bytes moved since the bar started', () => {
  const { stream, text } = fakeStream(true);
  let now = 0;
  const bar = new ProgressBar({ stream, now: () => now });
  bar.update(8192, 16_384);
  now = 4000;
  bar.update(12_288, 16_384);
  bar.stop();
  assert.match(visible(text()), /12288\/16384 B \| 1\.0 KiB\/s \| ETA 4s/);
});

test('piped (not a TTY), --json or --quiet: nothing is written at all', () => {
  for (const o of [{ tty: false }, { tty: true, json: true }, { tty: true, quiet: true }]) {
    const { stream, text } = fakeStream(o.tty);
    const bar = new ProgressBar({ stream, json: o.json, quiet: o.quiet });
    assert.not.ok(bar.enabled);
    bar.update(1, 10, 'x');
    bar.update(10, 10, 'x');
    bar.stop();
    assert.is(text(), '', JSON.stringify(o));
  }
});

test('rate and ETA as people read them', () => {
  assert.is(formatRate(0), '- B/s');
  assert.is(formatRate(512), '512 B/s');
  assert.is(formatRate(1536), '1.5 KiB/s');
  assert.is(formatRate(3 * 1024 * 1024), '3.0 MiB/s');
  assert.is(formatEta(Number.NaN), '-');
  assert.is(formatEta(41.2), '42s');
  assert.is(formatEta(185), '3m05s');
  assert.is(formatEta(3720), '1h02m');
});

test.run();

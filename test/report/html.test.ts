import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attrs, esc, fmtBytes, fmtInt, fmtMs, num, trim } from '../../src/report/html.ts';

test('esc escapes the five markup characters', () => {
  assert.is(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('esc replaces control characters and lone surrogates, keeps tabs, newlines and surrogate pairs', () => {
  assert.is(esc('a\u0000b\u001bc\u007fd\u0085e'), 'a\ufffdb\ufffdc\ufffdd\ufffde');
  assert.is(esc('x\ud800y\udc00z'), 'x\ufffdy\ufffdz');
  assert.is(esc('tab\tnl\n😀'), 'tab\tnl\n😀');
});

test('attrs leaves out undefined and false, writes bare true, rounds numbers and escapes strings', () => {
  assert.is(attrs({ a: undefined, b: false, open: true, x: 1.23456, t: '"q"' }), ' open x="1.23" t="&quot;q&quot;"');
});

test('num never writes NaN, Infinity or -0', () => {
  assert.equal([num(Number.NaN), num(Infinity), num(-0.001), num(12.345)], ['0', '0', '0', '12.35']);
});

test('numbers format without locale', () => {
  assert.equal([fmtInt(1234567), fmtInt(-1000), fmtInt(999), fmtInt(Number.NaN)], ['1,234,567', '-1,000', '999', '–']);
  assert.equal([fmtBytes(812), fmtBytes(2048), fmtBytes(190_464), fmtBytes(3 * 1024 * 1024)], ['812 B', '2 KiB', '186 KiB', '3 MiB']);
  assert.equal([fmtMs(850), fmtMs(12_340), fmtMs(245_000), fmtMs(605_000), fmtMs(10_300_000)], ['850 ms', '12.3 s', '245 s', '10 min 05 s', '2 h 51 min']);
  assert.equal([trim(2.5, 2), trim(3, 2), trim(0.125, 1)], ['2.5', '3', '0.1']);
});

test.run();

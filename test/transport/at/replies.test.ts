import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkKinds, expectInfo, parseInfoLine, parseParams, quote } from '../../../src/transport/at/replies.ts';
import { AtError } from '../../../src/transport/at/errors.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, AtError);
    return (e as AtError).code;
  }
  throw new Error('expected a throw');
}

test('parseParams reads numbers, quoted strings (commas and line breaks inside) and bare words', () => {
  assert.equal(parseParams(' 1, -2,"a,b\r\nc", OK_1.x'), [1, -2, 'a,b\r\nc', 'OK_1.x']);
  assert.equal(parseParams(''), []);
  assert.equal(parseParams('2147483647'), [2147483647]);
});

test('parseParams refuses unterminated strings, stray characters and huge numbers', () => {
  assert.is(code(() => parseParams('"abc')), 'AT_BAD_REPLY');
  assert.is(code(() => parseParams('1,')), 'AT_BAD_REPLY');
  assert.is(code(() => parseParams('"a"b')), 'AT_BAD_REPLY');
  assert.is(code(() => parseParams('(0-7)')), 'AT_BAD_REPLY');
  assert.is(code(() => parseParams('99999999999')), 'AT_BAD_REPLY');
});

test('parseInfoLine matches the prefix case-insensitively and ignores other lines', () => {
  assert.equal(parseInfoLine('#xrecv: 5', '#XRECV'), [5]);
  assert.is(parseInfoLine('#XSEND: 5', '#XRECV'), undefined);
  assert.is(parseInfoLine('#XRECVX: 5', '#XRECV'), undefined);
});

test('expectInfo wants exactly one line with the prefix and the right kinds', () => {
  assert.equal(expectInfo({ lines: ['#XSSOCKET: 3,1,258'] }, '#XSSOCKET', ['n', 'n', 'n'], 'op'), [3, 1, 258]);
  assert.is(code(() => expectInfo({ lines: [] }, '#XSSOCKET', ['n'], 'op')), 'AT_BAD_REPLY');
  assert.is(code(() => expectInfo({ lines: ['#X: 1', '#X: 2'] }, '#X', ['n'], 'op')), 'AT_BAD_REPLY');
  assert.is(code(() => expectInfo({ lines: ['#X: "1"'] }, '#X', ['n'], 'op')), 'AT_BAD_REPLY');
  assert.equal(checkKinds([1], ['n', 's'], 'op', 'l', 1), [1]);
});

test('quote refuses a double quote (AT strings have no escapes)', () => {
  assert.is(quote('host', 'op'), '"host"');
  assert.is(code(() => quote('a"b', 'op')), 'AT_BAD_COMMAND');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, formatVersion, parseVersion, securityCounterFromVersion } from '../../../src/fota/mcuboot/version.ts';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';

const GOOD: Array<[string, [number, number, number, number]]> = [
  ['1', [1, 0, 0, 0]],
  ['1.2', [1, 2, 0, 0]],
  ['1.2.3', [1, 2, 3, 0]],
  ['1.2.3+4', [1, 2, 3, 4]],
  ['255.255.65535+4294967295', [255, 255, 65535, 4294967295]],
  ['0.0.0+0', [0, 0, 0, 0]],
];
const BAD = ['', '1.', '01.2', '1.2.3.4', '1+2', '256', '1.256', '1.2.65536', '1.2.3+4294967296', 'a.b', '-1', '1.2.3+'];

test('parses every imgtool version form', () => {
  for (const [text, [major, minor, revision, build]] of GOOD) {
    assert.equal(parseVersion(text), { major, minor, revision, build }, text);
  }
});

test('rejects malformed or out-of-range versions with IMAGE_BAD_VERSION', () => {
  for (const text of BAD) {
    try {
      parseVersion(text);
      assert.unreachable(text);
    } catch (e) {
      assert.instance(e, ImageError, text);
      assert.is((e as ImageError).code, 'IMAGE_BAD_VERSION', text);
      assert.ok((e as Error).message.startsWith('version.parse:'));
    }
  }
});

test('formats with the build always shown, like imgtool dumpinfo', () => {
  assert.is(formatVersion(parseVersion('1.2')), '1.2.0+0');
  assert.is(formatVersion(parseVersion('1.2.3+4')), '1.2.3+4');
});

test('orders versions by major, minor, revision; build only when asked', () => {
  const a = parseVersion('1.2.3+4');
  assert.is(compareVersions(a, parseVersion('1.2.3+9')), 0);
  assert.is(compareVersions(a, parseVersion('1.2.3+9'), true), -1);
  assert.is(compareVersions(a, parseVersion('1.10.0')), -1);
  assert.is(compareVersions(parseVersion('2'), a), 1);
});

test('security counter auto is (major << 24) + (minor << 16) + revision', () => {
  assert.is(securityCounterFromVersion(parseVersion('1.2.3+4')), 0x01020003);
  assert.is(securityCounterFromVersion(parseVersion('255.255.65535')), 0xffffffff);
});

test.run();

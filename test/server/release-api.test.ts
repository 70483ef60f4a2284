import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sameVersion, answerReleaseCheck } from '../../src/server/release-api.ts';

const KEY = 'k';
const RELEASE = { version: '2.0.0', url: 'https://cdn.fotakit.test/fw/2.0.0/app_update.bin' };
const Q = '?&device_serial=SN%201&hardware_version=nrf9160dk&software_type=app&current_version=';

test('200 with the URL for another version, 204 for the same (values URL-decoded)', () => {
  assert.equal(answerReleaseCheck(Q + '1.0.0', KEY, KEY, RELEASE), { status: 200, body: RELEASE.url });
  assert.equal(answerReleaseCheck(Q + '2.0.0', KEY, KEY, RELEASE), { status: 204, body: '' });
});

test('401 before anything else for a missing or wrong key', () => {
  assert.is(answerReleaseCheck('', undefined, KEY, RELEASE).status, 401);
  assert.is(answerReleaseCheck(Q + '1.0.0', 'K', KEY, RELEASE).status, 401);
});

test('400 for a missing, empty or overlong parameter', () => {
  assert.is(answerReleaseCheck(Q, KEY, KEY, RELEASE).status, 400);
  assert.is(answerReleaseCheck(Q.replace('&software_type=app', '') + '1', KEY, KEY, RELEASE).status, 400);
  assert.is(answerReleaseCheck(Q + 'x'.repeat(129), KEY, KEY, RELEASE).status, 400);
});

test('versions compare by number: 4.0.0, 4.0.0+0 and 4.0 are the release 4.0.0+0', () => {
  assert.is(sameVersion('4.0.0', '4.0.0+0'), true);
  assert.is(sameVersion('4.0', '4.0.0+0'), true);
  assert.is(sameVersion('4.0.0+1', '4.0.0+0'), false);
  assert.is(sameVersion('4.0.1', '4.0.0'), false);
  assert.is(sameVersion('v4-beta', 'v4-beta'), true);
  assert.is(sameVersion('v4-beta', '4.0.0'), false);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkForRelease, releaseCheckPath, type HttpGetFn } from '../../src/fota/update-check.ts';
import { utf8Encode } from '../../src/hal/bytes.ts';
import { FotaError } from '../../src/hal/errors.ts';

const id = { deviceSerial: 'SN 42/a', hardwareVersion: 'nrf9160dk', softwareType: 'app', currentVersion: '1.0.0' };
const api = { baseUrl: 'https://api.fotakit.test:8443/', projectKey: 'k3y' };

function answering(status: number, body = ''): { get: HttpGetFn; calls: { url: string; headers: Record<string, string> }[] } {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  return { calls, get: async (url, headers) => (calls.push({ url, headers }), { status, body: utf8Encode(body) }) };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError);
    return (e as FotaError).code;
  }
  return 'no error';
}

test('builds the Memfault path with a leading & on every parameter, values URL-encoded', () => {
  assert.is(
    releaseCheckPath(id),
    '/api/v0/releases/latest/url?&device_serial=SN%2042%2Fa&hardware_version=nrf9160dk&software_type=app&current_version=1.0.0',
  );
});

test('sends the project key and reads a 200 body as the payload URL', async () => {
  const { get, calls } = answering(200, 'https://cdn.fotakit.test:8443/images/app-1.1.0.bin\n');
  assert.equal(await checkForRelease(get, api, id), { kind: 'update', url: 'https://cdn.fotakit.test:8443/images/app-1.1.0.bin' });
  assert.is(calls[0]!.url, 'https://api.fotakit.test:8443' + releaseCheckPath(id));
  assert.is(calls[0]!.headers['Memfault-Project-Key'], 'k3y');
});

test('204 means up to date', async () => {
  assert.equal(await checkForRelease(answering(204).get, api, id), { kind: 'up-to-date' });
});

test('any other status is an error with the status, never up to date', async () => {
  for (const status of [401, 404, 500, 503, 302]) {
    assert.is(await codeOf(checkForRelease(answering(status).get, api, id)), 'RELEASE_API_STATUS');
  }
});

test('a 200 without a URL is RELEASE_API_BAD_BODY', async () => {
  assert.is(await codeOf(checkForRelease(answering(200, '').get, api, id)), 'RELEASE_API_BAD_BODY');
  assert.is(await codeOf(checkForRelease(answering(200, 'not a url').get, api, id)), 'RELEASE_API_BAD_BODY');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatUrl, hostHeader, parseUrl, resolveUrl } from '../../../src/transport/http/url.ts';
import { HttpError } from '../../../src/transport/http/errors.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, HttpError);
    return (e as HttpError).code;
  }
  throw new Error('did not throw');
}

test('parses scheme, host, default and explicit ports, and the request target', () => {
  assert.equal(parseUrl('https://CDN.Example.com/fw/app.bin?sig=1'), { scheme: 'https', host: 'cdn.example.com', port: 443, target: '/fw/app.bin?sig=1' });
  assert.equal(parseUrl('http://127.0.0.1:8080'), { scheme: 'http', host: '127.0.0.1', port: 8080, target: '/' });
  assert.equal(parseUrl('https://[::1]:8443/a'), { scheme: 'https', host: '::1', port: 8443, target: '/a' });
  assert.equal(parseUrl('https://h?x=1').target, '/?x=1');
  assert.equal(parseUrl('https://h/a#frag').target, '/a');
});

test('rejects URLs it cannot request with HTTP_BAD_URL', () => {
  for (const bad of ['', 'ftp://h/x', 'https:///x', 'https://h:0/', 'https://h:70000/', 'https://h/a b', 'https://[::1/x', 'https://h:x/']) {
    assert.is(code(() => parseUrl(bad)), 'HTTP_BAD_URL', bad);
  }
});

test('formats the URL and Host header without default ports', () => {
  assert.is(formatUrl(parseUrl('https://h:443/x')), 'https://h/x');
  assert.is(hostHeader(parseUrl('https://[::1]:8443/')), '[::1]:8443');
  assert.is(hostHeader(parseUrl('http://h/')), 'h');
});

test('resolves absolute, scheme-relative, absolute-path and relative Locations', () => {
  const base = parseUrl('https://api.example.com/v0/releases/latest?x=1');
  assert.is(formatUrl(resolveUrl(base, 'https://cdn.example.com/f.bin')), 'https://cdn.example.com/f.bin');
  assert.is(formatUrl(resolveUrl(base, '//cdn.example.com:8443/f')), 'https://cdn.example.com:8443/f');
  assert.is(formatUrl(resolveUrl(base, '/other/../f.bin')), 'https://api.example.com/f.bin');
  assert.is(formatUrl(resolveUrl(base, 'next?y=2')), 'https://api.example.com/v0/releases/next?y=2');
  assert.is(formatUrl(resolveUrl(base, '../up')), 'https://api.example.com/v0/up');
  assert.is(code(() => resolveUrl(base, 'ftp://x/y')), 'HTTP_BAD_REDIRECT');
});

test.run();

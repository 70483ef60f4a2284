import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { ERROR_CODES_DOC, errorRegistries, renderErrorCodes } from '../../scripts/error-codes.ts';
import { FotaError, NetError, isFotaError } from '../../src/hal/errors.ts';

const registries = errorRegistries();

test('docs/errors.md lists every registered code (regenerate with scripts/error-codes.ts)', () => {
  assert.fixture(readFileSync(ERROR_CODES_DOC, 'utf8'), renderErrorCodes(registries));
});

test('every code belongs to one family and has a meaning', () => {
  const seen = new Map<string, string>();
  const twice: string[] = [];
  const bare: string[] = [];
  for (const r of registries) {
    for (const c of r.codes) {
      if (seen.has(c.code)) twice.push(`${c.code}: ${seen.get(c.code)} and ${r.name}`);
      seen.set(c.code, r.name);
      if (!c.meaning) bare.push(c.code);
    }
  }
  assert.equal(twice, []);
  assert.equal(bare, []);
  assert.ok(seen.size > 150, `${seen.size} codes`);
});

test('every registry is added to FotaErrorCodeRegistry in its own file', () => {
  const missing = registries.filter((r) => !readFileSync(r.file, 'utf8').includes(`keyof typeof ${r.name}`)).map((r) => r.name);
  assert.equal(missing, []);
});

test('codes are checked when written: a typo does not compile', () => {
  const e = new NetError('EMSGSIZE', 'recv: record too large');
  assert.is(isFotaError(e, 'EMSGSIZE', 'ECONNRESET'), true);
  // @ts-expect-error 'EMSGSZE' is no registered code
  assert.is(isFotaError(e, 'EMSGSZE'), false);
  // @ts-expect-error nor is 'IMAGE_BAD_HASHH'
  assert.is(new FotaError('IMAGE_BAD_HASHH', 'x').code, 'IMAGE_BAD_HASHH');
});

test.run();

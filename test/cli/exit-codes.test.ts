import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT_INTERNAL, EXIT_NEGATIVE, EXIT_TABLE, EXIT_USAGE, exitStatusFor, exitStatusForCode } from '../../src/cli/exit-codes.ts';
import { reportError } from '../../src/cli/args.ts';
import { FotaError, UsageError } from '../../src/hal/errors.ts';
import { ImageError } from '../../src/fota/mcuboot/errors.ts';

/** Codes users meet, and the status each must give (issue 12's list). */
const EXPECTED: ReadonlyArray<[string, number]> = [
  ['USAGE', EXIT_USAGE],
  ['INTERNAL', EXIT_INTERNAL],
  ['IMAGE_BAD_HASH', EXIT_NEGATIVE],
  ['IMAGE_BAD_SIGNATURE', EXIT_NEGATIVE],
  ['IMAGE_UNKNOWN_KEY', EXIT_NEGATIVE],
  ['IMAGE_BAD_KEY', EXIT_USAGE],
  ['IMAGE_BAD_VERSION', EXIT_USAGE],
  ['DOWNLOAD_GAVE_UP', EXIT_NEGATIVE],
  ['DOWNLOAD_FILE_UNSTABLE', EXIT_NEGATIVE],
  ['CERT_UNKNOWN_CA', EXIT_NEGATIVE],
  ['TLS_HANDSHAKE_FAILED', EXIT_NEGATIVE],
  ['SMP_RC', EXIT_NEGATIVE],
  ['SMP_TIMEOUT', EXIT_NEGATIVE],
  ['AT_ERROR', EXIT_NEGATIVE],
  ['PORT_OPEN_FAILED', EXIT_NEGATIVE],
  ['BOOT_NO_VALID_IMAGE', EXIT_NEGATIVE],
  ['EMSGSIZE', EXIT_NEGATIVE],
  ['EHOSTUNREACH', EXIT_NEGATIVE],
  ['REPORT_BAD_ENTRY', EXIT_USAGE],
  ['REPORT_BAD_LINE', EXIT_USAGE],
  ['CRYPTO_NO_ECDSA', EXIT_INTERNAL],
  ['SOMETHING_NEW', EXIT_NEGATIVE],
];

test('every code maps to its exit status through the one table', () => {
  for (const [code, exit] of EXPECTED) assert.is(exitStatusForCode(code), exit, code);
});

test('a FotaError goes by its code; anything else is internal (3)', () => {
  assert.is(exitStatusFor(new UsageError('x')), EXIT_USAGE);
  assert.is(exitStatusFor(new ImageError('IMAGE_BAD_HASH', 'x')), EXIT_NEGATIVE);
  assert.is(exitStatusFor(new TypeError('x is undefined')), EXIT_INTERNAL);
  assert.is(exitStatusFor('a string'), EXIT_INTERNAL);
});

test('every row names a status 1, 2 or 3 and says why; exact rows come before the prefix that would shadow them', () => {
  EXIT_TABLE.forEach((row, i) => {
    assert.ok([1, 2, 3].includes(row.exit), row.pattern);
    assert.ok(row.why.length > 0, row.pattern);
    if (row.pattern.endsWith('*')) return;
    const shadow = EXIT_TABLE.slice(0, i).find((r) => r.pattern.endsWith('*') && row.pattern.startsWith(r.pattern.slice(0, -1)));
    assert.is(shadow, undefined, `${row.pattern} is shadowed by ${shadow?.pattern}`);
  });
});

function captured(fn: () => number): { status: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { status: fn(), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('an internal error exits 3: JSON says INTERNAL, the stack goes to stderr', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
  const j = captured(() => reportError(bug, true));
  assert.is(j.status, 3);
  assert.is(JSON.parse(j.out[0]!).error.code, 'INTERNAL');
  assert.match(j.err.join('\n'), /TypeError: Cannot read properties/);
  assert.match(j.err.join('\n'), /at /);
  const t = captured(() => reportError(bug, false));
  assert.is(t.status, 3);
  assert.match(t.err[0]!, /^fotakit: internal error: Cannot read properties of undefined \(reading 'x'\) \[INTERNAL\]$/);
});

test('a usage error is one line without a code; a typed failure carries its code; "fotakit:" is never doubled', () => {
  const u = captured(() => reportError(new UsageError('fotakit serve: --image FILE is required'), false));
  assert.is(u.status, 2);
  assert.equal(u.err, ['fotakit serve: --image FILE is required']);
  const f = captured(() => reportError(new FotaError('DOWNLOAD_GAVE_UP', 'download: gave up after 8 attempts'), false));
  assert.is(f.status, 1);
  assert.equal(f.err, ['fotakit: download: gave up after 8 attempts [DOWNLOAD_GAVE_UP]']);
});

test.run();

/**
 * One vocabulary of flags (src/cli/flags.ts): every command's options mean what the table says, old
 * spellings still work with a notice, mistyped flags name the closest one, and the README lists it all.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandName, normalizeArgv, parseCommand, setDeprecationNotice, stringList, stringValue, type CommandSpec } from '../../src/cli/args.ts';
import { closestFlag, FLAG_DEPRECATIONS, FLAG_VOCABULARY } from '../../src/cli/flags.ts';
import type { FotaError } from '../../src/hal/errors.ts';
import * as download from '../../src/cli/commands/download.ts';
import * as emulate from '../../src/cli/commands/emulate.ts';
import * as hil from '../../src/cli/commands/hil.ts';
import * as image from '../../src/cli/commands/image.ts';
import * as report from '../../src/cli/commands/report.ts';
import * as serve from '../../src/cli/commands/serve.ts';
import * as sim from '../../src/cli/commands/sim.ts';
import * as smp from '../../src/cli/commands/smp.ts';
import * as vectors from '../../src/cli/commands/vectors.ts';

const SPECS: CommandSpec[] = [
  download.SPEC,
  emulate.SPEC,
  hil.SPEC,
  image.SIGN,
  image.VERIFY,
  image.INFO,
  image.KEYGEN,
  image.GETPUB,
  image.GETPUBHASH,
  image.GETPRIV,
  image.KEYINFO,
  image.VERSION,
  report.SPEC,
  serve.SPEC,
  sim.SPEC,
  smp.SPEC,
  vectors.SPEC,
];

function usageError(fn: () => unknown): FotaError {
  try {
    fn();
  } catch (e) {
    return e as FotaError;
  }
  throw new Error('no error');
}

test('every option of every command is in the vocabulary, with its type and short letter', () => {
  for (const spec of SPECS) {
    for (const [name, o] of Object.entries(spec.options)) {
      const v = FLAG_VOCABULARY[name];
      assert.ok(v, `${commandName(spec)}: --${name} is not in FLAG_VOCABULARY`);
      assert.is(o.type, v!.type, `${commandName(spec)}: --${name}`);
      if (o.short !== undefined) assert.is(o.short, v!.short, `${commandName(spec)}: -${o.short} for --${name}`);
    }
  }
});

test('a short letter means one flag everywhere', () => {
  const byShort = new Map<string, string>();
  for (const [name, v] of Object.entries(FLAG_VOCABULARY)) {
    if (!v.short) continue;
    assert.is(byShort.get(v.short), undefined, `-${v.short} is both --${byShort.get(v.short)} and --${name}`);
    byShort.set(v.short, name);
  }
});

test('every deprecated spelling leads to a flag of the vocabulary that its commands have', () => {
  const names = new Map(SPECS.map((s) => [commandName(s), s]));
  for (const d of FLAG_DEPRECATIONS) {
    assert.ok(FLAG_VOCABULARY[d.canonical], d.canonical);
    for (const c of d.commands) {
      const spec = names.get(c);
      assert.ok(spec, `no command ${c}`);
      assert.ok(d.canonical in spec!.options, `${c} has no --${d.canonical}`);
      assert.not.ok(d.old in spec!.options, `${c} still has --${d.old}`);
    }
  }
});

test('old spellings keep working, each with a notice on stderr', () => {
  const notices: string[] = [];
  setDeprecationNotice((t) => notices.push(t));
  try {
    const d = parseCommand(download.SPEC, ['https://x.test/a', '--max-record', '2000', '--pipeline=3', '-o', 'out.bin']);
    assert.is(stringValue(d, 'max-record-bytes'), '2000');
    assert.is(stringValue(d, 'window'), '3');
    const s = parseCommand(smp.SPEC, ['--transport', 'serial', '--port', '/dev/ttyACM0', '--baud', '9600', 'image', 'list']);
    assert.is(stringValue(s, 'conntype'), 'serial');
    assert.equal(stringList(s, 'connstring'), ['dev=/dev/ttyACM0', 'baud=9600']);
    assert.equal(smp.parseConnString(stringList(s, 'connstring')), { dev: '/dev/ttyACM0', baud: '9600' });
    const e = parseCommand(emulate.SPEC, ['--board', 'nrf9160', '--host', 'api.fotakit.test=127.0.0.1', '-v']);
    assert.equal(stringList(e, 'resolve'), ['api.fotakit.test=127.0.0.1']);
    assert.is(e.values.verbose, true);
    const h = parseCommand(hil.SPEC, ['--modem-port', '/dev/x', '--roots', 'r.pem']);
    assert.equal(stringList(h, 'ca'), ['r.pem']);
    const r = parseCommand(report.SPEC, ['run.jsonl', '--out', 'run.html']);
    assert.is(stringValue(r, 'output'), 'run.html');
    const m = parseCommand(sim.SPEC, ['--target', 'nrf52833']);
    assert.is(stringValue(m, 'board'), 'nrf52833');
  } finally {
    setDeprecationNotice((t) => process.stderr.write(`${t}\n`));
  }
  assert.equal(notices.slice(0, 3), [
    'fotakit download: --max-record is deprecated, use --max-record-bytes',
    'fotakit download: --pipeline is deprecated, use --window',
    'fotakit smp: --transport is deprecated, use --conntype',
  ]);
  assert.is(notices.length, 10);
});

test('a spelling that is current in one command is not rewritten there (--port is serve\'s listen port)', () => {
  const p = parseCommand(serve.SPEC, ['--image', 'a.bin', '--port', '8443', '--host', '0.0.0.0']);
  assert.is(stringValue(p, 'port'), '8443');
  assert.is(stringValue(p, 'host'), '0.0.0.0');
});

test('an unknown option says "unknown option --X" and suggests the closest one', () => {
  const e = usageError(() => parseCommand(download.SPEC, ['https://x.test/a', '--max-recrod-bytes', '2000']));
  assert.is(e.code, 'USAGE');
  assert.is(e.message, 'fotakit download: unknown option --max-recrod-bytes (did you mean --max-record-bytes?)');
  assert.is(e.context.suggestion, '--max-record-bytes');
  assert.is(usageError(() => parseCommand(image.VERIFY, ['--kye', 'k.pem', 'a.img'])).message, 'fotakit image verify: unknown option --kye (did you mean --key?)');
  assert.is(usageError(() => parseCommand(image.VERIFY, ['--zzzzzzzz', 'a.img'])).message, 'fotakit image verify: unknown option --zzzzzzzz');
  assert.is(usageError(() => parseCommand(image.VERIFY, ['-x', 'a.img'])).message, 'fotakit image verify: unknown option -x');
});

test('values are never taken for flags; -- ends the options', () => {
  assert.equal(normalizeArgv(report.SPEC, ['--title', '--not-a-flag', 'run.jsonl', '-o', 'x.html']), ['--title=--not-a-flag', 'run.jsonl', '--output=x.html']);
  assert.equal(normalizeArgv(report.SPEC, ['--', '--odd-name.jsonl']), ['--', '--odd-name.jsonl']);
  assert.is(usageError(() => parseCommand(report.SPEC, ['run.jsonl', '-o'])).message, 'fotakit report: --output needs a value');
});

test('closestFlag finds near misses and prefixes, nothing for far ones', () => {
  assert.is(closestFlag('max-record', ['max-record-bytes', 'window']), 'max-record-bytes');
  assert.is(closestFlag('windwo', ['max-record-bytes', 'window']), 'window');
  assert.is(closestFlag('qqqqqqqq', ['max-record-bytes', 'window']), undefined);
});

test('the README documents every flag of the vocabulary and every deprecated spelling', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  assert.ok(readme.includes('### Flags'), 'README has a "### Flags" section');
  const from = readme.indexOf('### Flags');
  const section = readme.slice(from, readme.indexOf('\n## ', from));
  for (const name of Object.keys(FLAG_VOCABULARY)) assert.ok(section.includes(`--${name}`), `README: --${name}`);
  for (const d of FLAG_DEPRECATIONS) assert.ok(section.includes(d.old.length === 1 ? `-${d.old}` : `--${d.old}`), `README: deprecated --${d.old}`);
});

test.run();

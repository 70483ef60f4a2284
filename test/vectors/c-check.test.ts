/**
 * The vectors from C: every generated header compiles alone with gcc -std=c99 -Wall -Wextra -Werror
 * (-pedantic too), with tcc (a strict ISO C compiler: table initialisers must be constant
 * expressions) and with g++ -std=c++17 -Wall -Wextra -Werror; c/vectors_check.c, built against all of
 * them by each of the three, passes its invariant checks.
 */
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateVectors, writeVectors, type WrittenCategory } from '../../src/vectors/index.ts';

/** Every test here compiles the generated headers with gcc. */
const gccTest = testNeeding('gcc');
/** These also need tcc (a strict ISO C compiler) and g++. */
const cTest = testNeeding(['gcc', 'tcc', 'gxx']);

const CHECK_SOURCE = fileURLToPath(new URL('../../c/vectors_check.c', import.meta.url));
const GCC_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];
const GCC_TIMEOUT_MS = 60_000;
const TCC_FLAGS = ['-Wall', '-Werror'];
const GXX_FLAGS = ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-x', 'c++'];

const dir = mkdtempSync(join(tmpdir(), 'fotakit-vectors-c-'));
let written: WrittenCategory[] = [];
gccTest.before(async () => {
  written = writeVectors(dir, await generateVectors());
});
const badDirs: string[] = [];
gccTest.after(() => {
  for (const d of [dir, ...badDirs]) rmSync(d, { recursive: true, force: true });
});

function gcc(args: string[], include = dir): { status: number | null; stderr: string } {
  const r = spawnSync('gcc', [...GCC_FLAGS, `-I${include}`, ...args], { encoding: 'utf8', timeout: GCC_TIMEOUT_MS });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr };
}

function compile(cc: 'tcc' | 'g++', args: string[], include = dir): { status: number | null; stderr: string } {
  const r = spawnSync(cc, [...(cc === 'tcc' ? TCC_FLAGS : GXX_FLAGS), `-I${include}`, ...args], { encoding: 'utf8', timeout: GCC_TIMEOUT_MS });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr };
}

cTest('tcc and g++ are installed (CI installs the Debian packages tcc and g++ when missing)', () => {
  for (const cc of ['tcc', 'g++']) assert.is(spawnSync(cc, ['-v'], { encoding: 'utf8' }).status, 0, `${cc} -v`);
});

cTest('each generated header compiles on its own under tcc and g++ -std=c++17 -Wall -Wextra -Werror', () => {
  for (const cc of ['tcc', 'g++'] as const) {
    for (const w of written) {
      const src = join(dir, `only_${cc === 'tcc' ? 'tcc' : 'gxx'}_${w.name}.c`);
      writeFileSync(src, `#include "${w.headerFile}"\n#include "${w.headerFile}" /* include guard */\nint main(void) { return 0; }\n`);
      const r = compile(cc, ['-c', src, '-o', `${src}.o`]);
      assert.is(r.stderr, '', `${cc} ${w.headerFile}: ${r.stderr}`);
      assert.is(r.status, 0, `${cc} ${w.headerFile}`);
    }
  }
});

cTest('c/vectors_check.c built by tcc and by g++ passes the same checks as the gcc build', () => {
  for (const cc of ['tcc', 'g++'] as const) {
    const bin = join(dir, `vectors_check_${cc === 'tcc' ? 'tcc' : 'gxx'}`);
    const build = compile(cc, [CHECK_SOURCE, '-o', bin]);
    assert.is(build.stderr, '', `${cc}: ${build.stderr}`);
    assert.is(build.status, 0, cc);
    const r = spawnSync(bin, [], { encoding: 'utf8', timeout: GCC_TIMEOUT_MS });
    assert.is(r.status, 0, `${cc}: ${r.stdout}`);
    assert.match(r.stdout, /^\d+ checks passed$/m);
  }
});

gccTest('gcc is installed (CI installs it when missing)', () => {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  assert.is(r.status, 0, 'gcc --version');
});

gccTest('each generated header compiles on its own without a warning', () => {
  for (const w of written) {
    const src = join(dir, `only_${w.name}.c`);
    writeFileSync(src, `#include "${w.headerFile}"\n#include "${w.headerFile}" /* include guard */\nint main(void) { return 0; }\n`);
    const r = gcc(['-c', src, '-o', join(dir, `only_${w.name}.o`)]);
    assert.is(r.stderr, '', `${w.headerFile}: ${r.stderr}`);
    assert.is(r.status, 0, w.headerFile);
  }
});

gccTest('c/vectors_check.c builds against all headers and its checks pass', () => {
  const bin = join(dir, 'vectors_check');
  const build = gcc([CHECK_SOURCE, '-o', bin]);
  assert.is(build.stderr, '');
  assert.is(build.status, 0);
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: GCC_TIMEOUT_MS });
  assert.is(r.status, 0, r.stdout);
  const m = /^(\d+) checks passed$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m![1]) > 1000, `only ${m![1]} checks`);
});

gccTest('the C checks catch a corrupted vector: a wrong CRC and a gap in a range plan fail, exit 1', () => {
  const bad = mkdtempSync(join(tmpdir(), 'fotakit-vectors-bad-'));
  badDirs.push(bad);
  cpSync(dir, bad, { recursive: true });
  const smp = join(bad, 'fotakit_smp.h');
  const text = readFileSync(smp, 'utf8');
  const row = /(\{ "echo_request", (?:[^,]+, ){9})0x[0-9a-f]{4}/.exec(text);
  assert.ok(row, 'echo_request row');
  writeFileSync(smp, text.replace(row![0], `${row![1]}0x0000`));
  const http = join(bad, 'fotakit_http.h');
  const plans = readFileSync(http, 'utf8');
  const second = /static const struct fotakit_range fotakit_range_plan_1_ranges\[\] = \{\n\t\{[^\n]*\n\t\{ (\d+)U/.exec(plans);
  assert.ok(second, 'second range of plan 1');
  writeFileSync(http, plans.replace(second![0], second![0].replace(`{ ${second![1]}U`, `{ ${Number(second![1]) + 1}U`)));
  const bin = join(bad, 'vectors_check');
  assert.is(gcc([CHECK_SOURCE, '-o', bin], bad).status, 0);
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: GCC_TIMEOUT_MS });
  assert.is(r.status, 1);
  assert.match(r.stdout, 'echo_request: CRC-16/XMODEM');
  assert.match(r.stdout, '(contiguous)');
  assert.match(r.stdout, /\d+ of \d+ checks failed/);
});

gccTest.run();

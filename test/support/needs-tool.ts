/**
 * Test helper (not a test file): tests that need a program from outside npm (Debian's socat, gcc,
 * Chromium). Where the program is present they run as usual. Where it is absent they are reported as
 * skipped (uvu counts them, and `npm test`'s closing line shows the count) — except in CI (`CI=true`),
 * where .ci/run installs every such program, so an absent one fails each test loudly instead of
 * letting it pass without running.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test as uvuTest, type Test } from 'uvu';

/** The outside programs tests use, with the Debian package that provides each (what .ci/run installs). */
export const OUTSIDE_TOOLS = {
  socat: { command: 'socat', debianPackage: 'socat' },
  gcc: { command: 'gcc', debianPackage: 'gcc' },
  tcc: { command: 'tcc', debianPackage: 'tcc' },
  gxx: { command: 'g++', debianPackage: 'g++' },
  chromium: { command: 'chromium', debianPackage: 'chromium' },
} as const;

export type OutsideTool = keyof typeof OUTSIDE_TOOLS;

/** The program's absolute path found on PATH, or undefined. */
export function findTool(tool: OutsideTool, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, OUTSIDE_TOOLS[tool].command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export type ToolMode = 'run' | 'skip' | 'fail';

/** What tests needing `tool` do here: run, be skipped (tool absent), or fail (tool absent in CI). */
export function toolMode(tool: OutsideTool, env: NodeJS.ProcessEnv = process.env): ToolMode {
  if (findTool(tool, env.PATH ?? '') !== undefined) return 'run';
  return env.CI === 'true' || env.CI === '1' ? 'fail' : 'skip';
}

/**
 * uvu's `test` for tests that need `tool`: the real one when the tool is here; otherwise a stand-in
 * whose tests are skipped (or, in CI, fail saying what to install) and whose hooks do nothing.
 */
export function testNeeding(tools: OutsideTool | OutsideTool[], base: Test = uvuTest, mode?: ToolMode): Test {
  const list = Array.isArray(tools) ? tools : [tools];
  const missing = mode === undefined ? list.find((t) => toolMode(t) !== 'run') : list[0];
  const effective = mode ?? (missing === undefined ? 'run' : toolMode(missing));
  if (effective === 'run' || missing === undefined) return base;
  const { command, debianPackage } = OUTSIDE_TOOLS[missing];
  const why = `needs ${command}, which is not on PATH (apt-get install -y ${debianPackage})`;
  const register = (name: string, fn: Parameters<Test>[1]): void => {
    if (effective === 'skip') base.skip(`${name} [skipped: ${why}]`, fn);
    else
      base(name, () => {
        throw new Error(`${why}; CI must install it (.ci/run)`);
      });
  };
  const noHook = Object.assign(() => {}, { each: () => {} });
  return Object.assign(register, { only: register, skip: base.skip, before: noHook, after: noHook, run: base.run });
}


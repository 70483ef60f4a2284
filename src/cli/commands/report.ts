/**
 * `fotakit report RUN.jsonl -o RUN.html`: draws a saved run log (the JSON lines of `fotakit sim --json`
 * or `fotakit hil --json`) as the same self-contained HTML report `--report` writes.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../hal/errors.ts';
import { parseRunLog } from '../../report/run-log-file.ts';
import { renderReport } from '../../report/report.ts';
import { EXIT_OK, helpText, parseCommand, stringValue, type CommandSpec } from '../args.ts';
import { checkOutputPath, refuseSamePath, writeFileAtomic } from '../files.ts';

export const SPEC: CommandSpec = {
  usage: 'fotakit report RUN.jsonl -o RUN.html [--title T]',
  summary: 'Draws a saved run log (JSON lines from fotakit sim --json or hil --json) as a self-contained HTML report.',
  options: {
    output: { type: 'string', short: 'o' },
    title: { type: 'string' },
  },
  help: { output: 'the HTML file to write', title: 'page title' },
  positionals: { min: 1, max: 1, names: 'one run log (JSON lines)' },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const out = stringValue(p, 'output');
  if (!out) throw new UsageError('report: -o FILE.html is required');
  const input = p.positionals[0]!;
  checkOutputPath('-o', out);
  refuseSamePath('-o', out, [{ flag: 'RUN.jsonl', path: input }]);
  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (e) {
    throw new UsageError(`report: ${input}: ${(e as Error).message}`);
  }
  // Lines that are not run-log entries (hil's own summary, for instance) are passed over.
  const entries = parseRunLog(text, { skipForeign: true });
  writeFileAtomic('-o', out, renderReport(entries, { title: stringValue(p, 'title') ?? `fotakit run — ${input}`, source: input }));
  if (p.json) console.log(JSON.stringify({ ok: true, entries: entries.length, out }));
  else console.log(`report: ${entries.length} entries → ${out}`);
  return EXIT_OK;
}

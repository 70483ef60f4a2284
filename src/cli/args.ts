/**
 * Argument parsing for every fotakit command, on node:util parseArgs (Node's own, well kept).
 * Adds what each command needs the same way: `--help`, `--json`, numbers in decimal or 0x hex, and a
 * UsageError (exit 2) with a clear message for anything off.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FotaError, UsageError } from '../hal/errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  /** `fotakit image sign` */
  usage: string;
  /** One paragraph: what the command does. */
  summary: string;
  options: OptionSpec;
  /** Help text per option name. */
  help: Record<string, string>;
  positionals?: { min: number; max: number; names: string };
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  help: boolean;
  json: boolean;
}

const COMMON: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
};

/** Parses argv against `spec`; throws UsageError for unknown flags, missing values, wrong positional counts. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...spec.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${spec.usage.split(' [')[0]}: ${(e as Error).message}`);
  }
  const values = parsed.values as Parsed['values'];
  const help = values.help === true;
  if (!help && spec.positionals) {
    const n = parsed.positionals.length;
    if (n < spec.positionals.min || n > spec.positionals.max) {
      throw new UsageError(`${spec.usage.split(' [')[0]}: expected ${spec.positionals.names}, got ${n} argument(s)`);
    }
  }
  return { values, positionals: parsed.positionals, help, json: values.json === true };
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '', 'options:'];
  const all = { ...spec.options, ...COMMON };
  const help: Record<string, string> = { help: 'show this help', json: 'machine-readable output (JSON)', ...spec.help };
  for (const [name, o] of Object.entries(all)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <v>' : ''}`;
    lines.push(`  ${flag.padEnd(30)} ${help[name] ?? ''}`);
  }
  return lines.join('\n');
}

/** Parses a non-negative integer in decimal or 0x hex; UsageError naming the flag otherwise. */
export function parseInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  const ok = /^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t);
  const v = ok ? Number(t) : NaN;
  if (!ok || !Number.isSafeInteger(v) || v > max) {
    throw new UsageError(`--${flag}: '${text}' is not a whole number from 0 to ${max} (decimal or 0x hex)`);
  }
  return v;
}

export function stringValue(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringList(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Exit codes of every command. */
export const EXIT_OK = 0;
export const EXIT_NEGATIVE = 1;
export const EXIT_USAGE = 2;

/** Prints an error the way every command does (JSON when asked) and returns its exit code. */
export function reportError(e: unknown, json: boolean): number {
  const fe = e instanceof FotaError ? e : new FotaError('INTERNAL', `internal error: ${(e as Error)?.stack ?? String(e)}`);
  if (json) console.log(JSON.stringify({ ok: false, error: fe.toJSON() }));
  else console.error(`fotakit: ${fe.message}${fe.code !== 'USAGE' ? ` [${fe.code}]` : ''}`);
  return EXIT_USAGE;
}

const MS_PER_S = 1000;

/**
 * Keeps a long-running command (serve, emulate) up until Ctrl-C / SIGTERM, `durationS` seconds, or
 * `lost` settling (what it serves went away); says which.
 */
export function untilStopped(durationS: number | undefined, lost?: Promise<unknown>): Promise<'signal' | 'duration' | 'lost'> {
  return new Promise((done) => {
    let settled = false;
    const stop = (why: 'signal' | 'duration' | 'lost'): void => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
      done(why);
    };
    const onSignal = (): void => stop('signal');
    const timer = durationS === undefined ? undefined : setTimeout(() => stop('duration'), durationS * MS_PER_S);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void lost?.then(() => stop('lost'));
  });
}

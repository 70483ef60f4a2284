/**
 * Argument parsing for every fotakit command, on node:util parseArgs (Node's own, well kept).
 * Adds what each command needs the same way: `--help`, `--json`, numbers in decimal or 0x hex, and a
 * UsageError (exit 2) with a clear message for anything off.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FotaError, UsageError } from '../hal/errors.ts';
import { EXIT_INTERNAL, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE, exitStatusFor } from './exit-codes.ts';
import { closestFlag, FLAG_DEPRECATIONS, flagSpelling } from './flags.ts';

export { EXIT_INTERNAL, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE };

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  /** `fotakit image sign [-k KEY] ...`: the command's words, then its arguments. */
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

/** `image sign` from `fotakit image sign [-k KEY] IN OUT`: the lower-case words after `fotakit`. */
export function commandName(spec: CommandSpec): string {
  const words: string[] = [];
  for (const w of spec.usage.split(/\s+/).slice(1)) {
    if (!/^[a-z]+$/.test(w)) break;
    words.push(w);
  }
  return words.join(' ');
}

/** `fotakit image sign` (or a script's own name): the leading lower-case words of the usage line. */
export function programName(spec: CommandSpec): string {
  const first = spec.usage.split(/\s+/)[0]!;
  const rest = commandName(spec);
  return rest ? `${first} ${rest}` : first;
}

/** Where a deprecation notice goes (stderr; tests may capture it). */
export let deprecationNotice: (text: string) => void = (text) => process.stderr.write(`${text}\n`);
export function setDeprecationNotice(fn: (text: string) => void): void {
  deprecationNotice = fn;
}

/**
 * Rewrites old flag spellings (FLAG_DEPRECATIONS) to the current ones for `command`, with a notice
 * each; refuses unknown options with the closest known one. Values of string options are passed over.
 */
export function normalizeArgv(spec: CommandSpec, argv: readonly string[]): string[] {
  const command = commandName(spec);
  const program = programName(spec);
  const options = { ...COMMON, ...spec.options };
  const shorts = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) shorts.set(o.short, name);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)(=([\s\S]*))?$/.exec(token);
    const short = long ? undefined : /^-([^-])$/.exec(token);
    if (!long && !short) {
      out.push(token);
      continue;
    }
    let name = long ? long[1]! : short![1]!;
    let inline = long?.[3];
    if (short && shorts.has(name)) name = shorts.get(name)!;
    else if (!(name in options)) {
      const dep = FLAG_DEPRECATIONS.find((d) => d.old === name && d.commands.includes(command) && d.canonical in options);
      if (!dep) {
        // Near an option, or near an old spelling of one (then the option it became).
        const olds = FLAG_DEPRECATIONS.filter((d) => d.commands.includes(command) && d.canonical in options && d.old.length > 1);
        const hit = closestFlag(name, [...Object.keys(options).filter((n) => n.length > 1), ...olds.map((d) => d.old)]);
        const near = olds.find((d) => d.old === hit && !(hit in options))?.canonical ?? hit;
        throw new UsageError(
          `${program}: unknown option ${flagSpelling(name)}${near ? ` (did you mean --${near}?)` : ''}`,
          { option: flagSpelling(name), ...(near ? { suggestion: `--${near}` } : {}) },
        );
      }
      deprecationNotice(`${program}: ${flagSpelling(name)} is deprecated, use --${dep.canonical}`);
      name = dep.canonical;
      if (dep.value) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`${program}: ${flagSpelling(dep.old)} needs a value`);
        inline = dep.value(v);
      }
    }
    const o = options[name]!;
    if (o.type === 'string' && inline === undefined) {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`${program}: --${name} needs a value`, { option: `--${name}` });
      out.push(`--${name}=${v}`);
      i++;
    } else out.push(inline === undefined ? `--${name}` : `--${name}=${inline}`);
  }
  return out;
}

/** Parses argv against `spec`; throws UsageError for unknown flags, missing values, wrong positional counts. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const name = programName(spec);
  const args = normalizeArgv(spec, argv);
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...spec.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
  const values = parsed.values as Parsed['values'];
  const help = values.help === true;
  if (!help && spec.positionals) {
    const n = parsed.positionals.length;
    if (n < spec.positionals.min || n > spec.positionals.max) {
      throw new UsageError(`${name}: expected ${spec.positionals.names}, got ${n} argument(s)`);
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

/**
 * Parses a non-negative integer in decimal or 0x hex; UsageError naming the flag and what it wants
 * (`what`: "a flash operation number") otherwise.
 */
export function parseInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER, what = 'a whole number'): number {
  const t = text.trim();
  const ok = /^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t);
  const v = ok ? Number(t) : NaN;
  if (!ok || !Number.isSafeInteger(v) || v > max) {
    throw new UsageError(`--${flag}: '${text}' is not ${what} (a whole number from 0 to ${max}, decimal or 0x hex)`, { option: `--${flag}` });
  }
  return v;
}

export function stringValue(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return typeof v[v.length - 1] === 'string' ? (v[v.length - 1] as string) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function stringList(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** `fotakit: msg`, without doubling a message that already names the command. */
export function errorLine(message: string): string {
  return message.startsWith('fotakit ') || message.startsWith('fotakit:') ? message : `fotakit: ${message}`;
}

/**
 * Prints an error the way every command does and returns its exit status (exit-codes.ts). Text: one
 * line on stderr, `[CODE]` after it unless a usage error; an internal error adds its stack. JSON: one
 * line `{ ok: false, error: { name, code, message, context } }` on stdout.
 */
export function reportError(e: unknown, json: boolean): number {
  const status = exitStatusFor(e);
  const fe = e instanceof FotaError ? e : new FotaError('INTERNAL', `internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (json) console.log(JSON.stringify({ ok: false, error: fe.toJSON() }));
  else console.error(`${errorLine(fe.message)}${fe.code !== 'USAGE' ? ` [${fe.code}]` : ''}`);
  if (status === EXIT_INTERNAL) console.error(e instanceof Error && e.stack ? e.stack : String(e));
  return status;
}

/** `fotakit serve`'s port when --port is not given (the README's URLs use it; --port 0 picks a free one). */
export const SERVE_DEFAULT_PORT = 8443;

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

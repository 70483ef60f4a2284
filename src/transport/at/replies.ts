/**
 * Parsers for AT information responses: `<prefix>: <param>[,<param>...]` with numbers and
 * double-quoted strings (3GPP TS 27.007 §4.1; AT has no escapes inside quotes). Every parser checks
 * the prefix, the parameter count and each type, and throws AtError AT_BAD_REPLY naming the operation.
 */
import { AtError } from './errors.ts';
import type { AtReply } from './channel.ts';

export type AtParam = number | string;

/** Largest integer an AT parameter may carry here (sec_tags go up to 2^31 - 1). */
export const AT_PARAM_MAX_INT = 0xffffffff;

function bad(op: string, why: string, line: string): AtError {
  return new AtError('AT_BAD_REPLY', `${op}: ${why} in '${line.slice(0, 60)}'`, { line: line.slice(0, 200) });
}

/** Splits a parameter list: numbers (optionally negative), quoted strings, bare words ([A-Za-z_][A-Za-z0-9_.]*). */
export function parseParams(text: string, op = 'at.parseParams'): AtParam[] {
  const out: AtParam[] = [];
  let i = 0;
  if (text.trim() === '') return out;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw bad(op, 'unterminated string', text);
      out.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      let end = text.indexOf(',', i);
      if (end < 0) end = text.length;
      const token = text.slice(i, end).trim();
      if (/^-?\d{1,10}$/.test(token)) {
        const v = Number(token);
        if (Math.abs(v) > AT_PARAM_MAX_INT) throw bad(op, `number ${token} out of range`, text);
        out.push(v);
      } else if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(token)) out.push(token);
      else throw bad(op, `unreadable parameter '${token.slice(0, 20)}'`, text);
      i = end;
    }
    while (text[i] === ' ') i++;
    if (i >= text.length) return out;
    if (text[i] !== ',') throw bad(op, `expected ',' at column ${i}`, text);
    i++;
  }
}

/** Parameters of an information line `<prefix>: ...`; undefined when the line has another prefix. */
export function parseInfoLine(line: string, prefix: string, op = 'at.parseInfoLine'): AtParam[] | undefined {
  const head = `${prefix}:`;
  if (line.length < head.length || line.slice(0, head.length).toUpperCase() !== head.toUpperCase()) return undefined;
  return parseParams(line.slice(head.length), op);
}

export type ParamKind = 'n' | 's';

/**
 * The parameters of the one line with `prefix` in `reply`, checked against `kinds` (`n` number,
 * `s` string); `minCount` lets trailing parameters be optional.
 */
export function expectInfo(reply: AtReply, prefix: string, kinds: ParamKind[], op: string, minCount = kinds.length): AtParam[] {
  const found = reply.lines.map((l) => ({ l, p: parseInfoLine(l, prefix, op) })).filter((x) => x.p !== undefined);
  if (found.length !== 1) {
    throw new AtError('AT_BAD_REPLY', `${op}: expected one '${prefix}:' line, got ${found.length}`, { lines: reply.lines.slice(0, 8) });
  }
  const { l, p } = found[0]!;
  return checkKinds(p!, kinds, op, l, minCount);
}

export function checkKinds(params: AtParam[], kinds: ParamKind[], op: string, line: string, minCount = kinds.length): AtParam[] {
  if (params.length < minCount || params.length > kinds.length) {
    throw bad(op, `expected ${minCount === kinds.length ? kinds.length : `${minCount}-${kinds.length}`} parameters, got ${params.length}`, line);
  }
  params.forEach((v, k) => {
    if (kinds[k] === 'n' && typeof v !== 'number') throw bad(op, `parameter ${k + 1} is not a number`, line);
    if (kinds[k] === 's' && typeof v !== 'string') throw bad(op, `parameter ${k + 1} is not a string`, line);
  });
  return params;
}

/** Quotes a string parameter; AT has no escapes, so a double quote cannot be sent. */
export function quote(value: string, op: string): string {
  if (value.includes('"')) throw new AtError('AT_BAD_COMMAND', `${op}: a double quote cannot be sent in an AT string`);
  return `"${value}"`;
}

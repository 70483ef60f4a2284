/**
 * A small C99 header writer for the test vectors: include guard, a "generated" banner, `#define`s
 * (each under `#ifndef` so the header sits beside MCUboot's and Zephyr's own definitions of the same
 * constants), enums, byte arrays as `static const uint8_t name[] = {...}; #define name_len
 * ((size_t)N)`, and free text for struct types and tables. Lengths are macros, not `static const
 * size_t` objects: a table initialised from an object is not a constant expression in ISO C (tcc
 * refuses it), a macro is, in C99 and C++ alike. Output is plain ASCII, byte-identical on every run.
 * Compiles with `gcc -std=c99 -Wall -Wextra -Werror -pedantic`, tcc, and `g++ -std=c++17 -Wall
 * -Wextra -Werror` (static consts in a header do not trigger -Wunused-const-variable).
 */
import { FotaError } from '../hal/errors.ts';

/** Bytes per line in emitted arrays. */
const C_BYTES_PER_LINE = 16;
/** Longest string literal emitted in one piece (C99 guarantees 4095 characters per literal). */
export const C_STRING_LITERAL_MAX_CHARS = 4000;

/** A C identifier from any text: lower-case, [a-z0-9_], not starting with a digit. */
export function cIdent(text: string): string {
  let s = text.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '' || /^[0-9]/.test(s)) s = `v_${s}`;
  return s;
}

/** A C string literal (ASCII; everything else and quotes/backslashes escaped as octal). */
export function cString(text: string): string {
  if (text.length > C_STRING_LITERAL_MAX_CHARS) {
    throw new FotaError('VECTORS_BAD_INPUT', `cHeader.string: ${text.length} characters exceed ${C_STRING_LITERAL_MAX_CHARS}`);
  }
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f && !(c === 0x3f && text[i + 1] === '?')) out += text[i];
    else if (c <= 0xff) out += `\\${c.toString(8).padStart(3, '0')}`;
    else throw new FotaError('VECTORS_BAD_INPUT', `cHeader.string: character U+${c.toString(16)} is not a byte`);
  }
  return `${out}"`;
}

/** A C integer literal: decimal for small values, hex (with U suffix past INT32_MAX) otherwise. */
export function cInt(v: number): string {
  if (!Number.isSafeInteger(v)) throw new FotaError('VECTORS_BAD_INPUT', `cHeader.int: ${v} is not an integer`);
  if (v < 0) return v < -0x7fffffff ? `(-${-v}LL)` : String(v);
  if (v > 0xffffffff) return `0x${v.toString(16)}ULL`;
  if (v > 0x7fffffff) return `0x${v.toString(16)}U`;
  return String(v);
}

export class CHeaderWriter {
  private readonly parts: string[] = [];
  private readonly names = new Set<string>();

  constructor(
    private readonly guard: string,
    private readonly title: string,
  ) {}

  private claim(name: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new FotaError('VECTORS_BAD_INPUT', `cHeader: '${name}' is not a C identifier`);
    if (this.names.has(name)) throw new FotaError('VECTORS_BAD_INPUT', `cHeader: '${name}' defined twice`);
    this.names.add(name);
  }

  comment(text: string): this {
    this.parts.push(`/* ${text.replace(/\*\//g, '* /')} */`);
    return this;
  }

  blank(): this {
    this.parts.push('');
    return this;
  }

  /** `#define NAME value` under `#ifndef NAME` (MCUboot/Zephyr may already define it). */
  define(name: string, value: number | string, comment?: string): this {
    this.claim(name);
    const v = typeof value === 'number' ? cInt(value) : value;
    this.parts.push(`#ifndef ${name}${comment ? ` /* ${comment} */` : ''}`, `#define ${name} ${v}`, '#endif');
    return this;
  }

  enumeration(tag: string, members: ReadonlyArray<readonly [string, number]>): this {
    this.claim(tag);
    for (const [m] of members) this.claim(m);
    this.parts.push(`enum ${tag} {`, ...members.map(([m, v]) => `\t${m} = ${cInt(v)},`), '};');
    return this;
  }

  /** `static const uint8_t name[] = {...}; #define name_len ((size_t)N)` (a constant expression for tables). */
  bytes(name: string, data: Uint8Array): this {
    this.claim(name);
    this.claim(`${name}_len`);
    const lines: string[] = [];
    for (let o = 0; o < data.length; o += C_BYTES_PER_LINE) {
      const row = Array.from(data.subarray(o, o + C_BYTES_PER_LINE), (b) => `0x${b.toString(16).padStart(2, '0')}`);
      lines.push(`\t${row.join(', ')},`);
    }
    // C99 has no empty initialiser: an empty vector is one 0x00 with length 0.
    if (data.length === 0) lines.push('\t0x00, /* empty: see the _len */');
    this.parts.push(`static const uint8_t ${name}[] = {`, ...lines, '};', `#define ${name}_len ((size_t)${data.length})`);
    return this;
  }

  /** Free C text (struct types, tables); names it defines are registered with `declares`. */
  raw(text: string, ...declares: string[]): this {
    for (const d of declares) this.claim(d);
    this.parts.push(text);
    return this;
  }

  /** `static const struct <type> name[] = { {...}, ... };` plus `#define COUNT_NAME n`. */
  table(structType: string, name: string, rows: ReadonlyArray<ReadonlyArray<string>>, countName: string): this {
    this.claim(name);
    this.claim(countName);
    // An empty table still needs one row: `{ 0 }` in C (the universal zero initialiser, no warning),
    // `{}` in C++ (g++ -Wextra flags the missing members of `{ 0 }`).
    const body = rows.length === 0 ? ['#ifdef __cplusplus', '\t{}, /* empty: see the count */', '#else', '\t{ 0 }, /* empty: see the count */', '#endif'] : rows.map((r) => `\t{ ${r.join(', ')} },`);
    this.parts.push(`static const struct ${structType} ${name}[] = {`, ...body, '};', `#define ${countName} ${rows.length}`);
    return this;
  }

  toString(): string {
    const head = [
      `/* ${this.title}`,
      ' *',
      ' * GENERATED by `fotakit vectors` (src/vectors/) from fotakit\'s own implementation. Do not edit:',
      ' * regenerate. Schema and use from C: docs/vectors.md.',
      ' */',
      `#ifndef ${this.guard}`,
      `#define ${this.guard}`,
      '',
      '#include <stddef.h>',
      '#include <stdint.h>',
      '',
    ];
    return [...head, ...this.parts, '', `#endif /* ${this.guard} */`, ''].join('\n');
  }
}

/** A C `const uint8_t *` expression for a named byte array, or NULL. */
export function cRef(name: string | undefined): string {
  return name === undefined ? 'NULL' : name;
}

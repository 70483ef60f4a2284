/**
 * Internal helpers of the HTML run report: escaping for HTML text, attributes and inline SVG, and
 * deterministic number formatting (no locale: the same run renders the same bytes everywhere).
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML and SVG text content and for quoted attribute values. Characters that are
 * not allowed in an HTML document (C0 controls other than tab/newline, lone surrogates) become U+FFFD,
 * so a hostile host name or error message can neither break out of markup nor corrupt the file.
 */
export function esc(value: unknown): string {
  const text = String(value);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const c = text.charCodeAt(i);
    const mapped = HTML_ESCAPES[ch];
    if (mapped !== undefined) {
      out += mapped;
    } else if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      out += '\ufffd';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + text[i + 1]!;
        i++;
      } else {
        out += '\ufffd';
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
    } else {
      out += ch;
    }
  }
  return out;
}

export type AttrValue = string | number | boolean | undefined;

/** ` name="value"` pairs; `undefined` and `false` are left out, numbers are rounded for SVG. */
export function attrs(a: Readonly<Record<string, AttrValue>>): string {
  let out = '';
  for (const [name, value] of Object.entries(a)) {
    if (value === undefined || value === false) continue;
    if (value === true) {
      out += ` ${name}`;
      continue;
    }
    out += ` ${name}="${typeof value === 'number' ? num(value) : esc(value)}"`;
  }
  return out;
}

/** One element; `children` is already-escaped markup. */
export function el(tag: string, a: Readonly<Record<string, AttrValue>>, children = ''): string {
  return `<${tag}${attrs(a)}>${children}</${tag}>`;
}

/** A number for an SVG coordinate: at most 2 decimals, never NaN/Infinity (those become 0). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** 1234567 → "1,234,567" (fixed separator, no locale). */
export function fmtInt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const sign = v < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(v)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A value with `decimals` digits after the point (trailing zeros kept), or "–" when not finite. */
export function fmtFixed(v: number, decimals: number): string {
  return Number.isFinite(v) ? v.toFixed(decimals) : '–';
}

const BYTES_PER_KIB = 1024;
const BYTES_PER_MIB = 1024 * 1024;

/** Bytes in the unit a reader expects: "812 B", "12.5 KiB", "3.20 MiB". */
export function fmtBytes(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a < BYTES_PER_KIB) return `${fmtInt(v)} B`;
  if (a < BYTES_PER_MIB) return `${trim(v / BYTES_PER_KIB, a < 10 * BYTES_PER_KIB ? 2 : 1)} KiB`;
  return `${trim(v / BYTES_PER_MIB, 2)} MiB`;
}

/** Milliseconds since the run started, as a reader expects: "850 ms", "12.3 s", "4 min 05 s", "2 h 51 min". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const MS_PER_S = 1000;
  const S_PER_MIN = 60;
  const MIN_PER_H = 60;
  if (Math.abs(ms) < MS_PER_S) return `${fmtInt(ms)} ms`;
  const s = ms / MS_PER_S;
  if (Math.abs(s) < 10 * S_PER_MIN) return `${trim(s, 1)} s`;
  const wholeS = Math.round(Math.abs(s));
  const sign = s < 0 ? '-' : '';
  const min = Math.floor(wholeS / S_PER_MIN);
  if (min < MIN_PER_H) return `${sign}${min} min ${pad2(wholeS % S_PER_MIN)} s`;
  return `${sign}${Math.floor(min / MIN_PER_H)} h ${pad2(min % MIN_PER_H)} min`;
}

function pad2(v: number): string {
  return v < 10 ? `0${v}` : String(v);
}

/** `v` with up to `decimals` decimals, trailing zeros removed. */
export function trim(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return '–';
  const s = v.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * Reading a run log back: the JSON-lines text `fotakit sim|download|hil --json` prints (one entry a
 * line, see src/fota/run-log.ts), as `fotakit report` or a test would feed it to renderReport.
 * Blank lines and lines that are not JSON objects with a `kind` (a tool's own chatter) can be skipped;
 * a line that starts like an entry but does not parse is an error with its line number.
 */
import type { RunLogEntry } from '../fota/run-log.ts';
import { ReportError, REPORT_MAX_ENTRIES } from './model.ts';

/** A run-log line longer than this is refused (a real entry is a few hundred bytes). */
export const RUN_LOG_LINE_MAX_BYTES = 1_000_000;

export interface ParseRunLogOptions {
  /** Skip lines that are not run-log entries instead of failing (default true: mixed output is common). */
  skipForeign?: boolean;
}

/**
 * Parses JSON-lines text into run-log entries, in file order. Throws ReportError REPORT_BAD_LINE
 * (details: line) for a line that looks like an entry but is not valid JSON, or for a foreign line when
 * `skipForeign` is false; REPORT_TOO_LARGE past REPORT_MAX_ENTRIES entries.
 */
export function parseRunLog(text: string, options: ParseRunLogOptions = {}): RunLogEntry[] {
  if (typeof text !== 'string') {
    throw new ReportError('REPORT_BAD_INPUT', 'report.parseRunLog: text must be a string', { got: typeof text });
  }
  const skipForeign = options.skipForeign ?? true;
  const entries: RunLogEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const lineNo = i + 1;
    if (line === '') continue;
    if (line.length > RUN_LOG_LINE_MAX_BYTES) {
      throw new ReportError('REPORT_BAD_LINE', `report.parseRunLog: line ${lineNo} is longer than ${RUN_LOG_LINE_MAX_BYTES} bytes`, { line: lineNo });
    }
    if (!line.startsWith('{')) {
      if (skipForeign) continue;
      throw new ReportError('REPORT_BAD_LINE', `report.parseRunLog: line ${lineNo} is not a JSON object`, { line: lineNo });
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ReportError('REPORT_BAD_LINE', `report.parseRunLog: line ${lineNo} is not valid JSON`, { line: lineNo }, { cause: e });
    }
    const r = value as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof r.kind !== 'string' || typeof r.t !== 'number') {
      if (skipForeign) continue;
      throw new ReportError('REPORT_BAD_LINE', `report.parseRunLog: line ${lineNo} is not a run-log entry (no kind and t)`, { line: lineNo });
    }
    if (entries.length >= REPORT_MAX_ENTRIES) {
      throw new ReportError('REPORT_TOO_LARGE', `report.parseRunLog: more than ${REPORT_MAX_ENTRIES} entries`, { max: REPORT_MAX_ENTRIES });
    }
    entries.push(value as RunLogEntry);
  }
  return entries;
}

/**
 * The shape every server group (os, img, stat) has: a table of command handlers, as Zephyr's
 * `struct mgmt_group` / `struct mgmt_handler` (subsys/mgmt/mcumgr/mgmt). The server (./server.ts) finds
 * the handler by group and command, picks read or write by op (none: ENOTSUP), and encodes the result.
 * Also zcbor_map_decode_bulk's contract, which every handler that reads fields goes through:
 * no CBOR map at all (an empty body) is EINVAL; a listed key with a value of the wrong type is EINVAL;
 * a listed key twice is EINVAL; keys not listed are skipped.
 */
import type { SmpBody } from './cbor.ts';
import type { SmpHeader } from './message.ts';

/**
 * What a handler returns: a body, an SMP-layer rc (answered `{rc}` to every version), or a
 * group-specific error (answered `{err: {group, rc}}` to v2 and `{rc: v1Rc}` to v1, the group's
 * translate function having been applied by the handler).
 */
export type HandlerResult = { body: SmpBody } | { rc: number } | { groupRc: number; v1Rc: number; group?: number };

/** One request as a handler sees it; `body` is undefined when the request carried no CBOR at all. */
export interface MgmtRequest {
  header: SmpHeader;
  body: SmpBody | undefined;
}

export type MgmtHandlerFn = (req: MgmtRequest) => HandlerResult | Promise<HandlerResult>;

/** A command's handlers (Zephyr's mh_read / mh_write); a missing one answers ENOTSUP. */
export interface MgmtHandler {
  read?: MgmtHandlerFn;
  write?: MgmtHandlerFn;
}

/** A group: its id and its handlers by command id. */
export interface MgmtGroup {
  readonly groupId: number;
  readonly handlers: Readonly<Record<number, MgmtHandler>>;
  /** Forgets what the group keeps in RAM (a reset; e.g. img_mgmt's upload in progress). */
  resetState?(): void;
}

export type FieldKind = 'tstr' | 'bstr' | 'uint' | 'bool';

/** Field values decodeBulk hands back, by kind. */
export type FieldValue<K extends FieldKind> = K extends 'tstr' ? string : K extends 'bstr' ? Uint8Array : K extends 'uint' ? number : boolean;

export type DecodedFields<S extends Record<string, FieldKind>> = { [k in keyof S]?: FieldValue<S[k]> };

function matches(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case 'tstr':
      return typeof v === 'string';
    case 'bstr':
      return v instanceof Uint8Array;
    case 'uint':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'bool':
      return typeof v === 'boolean';
  }
}

/**
 * zcbor_map_decode_bulk: the listed fields of `body`, or undefined (the handler answers EINVAL) when
 * there is no map or a listed field has another type. Other keys are ignored, as Zephyr skips them.
 */
export function decodeBulk<S extends Record<string, FieldKind>>(body: SmpBody | undefined, spec: S): DecodedFields<S> | undefined {
  if (body === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(spec)) {
    if (!(key in body)) continue;
    const v = body[key];
    if (!matches(kind, v)) return undefined;
    out[key] = v;
  }
  return out as DecodedFields<S>;
}

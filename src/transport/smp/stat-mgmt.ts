/**
 * Device side of the STAT group (Zephyr's stat_mgmt, subsys/mgmt/mcumgr/grp/stat_mgmt/src/stat_mgmt.c):
 * list (cmd 1) names every stat group, show (cmd 0) `{name}` gives its fields. Kept from Zephyr:
 * show reads `name` through zcbor_map_decode_bulk (an empty body, a missing or empty name, or one of
 * STAT_MGMT_MAX_NAME_BYTES or more: EINVAL); an unknown name is the group error INVALID_STAT_NAME,
 * which current Zephyr files under group 63 (ZEPHYR_MGMT_GRP_BASIC) rather than STAT, and which a
 * v1 client reads as EUNKNOWN. Field values are sent as uint32, as stat_mgmt_cb_encode does.
 */
import type { SmpBody } from './cbor.ts';
import { MGMT_ERR_EINVAL, MGMT_ERR_EUNKNOWN, MGMT_GROUP_ID_STAT, MGMT_GROUP_ID_ZBASIC, STAT_MGMT_ERR_INVALID_STAT_NAME, STAT_MGMT_ID_LIST, STAT_MGMT_ID_SHOW, STAT_MGMT_MAX_NAME_BYTES } from './constants.ts';
import { decodeBulk, type HandlerResult, type MgmtGroup, type MgmtRequest } from './mgmt-handler.ts';

/** A stat group: named counters, read when asked (the device's live values). */
export interface StatGroup {
  name: string;
  fields: () => Readonly<Record<string, number>>;
}

const U32_MAX = 0xffffffff;

export class StatMgmt implements MgmtGroup {
  readonly groupId = MGMT_GROUP_ID_STAT;
  readonly handlers;

  constructor(private readonly groups: ReadonlyArray<StatGroup>) {
    this.handlers = {
      [STAT_MGMT_ID_SHOW]: { read: (r: MgmtRequest) => this.show(r) },
      [STAT_MGMT_ID_LIST]: { read: () => this.list() },
    };
  }

  private list(): HandlerResult {
    return { body: { stat_list: this.groups.map((g) => g.name) } };
  }

  private show(req: MgmtRequest): HandlerResult {
    const f = decodeBulk(req.body, { name: 'tstr' });
    const name = f?.name;
    if (!f || name === undefined || name.length === 0 || name.length >= STAT_MGMT_MAX_NAME_BYTES) return { rc: MGMT_ERR_EINVAL };
    const g = this.groups.find((x) => x.name === name);
    if (!g) return { groupRc: STAT_MGMT_ERR_INVALID_STAT_NAME, v1Rc: MGMT_ERR_EUNKNOWN, group: MGMT_GROUP_ID_ZBASIC };
    const fields: SmpBody = {};
    for (const [k, v] of Object.entries(g.fields())) fields[k] = v >>> 0 === v ? v : v % (U32_MAX + 1);
    return { body: { name, fields } };
  }
}

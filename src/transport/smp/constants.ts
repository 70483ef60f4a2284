/**
 * MCUmgr SMP constants: header layout, operations, groups, command ids, error codes and the limits
 * fotakit keeps. Spec: docs/reference/smp.md (Zephyr subsys/mgmt/mcumgr, mgmt_defines.h,
 * img_mgmt.h, os_mgmt.h). Names follow Zephyr's so a grep for `IMG_MGMT_ID_UPLOAD` finds both.
 */

/** SMP header (struct smp_hdr): 8 bytes, big-endian. */
export const SMP_HEADER_BYTES = 8;
/** Header byte 0: bits 4-3 version, bits 2-0 op. */
export const SMP_VERSION_SHIFT = 3;
export const SMP_VERSION_MASK = 0x03;
export const SMP_OP_MASK = 0x07;
export const SMP_VERSION_1 = 0;
export const SMP_VERSION_2 = 1;
/** Header field offsets (struct smp_hdr: nh_op/nh_version, nh_flags, nh_len, nh_group, nh_seq, nh_id). */
export const SMP_HDR_OP_OFFSET = 0;
export const SMP_HDR_FLAGS_OFFSET = 1;
export const SMP_HDR_LEN_OFFSET = 2;
export const SMP_HDR_GROUP_OFFSET = 4;
export const SMP_HDR_SEQ_OFFSET = 6;
export const SMP_HDR_ID_OFFSET = 7;
/** Largest CBOR payload the u16 length field can name. */
export const SMP_MAX_PAYLOAD_BYTES = 0xffff;

/** Operations (MGMT_OP_*). */
export const MGMT_OP_READ = 0;
export const MGMT_OP_READ_RSP = 1;
export const MGMT_OP_WRITE = 2;
export const MGMT_OP_WRITE_RSP = 3;

/** Groups (MGMT_GROUP_ID_*). */
export const MGMT_GROUP_ID_OS = 0;
export const MGMT_GROUP_ID_IMAGE = 1;
export const MGMT_GROUP_ID_STAT = 2;
export const MGMT_GROUP_ID_SETTINGS = 3;
export const MGMT_GROUP_ID_LOG = 4;
export const MGMT_GROUP_ID_CRASH = 5;
export const MGMT_GROUP_ID_FS = 8;
export const MGMT_GROUP_ID_SHELL = 9;
export const MGMT_GROUP_ID_ZBASIC = 63;
export const MGMT_GROUP_ID_PERUSER = 64;

/** OS group commands (OS_MGMT_ID_*). */
export const OS_MGMT_ID_ECHO = 0;
export const OS_MGMT_ID_CONS_ECHO_CTRL = 1;
export const OS_MGMT_ID_TASKSTAT = 2;
export const OS_MGMT_ID_MPSTAT = 3;
export const OS_MGMT_ID_DATETIME_STR = 4;
export const OS_MGMT_ID_RESET = 5;
export const OS_MGMT_ID_MCUMGR_PARAMS = 6;

/** IMAGE group commands (IMG_MGMT_ID_*). */
export const IMG_MGMT_ID_STATE = 0;
export const IMG_MGMT_ID_UPLOAD = 1;
export const IMG_MGMT_ID_FILE = 2;
export const IMG_MGMT_ID_CORELIST = 3;
export const IMG_MGMT_ID_CORELOAD = 4;
export const IMG_MGMT_ID_ERASE = 5;
export const IMG_MGMT_ID_SLOT_INFO = 6;

/** SMP-layer result codes (MGMT_ERR_*). */
export const MGMT_ERR_EOK = 0;
export const MGMT_ERR_EUNKNOWN = 1;
export const MGMT_ERR_ENOMEM = 2;
export const MGMT_ERR_EINVAL = 3;
export const MGMT_ERR_ETIMEOUT = 4;
export const MGMT_ERR_ENOENT = 5;
export const MGMT_ERR_EBADSTATE = 6;
export const MGMT_ERR_EMSGSIZE = 7;
export const MGMT_ERR_ENOTSUP = 8;
export const MGMT_ERR_ECORRUPT = 9;
export const MGMT_ERR_EBUSY = 10;
export const MGMT_ERR_EACCESSDENIED = 11;
export const MGMT_ERR_UNSUPPORTED_TOO_OLD = 12;
export const MGMT_ERR_UNSUPPORTED_TOO_NEW = 13;
export const MGMT_ERR_EPERUSER = 256;

export const MGMT_ERR_NAMES: Readonly<Record<number, string>> = {
  [MGMT_ERR_EOK]: 'EOK',
  [MGMT_ERR_EUNKNOWN]: 'EUNKNOWN',
  [MGMT_ERR_ENOMEM]: 'ENOMEM',
  [MGMT_ERR_EINVAL]: 'EINVAL',
  [MGMT_ERR_ETIMEOUT]: 'ETIMEOUT',
  [MGMT_ERR_ENOENT]: 'ENOENT',
  [MGMT_ERR_EBADSTATE]: 'EBADSTATE',
  [MGMT_ERR_EMSGSIZE]: 'EMSGSIZE',
  [MGMT_ERR_ENOTSUP]: 'ENOTSUP',
  [MGMT_ERR_ECORRUPT]: 'ECORRUPT',
  [MGMT_ERR_EBUSY]: 'EBUSY',
  [MGMT_ERR_EACCESSDENIED]: 'EACCESSDENIED',
  [MGMT_ERR_UNSUPPORTED_TOO_OLD]: 'UNSUPPORTED_TOO_OLD',
  [MGMT_ERR_UNSUPPORTED_TOO_NEW]: 'UNSUPPORTED_TOO_NEW',
};

/** img_mgmt group-specific v2 error codes (IMG_MGMT_ERR_*), reported as `{err: {group: 1, rc}}`. */
export const IMG_MGMT_ERR_OK = 0;
export const IMG_MGMT_ERR_UNKNOWN = 1;
export const IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL = 2;
export const IMG_MGMT_ERR_NO_IMAGE = 3;
export const IMG_MGMT_ERR_NO_TLVS = 4;
export const IMG_MGMT_ERR_INVALID_TLV = 5;
export const IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND = 6;
export const IMG_MGMT_ERR_TLV_INVALID_SIZE = 7;
export const IMG_MGMT_ERR_HASH_NOT_FOUND = 8;
export const IMG_MGMT_ERR_NO_FREE_SLOT = 9;
export const IMG_MGMT_ERR_FLASH_OPEN_FAILED = 10;
export const IMG_MGMT_ERR_FLASH_READ_FAILED = 11;
export const IMG_MGMT_ERR_FLASH_WRITE_FAILED = 12;
export const IMG_MGMT_ERR_FLASH_ERASE_FAILED = 13;
export const IMG_MGMT_ERR_INVALID_SLOT = 14;
export const IMG_MGMT_ERR_NO_FREE_MEMORY = 15;
export const IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET = 16;
export const IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET = 17;
export const IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL = 18;
export const IMG_MGMT_ERR_INVALID_PAGE_OFFSET = 19;
export const IMG_MGMT_ERR_INVALID_OFFSET = 20;
export const IMG_MGMT_ERR_INVALID_LENGTH = 21;
export const IMG_MGMT_ERR_INVALID_IMAGE_HEADER = 22;
export const IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC = 23;
export const IMG_MGMT_ERR_INVALID_HASH = 24;
export const IMG_MGMT_ERR_INVALID_FLASH_ADDRESS = 25;
export const IMG_MGMT_ERR_VERSION_GET_FAILED = 26;
export const IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER = 27;
export const IMG_MGMT_ERR_IMAGE_ALREADY_PENDING = 28;
export const IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE = 29;
export const IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE = 30;
export const IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN = 31;
export const IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED = 32;
export const IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED = 33;

/** Zephyr's CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE / _COUNT defaults (reported by OS params). */
export const SMP_DEFAULT_BUF_SIZE_BYTES = 384;
export const SMP_DEFAULT_BUF_COUNT = 4;
/** The SHA-256 the upload's `sha` and the image hash carry. */
export const IMG_MGMT_HASH_BYTES = 32;
/** `sha` may be a truncated hash: Zephyr accepts 1..32 bytes. */
export const IMG_MGMT_DATA_SHA_MAX_BYTES = 32;
/** The first upload chunk must hold at least the MCUboot header magic and size fields. */
export const IMG_MGMT_FIRST_CHUNK_MIN_BYTES = 32;

/** Serial (console) transport: frame markers and limits. */
export const SMP_SERIAL_START_MARKER: readonly [number, number] = [0x06, 0x09];
export const SMP_SERIAL_CONTINUATION_MARKER: readonly [number, number] = [0x04, 0x14];
export const SMP_SERIAL_MARKER_BYTES = 2;
/** A frame (marker + base64 + '\n') is at most this long (MCUMGR_SERIAL_MAX_FRAME). */
export const SMP_SERIAL_LINE_MAX_BYTES = 127;
/** Base64 characters per frame: (127 - 2 - 1) rounded down to a multiple of 4. */
export const SMP_SERIAL_LINE_MAX_BASE64_CHARS = 124;
/** Raw bytes per full frame: 124 / 4 * 3. */
export const SMP_SERIAL_LINE_MAX_RAW_BYTES = 93;
/** The u16 length prefix and the CRC-16 around each serial message. */
export const SMP_SERIAL_LENGTH_BYTES = 2;
export const SMP_SERIAL_CRC_BYTES = 2;
/** Zephyr's UART receive line buffer (CONFIG_UART_MCUMGR_RX_BUF_SIZE). */
export const SMP_SERIAL_RX_LINE_BUFFER_BYTES = 128;
/** Bytes of buf_size the serial transport keeps for itself: the message may be buf_size - 4. */
export const SMP_SERIAL_BUF_OVERHEAD_BYTES = 4;

/** BLE transport (smp.md "BLE transport"). */
export const SMP_BT_SERVICE_UUID = '8d53dc1d-1db7-4cd3-868b-8a527460aa84';
export const SMP_BT_CHARACTERISTIC_UUID = 'da2e7828-fbce-4e01-ae9e-261174997c48';
/** ATT header bytes of a write/notification: a fragment is at most ATT_MTU - 3 bytes. */
export const BT_ATT_HEADER_BYTES = 3;
export const BT_ATT_MTU_MIN = 23;
export const BT_ATT_MTU_MAX = 517;

/** UDP transport: Zephyr's CONFIG_MCUMGR_TRANSPORT_UDP_PORT. */
export const SMP_UDP_PORT = 1337;
/** Largest datagram payload over IPv4/IPv6 UDP we accept. */
export const SMP_UDP_MAX_DATAGRAM_BYTES = 65507;

/** Client timeouts (what mcumgr / nRF Connect Device Manager use). */
export const SMP_DEFAULT_TIMEOUT_MS = 2500;
export const UPLOAD_FIRST_CHUNK_TIMEOUT_MS = 40000;
/** image erase wipes the whole secondary slot (54 pages × 85 ms on the nRF52833): as long as the first chunk. */
export const IMAGE_ERASE_TIMEOUT_MS = 40000;
/** The client's watchdog checks deadlines this often (the Clock HAL has no cancellable timers). */
export const SMP_TIMEOUT_POLL_MS = 10;
/** Retries of one request after a timeout before the operation fails. */
export const SMP_DEFAULT_RETRIES = 3;
/** Jumps to a device-given offset (resume, lost chunk) tolerated per upload: a device that keeps moving it is broken. */
export const UPLOAD_MAX_OFFSET_JUMPS = 256;
/** Times an upload restarts from offset 0 (device reset mid-upload) before giving up. */
export const UPLOAD_MAX_RESTARTS = 3;

/** OS group commands added after the original mcumgr set (os_mgmt.h). */
export const OS_MGMT_ID_INFO = 7;
export const OS_MGMT_ID_BOOTLOADER_INFO = 8;

/** os_mgmt group-specific error codes (enum os_mgmt_err_code_t). */
export const OS_MGMT_ERR_OK = 0;
export const OS_MGMT_ERR_UNKNOWN = 1;
export const OS_MGMT_ERR_INVALID_FORMAT = 2;
export const OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER = 3;
export const OS_MGMT_ERR_RTC_NOT_SET = 4;
export const OS_MGMT_ERR_RTC_COMMAND_FAILED = 5;

/** STAT group commands (STAT_MGMT_ID_*). */
export const STAT_MGMT_ID_SHOW = 0;
export const STAT_MGMT_ID_LIST = 1;
/** stat_mgmt group-specific error codes (enum stat_mgmt_err_code_t). */
export const STAT_MGMT_ERR_OK = 0;
export const STAT_MGMT_ERR_UNKNOWN = 1;
export const STAT_MGMT_ERR_INVALID_GROUP = 2;
export const STAT_MGMT_ERR_INVALID_STAT_NAME = 3;
export const STAT_MGMT_ERR_INVALID_STAT_SIZE = 4;
export const STAT_MGMT_ERR_WALK_ABORTED = 5;
/** CONFIG_MCUMGR_GRP_STAT_MAX_NAME_LEN default: a stat group name is shorter than this. */
export const STAT_MGMT_MAX_NAME_BYTES = 32;

/** MCUboot's boot modes as os bootloader info reports them (bootutil/boot_status.h enum mcuboot_mode). */
export const MCUBOOT_MODE_SINGLE_SLOT = 0;
export const MCUBOOT_MODE_SWAP_USING_SCRATCH = 1;
export const MCUBOOT_MODE_UPGRADE_ONLY = 2;
export const MCUBOOT_MODE_SWAP_USING_MOVE = 3;
export const MCUBOOT_MODE_DIRECT_XIP = 4;
export const MCUBOOT_MODE_DIRECT_XIP_WITH_REVERT = 5;

/** img_mgmt: slots per image; image n has slots 2n (primary) and 2n + 1 (secondary). */
export const IMG_MGMT_SLOTS_PER_IMAGE = 2;
/** Images one server may manage (CONFIG_MCUMGR_GRP_IMG_UPDATABLE_IMAGE_NUMBER is 1..3). */
export const IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX = 3;

/**
 * MCUboot image format constants: header, TLV info headers, TLV types, flags and the limits fotakit
 * enforces while parsing. Spec: docs/reference/mcuboot.md (mcuboot image.h, imgtool image.py).
 * Names follow the C ones so a grep for `IMAGE_TLV_SHA256` finds both.
 */

export const IMAGE_MAGIC = 0x96f3b83d;
export const IMAGE_HEADER_SIZE = 32;
/** The TLV info header (u16 magic, u16 it_tlv_tot) that opens each TLV area. */
export const IMAGE_TLV_INFO_SIZE = 4;
/** The header of one TLV entry (u16 type, u16 len). */
export const IMAGE_TLV_ENTRY_HEADER_SIZE = 4;
export const IMAGE_TLV_INFO_MAGIC = 0x6907;
export const IMAGE_TLV_PROT_INFO_MAGIC = 0x6908;

/** Header field offsets (struct image_header). */
export const IH_MAGIC_OFFSET = 0x00;
export const IH_LOAD_ADDR_OFFSET = 0x04;
export const IH_HDR_SIZE_OFFSET = 0x08;
export const IH_PROTECT_TLV_SIZE_OFFSET = 0x0a;
export const IH_IMG_SIZE_OFFSET = 0x0c;
export const IH_FLAGS_OFFSET = 0x10;
export const IH_VER_MAJOR_OFFSET = 0x14;
export const IH_VER_MINOR_OFFSET = 0x15;
export const IH_VER_REVISION_OFFSET = 0x16;
export const IH_VER_BUILD_OFFSET = 0x18;
export const IH_PAD1_OFFSET = 0x1c;

/** Header flags (ih_flags). */
export const IMAGE_F_PIC = 0x01;
export const IMAGE_F_ENCRYPTED_AES128 = 0x04;
export const IMAGE_F_ENCRYPTED_AES256 = 0x08;
export const IMAGE_F_NON_BOOTABLE = 0x10;
export const IMAGE_F_RAM_LOAD = 0x20;
export const IMAGE_F_ROM_FIXED = 0x100;
export const IMAGE_F_COMPRESSED_LZMA1 = 0x200;
export const IMAGE_F_COMPRESSED_LZMA2 = 0x400;
export const IMAGE_F_COMPRESSED_ARM_THUMB = 0x800;

export const IMAGE_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IMAGE_F_PIC, 'PIC'],
  [IMAGE_F_ENCRYPTED_AES128, 'ENCRYPTED_AES128'],
  [IMAGE_F_ENCRYPTED_AES256, 'ENCRYPTED_AES256'],
  [IMAGE_F_NON_BOOTABLE, 'NON_BOOTABLE'],
  [IMAGE_F_RAM_LOAD, 'RAM_LOAD'],
  [IMAGE_F_ROM_FIXED, 'ROM_FIXED'],
  [IMAGE_F_COMPRESSED_LZMA1, 'COMPRESSED_LZMA1'],
  [IMAGE_F_COMPRESSED_LZMA2, 'COMPRESSED_LZMA2'],
  [IMAGE_F_COMPRESSED_ARM_THUMB, 'COMPRESSED_ARM_THUMB'],
];

/** TLV types (IMAGE_TLV_*). */
export const IMAGE_TLV_KEYHASH = 0x01;
export const IMAGE_TLV_PUBKEY = 0x02;
export const IMAGE_TLV_SHA256 = 0x10;
export const IMAGE_TLV_SHA384 = 0x11;
export const IMAGE_TLV_SHA512 = 0x12;
export const IMAGE_TLV_RSA2048_PSS = 0x20;
export const IMAGE_TLV_ECDSA224 = 0x21;
export const IMAGE_TLV_ECDSA_SIG = 0x22;
export const IMAGE_TLV_RSA3072_PSS = 0x23;
export const IMAGE_TLV_ED25519 = 0x24;
export const IMAGE_TLV_SIG_PURE = 0x25;
export const IMAGE_TLV_ENC_RSA2048 = 0x30;
export const IMAGE_TLV_ENC_KW = 0x31;
export const IMAGE_TLV_ENC_EC256 = 0x32;
export const IMAGE_TLV_ENC_X25519 = 0x33;
export const IMAGE_TLV_ENC_X25519_SHA512 = 0x34;
export const IMAGE_TLV_DEPENDENCY = 0x40;
export const IMAGE_TLV_SEC_CNT = 0x50;
export const IMAGE_TLV_BOOT_RECORD = 0x60;
export const IMAGE_TLV_DECOMP_SIZE = 0x70;
export const IMAGE_TLV_DECOMP_SHA = 0x71;
export const IMAGE_TLV_DECOMP_SIGNATURE = 0x72;
export const IMAGE_TLV_COMP_DEC_SIZE = 0x73;
export const IMAGE_TLV_UUID_VID = 0x74;
export const IMAGE_TLV_UUID_CID = 0x75;

export const IMAGE_TLV_NAMES: Readonly<Record<number, string>> = {
  [IMAGE_TLV_KEYHASH]: 'KEYHASH',
  [IMAGE_TLV_PUBKEY]: 'PUBKEY',
  [IMAGE_TLV_SHA256]: 'SHA256',
  [IMAGE_TLV_SHA384]: 'SHA384',
  [IMAGE_TLV_SHA512]: 'SHA512',
  [IMAGE_TLV_RSA2048_PSS]: 'RSA2048',
  [IMAGE_TLV_ECDSA224]: 'ECDSA224',
  [IMAGE_TLV_ECDSA_SIG]: 'ECDSASIG',
  [IMAGE_TLV_RSA3072_PSS]: 'RSA3072',
  [IMAGE_TLV_ED25519]: 'ED25519',
  [IMAGE_TLV_SIG_PURE]: 'SIG_PURE',
  [IMAGE_TLV_ENC_RSA2048]: 'ENCRSA2048',
  [IMAGE_TLV_ENC_KW]: 'ENCKW',
  [IMAGE_TLV_ENC_EC256]: 'ENCEC256',
  [IMAGE_TLV_ENC_X25519]: 'ENCX25519',
  [IMAGE_TLV_ENC_X25519_SHA512]: 'ENCX25519_SHA512',
  [IMAGE_TLV_DEPENDENCY]: 'DEPENDENCY',
  [IMAGE_TLV_SEC_CNT]: 'SEC_CNT',
  [IMAGE_TLV_BOOT_RECORD]: 'BOOT_RECORD',
  [IMAGE_TLV_DECOMP_SIZE]: 'DECOMP_SIZE',
  [IMAGE_TLV_DECOMP_SHA]: 'DECOMP_SHA',
  [IMAGE_TLV_DECOMP_SIGNATURE]: 'DECOMP_SIGNATURE',
  [IMAGE_TLV_COMP_DEC_SIZE]: 'COMP_DEC_SIZE',
  [IMAGE_TLV_UUID_VID]: 'UUID_VID',
  [IMAGE_TLV_UUID_CID]: 'UUID_CID',
};

/**
 * The only TLV types MCUboot accepts outside the hashed (protected) area (bootutil's
 * `allow_unprot_tlvs`): hashes, key identifiers, signatures and encryption keys. Anything else there
 * could be swapped by an attacker without breaking the hash, so it is refused.
 */
export const IMAGE_UNPROTECTED_TLV_ALLOW_LIST: ReadonlySet<number> = new Set([
  IMAGE_TLV_KEYHASH,
  IMAGE_TLV_PUBKEY,
  IMAGE_TLV_SHA256,
  IMAGE_TLV_SHA384,
  IMAGE_TLV_SHA512,
  IMAGE_TLV_RSA2048_PSS,
  IMAGE_TLV_ECDSA224,
  IMAGE_TLV_ECDSA_SIG,
  IMAGE_TLV_RSA3072_PSS,
  IMAGE_TLV_ED25519,
  IMAGE_TLV_SIG_PURE,
  IMAGE_TLV_ENC_RSA2048,
  IMAGE_TLV_ENC_KW,
  IMAGE_TLV_ENC_EC256,
  IMAGE_TLV_ENC_X25519,
  IMAGE_TLV_ENC_X25519_SHA512,
]);

/** Custom (vendor) TLV types imgtool accepts in the protected area. */
export const IMAGE_TLV_CUSTOM_MIN = 0x00a0;
export const IMAGE_TLV_CUSTOM_MAX = 0xfffe;
/** SIG_PURE's one-byte value. */
export const IMAGE_SIG_PURE_VALUE = 0x01;
/** ih_hdr_size and ih_protect_tlv_size are u16; ih_img_size and SEC_CNT are u32. */
export const IMAGE_U16_MAX = 0xffff;
export const IMAGE_U32_MAX = 0xffffffff;

/** Fixed TLV value sizes. */
export const IMAGE_SEC_CNT_BYTES = 4;
export const IMAGE_DEPENDENCY_BYTES = 12;
export const IMAGE_SIG_PURE_BYTES = 1;
export const IMAGE_ED25519_SIG_BYTES = 64;
export const IMAGE_RSA2048_SIG_BYTES = 256;
export const IMAGE_RSA3072_SIG_BYTES = 384;
/** ASN.1 DER ECDSA signature: at most 72 bytes for P-256, 104 for P-384. */
export const IMAGE_ECDSA_SIG_MAX_BYTES = 104;

/** Limits of the parser (explicit maximums; the format allows more, no real image needs it). */
/** Entries per TLV area. imgtool writes 3-5; 128 leaves room for custom protected TLVs. */
export const IMAGE_MAX_TLV_COUNT = 128;
/** A TLV area's it_tlv_tot is a u16: the area is at most this long, info header included. */
export const IMAGE_MAX_TLV_AREA_BYTES = 0xffff;
/** Largest public key accepted in a PUBKEY TLV (RSA-3072 PKCS#1 is 398 bytes). */
export const IMAGE_MAX_PUBKEY_BYTES = 1024;

/** Version field widths. */
export const IMAGE_VERSION_MAJOR_MAX = 0xff;
export const IMAGE_VERSION_MINOR_MAX = 0xff;
export const IMAGE_VERSION_REVISION_MAX = 0xffff;
export const IMAGE_VERSION_BUILD_MAX = 0xffffffff;

/** The erased value of the flash the image is written to, and the default header size imgtool users pick. */
export const IMAGE_DEFAULT_ERASED_VAL = 0xff;
/** imgtool's default BOOT_MAX_ALIGN and max sector count (used for its slot-size check). */
export const IMGTOOL_DEFAULT_MAX_ALIGN = 8;
export const IMGTOOL_DEFAULT_MAX_SECTORS = 128;

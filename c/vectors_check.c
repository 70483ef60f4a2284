/*
 * vectors_check.c: proves the generated fotakit test vectors are usable from C.
 *
 * Builds with every generated header (gcc -std=c99 -Wall -Wextra -Werror -I<vectors dir>) and checks,
 * with its own C code rather than fotakit's, invariants each vector must satisfy: MCUboot image headers
 * and TLV areas, trailer offsets and swap-type decisions (its own copy of boot_swap_tables[]), boot
 * request writes (only erased bytes change), HTTP framing and contiguous range plans, SMP headers,
 * serial frames (its own base64 and CRC-16/XMODEM) and BLE fragments, AT error numbers, certificate
 * probe sequences. Prints "N checks passed" and exits 0, or lists each failure and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit_vectors.h"

static unsigned long checks;
static unsigned long failures;

#define CHECK(cond, ...)                                     \
	do {                                                 \
		checks++;                                    \
		if (!(cond)) {                               \
			failures++;                          \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                 \
			printf("\n");                        \
		}                                            \
	} while (0)

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

/* ---- CRC-16/XMODEM (poly 0x1021, init 0, no reflection), bitwise ---- */
static uint16_t crc16_xmodem(const uint8_t *data, size_t len)
{
	uint16_t crc = 0;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)(data[i] << 8);
		for (bit = 0; bit < 8; bit++) {
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
		}
	}
	return crc;
}

/* ---- base64 (RFC 4648, padded) ---- */
static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes `len` base64 characters into out; returns the byte count or -1. */
static long b64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_max)
{
	size_t i, n = 0;

	if (len % 4 != 0) return -1;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else {
				if (pad) return -1;
				v[k] = b64_value(in[i + k]);
				if (v[k] < 0) return -1;
			}
		}
		if (n + 3 - (size_t)pad > out_max) return -1;
		out[n++] = (uint8_t)((v[0] << 2) | (v[1] >> 4));
		if (pad < 2) out[n++] = (uint8_t)(((v[1] & 15) << 4) | (v[2] >> 2));
		if (pad < 1) out[n++] = (uint8_t)(((v[2] & 3) << 6) | v[3]);
	}
	return (long)n;
}

/* ---- MCUboot images ---- */
#define TLV_AREA_MAX_ENTRIES 1024

static void check_images(void)
{
	size_t i;

	for (i = 0; i < FOTAKIT_IMAGE_VECTOR_COUNT; i++) {
		const struct fotakit_image_vector *v = &fotakit_image_vectors[i];
		int valid = strcmp(v->expect_code, "VALID") == 0;

		CHECK(valid == (v->expect == FOTAKIT_IMAGE_VALID), "%s: enum and code disagree", v->name);
		if (v->len < IMAGE_HEADER_SIZE) {
			CHECK(v->expect == FOTAKIT_IMAGE_TRUNCATED, "%s: %lu bytes must be IMAGE_TRUNCATED", v->name, (unsigned long)v->len);
			CHECK(v->hdr_magic == 0 && v->hdr_size == 0 && v->img_size == 0, "%s: short image has header fields", v->name);
			continue;
		}
		CHECK(le32(v->data) == v->hdr_magic, "%s: ih_magic field", v->name);
		CHECK(le16(v->data + 8) == v->hdr_size, "%s: ih_hdr_size field", v->name);
		CHECK(le16(v->data + 10) == v->protect_tlv_size, "%s: ih_protect_tlv_size field", v->name);
		CHECK(le32(v->data + 12) == v->img_size, "%s: ih_img_size field", v->name);
		if (le32(v->data) != IMAGE_MAGIC) {
			CHECK(v->expect == FOTAKIT_IMAGE_BAD_MAGIC, "%s: bad magic must be IMAGE_BAD_MAGIC, is %s", v->name, v->expect_code);
			continue;
		}
		if (v->is_valid_case) {
			uint32_t off = v->hdr_size + v->img_size;
			uint32_t end, count = 0;
			int hash_found = 0;

			CHECK(valid, "%s: a valid-case image is not VALID (%s)", v->name, v->expect_code);
			CHECK(v->hdr_size >= IMAGE_HEADER_SIZE, "%s: hdr_size", v->name);
			if (v->protect_tlv_size > 0) {
				CHECK(le16(v->data + off) == IMAGE_TLV_PROT_INFO_MAGIC, "%s: protected TLV magic", v->name);
				CHECK(le16(v->data + off + 2) == v->protect_tlv_size, "%s: protected it_tlv_tot", v->name);
				off += v->protect_tlv_size;
			}
			CHECK(off + 4 <= v->len, "%s: TLV info inside the image", v->name);
			if (off + 4 > v->len) continue;
			CHECK(le16(v->data + off) == IMAGE_TLV_INFO_MAGIC, "%s: TLV info magic", v->name);
			end = off + le16(v->data + off + 2);
			CHECK(end <= v->len, "%s: TLV area inside the image", v->name);
			for (off += 4; off + 4 <= end && count < TLV_AREA_MAX_ENTRIES; count++) {
				uint16_t type = le16(v->data + off), len = le16(v->data + off + 2);

				CHECK(off + 4 + len <= end, "%s: TLV %u runs past the area", v->name, type);
				if ((type == IMAGE_TLV_SHA256 && len == 32) || (type == IMAGE_TLV_SHA384 && len == 48) || (type == IMAGE_TLV_SHA512 && len == 64)) {
					const char *want = type == IMAGE_TLV_SHA256 ? "sha256" : type == IMAGE_TLV_SHA384 ? "sha384" : "sha512";

					if (!hash_found) CHECK(strcmp(v->hash, want) == 0, "%s: hash field %s, hash TLV %s", v->name, v->hash, want);
					hash_found = 1;
				}
				off += 4 + len;
			}
			CHECK(off == end, "%s: TLV entries fill the area exactly", v->name);
			CHECK(hash_found, "%s: a hash TLV of the right size", v->name);
			if (v->len == FOTAKIT_VECTOR_IMAGE_SLOT_SIZE) {
				CHECK(memcmp(v->data + v->len - BOOT_MAGIC_SZ, fotakit_boot_magic_a8, BOOT_MAGIC_SZ) == 0, "%s: padded image ends in the boot magic", v->name);
			} else {
				size_t k;

				/* Anything after the TLVs (trailing_bytes) is erased flash, which bootutil never reads. */
				CHECK(end <= v->len, "%s: image length covers header + body + TLVs", v->name);
				for (k = end; k < v->len; k++) CHECK(v->data[k] == 0xff, "%s: byte %lu after the TLVs is not erased", v->name, (unsigned long)k);
			}
			CHECK(v->mcuboot_options != NULL && (v->key_type == NULL) == (v->mcuboot_options[0] == '\0'), "%s: MCUboot options name the signature type", v->name);
		}
	}
}

/* Encrypted images: same header and TLVs as their plaintext, ENCRYPTED flag for the key size, the key
 * TLV of their kind with its exact length, and a body that differs from the plaintext. */
static void check_enc_images(void)
{
	size_t i;

	for (i = 0; i < FOTAKIT_ENC_IMAGE_VECTOR_COUNT; i++) {
		const struct fotakit_enc_image_vector *v = &fotakit_enc_image_vectors[i];
		uint32_t hdr_size = le16(v->data + 8), img_size = le32(v->data + 12), flags = le32(v->data + 16);
		uint32_t off = hdr_size + img_size + le16(v->data + 10), end;
		uint32_t want_flag = v->aes_bits == 256 ? 0x08u : 0x04u;
		uint16_t want_type = strcmp(v->key_kind, "kw") == 0 ? 0x31 : strcmp(v->key_kind, "ec256") == 0 ? 0x32 : strcmp(v->hmac, "sha512") == 0 ? 0x34 : 0x33;
		size_t want_len = strcmp(v->key_kind, "kw") == 0 ? v->image_key_len + 8 : (strcmp(v->key_kind, "ec256") == 0 ? 65 : 32) + (strcmp(v->hmac, "sha512") == 0 ? 64 : 32) + v->image_key_len;
		int found = 0;

		CHECK(v->len == v->plain_len, "%s: stored and plaintext lengths", v->name);
		CHECK(v->image_key_len * 8 == (size_t)v->aes_bits, "%s: image key size", v->name);
		CHECK((flags & 0x0cu) == want_flag, "%s: ENCRYPTED flag for AES-%d", v->name, v->aes_bits);
		CHECK(memcmp(v->data, v->plain, hdr_size) == 0, "%s: header in clear", v->name);
		CHECK(memcmp(v->data + hdr_size, v->plain + hdr_size, img_size) != 0, "%s: body encrypted", v->name);
		CHECK(memcmp(v->data + hdr_size + img_size, v->plain + hdr_size + img_size, v->len - hdr_size - img_size) == 0, "%s: TLVs in clear", v->name);
		CHECK(img_size % 16 == 0 || (hdr_size + img_size) % 16 == 0, "%s: body padded to AES blocks", v->name);
		end = off + le16(v->data + off + 2);
		for (off += 4; off + 4 <= end; off += 4 + le16(v->data + off + 2)) {
			if (le16(v->data + off) == want_type) found = le16(v->data + off + 2) == want_len;
		}
		CHECK(found, "%s: key TLV 0x%x of %lu bytes", v->name, want_type, (unsigned long)want_len);
		CHECK(strcmp(v->expect_decrypted, "VALID") == 0 && strcmp(v->expect_stored, "IMAGE_BAD_HASH") == 0, "%s: valid only once decrypted", v->name);
	}
}

/* ---- trailers ---- */
static const uint8_t magic_align8[BOOT_MAGIC_SZ] = { 0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80 };
static const uint8_t magic_tail[BOOT_MAGIC_SZ - 2] = { 0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a };

static void expected_magic(uint32_t max_align, uint8_t out[BOOT_MAGIC_SZ])
{
	if (max_align == 8) {
		memcpy(out, magic_align8, BOOT_MAGIC_SZ);
		return;
	}
	out[0] = (uint8_t)(max_align & 0xff);
	out[1] = (uint8_t)(max_align >> 8);
	memcpy(out + 2, magic_tail, sizeof(magic_tail));
}

struct slot_state { uint8_t magic, image_ok, copy_done, swap_info; };

/* Decodes a tail (swap_size_off .. end of slot) like boot_read_swap_state. */
static struct slot_state decode_tail(const uint8_t *tail, uint32_t tail_off, uint32_t slot_size, uint32_t max_align, uint8_t erased)
{
	struct slot_state s;
	uint8_t good[BOOT_MAGIC_SZ];
	const uint8_t *magic = tail + (slot_size - BOOT_MAGIC_SZ - tail_off);
	uint32_t image_ok_off = slot_size - align_up(BOOT_MAGIC_SZ, max_align) - max_align;
	uint32_t copy_done_off = image_ok_off - max_align;
	uint32_t swap_info_off = copy_done_off - max_align;
	int all_erased = 1, k;
	uint8_t b;

	expected_magic(max_align, good);
	for (k = 0; k < BOOT_MAGIC_SZ; k++) if (magic[k] != erased) all_erased = 0;
	s.magic = all_erased ? BOOT_MAGIC_UNSET : memcmp(magic, good, BOOT_MAGIC_SZ) == 0 ? BOOT_MAGIC_GOOD : BOOT_MAGIC_BAD;
	b = tail[image_ok_off - tail_off];
	s.image_ok = b == erased ? BOOT_FLAG_UNSET : b == 0x01 ? BOOT_FLAG_SET : BOOT_FLAG_BAD;
	b = tail[copy_done_off - tail_off];
	s.copy_done = b == erased ? BOOT_FLAG_UNSET : b == 0x01 ? BOOT_FLAG_SET : BOOT_FLAG_BAD;
	b = tail[swap_info_off - tail_off];
	s.swap_info = (b == erased || (b & BOOT_SWAP_INFO_TYPE_MASK) < BOOT_SWAP_TYPE_NONE || (b & BOOT_SWAP_INFO_TYPE_MASK) > BOOT_SWAP_TYPE_REVERT) ? BOOT_SWAP_TYPE_NONE : (uint8_t)(b & BOOT_SWAP_INFO_TYPE_MASK);
	return s;
}

/* This program's own boot_swap_tables[] (mcuboot.md "Swap type decision"). */
struct own_row { int offset_only; uint8_t mp, ms, ip, is, cp, cs, type; };
static const struct own_row own_table[] = {
	{ 1, BOOT_MAGIC_ANY, BOOT_MAGIC_GOOD, BOOT_FLAG_ANY, BOOT_FLAG_UNSET, BOOT_FLAG_ANY, BOOT_FLAG_SET, BOOT_SWAP_TYPE_REVERT },
	{ 0, BOOT_MAGIC_ANY, BOOT_MAGIC_GOOD, BOOT_FLAG_ANY, BOOT_FLAG_UNSET, BOOT_FLAG_ANY, BOOT_FLAG_ANY, BOOT_SWAP_TYPE_TEST },
	{ 0, BOOT_MAGIC_ANY, BOOT_MAGIC_GOOD, BOOT_FLAG_ANY, BOOT_FLAG_SET, BOOT_FLAG_ANY, BOOT_FLAG_ANY, BOOT_SWAP_TYPE_PERM },
	{ 0, BOOT_MAGIC_GOOD, BOOT_MAGIC_ANY, BOOT_FLAG_UNSET, BOOT_FLAG_ANY, BOOT_FLAG_SET, BOOT_FLAG_ANY, BOOT_SWAP_TYPE_REVERT },
};

static int magic_ok(uint8_t table, uint8_t state) { return table == BOOT_MAGIC_ANY || (table == BOOT_MAGIC_NOTGOOD ? state != BOOT_MAGIC_GOOD : table == state); }
static int flag_ok(uint8_t table, uint8_t state) { return table == BOOT_FLAG_ANY || table == state; }

static int own_swap_row(struct slot_state p, struct slot_state s, int swap_using_offset)
{
	size_t r;

	for (r = 0; r < sizeof(own_table) / sizeof(own_table[0]); r++) {
		const struct own_row *t = &own_table[r];

		if (t->offset_only && !swap_using_offset) continue;
		if (magic_ok(t->mp, p.magic) && magic_ok(t->ms, s.magic) && flag_ok(t->ip, p.image_ok) && flag_ok(t->is, s.image_ok) &&
		    flag_ok(t->cp, p.copy_done) && flag_ok(t->cs, s.copy_done)) {
			return (int)r;
		}
	}
	return -1;
}

static void check_trailers(void)
{
	size_t i, k;

	CHECK(FOTAKIT_SWAP_TABLE_ROWS == sizeof(own_table) / sizeof(own_table[0]), "swap table has %d rows", FOTAKIT_SWAP_TABLE_ROWS);
	for (i = 0; i < FOTAKIT_SWAP_TABLE_ROWS && i < sizeof(own_table) / sizeof(own_table[0]); i++) {
		const struct fotakit_swap_table_row *g = &fotakit_swap_table[i];
		const struct own_row *o = &own_table[i];

		CHECK(g->swap_using_offset_only == o->offset_only && g->magic_primary == o->mp && g->magic_secondary == o->ms && g->image_ok_primary == o->ip &&
			      g->image_ok_secondary == o->is && g->copy_done_primary == o->cp && g->copy_done_secondary == o->cs && g->swap_type == o->type,
		      "swap table row %lu differs from MCUboot's", (unsigned long)i);
	}
	for (i = 0; i < FOTAKIT_TRAILER_LAYOUT_COUNT; i++) {
		const struct fotakit_trailer_layout *l = &fotakit_trailer_layouts[i];
		uint8_t good[BOOT_MAGIC_SZ];

		CHECK(l->magic_off == l->slot_size - BOOT_MAGIC_SZ, "layout %lu: magic at slot_size - 16", (unsigned long)i);
		CHECK(l->image_ok_off == l->slot_size - align_up(BOOT_MAGIC_SZ, l->max_align) - l->max_align, "layout %lu: image_ok offset", (unsigned long)i);
		CHECK(l->copy_done_off == l->image_ok_off - l->max_align, "layout %lu: copy_done offset", (unsigned long)i);
		CHECK(l->swap_info_off == l->copy_done_off - l->max_align, "layout %lu: swap_info offset", (unsigned long)i);
		CHECK(l->swap_size_off == l->swap_info_off - l->max_align, "layout %lu: swap_size offset", (unsigned long)i);
		CHECK(l->enc_key_field_size == 0 || l->enc_key_field_size == align_up(16, l->max_align) || l->enc_key_field_size == align_up(32, l->max_align), "layout %lu: key field size", (unsigned long)i);
		if (l->enc_key_field_size != 0) {
			CHECK(l->enc_key0_off == l->swap_size_off - l->enc_key_field_size, "layout %lu: key 0 offset", (unsigned long)i);
			CHECK(l->enc_key1_off == l->swap_size_off - 2 * l->enc_key_field_size, "layout %lu: key 1 offset", (unsigned long)i);
		}
		CHECK(l->status_off == l->swap_size_off - 2 * l->enc_key_field_size - l->max_img_sectors * 3 * l->write_align, "layout %lu: status area offset", (unsigned long)i);
		CHECK(l->trailer_size == l->slot_size - l->status_off, "layout %lu: trailer size", (unsigned long)i);
		expected_magic(l->max_align, good);
		CHECK(memcmp(l->good_magic, good, BOOT_MAGIC_SZ) == 0, "layout %lu: boot magic for max_align %u", (unsigned long)i, (unsigned)l->max_align);
	}
	for (i = 0; i < FOTAKIT_SWAP_VECTOR_COUNT; i++) {
		const struct fotakit_swap_vector *v = &fotakit_swap_vectors[i];
		struct slot_state p = decode_tail(v->primary_tail, v->tail_off, FOTAKIT_TRAILER_SLOT_SIZE, v->max_align, v->erased_val);
		struct slot_state s = decode_tail(v->secondary_tail, v->tail_off, FOTAKIT_TRAILER_SLOT_SIZE, v->max_align, v->erased_val);
		int row = own_swap_row(p, s, v->swap_using_offset);

		CHECK(v->tail_len == FOTAKIT_TRAILER_SLOT_SIZE - v->tail_off, "%s: tail length", v->name);
		CHECK(v->tail_off == FOTAKIT_TRAILER_SLOT_SIZE - align_up(BOOT_MAGIC_SZ, v->max_align) - 4 * v->max_align, "%s: tail starts at swap_size", v->name);
		CHECK(p.magic == v->primary_magic && p.image_ok == v->primary_image_ok && p.copy_done == v->primary_copy_done, "%s: primary state", v->name);
		CHECK(s.magic == v->secondary_magic && s.image_ok == v->secondary_image_ok && s.copy_done == v->secondary_copy_done, "%s: secondary state", v->name);
		CHECK(row == v->row, "%s: row %d, expected %d", v->name, row, v->row);
		CHECK((row < 0 ? BOOT_SWAP_TYPE_NONE : own_table[row].type) == v->swap_type, "%s: swap type", v->name);
	}
	for (i = 0; i < FOTAKIT_SWAP_PROGRESS_VECTOR_COUNT; i++) {
		const struct fotakit_swap_progress_vector *v = &fotakit_swap_progress_vectors[i];
		uint32_t swap_size_off = v->slot_size - align_up(BOOT_MAGIC_SZ, v->max_align) - 4 * v->max_align;
		uint32_t entries = v->max_img_sectors * 3, written = 0, e;

		CHECK(v->tail_len == v->slot_size - v->status_off, "swap progress %lu: tail length", (unsigned long)i);
		CHECK(v->status_off == swap_size_off - entries * v->write_align, "swap progress %lu: status area offset", (unsigned long)i);
		for (e = 0; e < entries; e++) if (v->tail[e * v->write_align] != 0xff) written++;
		CHECK(written == v->entries_written, "swap progress %lu: %u entries written, expected %u", (unsigned long)i, (unsigned)written, (unsigned)v->entries_written);
		CHECK(v->tail[v->entry_index * v->write_align] != 0xff, "swap progress %lu: entry %u written", (unsigned long)i, (unsigned)v->entry_index);
		CHECK(le32(v->tail + (swap_size_off - v->status_off)) == v->swap_size, "swap progress %lu: swap_size", (unsigned long)i);
		CHECK(memcmp(v->tail + v->tail_len - BOOT_MAGIC_SZ, magic_align8, BOOT_MAGIC_SZ) == 0, "swap progress %lu: primary magic good", (unsigned long)i);
		CHECK((v->tail[swap_size_off - v->status_off + v->max_align] & 0x0f) == v->swap_type, "swap progress %lu: swap_info", (unsigned long)i);
		if (i > 0) CHECK(v->entries_written == fotakit_swap_progress_vectors[i - 1].entries_written + 1, "swap progress %lu: one entry more than the one before", (unsigned long)i);
	}
	for (i = 0; i < FOTAKIT_BOOT_REQUEST_VECTOR_COUNT; i++) {
		const struct fotakit_boot_request_vector *v = &fotakit_boot_request_vectors[i];
		struct slot_state a = decode_tail(v->after, v->tail_off, FOTAKIT_TRAILER_SLOT_SIZE, v->max_align, v->erased_val);
		int changed = 0;

		for (k = 0; k < v->tail_len; k++) {
			if (v->before[k] != v->after[k]) {
				changed = 1;
				CHECK(v->before[k] == v->erased_val, "%s: byte %lu written without an erase", v->name, (unsigned long)k);
			}
		}
		if (v->rc != 0) CHECK(!changed, "%s: rc %d but bytes changed", v->name, v->rc);
		CHECK(a.magic == v->magic_after && a.image_ok == v->image_ok_after && a.copy_done == v->copy_done_after, "%s: state after", v->name);
		CHECK(a.swap_info == v->swap_type_after_info, "%s: swap_info after", v->name);
		if (strcmp(v->op, "set_pending_test") == 0 && v->rc == 0) CHECK(v->swap_type_after == BOOT_SWAP_TYPE_TEST, "%s: pending test gives TEST", v->name);
		if (strcmp(v->op, "set_pending_permanent") == 0 && v->rc == 0) CHECK(v->swap_type_after == BOOT_SWAP_TYPE_PERM, "%s: pending permanent gives PERM", v->name);
		if (strcmp(v->op, "set_confirmed") == 0 && v->rc == 0 && a.magic == BOOT_MAGIC_GOOD) CHECK(a.image_ok == BOOT_FLAG_SET, "%s: confirmed sets image_ok", v->name);
	}
}

/* ---- HTTP ---- */
static void check_http(void)
{
	size_t i, k;

	for (i = 0; i < FOTAKIT_HTTP_RESPONSE_VECTOR_COUNT; i++) {
		const struct fotakit_http_response_vector *v = &fotakit_http_response_vectors[i];

		if (strcmp(v->expect_code, "OK") != 0) {
			CHECK(v->status == 0 && v->framing == NULL, "%s: error vector with a head", v->name);
			continue;
		}
		CHECK(v->len >= 12 && memcmp(v->data, "HTTP/1.", 7) == 0, "%s: status line", v->name);
		CHECK(v->consumed <= v->len && v->head_bytes <= v->consumed, "%s: consumed %lu of %lu", v->name, (unsigned long)v->consumed, (unsigned long)v->len);
		CHECK(v->status >= 100 && v->status <= 599, "%s: status %d", v->name, v->status);
		if (strcmp(v->framing, "length") == 0) {
			CHECK(v->content_length == (long long)v->body_len, "%s: Content-Length = body", v->name);
			CHECK(memcmp(v->data + v->consumed - v->body_len, v->body, v->body_len) == 0, "%s: body is the last bytes of the message", v->name);
		}
		if (strcmp(v->framing, "none") == 0) CHECK(v->body_len == 0, "%s: no body", v->name);
	}
	for (i = 0; i < FOTAKIT_CONTENT_RANGE_VECTOR_COUNT; i++) {
		const struct fotakit_content_range_vector *v = &fotakit_content_range_vectors[i];

		if (strcmp(v->expect_code, "OK") != 0) continue;
		CHECK(strncmp(v->value, "bytes", 5) == 0 || strncmp(v->value, "BYTES", 5) == 0, "%s: unit", v->value);
		if (v->unsatisfied) CHECK(v->size >= 0 && v->first == -1, "%s: unsatisfied range", v->value);
		else CHECK(v->first >= 0 && v->first <= v->last && (v->size < 0 || v->last < v->size), "%s: first <= last < size", v->value);
	}
	for (i = 0; i < FOTAKIT_RANGE_PLAN_VECTOR_COUNT; i++) {
		const struct fotakit_range_plan_vector *v = &fotakit_range_plan_vectors[i];
		uint32_t budget = v->record_limit_bytes - FOTAKIT_DOWNLOAD_RECORD_OVERHEAD_BYTES - FOTAKIT_DOWNLOAD_RECORD_MARGIN_BYTES;
		uint32_t next = 0;

		for (k = 0; k < v->range_count; k++) {
			const struct fotakit_range *r = &v->ranges[k];

			CHECK(r->first == next, "%s: range %lu starts at %u, expected %u (contiguous)", v->name, (unsigned long)k, (unsigned)r->first, (unsigned)next);
			CHECK(r->length == r->last - r->first + 1, "%s: range %lu length", v->name, (unsigned long)k);
			CHECK(r->length + r->predicted_head_bytes <= budget, "%s: range %lu does not fit one record", v->name, (unsigned long)k);
			next = r->last + 1;
		}
		if (strcmp(v->expect_code, "OK") == 0) CHECK(next == v->file_size, "%s: ranges cover the file (%u of %u)", v->name, (unsigned)next, (unsigned)v->file_size);
		else CHECK(next < v->file_size, "%s: a failed plan stops short", v->name);
	}
}

/* ---- SMP ---- */
#define SERIAL_RAW_MAX 4096

static void check_smp_serial(const struct fotakit_smp_message_vector *v)
{
	static uint8_t raw[SERIAL_RAW_MAX];
	size_t raw_len = 0, pos = 0, frames = 0;

	while (pos < v->serial_len) {
		size_t end = pos;
		long n;

		while (end < v->serial_len && v->serial[end] != '\n') end++;
		CHECK(end < v->serial_len, "%s: frame %lu ends in a newline", v->name, (unsigned long)frames);
		if (end >= v->serial_len) return;
		CHECK(end + 1 - pos <= FOTAKIT_SMP_SERIAL_LINE_MAX_BYTES, "%s: frame %lu is %lu bytes", v->name, (unsigned long)frames, (unsigned long)(end + 1 - pos));
		if (frames == 0) CHECK(v->serial[pos] == 0x06 && v->serial[pos + 1] == 0x09, "%s: start marker", v->name);
		else CHECK(v->serial[pos] == 0x04 && v->serial[pos + 1] == 0x14, "%s: continuation marker", v->name);
		n = b64_decode(v->serial + pos + 2, end - pos - 2, raw + raw_len, SERIAL_RAW_MAX - raw_len);
		CHECK(n > 0, "%s: frame %lu base64", v->name, (unsigned long)frames);
		if (n <= 0) return;
		raw_len += (size_t)n;
		frames++;
		pos = end + 1;
	}
	CHECK(frames == v->serial_frame_count, "%s: %lu frames, expected %lu", v->name, (unsigned long)frames, (unsigned long)v->serial_frame_count);
	CHECK(raw_len == v->message_len + 4, "%s: raw stream length", v->name);
	if (raw_len != v->message_len + 4) return;
	CHECK(be16(raw) == v->message_len + 2, "%s: length prefix counts message + CRC", v->name);
	CHECK(memcmp(raw + 2, v->message, v->message_len) == 0, "%s: framed message", v->name);
	CHECK(be16(raw + 2 + v->message_len) == crc16_xmodem(v->message, v->message_len), "%s: CRC in the frame is CRC-16/XMODEM", v->name);
}

static void check_smp(void)
{
	size_t i, k;

	CHECK(crc16_xmodem((const uint8_t *)"123456789", 9) == 0x31c3, "CRC-16/XMODEM check value");
	for (i = 0; i < FOTAKIT_SMP_MESSAGE_VECTOR_COUNT; i++) {
		const struct fotakit_smp_message_vector *v = &fotakit_smp_message_vectors[i];
		const uint8_t *h = v->message;

		CHECK(v->message_len == (size_t)FOTAKIT_SMP_HEADER_SIZE + v->len, "%s: length", v->name);
		CHECK((h[0] & 7) == v->op && ((h[0] >> 3) & 3) == v->version && h[1] == v->flags, "%s: op/version/flags", v->name);
		CHECK(be16(h + 2) == v->len && be16(h + 4) == v->group && h[6] == v->seq && h[7] == v->id, "%s: len/group/seq/id", v->name);
		CHECK(crc16_xmodem(v->message, v->message_len) == v->crc16_xmodem, "%s: CRC-16/XMODEM", v->name);
		check_smp_serial(v);
	}
	for (i = 0; i < FOTAKIT_BLE_VECTOR_COUNT; i++) {
		const struct fotakit_ble_vector *b = &fotakit_ble_vectors[i];
		const struct fotakit_smp_message_vector *m = &fotakit_smp_message_vectors[b->message_index];
		size_t sum = 0, max = (size_t)b->mtu - FOTAKIT_BT_ATT_HEADER_BYTES;

		for (k = 0; k < b->fragment_count; k++) {
			sum += b->fragment_lens[k];
			if (k + 1 < b->fragment_count) CHECK(b->fragment_lens[k] == max, "%s mtu %u: fragment %lu is full", m->name, b->mtu, (unsigned long)k);
			else CHECK(b->fragment_lens[k] > 0 && b->fragment_lens[k] <= max, "%s mtu %u: last fragment", m->name, b->mtu);
		}
		CHECK(sum == m->message_len, "%s mtu %u: fragments add up", m->name, b->mtu);
		CHECK(b->fragment_count == (m->message_len + max - 1) / max, "%s mtu %u: fragment count", m->name, b->mtu);
		CHECK(b->fragment_lens[0] >= FOTAKIT_SMP_HEADER_SIZE || b->fragment_count == 1, "%s mtu %u: first fragment holds the header", m->name, b->mtu);
	}
	for (i = 0; i < FOTAKIT_SMP_ERROR_VECTOR_COUNT; i++) {
		const struct fotakit_smp_error_vector *v = &fotakit_smp_error_vectors[i];

		CHECK((v->message[0] & 7) == MGMT_OP_WRITE_RSP && be16(v->message + 4) == v->request_group, "%s: response header", v->name);
		if (strcmp(v->expect_code, "SMP_RC") == 0) CHECK(v->group >= 0 && v->rc > 0, "%s: group and rc", v->name);
		else CHECK(v->group == -1 && v->rc == -1, "%s: no rc", v->name);
	}
	for (i = 0; i < FOTAKIT_SMP_SERIAL_INPUT_VECTOR_COUNT; i++) {
		const struct fotakit_smp_serial_input_vector *v = &fotakit_smp_serial_input_vectors[i];

		if (strcmp(v->expect_code, "SMP_BAD_CRC") == 0) {
			/* A one-frame message: decode it and see the CRC disagree. */
			static uint8_t raw[SERIAL_RAW_MAX];
			long n = b64_decode(v->data + 2, v->len - 3, raw, sizeof(raw));

			CHECK(n > 4, "%s: decodes", v->name);
			if (n > 4) CHECK(be16(raw + n - 2) != crc16_xmodem(raw + 2, (size_t)n - 4), "%s: CRC mismatch seen from C", v->name);
			CHECK(v->messages == 0, "%s: no message delivered", v->name);
		}
	}
}

/* ---- AT ---- */
static void check_at(void)
{
	size_t i;

	for (i = 0; i < FOTAKIT_AT_VECTOR_COUNT; i++) {
		const struct fotakit_at_vector *v = &fotakit_at_vectors[i];
		char text[512];
		const char *cme;
		size_t n = v->response_len < sizeof(text) - 1 ? v->response_len : sizeof(text) - 1;

		memcpy(text, v->response, n);
		text[n] = '\0';
		CHECK(n >= 2 && text[n - 2] == '\r' && text[n - 1] == '\n', "%s: reply ends in CRLF", v->name);
		CHECK(strncmp(v->command, "AT", 2) == 0, "%s: command", v->name);
		cme = strstr(text, "+CME ERROR: ");
		if (v->cme >= 0) CHECK(cme != NULL && atoi(cme + 12) == v->cme, "%s: +CME ERROR number", v->name);
		else CHECK(cme == NULL, "%s: unexpected +CME ERROR", v->name);
		if (strcmp(v->expect_code, "OK") == 0) CHECK(strstr(text, "\r\nOK\r\n") != NULL, "%s: OK reply ends in OK", v->name);
	}
}

/* ---- certificate selection ---- */
static int is_candidate(int sec_tag)
{
	size_t i;

	for (i = 0; i < FOTAKIT_CERT_CANDIDATE_COUNT; i++) if (fotakit_cert_candidates[i].sec_tag == sec_tag) return 1;
	return 0;
}

static void check_cert(void)
{
	size_t i, k;

	for (i = 0; i < FOTAKIT_CERT_STEP_COUNT; i++) {
		const struct fotakit_cert_step *s = &fotakit_cert_steps[i];
		int ok = strcmp(s->expect_code, "OK") == 0;
		int probe_mode = strcmp(s->mode, "probe") == 0;

		CHECK(s->probe_count >= 1 && s->probe_count <= FOTAKIT_CERT_CANDIDATE_COUNT, "%s/%s: probe count", s->scenario, s->host);
		for (k = 0; k < s->probe_count; k++) {
			const struct fotakit_cert_probe *p = &s->probes[k];
			int last = k + 1 == s->probe_count;

			if (probe_mode) CHECK(is_candidate(p->sec_tag), "%s: probe %lu sec_tag %d", s->scenario, (unsigned long)k, p->sec_tag);
			CHECK(p->ok == (ok && last), "%s: only the final probe of a success is ok", s->scenario);
			CHECK(p->ok ? p->code[0] == '\0' : p->code[0] != '\0', "%s: failed probes carry a reason", s->scenario);
			if (k > 0) CHECK(strcmp(p->via, "in-order") == 0, "%s: later probes go in order", s->scenario);
		}
		if (ok) {
			CHECK(s->probes[s->probe_count - 1].sec_tag == s->chosen_sec_tag, "%s: chosen is the validating probe", s->scenario);
			CHECK(s->remembered_sec_tag == s->chosen_sec_tag, "%s: the winner is remembered", s->scenario);
		} else {
			CHECK(s->chosen_sec_tag == FOTAKIT_CERT_SEC_TAG_NONE, "%s: nothing chosen on failure", s->scenario);
		}
		if (strcmp(s->expect_code, "CERT_NO_CANDIDATE") == 0) CHECK(s->probe_count == FOTAKIT_CERT_CANDIDATE_COUNT, "%s: every candidate tried", s->scenario);
	}
}

int main(void)
{
	check_images();
	check_enc_images();
	check_trailers();
	check_http();
	check_smp();
	check_at();
	check_cert();
	if (failures > 0) {
		printf("%lu of %lu checks failed\n", failures, checks);
		return 1;
	}
	printf("%lu checks passed\n", checks);
	return 0;
}

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateVectors, VECTOR_GENERATORS, writeVectors } from '../../src/vectors/index.ts';
import { run } from '../../src/cli/commands/vectors.ts';
import { fromHex, readU32LE } from '../../src/hal/bytes.ts';
import { IMAGE_MAGIC } from '../../src/fota/mcuboot/constants.ts';

const CATEGORIES = ['images', 'trailers', 'http', 'smp', 'at', 'cert_select'];
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fotakit-vectors-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function readAll(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

/** Runs `fotakit vectors ...` in-process with console output captured. */
async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const log = console.log;
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  try {
    return { code: await run(argv), out };
  } finally {
    console.log = log;
  }
}

/** The code of the error `run(argv)` throws (main.ts turns it into exit 2). */
async function usageCode(argv: string[]): Promise<string> {
  try {
    await run(argv);
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'NO_ERROR';
}

test('two runs into two directories write byte-identical files', async () => {
  const a = tempDir();
  const b = tempDir();
  writeVectors(a, await generateVectors());
  writeVectors(b, await generateVectors());
  const fa = readAll(a);
  const fb = readAll(b);
  assert.equal([...fa.keys()], [...fb.keys()]);
  for (const [name, bytes] of fa) assert.ok(bytes.equals(fb.get(name)!), `${name} differs between runs`);
});

test('every category is present with a JSON file, a header and at least one vector', async () => {
  const dir = tempDir();
  const written = writeVectors(dir, await generateVectors());
  assert.equal(written.map((w) => w.name), CATEGORIES);
  assert.equal(VECTOR_GENERATORS.map((g) => g.name), CATEGORIES);
  const files = readdirSync(dir).sort();
  for (const c of CATEGORIES) {
    assert.ok(files.includes(`${c}.json`), `${c}.json`);
    assert.ok(files.includes(`fotakit_${c}.h`), `fotakit_${c}.h`);
    const json = JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8'));
    assert.is(json.schema, 1);
    assert.is(json.category, c);
  }
  for (const w of written) assert.ok(w.count > 0, `${w.name} has vectors`);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.categories.map((c: { name: string }) => c.name), CATEGORIES);
  assert.match(readFileSync(join(dir, 'fotakit_vectors.h'), 'utf8'), '#include "fotakit_images.h"');
});

test('image vectors: one valid image per signature type, and the corpus names the verifier codes', async () => {
  const [images] = await generateVectors(['images']);
  const list = (images!.json as { images: Array<{ name: string; kind: string; key_type: string | null; bytes_hex: string; expect: { code: string } }> }).images;
  const valid = list.filter((i) => i.kind === 'valid');
  assert.equal([...new Set(valid.map((i) => i.key_type))].sort(), ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-2048', 'rsa-3072', null].sort());
  for (const v of valid) {
    assert.is(v.expect.code, 'VALID', v.name);
    assert.is(readU32LE(fromHex(v.bytes_hex), 0), IMAGE_MAGIC);
  }
  const code = (name: string) => list.find((i) => i.name === name)!.expect.code;
  assert.is(code('bad_magic_flip'), 'IMAGE_BAD_MAGIC');
  assert.is(code('trunc_mid_body'), 'IMAGE_TRUNCATED');
  assert.is(code('tlv_len_overrun'), 'IMAGE_TLV_OVERRUN');
  assert.is(code('body_flip'), 'IMAGE_BAD_HASH');
  assert.is(code('sig_flip'), 'IMAGE_BAD_SIGNATURE');
  assert.is(code('untrusted_key'), 'IMAGE_UNKNOWN_KEY');
  assert.is(code('unsigned_required'), 'IMAGE_NO_SIGNATURE');
  assert.ok(list.filter((i) => i.kind === 'bad').length >= 30);
});

test('image vectors say what MCUboot build each needs, which cases are valid, and where bootutil differs', async () => {
  const [images] = await generateVectors(['images']);
  type Row = { name: string; is_valid_case: boolean; hash: string; mcuboot_options: string; non_default_build: boolean; bootutil_note: string | null; expect: { code: string } };
  const list = (images!.json as { images: Row[] }).images;
  const row = (name: string) => list.find((i) => i.name === name)!;
  assert.is(row('trailing_bytes').expect.code, 'VALID');
  assert.is(row('trailing_bytes').is_valid_case, true);
  for (const r of list) assert.is(r.is_valid_case, r.expect.code === 'VALID', r.name);
  assert.equal(
    list.filter((r) => r.non_default_build && r.is_valid_case).map((r) => [r.name, r.mcuboot_options]),
    [
      ['ed25519_pubkey', 'MCUBOOT_SIGN_ED25519 MCUBOOT_HW_KEY'],
      ['ed25519_sha512', 'MCUBOOT_SIGN_ED25519 MCUBOOT_SHA512'],
      ['ed25519_pure', 'MCUBOOT_SIGN_ED25519 MCUBOOT_SHA512 MCUBOOT_SIGN_PURE'],
    ],
  );
  assert.is(row('ecdsa_p384').hash, 'sha384');
  assert.is(row('unsigned').mcuboot_options, '');
  assert.match(row('hdr_size_small').bootutil_note!, 'fotakit is stricter');
  assert.match(row('too_many_tlvs').bootutil_note!, 'no count limit');
  assert.is(row('body_flip').bootutil_note, null);
  assert.is(row('keyhash_short').expect.code, 'IMAGE_BAD_TLV_LENGTH');
  assert.match(row('keyhash_short').bootutil_note!, 'accepts the image');
  assert.is(row('ecdsa_pad_sig_zeros').expect.code, 'VALID');
  assert.is(row('ecdsa_pad_sig_nonzero').expect.code, 'IMAGE_BAD_SIGNATURE');
  assert.is(row('pure_sig_flip').mcuboot_options, 'MCUBOOT_SIGN_ED25519 MCUBOOT_SHA512 MCUBOOT_SIGN_PURE');
});

test('encrypted image vectors: reproducible, valid only once decrypted with their device key (node:crypto check)', async () => {
  const [a] = await generateVectors(['images']);
  const [b] = await generateVectors(['images']);
  assert.is(a!.header, b!.header, 'byte-identical on every run');
  type Enc = { name: string; key_kind: string; device_key_hex: string; bytes_hex: string; plain_hex: string; expect: { stored: string; decrypted: string } };
  const enc = (a!.json as { encrypted_images: Enc[] }).encrypted_images;
  assert.equal(enc.map((e) => e.name), ['enc_x25519_aes128', 'enc_x25519_aes256', 'enc_x25519_sha512', 'enc_ec256_aes128', 'enc_kw_aes128']);
  const { nodeDecryptImage } = await import('../fota/mcuboot/imgtool-flags.ts');
  for (const e of enc) {
    assert.equal(e.expect, { stored: 'IMAGE_BAD_HASH', decrypted: 'VALID' }, e.name);
    if (e.key_kind === 'ec256') continue;
    // node:crypto opens the KEK and X25519 cases independently (X25519 scalar wrapped as PKCS#8, RFC 8410).
    const key =
      e.key_kind === 'kw'
        ? { kek: fromHex(e.device_key_hex) }
        : { pem: `-----BEGIN PRIVATE KEY-----\n${Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(e.device_key_hex, 'hex')]).toString('base64')}\n-----END PRIVATE KEY-----\n` };
    assert.is(Buffer.from(nodeDecryptImage(fromHex(e.bytes_hex), key)).toString('hex'), e.plain_hex, e.name);
  }
});

test('interrupted swap-move vectors: one per status entry, moves then swap steps from max_img_sectors', async () => {
  const [t] = await generateVectors(['trailers']);
  const p = (t!.json as { swap_progress: Array<{ entry_index: number; entries_written: number; swap_size: number; swap_type: number }> }).swap_progress;
  assert.equal(p.map((v) => v.entry_index), [0, 1, 2, 3, 4, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  assert.equal(p.map((v) => v.entries_written), Array.from({ length: 15 }, (_, i) => i + 1));
  assert.ok(p.every((v) => v.swap_type === 2 && v.swap_size === p[0]!.swap_size));
});

test('trailer vectors cover every swap-table row for each max-align and erased value', async () => {
  const [trailers] = await generateVectors(['trailers']);
  const swaps = (trailers!.json as { swap_vectors: Array<{ max_align: number; erased_val: number; row: number }> }).swap_vectors;
  for (const a of [8, 16, 32]) {
    for (const e of [0xff, 0x00]) {
      const rows = new Set(swaps.filter((s) => s.max_align === a && s.erased_val === e).map((s) => s.row));
      assert.equal([...rows].sort(), [-1, 0, 1, 2, 3], `max_align ${a} erased ${e}`);
    }
  }
});

test('each C table holds as many vectors as its JSON list', async () => {
  const byName = new Map((await generateVectors()).map((c) => [c.name, c]));
  const count = (category: string, macro: string): number => {
    const m = new RegExp(`#define ${macro} (\\d+)`).exec(byName.get(category)!.header);
    assert.ok(m, macro);
    return Number(m![1]);
  };
  const json = (category: string) => byName.get(category)!.json as Record<string, unknown[]> & { range_plans: { cases: unknown[] }; scenarios: Array<{ steps: unknown[] }> };
  assert.is(count('images', 'FOTAKIT_IMAGE_VECTOR_COUNT'), json('images').images!.length);
  assert.is(count('trailers', 'FOTAKIT_SWAP_VECTOR_COUNT'), json('trailers').swap_vectors!.length);
  assert.is(count('trailers', 'FOTAKIT_BOOT_REQUEST_VECTOR_COUNT'), json('trailers').boot_requests!.length);
  assert.is(count('http', 'FOTAKIT_HTTP_RESPONSE_VECTOR_COUNT'), json('http').responses!.length);
  assert.is(count('http', 'FOTAKIT_CONTENT_RANGE_VECTOR_COUNT'), json('http').content_ranges!.length);
  assert.is(count('http', 'FOTAKIT_RANGE_PLAN_VECTOR_COUNT'), json('http').range_plans.cases.length);
  assert.is(count('smp', 'FOTAKIT_SMP_MESSAGE_VECTOR_COUNT'), json('smp').messages!.length);
  assert.is(count('smp', 'FOTAKIT_SMP_ERROR_VECTOR_COUNT'), json('smp').error_responses!.length);
  assert.is(count('at', 'FOTAKIT_AT_VECTOR_COUNT'), json('at').replies!.length);
  assert.is(count('cert_select', 'FOTAKIT_CERT_STEP_COUNT'), json('cert_select').scenarios.reduce((n, s) => n + s.steps.length, 0));
});

test('the CLI writes the files and reports each category; --out is required; unknown categories are usage errors', async () => {
  const dir = tempDir();
  const r = await cli('--out', dir, '--only', 'smp,at', '--json');
  assert.is(r.code, 0);
  const report = JSON.parse(r.out);
  assert.equal(report.categories.map((c: { name: string }) => c.name), ['smp', 'at']);
  assert.equal(readdirSync(dir).sort(), ['at.json', 'fotakit_at.h', 'fotakit_smp.h', 'fotakit_vectors.h', 'index.json', 'smp.json']);
  assert.is(await usageCode([]), 'USAGE');
  assert.is(await usageCode(['--out', dir, '--only', 'nope']), 'USAGE');
});

test.run();

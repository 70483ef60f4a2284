/**
 * `fotakit image` against the imgtool-flags reference images (test/fixtures/imgtool-flags, made by
 * MCUboot imgtool 2.4.x): every sign command of its commands.log is rerun through fotakit; ed25519
 * images must come out byte for byte, the others equal except for their random parts (ECDSA/RSA
 * signatures, encryption key TLVs, encrypted body: compared after decryption); every reference image
 * verifies (encrypted ones after decryption with the device key).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageCli } from './run-captured.ts';
import { flagsFile, flagsPath, flagsText, nodeDecryptImage, signCommands, walkImage, type SignCommand } from '../../fota/mcuboot/imgtool-flags.ts';

const dir = mkdtempSync(join(tmpdir(), 'fotakit-imgflags-'));
const tmp = (name: string) => join(dir, name);
test.after(() => rmSync(dir, { recursive: true, force: true }));

const cli = imageCli;

/** The device key that opens an image encrypted for `pub` (keys/x.pub.pem -> keys/x.pem). */
const privateOf = (pub: string): string => pub.replace('.pub.pem', '.pem');

const FIXTURE_INPUTS = new Set(['payload.bin', 'payload.hex', 'custom.bin']);

/** The command's arguments with fixture paths made absolute and the output redirected to `out`. */
function fotakitArgs(c: SignCommand, out: string): string[] {
  const args = c.args.slice(0, -1).map((a) => (FIXTURE_INPUTS.has(a) || a.startsWith('keys/') ? flagsPath(a) : a));
  return [...args, out];
}

const ECDSA_SIG = 0x22;
const RANDOM_TLVS = new Set([ECDSA_SIG, 0x20, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34]);

/**
 * Compares two images except for their random TLV values: the hashed region (header, body, protected
 * TLVs) byte for byte, the same TLV types in the same order, equal values for the deterministic ones,
 * equal lengths for the random ones except ECDSA (DER is 70..72 / 101..104 bytes), and what follows the TLVs.
 */
function assertSameExceptRandom(ours: Uint8Array, ref: Uint8Array, name: string): void {
  const a = walkImage(ours);
  const b = walkImage(ref);
  const hashed = b.hdrSize + b.imgSize + b.protSize;
  assert.is(a.hdrSize + a.imgSize + a.protSize, hashed, `${name}: hashed region length`);
  assert.ok(Buffer.from(ours.subarray(0, hashed)).equals(Buffer.from(ref.subarray(0, hashed))), `${name}: header, body and protected TLVs`);
  assert.equal(a.tlvs.map((t) => t.type), b.tlvs.map((t) => t.type), `${name}: TLV types`);
  a.tlvs.forEach((t, i) => {
    const u = b.tlvs[i]!;
    if (!RANDOM_TLVS.has(t.type)) assert.equal(ours.subarray(t.off, t.off + t.len), ref.subarray(u.off, u.off + u.len), `${name}: TLV 0x${t.type.toString(16)}`);
    else if (t.type !== ECDSA_SIG) assert.is(t.len, u.len, `${name}: TLV 0x${t.type.toString(16)} length`);
  });
  assert.ok(Buffer.from(ours.subarray(a.end)).equals(Buffer.from(ref.subarray(b.end))), `${name}: after the TLVs`);
}

test('every sign command of commands.log reproduces its reference image (ed25519 byte for byte)', async () => {
  const cmds = signCommands();
  assert.is(cmds.length, 25);
  let exact = 0;
  let equivalent = 0;
  for (const c of cmds) {
    const out = tmp(c.output.replace('img/', ''));
    const r = await cli('sign', ...fotakitArgs(c, out));
    assert.is(r.code, 0, `${c.output}: ${r.out}${r.err}`);
    const ours = new Uint8Array(readFileSync(out));
    const ref = flagsFile(c.output);
    const random = c.key !== 'keys/ed25519.pem' || c.encryptKey !== undefined;
    if (c.output.endsWith('.hex')) {
      assert.is(readFileSync(out, 'utf8'), flagsText(c.output), c.output);
      exact++;
    } else if (!random || c.args.includes('-c')) {
      if (!random) {
        assert.ok(Buffer.from(ours).equals(Buffer.from(ref)), `${c.output} differs`);
        exact++;
      } else {
        assertSameExceptRandom(ours, ref, c.output);
        equivalent++;
      }
    } else if (c.encryptKey) {
      const pem = flagsText(privateOf(c.encryptKey));
      assertSameExceptRandom(nodeDecryptImage(ours, { pem }), nodeDecryptImage(ref, { pem }), c.output);
      equivalent++;
    } else {
      assertSameExceptRandom(ours, ref, c.output);
      equivalent++;
    }
  }
  // 15 ed25519 images (incl. 2 HEX outputs) exact; 10 ECDSA/RSA/encrypted ones equal but for their random parts.
  assert.is(exact, 15);
  assert.is(equivalent, 10);
});

test('commands-extra.log (padded HEX outputs, -s auto, -d, a text custom TLV) reproduces imgtool byte for byte', async () => {
  const lines = flagsText('commands-extra.log').trim().split('\n');
  assert.is(lines.length, 4);
  for (const line of lines) {
    const args = line.replace(/^\+ imgtool sign /, '').split(' ');
    const ref = args.pop()!;
    const out = tmp(`extra-${ref.replace('img/', '')}`);
    const r = await cli('sign', ...args.map((a) => (FIXTURE_INPUTS.has(a) || a.startsWith('keys/') ? flagsPath(a) : a)), out);
    assert.is(r.code, 0, `${ref}: ${r.out}${r.err}`);
    assert.ok(readFileSync(out).equals(Buffer.from(flagsFile(ref))), `${ref} differs`);
    const v = await cli('verify', '-k', flagsPath('keys/ed25519.pub.pem'), out);
    assert.is(v.code, 0, `${ref}: ${v.out}`);
  }
});

test('every reference image verifies with its key (encrypted ones after decryption with the device key)', async () => {
  let n = 0;
  for (const c of signCommands()) {
    const args = ['-k', flagsPath(c.key!)];
    if (c.encryptKey && !c.args.includes('-c')) args.push('--enc-key', flagsPath(privateOf(c.encryptKey)));
    const r = await cli('verify', ...args, flagsPath(c.output));
    assert.is(r.code, 0, `${c.output}: ${r.out}`);
    assert.match(r.out, /^valid \(/);
    n++;
  }
  assert.is(n, 25);
});

test('encrypted reference images without the device key fail the hash, as imgtool verify says', async () => {
  const r = await cli('verify', '-k', flagsPath('keys/ed25519.pem'), flagsPath('img/ed_enc_x25519_aes128.bin'));
  assert.is(r.code, 1);
  assert.match(r.out, /IMAGE_BAD_HASH/);
});

test('verify --enc-key with the wrong device key is IMAGE_BAD_ENC_KEY', async () => {
  const other = tmp('other-x25519.pem');
  assert.is((await cli('keygen', '-k', other, '-t', 'x25519')).code, 0);
  const r = await cli('verify', '-k', flagsPath('keys/ed25519.pem'), '--enc-key', other, flagsPath('img/ed_enc_x25519_aes128.bin'));
  assert.is(r.code, 1);
  assert.match(r.out, /IMAGE_BAD_ENC_KEY/);
});

test('info on a max-align 32 image reads the trailer with the alignment its magic names', async () => {
  const r = await cli('info', '--json', flagsPath('img/ed_align8_maxalign32_confirm.bin'));
  assert.is(r.code, 0);
  const info = JSON.parse(r.out) as { trailer: { image_ok: number; state: { magic: string; image_ok: string } } };
  assert.is(info.trailer.state.magic, 'good');
  assert.is(info.trailer.state.image_ok, 'set');
  assert.is(info.trailer.image_ok, 1);
  const r16 = await cli('dumpinfo', '--json', flagsPath('img/ed_align16_confirm.bin'));
  assert.is((JSON.parse(r16.out) as { trailer: { state: { magic: string } } }).trailer.state.magic, 'good');
});

test('info on an encrypted image says the hash covers the plaintext; with --enc-key it matches', async () => {
  const img = flagsPath('img/ed_enc_x25519_aes256.bin');
  const plain = await cli('info', '--json', img);
  const a = JSON.parse(plain.out) as { encrypted: { decrypted: boolean }; hashes: Array<{ match: boolean }> };
  assert.equal(a.encrypted, { decrypted: false });
  assert.is(a.hashes[0]!.match, false);
  const dec = await cli('info', '--json', '--enc-key', flagsPath('keys/x25519.pem'), img);
  const b = JSON.parse(dec.out) as { encrypted: { decrypted: boolean }; hashes: Array<{ match: boolean }> };
  assert.equal(b.encrypted, { decrypted: true });
  assert.is(b.hashes[0]!.match, true);
  assert.is((await cli('info', '--enc-key', flagsPath('keys/enc-ec256.pem'), img)).code, 1);
});

test('info and verify read Intel HEX images', async () => {
  const v = await cli('verify', '-k', flagsPath('keys/ed25519.pub.pem'), flagsPath('img/ed_hex_in_out.hex'));
  assert.is(v.code, 0, v.out);
  const i = await cli('info', '--json', flagsPath('img/ed_bin_in_hex_out.hex'));
  assert.is(i.code, 0, i.out);
  assert.is((JSON.parse(i.out) as { header: { version: string } }).header.version, '2.7.1+99');
});

test('a .hex input that is not Intel HEX is refused with IMAGE_BAD_HEX (exit 2)', async () => {
  const bad = tmp('bad.hex');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(bad, ':10000000ZZ\n');
  const r = await cli('sign', '-k', flagsPath('keys/ed25519.pem'), '--pad-header', '-H', '0x200', bad, tmp('bad-out.bin'));
  assert.is(r.code, 2);
  assert.match(r.err + r.out, /IMAGE_BAD_HEX/);
});

test('getpub -e lang-c names the P-384 array ecdsap384_pub_key; -e lang-rust and getpubhash -e raw match imgtool', async () => {
  const c = await cli('getpub', '-k', flagsPath('keys/ecdsa-p384.pem'), '-e', 'lang-c');
  assert.is(c.out, flagsText('keys/ecdsa-p384.pub.c'));
  const rs = await cli('getpub', '-k', flagsPath('keys/ed25519.pem'), '-e', 'lang-rust');
  assert.is(rs.out, flagsText('keys/ed25519.pub.rs'));
  const h = tmp('pubhash.bin');
  assert.is((await cli('getpubhash', '-k', flagsPath('keys/ed25519.pem'), '-e', 'raw', '-o', h)).code, 0);
  assert.ok(readFileSync(h).equals(Buffer.from(flagsFile('keys/ed25519.pubhash.bin'))));
  for (const k of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'x25519', 'enc-ec256', 'enc-rsa2048']) {
    const pem = tmp(`${k}.pub.pem`);
    assert.is((await cli('getpub', '-k', flagsPath(`keys/${k}.pem`), '-e', 'pem', '-o', pem)).code, 0);
    assert.is(readFileSync(pem, 'utf8'), flagsText(`keys/${k}.pub.pem`), k);
  }
});

test('keygen -t x25519 and -p (passphrase from FOTAKIT_KEY_PASSPHRASE); a protected key without -p is a usage error', async () => {
  const x = tmp('new-x25519.pem');
  assert.is((await cli('keygen', '-k', x, '-t', 'x25519')).code, 0);
  assert.is((await cli('keyinfo', '-k', x)).out, 'private\n');
  const prot = tmp('prot-ed25519.pem');
  process.env.FOTAKIT_KEY_PASSPHRASE = 'correct horse';
  try {
    assert.is((await cli('keygen', '-k', prot, '-t', 'ed25519', '-p')).code, 0);
    assert.match(readFileSync(prot, 'utf8'), 'ENCRYPTED PRIVATE KEY');
    const out = tmp('prot-signed.bin');
    assert.is((await cli('sign', '-k', prot, '-p', '--pad-header', '-H', '0x200', '-v', '1.0.0', flagsPath('payload.bin'), out)).code, 0);
    assert.is((await cli('verify', '-k', prot, '-p', out)).code, 0);
    const noP = await cli('sign', '-k', prot, '--pad-header', '-H', '0x200', flagsPath('payload.bin'), tmp('x.bin'));
    assert.is(noP.code, 2);
    assert.match(noP.err + noP.out, 'add -p');
  } finally {
    delete process.env.FOTAKIT_KEY_PASSPHRASE;
  }
});

test('keyinfo --require, getpriv formats, version', async () => {
  assert.is((await cli('keyinfo', '-k', flagsPath('keys/ed25519.pub.pem'))).out, 'public\n');
  assert.is((await cli('keyinfo', '-k', flagsPath('keys/ed25519.pub.pem'), '--require', 'private')).code, 2);
  const x = await cli('getpriv', '-k', flagsPath('keys/x25519.pem'));
  assert.match(x.out, /^\/\* Autogenerated by imgtool\.py, do not edit\. \*\/\nconst unsigned char enc_priv_key\[\] = \{\n/);
  assert.match(x.out, 'const unsigned int enc_priv_key_len = 48;');
  assert.match((await cli('getpriv', '-k', flagsPath('keys/enc-ec256.pem'), '-f', 'openssl')).out, 'enc_priv_key_len = 121;');
  assert.is((await cli('getpriv', '-k', flagsPath('keys/enc-rsa2048.pem'), '-f', 'pkcs8')).code, 2);
  assert.is((await cli('version')).out, '2.4.0\n');
});

test('sign --vector-to-sign digest, --sig-out and --fix-sig (an HSM-made signature) give the same image', async () => {
  const common = ['--pad-header', '-H', '0x200', '-S', '0x40000', '-v', '2.7.1+99', flagsPath('payload.bin')];
  const digest = tmp('digest.bin');
  assert.is((await cli('sign', '-k', flagsPath('keys/ed25519.pem'), '--vector-to-sign', 'digest', ...common, digest)).code, 0);
  assert.is(Buffer.from(readFileSync(digest)).toString('hex'), '0b3d5bb2b6a6fb5c56cbdd9408d94003bfadcf0d9816582792d41b4661c84c12');
  const sig = tmp('sig.b64');
  const signed = tmp('signed.bin');
  assert.is((await cli('sign', '-k', flagsPath('keys/ed25519.pem'), '--sig-out', sig, ...common, signed)).code, 0);
  const fixed = tmp('fixed.bin');
  assert.is((await cli('sign', '--fix-sig', sig, '--fix-sig-pubkey', flagsPath('keys/ed25519.pub.pem'), ...common, fixed)).code, 0);
  assert.ok(readFileSync(fixed).equals(readFileSync(signed)));
  assert.is((await cli('sign', '--fix-sig', sig, ...common, tmp('y.bin'))).code, 2);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlashError } from '../../../src/hal/errors.ts';
import { FLASH_AREA_BOOT, FLASH_AREA_PRIMARY, FLASH_AREA_SCRATCH, FLASH_AREA_SECONDARY, FLASH_AREA_STORAGE } from '../../../src/hal/flash.ts';
import { BOARD_PROFILES, NRF52833_PROFILE, NRF9160_PROFILE, boardProfile, findPartition, validateProfile } from '../../../src/hal/sim/profiles.ts';
import type { BoardProfile } from '../../../src/hal/sim/profiles.ts';

const LABELS = [FLASH_AREA_BOOT, FLASH_AREA_PRIMARY, FLASH_AREA_SECONDARY, FLASH_AREA_SCRATCH, FLASH_AREA_STORAGE];

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FlashError);
    return (e as FlashError).code;
  }
  return undefined;
}

test('nRF9160 profile: 1 MiB, 4 KiB pages, 4-byte writes, NCS-like map', () => {
  const p = NRF9160_PROFILE;
  assert.equal({ ...p.flash }, { size: 0x100000, eraseBlockBytes: 4096, writeAlignBytes: 4, erasedValue: 0xff });
  assert.equal(p.partitions.map((x) => [x.label, x.offset, x.size]), [
    [FLASH_AREA_BOOT, 0x0, 0xc000],
    [FLASH_AREA_PRIMARY, 0xc000, 0x76000],
    [FLASH_AREA_SECONDARY, 0x82000, 0x76000],
    [FLASH_AREA_SCRATCH, 0xf8000, 0x4000],
    [FLASH_AREA_STORAGE, 0xfc000, 0x4000],
  ]);
  assert.is(p.hasModem, true);
});

test('nRF52833 profile: 512 KiB, 4 KiB pages, 4-byte writes, equal slots', () => {
  const p = NRF52833_PROFILE;
  assert.equal({ ...p.flash }, { size: 0x80000, eraseBlockBytes: 4096, writeAlignBytes: 4, erasedValue: 0xff });
  assert.equal(p.partitions.map((x) => [x.label, x.offset, x.size]), [
    [FLASH_AREA_BOOT, 0x0, 0xc000],
    [FLASH_AREA_PRIMARY, 0xc000, 0x36000],
    [FLASH_AREA_SECONDARY, 0x42000, 0x36000],
    [FLASH_AREA_SCRATCH, 0x78000, 0x4000],
    [FLASH_AREA_STORAGE, 0x7c000, 0x4000],
  ]);
  assert.is(p.hasModem, false);
});

test('every profile tiles its device with the five labels, slots equal and page multiples', () => {
  for (const p of Object.values(BOARD_PROFILES)) {
    assert.equal(p.partitions.map((x) => x.label), LABELS);
    const last = p.partitions[p.partitions.length - 1]!;
    assert.is(last.offset + last.size, p.flash.size);
    const s0 = findPartition(p, FLASH_AREA_PRIMARY)!;
    const s1 = findPartition(p, FLASH_AREA_SECONDARY)!;
    assert.is(s0.size, s1.size);
    assert.is(s0.size % p.flash.eraseBlockBytes, 0);
    validateProfile(p);
  }
});

test('boardProfile looks up by name and rejects an unknown board', () => {
  assert.is(boardProfile('nrf9160'), NRF9160_PROFILE);
  assert.is(code(() => boardProfile('esp32')), 'FLASH_NO_BOARD');
});

test('validateProfile rejects overlapping, misaligned and oversized partitions', () => {
  const base = NRF52833_PROFILE;
  const withParts = (partitions: BoardProfile['partitions']): BoardProfile => ({ ...base, partitions });
  assert.is(code(() => validateProfile(withParts([{ label: 'a', offset: 0, size: 8192 }, { label: 'b', offset: 4096, size: 4096 }]))), 'FLASH_BAD_PROFILE');
  assert.is(code(() => validateProfile(withParts([{ label: 'a', offset: 100, size: 4096 }]))), 'FLASH_BAD_PROFILE');
  assert.is(code(() => validateProfile(withParts([{ label: 'a', offset: 0x7f000, size: 8192 }]))), 'FLASH_BAD_PROFILE');
  assert.is(code(() => validateProfile(withParts([{ label: 'a', offset: 0, size: 4096 }, { label: 'a', offset: 4096, size: 4096 }]))), 'FLASH_BAD_PROFILE');
});

test.run();

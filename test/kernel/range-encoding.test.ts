// Invalidation range encoding, against hand-computed expectations.
// VT-d (Linux calculate_psi_aligned_address): the smallest naturally aligned power-of-two span
// covering the range; misaligned ranges widen; the full range or a mask beyond MAMV flushes the
// whole PASID. SMMU-style: the exact range, or the whole PASID at >= 512 pages.
import { describe, expect, it } from 'vitest';
import { MAX_VPN } from '../../src/layout/constants.js';
import { encodeRange } from '../../src/kernel/range.js';

/** The encoded span (the request it came from is carried along for chunking strategies). */
const span = ({ all, startVpn, endVpn, mask }: ReturnType<typeof encodeRange>) => ({ all, startVpn, endVpn, mask });
const vtd = (start: number, end: number, mamv = 18) => span(encodeRange(start, end, 'vtd', mamv));
const smmu = (start: number, end: number) => span(encodeRange(start, end, 'smmu', 18));

describe('VT-d range encoding', () => {
  it('aligned power-of-two spans are encoded exactly', () => {
    expect(vtd(8, 9)).toEqual({ all: false, startVpn: 8, endVpn: 9, mask: 0 });
    expect(vtd(8, 16)).toEqual({ all: false, startVpn: 8, endVpn: 16, mask: 3 });
    expect(vtd(0x1000000, 0x1000000 + 512)).toEqual({ all: false, startVpn: 0x1000000, endVpn: 0x1000000 + 512, mask: 9 });
  });

  it('a non-power-of-two length rounds up to the next power of two', () => {
    // 3 pages at 4 → 4 pages [4, 8)
    expect(vtd(4, 7)).toEqual({ all: false, startVpn: 4, endVpn: 8, mask: 2 });
    // 5 pages at 8 → 8 pages [8, 16)
    expect(vtd(8, 13)).toEqual({ all: false, startVpn: 8, endVpn: 16, mask: 3 });
  });

  it('a misaligned range widens to the aligned span containing both ends', () => {
    // [7, 9): 2 pages; 7 and 8 first agree at bit 4 → 16 pages [0, 16)
    expect(vtd(7, 9)).toEqual({ all: false, startVpn: 0, endVpn: 16, mask: 4 });
    // [6, 8): 2 pages at an unaligned start; 6 and 7 agree from bit 1 → [6, 8)
    expect(vtd(6, 8)).toEqual({ all: false, startVpn: 6, endVpn: 8, mask: 1 });
    // [1023, 1025): crossing a 1024 boundary → 2048 pages [0, 2048)
    expect(vtd(1023, 1025)).toEqual({ all: false, startVpn: 0, endVpn: 2048, mask: 11 });
    // 4 pages [0x10_0000_0002, +4) at an address above 2^32 pages' worth: [..00, ..08)
    const base = 0x10_0000_0000 / 4096; // 2^24
    expect(vtd(base + 2, base + 6)).toEqual({ all: false, startVpn: base, endVpn: base + 8, mask: 3 });
  });

  it('the full range and masks beyond MAMV flush the whole PASID', () => {
    expect(vtd(0, MAX_VPN).all).toBe(true);
    // 1023..1025 needs mask 11: allowed with MAMV 18, whole PASID with MAMV 9
    expect(vtd(1023, 1025, 9).all).toBe(true);
    expect(vtd(0, 512, 9)).toEqual({ all: false, startVpn: 0, endVpn: 512, mask: 9 });
    expect(vtd(0, 513, 9).all).toBe(true);
  });
});

describe('SMMU-style range encoding', () => {
  it('keeps the exact range below 512 pages and flushes the whole PASID at 512 and above', () => {
    expect(smmu(7, 9)).toEqual({ all: false, startVpn: 7, endVpn: 9, mask: -1 });
    expect(smmu(100, 611)).toEqual({ all: false, startVpn: 100, endVpn: 611, mask: -1 });
    expect(smmu(100, 612).all).toBe(true);
    expect(smmu(0, 4096).all).toBe(true);
  });
});

// The set-associative TLB: LRU replacement within a set, set conflicts, and tag-exact
// invalidation. (Uniform random traffic cannot tell LRU from other policies; these can.)
import { describe, expect, it } from 'vitest';
import { LayoutPlan } from '../../src/layout/plan.js';
import { Tlb, TlbScope, planTlb } from '../../src/layout/tlb.js';

function makeTlb(entries: number, ways: number): Tlb {
  const p = new LayoutPlan();
  const plan = planTlb(p, entries, ways);
  const t = new Tlb(new SharedArrayBuffer(p.sizeBytes), plan);
  t.initialise();
  return t;
}

/** Look up, filling on a miss; returns true on a hit. */
function access(t: Tlb, vpn: number, pasid = 1, did = 1): boolean {
  const set = t.setOf(pasid, vpn);
  if (t.lookup(set, did, pasid, vpn) >= 0) return true;
  t.fill(set, did, pasid, vpn, 1000 + vpn, true, 0);
  return false;
}

describe('TLB replacement and geometry', () => {
  it('evicts the least recently used entry', () => {
    const t = makeTlb(4, 4);
    for (const v of [1, 2, 3, 4]) expect(access(t, v)).toBe(false);
    expect(access(t, 1)).toBe(true); // 2 is now LRU
    expect(access(t, 5)).toBe(false); // evicts 2
    expect(access(t, 1)).toBe(true);
    expect(access(t, 3)).toBe(true);
    expect(access(t, 2)).toBe(false); // was evicted; evicts 4
    expect(access(t, 5)).toBe(true);
    expect(access(t, 4)).toBe(false);
  });

  it('a cyclic sweep of N+1 pages never hits an N-entry LRU cache', () => {
    const t = makeTlb(16, 16);
    let hits = 0;
    for (let round = 0; round < 10; round++) for (let v = 0; v < 17; v++) if (access(t, v)) hits++;
    expect(hits).toBe(0);
    // …while N pages always hit after the first sweep.
    const u = makeTlb(16, 16);
    hits = 0;
    for (let round = 0; round < 10; round++) for (let v = 0; v < 16; v++) if (access(u, v)) hits++;
    expect(hits).toBe(9 * 16);
  });

  it('set-associative: pages mapping to one set conflict even when other sets are empty', () => {
    const t = makeTlb(8, 2); // 4 sets × 2 ways
    expect(t.sets).toBe(4);
    const sameSet = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
      .filter((v) => t.setOf(1, v) === t.setOf(1, 0))
      .slice(0, 3);
    expect(sameSet).toHaveLength(3);
    let hits = 0;
    for (let round = 0; round < 5; round++) for (const v of sameSet) if (access(t, v)) hits++;
    expect(hits).toBe(0);
  });

  it('lookups and invalidations match the full (did, PASID, page) tag', () => {
    const t = makeTlb(64, 64);
    access(t, 10, 1, 1);
    access(t, 11, 1, 1);
    access(t, 10, 2, 1);
    access(t, 10, 1, 2);
    expect(access(t, 10, 3, 1)).toBe(false); // other PASID: a miss
    expect(t.dropInSet(0, TlbScope.pasidRange, 1, 1, 10, 11)).toBe(1);
    expect(access(t, 11, 1, 1)).toBe(true);
    expect(access(t, 10, 2, 1)).toBe(true);
    expect(access(t, 10, 1, 2)).toBe(true);
    expect(access(t, 10, 1, 1)).toBe(false);
    // PASID 1's entries in every domain: two under did 1, one under did 2.
    expect(t.dropInSet(0, TlbScope.pasid, 1, 1, 0, 0) + t.dropInSet(0, TlbScope.pasid, 2, 1, 0, 0)).toBe(3);
  });

  it('domain-selective and global invalidations drop what their scope names', () => {
    const t = makeTlb(64, 64);
    access(t, 10, 1, 1);
    access(t, 11, 2, 1);
    access(t, 12, 1, 2);
    access(t, 13, 3, 3);
    expect(t.dropInSet(0, TlbScope.domain, 1, 0, 0, 0)).toBe(2);
    expect(access(t, 12, 1, 2)).toBe(true);
    expect(access(t, 10, 1, 1)).toBe(false);
    expect(t.dropInSet(0, TlbScope.all, 0, 0, 0, 0)).toBe(3);
    expect(access(t, 13, 3, 3)).toBe(false);
  });
});

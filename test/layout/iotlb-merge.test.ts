// Modelled time's IOTLB merge (layout/iotlb-merge.ts) against a reference written from its
// rule, on random logs: several devices, read-only entries upgraded by a write, one tag filled
// twice in a merge, invalid entries, hit stamps, ties in time and in last use — and set
// geometries from direct-mapped to fully associative. The merge keeps heaps and a table of
// written tags for speed; the reference scans the set per fill. Every entry must agree.
import { describe, expect, it } from 'vitest';
import { IotlbFill } from '../../src/layout/device.js';
import { mergeIotlbFills } from '../../src/layout/iotlb-merge.js';
import type { MachineViews } from '../../src/layout/machine.js';
import type { Tlb } from '../../src/layout/tlb.js';
import { nextBelow, Rng } from '../../src/common/rng.js';
import { bootYaml } from '../helpers/machine.js';

interface Fill {
  did: number;
  pasid: number;
  vpn: number;
  pfn: number;
  rw: number;
  timeNs: number;
}

function machine(devices: number, entries: number, ways: number): MachineViews {
  const procs = Array.from({ length: devices }, (_, i) => `{ name: p${i}, regions: [{ name: buf, sizeBytes: 1MiB }] }`).join(', ');
  const devs = Array.from({ length: devices }, (_, i) => `  - { id: d${i}, iommu: mmu, attach: { type: sva, process: p${i} }, workload: { region: buf } }`).join('\n');
  return bootYaml(`
durationS: 1
system: { memoryBytes: 64MiB }
iommus: [{ id: mmu, iotlbEntries: ${entries}, iotlbWays: ${ways} }]
processes: [${procs}]
devices:
${devs}
`).kernel.views;
}

/** The rule, by scanning: tag already held → that entry; else first invalid; else min (last use, index). */
function referenceMerge(t: Tlb, logs: Fill[][], stamps: Float64Array[]): void {
  const entries = t.used.length;
  const hits = new Float64Array(entries).fill(-Infinity);
  for (const s of stamps) for (let e = 0; e < entries; e++) hits[e] = Math.max(hits[e]!, s[e]!);
  const lastUse = Float64Array.from(t.used, (u, e) => Math.max(u, hits[e]!));
  const heads = logs.map(() => 0);
  for (;;) {
    let first = -1;
    for (let d = 0; d < logs.length; d++) {
      const f = logs[d]![heads[d]!];
      if (f && (first < 0 || f.timeNs < logs[first]![heads[first]!]!.timeNs)) first = d;
    }
    if (first < 0) return;
    const f = logs[first]![heads[first]!++]!;
    const set = t.setOf(f.pasid, f.vpn);
    const base = set * t.ways;
    let victim = -1;
    for (let e = base; e < base + t.ways && victim < 0; e++) if (t.did[e] === f.did && t.pasid[e] === f.pasid && t.vpn[e] === f.vpn) victim = e;
    for (let e = base; e < base + t.ways && victim < 0; e++) if (t.did[e] === -1) victim = e;
    if (victim < 0) {
      victim = base;
      for (let e = base; e < base + t.ways; e++) if (lastUse[e]! < lastUse[victim]!) victim = e;
    }
    t.put(victim, f.did, f.pasid, f.vpn, f.pfn, f.rw === 1, 0, f.timeNs);
    lastUse[victim] = Math.max(f.timeNs, hits[victim]!);
  }
}

function snapshot(t: Tlb): unknown {
  return { did: [...t.did], pasid: [...t.pasid], vpn: [...t.vpn], pfn: [...t.pfn], rw: [...t.rw], used: [...t.used] };
}

function copyInto(dst: Tlb, src: Tlb): void {
  for (const k of ['did', 'pasid', 'vpn', 'pfn', 'rw', 'gen', 'used', 'hint'] as const) dst[k].set(src[k]);
}

describe('the IOTLB merge chooses entries as its rule says', () => {
  for (const [entries, ways] of [
    [64, 64],
    [512, 512],
    [64, 8],
    [32, 1],
    [48, 3],
  ] as const) {
    it(`${entries} entries, ${ways}-way: 40 merges of random logs from 3 devices agree with the reference`, () => {
      const views = machine(3, entries, ways);
      const refViews = machine(3, entries, ways);
      const t = views.iommus[0]!.iotlb;
      const ref = refViews.iommus[0]!.iotlb;
      const rng = new Rng(entries * 31 + ways, 0);
      const int = (n: number): number => (n < 1 ? 0 : nextBelow(rng, n));
      let nowNs = 0;
      let fills = 0;
      for (let merge = 0; merge < 40; merge++) {
        // Some entries invalidated (as an invalidation between barriers would).
        for (let k = int(4); k > 0; k--) {
          const e = int(entries);
          t.did[e] = -1;
          ref.did[e] = -1;
        }
        const stamps = views.devices.map((v) => v.iotlbUseNs);
        const logs: Fill[][] = [];
        for (let d = 0; d < 3; d++) {
          // Hits this quantum: some entries stamped, some with equal stamps (ties).
          for (let k = int(entries / 2); k > 0; k--) stamps[d]![int(entries)] = nowNs + int(4) * 250;
          const log: Fill[] = [];
          let tNs = nowNs;
          for (let k = int(Math.min(ways * 3, entries)); k > 0; k--) {
            tNs += int(3) * 250; // ties in time across devices
            // A small page space (tags recur, read-only entries get upgraded) and two PASIDs.
            log.push({ did: 1 + int(2), pasid: 1 + int(2), vpn: int(entries * 2), pfn: int(1000), rw: int(2), timeNs: tNs });
          }
          logs.push(log);
        }
        // What the devices log: the entry holding the tag as of the release, if any (`seen`).
        for (let d = 0; d < 3; d++) {
          const ring = views.devices[d]!.iotlbFills;
          for (const f of logs[d]!) {
            const set = t.setOf(f.pasid, f.vpn);
            let seen = -1;
            for (let e = set * t.ways; e < (set + 1) * t.ways; e++) if (t.did[e] === f.did && t.pasid[e] === f.pasid && t.vpn[e] === f.vpn) seen = e;
            const at = ring.reserve();
            expect(at).toBeGreaterThanOrEqual(0);
            const r = ring.slots;
            r[at + IotlbFill.did] = f.did;
            r[at + IotlbFill.pasid] = f.pasid;
            r[at + IotlbFill.vpn] = f.vpn;
            r[at + IotlbFill.pfn] = f.pfn;
            r[at + IotlbFill.rw] = f.rw;
            r[at + IotlbFill.gen] = 0;
            r[at + IotlbFill.timeNs] = f.timeNs;
            r[at + IotlbFill.seen] = seen;
            ring.publish();
          }
        }
        copyInto(ref, t);
        referenceMerge(ref, logs, stamps);
        fills += mergeIotlbFills(views, [0, 0, 0]);
        expect(snapshot(t)).toEqual(snapshot(ref));
        for (const v of views.devices) expect(v.iotlbFills.available()).toBe(0);
        nowNs += 1000 * ways;
      }
      expect(fills).toBeGreaterThan(20 * Math.min(ways * 3, entries));
    });
  }
});

/**
 * The mm notifier: what happens when the CPU side changes a range of a process's mappings
 * (the kernel's side of the safety invariant). Linux calls every SVA domain on the mm
 * (`mmu_notifier` `arch_invalidate_secondary_tlbs`, formerly `invalidate_range`) with
 * [start, end); the selected strategy (strategies/) turns that into queued-invalidation
 * submissions, which run to completion (qi.ts) before the notifier returns — and only then may
 * the caller free the old frames.
 *
 * The range is encoded once per change (range.ts); a change whose range encodes as the whole
 * address space counts as a whole-PASID flush. Statistics: events by change kind, submissions
 * and descriptors (in total and per IOMMU), and the time per event — from the notifier call to
 * the last submission's completion — and per event per IOMMU (time spent in its submissions).
 *
 * How a CPU-side change becomes notifier calls is the architecture's (arch.ts, `arch` in the
 * profile's invalidation mapping): `change` makes them, `notify` is one call. Events count calls.
 */

import { type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import type { PlatformCosts } from '../platform/presets.js';
import type { ChurnOp, InvalidationConfig } from '../profile/types.js';
import type { Domains } from './domains.js';
import type { Process } from './objects.js';
import type { InvalidationQueues, SubmittedCounts } from './qi.js';
import { notifierCalls } from './arch.js';
import { encodeRange, isWholeSpace } from './range.js';
import type { InvalidationStrategy } from './strategies/strategy.js';

export interface IommuInvalidationStats {
  submissions: number;
  iotlbDescriptors: number;
  devtlbDescriptors: number;
  /** Per notifier event: time spent in this IOMMU's submissions, ns. */
  readonly latency: Histogram;
}

export class InvalidationStats {
  events = 0;
  readonly eventsByOp: Record<ChurnOp, number> = { munmap: 0, mprotect: 0, migrate: 0 };
  submissions = 0;
  /** Submissions that ended in a wait (VT-d wait descriptor, SMMUv3 CMD_SYNC). */
  waits = 0;
  iotlbDescriptors = 0;
  devtlbDescriptors = 0;
  wholePasidFlushes = 0;
  /**
   * Flushed spans, so range widening shows: per notifier call the pages it asked for, and per
   * IOTLB / device-TLB descriptor the pages it covers — counts by page count, `all` for the
   * whole PASID (address space).
   */
  readonly spans = { requested: new Map<string, number>(), iotlb: new Map<string, number>(), devtlb: new Map<string, number>() };
  totalNs = 0;
  /** Per notifier event, start to completion, ns. */
  readonly latency: Histogram = newMergeHistogram();
  readonly iommus: IommuInvalidationStats[];

  constructor(iommuCount: number) {
    this.iommus = Array.from({ length: iommuCount }, () => ({
      submissions: 0,
      iotlbDescriptors: 0,
      devtlbDescriptors: 0,
      latency: newMergeHistogram(),
    }));
  }
}

export interface NotifierOptions {
  readonly domains: Domains;
  readonly qi: InvalidationQueues;
  readonly strategy: InvalidationStrategy;
  readonly config: InvalidationConfig;
  readonly costs: PlatformCosts;
  readonly iommuCount: number;
  /**
   * Modelled time: the kernel context's clock (advanced by each submission) and the sequencer's
   * acknowledgements. Absent: host time (wall clock, costs spun).
   */
  readonly modelled?: {
    readonly clock: { nowNs: number };
    readonly ack: (device: number, seq: number, arrivalNs: number) => Promise<number>;
  };
}

export class MmNotifier {
  readonly stats: InvalidationStats;
  private readonly perEventIommuNs: Float64Array;

  constructor(private readonly o: NotifierOptions) {
    this.stats = new InvalidationStats(o.iommuCount);
    this.perEventIommuNs = new Float64Array(o.iommuCount);
  }

  /**
   * One phase of a CPU-side change of [startVpn, endVpn) of `proc` — the change itself, or
   * mprotect's `restore` of write — as the architecture's TLB flush calls the notifier
   * (arch.ts): one call, a per-page call per migrated page, or none. Resolves when every call's
   * submissions have completed.
   */
  async change(proc: Process, op: ChurnOp | 'restore', startVpn: number, endVpn: number): Promise<void> {
    for (const call of notifierCalls(this.o.config.arch, op, startVpn, endVpn)) {
      await this.notify(proc, call.startVpn, call.endVpn, op === 'restore' ? 'mprotect' : op);
    }
  }

  /**
   * The notifier call for [startVpn, endVpn) of `proc`: every SVA domain on the mm is flushed
   * with the strategy. Resolves when every submission has completed.
   */
  async notify(proc: Process, startVpn: number, endVpn: number, op: ChurnOp): Promise<void> {
    const { domains, strategy, config } = this.o;
    const mt = this.o.modelled;
    const t0 = mt ? 0n : process.hrtime.bigint();
    const v0 = mt ? mt.clock.nowNs : 0;
    this.perEventIommuNs.fill(0);
    const range = encodeRange(startVpn, endVpn, strategy.encoding ?? config.rangeEncoding, config.maxAddressMask);
    if (range.all) this.stats.wholePasidFlushes++;
    const spans = this.stats.spans;
    countSpan(spans.requested, startVpn, endVpn);
    for (const domain of proc.svaDomains) {
      for (const s of strategy.plan({ attachments: domains.attachmentsOf(domain) }, range, config)) {
        const s0 = mt ? 0n : process.hrtime.bigint();
        const sv0 = mt ? mt.clock.nowNs : 0;
        let n: SubmittedCounts;
        if (mt) {
          const r = await this.o.qi.submitModelled(s, this.o.costs, mt.clock.nowNs, mt.ack);
          mt.clock.nowNs = r.endNs;
          n = r;
        } else {
          n = await this.o.qi.submit(s, this.o.costs);
        }
        for (const d of s.descriptors) {
          if (d.kind === 'iotlb') countSpan(spans.iotlb, d.startVpn, d.endVpn, d.scope !== 'pasid-range');
          else if (d.kind === 'devtlb') countSpan(spans.devtlb, d.startVpn, d.endVpn);
        }
        const st = this.stats;
        st.submissions++;
        if (s.sync !== false) st.waits++;
        st.iotlbDescriptors += n.iotlb;
        st.devtlbDescriptors += n.devtlb;
        const m = st.iommus[s.iommu]!;
        m.submissions++;
        m.iotlbDescriptors += n.iotlb;
        m.devtlbDescriptors += n.devtlb;
        this.perEventIommuNs[s.iommu]! += mt ? mt.clock.nowNs - sv0 : Number(process.hrtime.bigint() - s0);
      }
    }
    const ns = mt ? Math.round(mt.clock.nowNs - v0) : Number(process.hrtime.bigint() - t0);
    const s = this.stats;
    s.events++;
    s.eventsByOp[op]++;
    s.totalNs += ns;
    s.latency.recordValue(Math.max(1, ns));
    this.perEventIommuNs.forEach((v, i) => {
      if (v > 0) s.iommus[i]!.latency.recordValue(Math.max(1, Math.round(v)));
    });
  }
}

/** Count a span of [startVpn, endVpn) pages under its page count, or `all` for the whole space. */
function countSpan(counts: Map<string, number>, startVpn: number, endVpn: number, whole = false): void {
  const key = whole || isWholeSpace(startVpn, endVpn) ? 'all' : String(endVpn - startVpn);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

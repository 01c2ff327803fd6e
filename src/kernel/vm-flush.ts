/**
 * The host's flush after a stage-2 change of a VM's memory (kernel/vm.ts has the Linux code it
 * follows: the parent domain's nesting cache tags, drivers/iommu/intel/cache.c, v6.10+).
 *
 * For every nested domain of the VM (one per guest process bound to a device, per compatible
 * IOMMU type), on every IOMMU where it has a domain id: one IOTLB descriptor dropping every
 * combined entry of that did (CACHE_TAG_NESTING_IOTLB — the IOTLB cannot be searched by guest
 * physical address), and for every ATS device attached to it, once, a device-TLB descriptor for
 * the whole device TLB (CACHE_TAG_NESTING_DEVTLB). Submitted as the era of the run's strategy
 * does (submission-style.ts), each waited for. Then every nested domain's stage-2 epoch moves,
 * so devices drop their stage-2 walk caches (device/translate.ts).
 *
 * Modelled time only: the submissions run from the kernel context's clock.
 */

import type { MachineViews } from '../layout/machine.js';
import type { PlatformCosts } from '../platform/presets.js';
import type { Domains } from './domains.js';
import type { InvalidationQueues, QiDescriptor } from './qi.js';
import { type SubmissionStyle, submissionsInStyle } from './submission-style.js';
import type { Vm } from './vm.js';

export interface Stage2FlushStats {
  flushes: number;
  submissions: number;
  iotlbDescriptors: number;
  /** Device-TLB descriptors, each for a whole device TLB. */
  devtlbWholeDescriptors: number;
  /** From the first submission to the last one's completion, summed over flushes, ns. */
  totalNs: number;
}

export interface Stage2FlushEnv {
  readonly views: MachineViews;
  readonly domains: Domains;
  readonly qi: InvalidationQueues;
  readonly costs: PlatformCosts;
  readonly style: SubmissionStyle;
  readonly ack: (device: number, seq: number, arrivalNs: number) => Promise<number>;
  /** Test hook: leave the device TLBs out (a broken flush the checker must catch). */
  readonly brokenNoDevtlb?: boolean;
}

export function newStage2FlushStats(): Stage2FlushStats {
  return { flushes: 0, submissions: 0, iotlbDescriptors: 0, devtlbWholeDescriptors: 0, totalNs: 0 };
}

/** Flush what a stage-2 change of `vm` may have staled, from virtual time `nowNs`; resolves with the end. */
export async function flushStage2(env: Stage2FlushEnv, vm: Vm, stats: Stage2FlushStats, nowNs: number): Promise<number> {
  const byUnit = new Map<number, QiDescriptor[]>();
  const add = (iommu: number, d: QiDescriptor): void => {
    byUnit.set(iommu, [...(byUnit.get(iommu) ?? []), d]);
  };
  const t = env.views.domains;
  for (const proc of vm.mm.processes) {
    for (const domain of proc.svaDomains) {
      const attachments = env.domains.attachmentsOf(domain);
      const units = new Set<number>();
      const devices = new Set<number>();
      for (const a of attachments) {
        if (!units.has(a.iommu)) {
          units.add(a.iommu);
          add(a.iommu, { kind: 'iotlb', scope: 'domain', did: a.did, pasid: 0, startVpn: 0, endVpn: 0, drain: true });
        }
        if (a.ats && !devices.has(a.device) && env.brokenNoDevtlb !== true) {
          devices.add(a.device);
          add(a.iommu, { kind: 'devtlb', device: a.device, pasid: 0, startVpn: 0, endVpn: 0, whole: true });
        }
      }
      Atomics.add(t.s2Epoch, domain.index, 1);
    }
  }
  let end = nowNs;
  for (const sub of submissionsInStyle(byUnit, env.style)) {
    const r = await env.qi.submitModelled(sub, env.costs, end, env.ack);
    stats.submissions++;
    stats.iotlbDescriptors += r.iotlb;
    stats.devtlbWholeDescriptors += r.devtlb;
    end = r.endNs;
  }
  stats.flushes++;
  stats.totalNs += end - nowNs;
  return end;
}

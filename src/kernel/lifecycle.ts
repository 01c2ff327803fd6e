/**
 * The process lifecycle schedule (modelled time): unbind, bind and exit at virtual times, on
 * the kernel context (one clock, shared with the churn: kernel/context.ts keeps them from
 * interleaving).
 *
 * - unbind: for a device with PRI the driver first stops its use of the PASID (the device
 *   sends a stop marker, dropped by the page-request queue); then `iommu_sva_unbind_device`
 *   (drivers/iommu/iommu-sva.c): the bond's last reference
 *   detaches the device's PASID; the PASID entry's teardown and the page-request drain are
 *   submitted and waited for (kernel/teardown.ts), each submission on the kernel's clock. The
 *   process keeps its PASID and keeps submitting: its descriptors now fault (INVALID).
 * - bind (`iommu_sva_bind_device`): the process's PASID — allocated now if it has none, the
 *   smallest free (`iommu_alloc_global_pasid`) — attached to the device; the device's submitter
 *   word (layout/device.ts) carries it from the next descriptor. Setting up the PASID entry costs
 *   no submission (VT-d `pasid_flush_caches` flushes only the write buffer outside caching mode).
 * - exit: the process's submitters stop (their words go to 0; descriptors in flight end with a
 *   status), every bond is unbound as above (Linux: the release of the device file at exit; the
 *   mm's `release` notifier before it blocks the PASID with faults suppressed, not modelled
 *   separately), then the mm is torn down: frames and tables freed, the PASID released
 *   (`mm_pasid_drop`) — the next allocation may reuse it. Holds the mm lock: faults into the
 *   process wait, then find it gone (INVALID).
 *
 * Each event happens at max(its time, the kernel clock); the result lists every event with the
 * PASID it involved and its start and end, and counts the teardown's submissions.
 */

import type { PlatformCosts } from '../platform/presets.js';
import type { Kernel } from './kernel.js';
import type { Process } from './objects.js';
import type { Submission } from './qi.js';
import type { AttachmentInfo } from './domains.js';
import { teardownPlan, type TeardownPlanner } from './teardown.js';
import type { KernelContext } from './context.js';

/** One scheduled event, resolved against the booted machine. */
export type ScheduledEvent =
  | { readonly atNs: number; readonly kind: 'unbind' | 'bind'; readonly device: number; readonly process: Process }
  | { readonly atNs: number; readonly kind: 'exit'; readonly process: Process };

export interface SubmissionCounts {
  submissions: number;
  pasidCacheDescriptors: number;
  iotlbDescriptors: number;
  devtlbDescriptors: number;
  fenceDescriptors: number;
  /** Virtual time in these submissions, ns. */
  totalNs: number;
}

export interface LifecycleEventRecord {
  readonly kind: 'unbind' | 'bind' | 'exit';
  /** The device id (unbind, bind) or the process name (exit). */
  readonly target: string;
  /** The PASID the event bound, unbound or released. */
  readonly pasid: number;
  readonly scheduledNs: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface LifecycleStats {
  unbinds: number;
  /** PASID stops asked of devices with PRI before their unbind (each answered by a stop marker). */
  pasidStops: number;
  binds: number;
  exits: number;
  /** PASID-entry teardowns (one per detached attachment). */
  readonly teardown: SubmissionCounts;
  /** Page-request drains (devices with PRI). */
  readonly drain: SubmissionCounts;
  readonly events: LifecycleEventRecord[];
}

const zeroCounts = (): SubmissionCounts => ({
  submissions: 0,
  pasidCacheDescriptors: 0,
  iotlbDescriptors: 0,
  devtlbDescriptors: 0,
  fenceDescriptors: 0,
  totalNs: 0,
});

export interface LifecycleOptions {
  readonly kernel: Kernel;
  readonly events: readonly ScheduledEvent[];
  /** Per IOMMU: its type. Per device: PRI. */
  readonly iommuTypes: readonly string[];
  readonly pri: readonly boolean[];
  /** Per device: the process that submits through it (its SVA attach), if any. */
  readonly submitters: readonly (Process | undefined)[];
  readonly costs: PlatformCosts;
  /** The teardown's submissions (default: teardown.ts; tests break it). */
  readonly plan?: TeardownPlanner;
  readonly context: KernelContext;
  readonly clock: { nowNs: number };
  readonly ack: (device: number, seq: number, arrivalNs: number) => Promise<number>;
}

/** What the lifecycle needs of the sequencer. */
export interface LifecycleSequencing {
  at(timeNs: number): Promise<void>;
  lockMm(space: Process): void;
  unlockMm(space: Process, timeNs: number): void;
}

export class Lifecycle {
  readonly stats: LifecycleStats = { unbinds: 0, pasidStops: 0, binds: 0, exits: 0, teardown: zeroCounts(), drain: zeroCounts(), events: [] };

  constructor(private readonly o: LifecycleOptions) {}

  async runModelled(seq: LifecycleSequencing): Promise<void> {
    const { clock, context } = this.o;
    for (const e of this.o.events) {
      await seq.at(e.atNs);
      await context.exclusive(async () => {
        if (clock.nowNs < e.atNs) clock.nowNs = e.atNs;
        const startNs = clock.nowNs;
        let pasid: number;
        let target: string;
        if (e.kind === 'exit') {
          target = e.process.name;
          pasid = e.process.pasid;
          seq.lockMm(e.process);
          try {
            await this.exit(e.process);
          } finally {
            seq.unlockMm(e.process, clock.nowNs);
          }
        } else {
          target = this.o.kernel.devices[e.device]!.id;
          pasid = e.kind === 'bind' ? this.bind(e.device, e.process) : await this.unbind(e.device, e.process);
        }
        this.stats.events.push({ kind: e.kind, target, pasid, scheduledNs: e.atNs, startNs, endNs: clock.nowNs });
      });
    }
  }

  private bind(device: number, proc: Process): number {
    this.o.kernel.domains.bindSva(device, proc);
    Atomics.store(this.o.kernel.views.devices[device]!.submitter, 0, proc.pasid + 1);
    this.stats.binds++;
    return proc.pasid;
  }

  private async unbind(device: number, proc: Process): Promise<number> {
    const bond = proc.bonds.get(device);
    if (!bond) throw new Error(`bug: unbind of device ${this.o.kernel.devices[device]!.id}, which is not bound (the profile checks this)`);
    const pasid = proc.pasid;
    if (this.o.pri[device]) {
      // The driver stops the device's use of the PASID first (idxd: idxd_device_drain_pasid
      // before iommu_sva_unbind_device); a device with PRI answers with a stop marker after its
      // page requests for it, which the page-request queue drops (kernel/faults.ts).
      const { clock } = this.o;
      const seq = this.o.kernel.qi.postStopPasidAt(device, pasid, clock.nowNs);
      const ackNs = await this.o.ack(device, seq, clock.nowNs);
      if (ackNs > clock.nowNs) clock.nowNs = ackNs;
      this.stats.pasidStops++;
    }
    while (proc.bonds.get(device) === bond) await this.o.kernel.domains.unbindSva(bond, (a, last) => this.teardown(a, last));
    this.stats.unbinds++;
    return pasid;
  }

  private async exit(proc: Process): Promise<void> {
    const views = this.o.kernel.views;
    this.o.submitters.forEach((p, d) => {
      if (p === proc) Atomics.store(views.devices[d]!.submitter, 0, 0);
    });
    for (const device of [...proc.bonds.keys()]) await this.unbind(device, proc);
    this.o.kernel.mm.exit(proc);
    this.stats.exits++;
  }

  /** The detached attachment's PASID-entry teardown, then its page-request drain. */
  private async teardown(a: AttachmentInfo, lastOnUnit: boolean): Promise<void> {
    const plan = (this.o.plan ?? teardownPlan)(this.o.iommuTypes[a.iommu]!, a, this.o.pri[a.device]!, lastOnUnit);
    for (const s of plan.teardown) await this.submit(s, this.stats.teardown);
    for (const s of plan.drain) await this.submit(s, this.stats.drain);
  }

  private async submit(s: Submission, counts: SubmissionCounts): Promise<void> {
    const { clock } = this.o;
    const startNs = clock.nowNs;
    const r = await this.o.kernel.qi.submitModelled(s, this.o.costs, startNs, this.o.ack);
    clock.nowNs = r.endNs;
    counts.submissions++;
    counts.iotlbDescriptors += r.iotlb;
    counts.devtlbDescriptors += r.devtlb;
    for (const d of s.descriptors) {
      if (d.kind === 'pasid-cache') counts.pasidCacheDescriptors++;
      else if (d.kind === 'fence') counts.fenceDescriptors++;
    }
    counts.totalNs += r.endNs - startNs;
  }
}

/**
 * The invalidation queues: how the kernel invalidates IOMMU and device TLBs and waits for it.
 *
 * IOTLB invalidations are named by the architecture's scopes — a page range within a PASID, a
 * PASID, a domain, everything — and applied to the unit's shared IOTLB at once (bumping its
 * invalidation epoch, layout/iommu.ts). A device-TLB invalidation is a round trip to the device:
 * posted to its invalidation ring, applied by the device between copy windows, acknowledged
 * (device/invalidations.ts).
 *
 * A submission (VT-d: descriptors written to the queue, then a wait descriptor the kernel polls;
 * Linux `qi_submit_sync`) on the kernel thread: apply its IOTLB descriptors, post its device-TLB
 * descriptors to the devices' rings, spend the platform's costs (a VM exit per submission in a
 * guest, the submission and its wait, each descriptor) as real delay, drain in-flight DMA
 * on the unit when an IOTLB descriptor asks for it (VT-d's drain-read / drain-write bits: every
 * copy window open on the unit closes first, device/page-run.ts), and wait for every device-TLB
 * acknowledgement — so a batch waits for its slowest device. A device that is not running issues
 * no DMA and applies pending invalidations before it starts again, so the kernel does not wait
 * for it.
 *
 * Modelled time (`submitModelled`): nothing is spun. From the kernel context's clock, a guest's
 * submission first costs its trap; the hardware then processes the descriptors in order, each
 * costing its descriptor time — an IOTLB descriptor is applied to the shared IOTLB, a device-TLB
 * descriptor sends its request, which arrives at the device at that virtual time; the wait
 * descriptor completes `submissionWaitNs` after the later of the last descriptor and the slowest
 * device's acknowledgement (devices acknowledge at their first page boundary at or after arrival,
 * plus their processing: device/invalidations.ts). The drain is implicit: a device applies
 * invalidations only at page boundaries, and the sequencer's barriers have no copy in flight.
 *
 * Not modelled: the queue's depth and its full condition, interrupt-driven waits (the kernel
 * polls), invalidation timeouts and ITE, the PASID cache and paging-structure caches.
 */

import { DeviceState, InvKind, InvRecord } from '../layout/device.js';
import type { MachineViews } from '../layout/machine.js';
import type { PlatformCosts } from '../platform/presets.js';
import { KernelError } from './errors.js';
import type { KernelDeviceInfo } from './objects.js';

/** IOTLB invalidation scopes (layout/tlb.ts TlbScope, by name). */
export type IotlbScope = 'pasid-range' | 'pasid' | 'domain' | 'all';

/** One descriptor of a submission. */
export type QiDescriptor =
  | {
      readonly kind: 'iotlb';
      readonly scope: IotlbScope;
      readonly did: number;
      readonly pasid: number;
      /** The pages of a 'pasid-range' invalidation, [startVpn, endVpn). */
      readonly startVpn: number;
      readonly endVpn: number;
      /** Drain reads and writes in flight on the unit before the wait completes (VT-d DR/DW). */
      readonly drain: boolean;
    }
  | {
      readonly kind: 'devtlb';
      readonly device: number;
      readonly pasid: number;
      readonly startVpn: number;
      readonly endVpn: number;
      /** The whole device TLB, every PASID (a stage-2 change: kernel/vm-flush.ts). Modelled time only. */
      readonly whole?: boolean;
    }
  | {
      /**
       * VT-d PASID-cache invalidation of (did, PASID) (`pasid_cache_invalidation_with_pasid`).
       * The PASID cache is not modelled: it costs a descriptor, and changes no modelled state.
       */
      readonly kind: 'pasid-cache';
      readonly did: number;
      readonly pasid: number;
    }
  | {
      /**
       * A wait descriptor inside a submission, with the fence flag (VT-d QI_IWD_FENCE, the
       * page-request drain's first descriptor: later descriptors wait for earlier ones). Costs
       * a descriptor; the submission's own closing wait is not a descriptor here.
       */
      readonly kind: 'fence';
    };

/** Descriptor counts of a submission by kind. */
export interface SubmittedCounts {
  iotlb: number;
  devtlb: number;
  /** PASID-cache and fence descriptors. */
  other: number;
}

/**
 * Descriptors submitted to one IOMMU together, ended by one wait (VT-d's wait descriptor,
 * SMMUv3's CMD_SYNC) — unless `sync` is false: an SMMUv3 command batch issued full, without a
 * CMD_SYNC; the kernel does not wait for it, and the next synced submission waits for its
 * device-TLB acknowledgements too.
 */
export interface Submission {
  readonly iommu: number;
  readonly descriptors: readonly QiDescriptor[];
  readonly sync?: boolean;
}

/** How long the kernel waits for a running device to acknowledge, drain or free ring space. */
export const ACK_TIMEOUT_MS = 10_000;

/** Busy-wait on the kernel thread: hardware the kernel polls. */
function spinNs(ns: number): void {
  if (ns <= 0) return;
  const until = performance.now() + ns / 1e6;
  while (performance.now() < until) {
    // polling the wait descriptor's status
  }
}

export class InvalidationQueues {
  /**
   * Host time: true once a device's thread has failed (the run's pool says so) — waits for a
   * device stop at once instead of running out their timeout.
   */
  giveUp: () => boolean = () => false;
  /** Last device-TLB invalidation sequence number posted, per device. */
  private readonly invSeq: number[];
  /** Acknowledgements of device-TLB invalidations issued without a sync, awaited by the next one. */
  private readonly unsyncedAcks: { device: number; seq: number }[] = [];
  private readonly unsyncedModelledAcks: Promise<number>[] = [];

  constructor(
    private readonly views: MachineViews,
    private readonly devices: readonly KernelDeviceInfo[],
  ) {
    this.invSeq = devices.map(() => 0);
  }

  // ---- IOTLB, by scope ----------------------------------------------------------------------

  invalidatePasidRange(iommu: number, did: number, pasid: number, startVpn: number, endVpn: number): void {
    this.views.iommus[iommu]!.invalidatePasidRange(did, pasid, startVpn, endVpn);
  }

  invalidatePasid(iommu: number, did: number, pasid: number): void {
    this.views.iommus[iommu]!.invalidatePasid(did, pasid);
  }

  invalidateDomain(iommu: number, did: number): void {
    this.views.iommus[iommu]!.invalidateDomain(did);
  }

  invalidateAll(iommu: number): void {
    this.views.iommus[iommu]!.invalidateAll();
  }

  /** Apply one IOTLB descriptor to the unit's IOTLB, by its scope. */
  private applyIotlb(iommu: number, d: Extract<QiDescriptor, { kind: 'iotlb' }>): void {
    switch (d.scope) {
      case 'pasid-range':
        this.invalidatePasidRange(iommu, d.did, d.pasid, d.startVpn, d.endVpn);
        break;
      case 'pasid':
        this.invalidatePasid(iommu, d.did, d.pasid);
        break;
      case 'domain':
        this.invalidateDomain(iommu, d.did);
        break;
      case 'all':
        this.invalidateAll(iommu);
        break;
    }
  }

  // ---- submissions ----------------------------------------------------------------------------

  /**
   * One submission, to completion (the header). Returns its descriptors by kind.
   * `trapNs` is charged once per submission (a guest's VM exit), the rest as the costs say.
   */
  async submit(s: Submission, costs: PlatformCosts): Promise<SubmittedCounts> {
    const acks: { device: number; seq: number }[] = [];
    let iotlb = 0;
    let devtlb = 0;
    let other = 0;
    let drain = false;
    for (const d of s.descriptors) {
      if (d.kind === 'iotlb') {
        this.applyIotlb(s.iommu, d);
        drain ||= d.drain;
        iotlb++;
      } else if (d.kind !== 'devtlb') {
        other++;
      } else {
        if (this.devices[d.device]!.ats) acks.push({ device: d.device, seq: await this.postDevtlb(d.device, d.pasid, d.startVpn, d.endVpn) });
        devtlb++;
      }
    }
    // The hardware's work and the wait the kernel polls for (plus a VM exit in a guest).
    const sync = s.sync !== false;
    spinNs(costs.trapNs + (sync ? costs.submissionWaitNs : 0) + (iotlb + other) * costs.iotlbDescriptorNs + devtlb * costs.devtlbDescriptorNs);
    this.unsyncedAcks.push(...acks);
    if (!sync) return { iotlb, devtlb, other };
    if (drain) await this.drain(s.iommu);
    for (const a of this.unsyncedAcks.splice(0)) await this.awaitDevtlbAck(a.device, a.seq);
    return { iotlb, devtlb, other };
  }

  /**
   * Modelled time: one submission from virtual time `startNs`, to its wait descriptor's
   * completion (the header). Acknowledgements come through the sequencer.
   */
  async submitModelled(
    s: Submission,
    costs: PlatformCosts,
    startNs: number,
    ack: (device: number, seq: number, arrivalNs: number) => Promise<number>,
  ): Promise<SubmittedCounts & { endNs: number }> {
    let t = startNs + costs.trapNs;
    let iotlb = 0;
    let devtlb = 0;
    let other = 0;
    const acks: Promise<number>[] = [];
    for (const d of s.descriptors) {
      if (d.kind === 'iotlb') {
        this.applyIotlb(s.iommu, d);
        t += costs.iotlbDescriptorNs;
        iotlb++;
      } else if (d.kind !== 'devtlb') {
        // Processed by the unit like an IOTLB descriptor (no figure of its own: the same cost).
        t += costs.iotlbDescriptorNs;
        other++;
      } else {
        t += costs.devtlbDescriptorNs;
        devtlb++;
        if (this.devices[d.device]!.ats) {
          const seq = this.postDevtlbAt(d.device, d.pasid, d.startVpn, d.endVpn, t, d.whole === true ? InvKind.devtlbAll : InvKind.devtlb);
          acks.push(ack(d.device, seq, t));
        }
      }
    }
    this.unsyncedModelledAcks.push(...acks);
    if (s.sync === false) return { iotlb, devtlb, other, endNs: t };
    let end = t;
    for (const a of await Promise.all(this.unsyncedModelledAcks.splice(0))) if (a > end) end = a;
    return { iotlb, devtlb, other, endNs: end + costs.submissionWaitNs };
  }

  /**
   * Modelled time: ask the device to stop using `pasid` (the driver's PASID drain before an
   * unbind), arriving at `arrivalNs`; returns the request's sequence number, acknowledged as a
   * device-TLB invalidation is.
   */
  postStopPasidAt(device: number, pasid: number, arrivalNs: number): number {
    return this.postDevtlbAt(device, pasid, 0, 0, arrivalNs, InvKind.stopPasid);
  }

  /** Modelled time: post a device-TLB invalidation arriving at `arrivalNs`; returns its sequence number. */
  private postDevtlbAt(device: number, pasid: number, vpnStart: number, vpnEnd: number, arrivalNs: number, kind: number = InvKind.devtlb): number {
    const v = this.views.devices[device]!;
    const ring = v.invRing;
    const slot = ring.reserve();
    if (slot < 0) throw new KernelError(`bug: device ${this.devices[device]!.id}'s invalidation ring is full in modelled time`);
    const seq = ++this.invSeq[device]!;
    ring.slots[slot + InvRecord.seq] = seq;
    ring.slots[slot + InvRecord.pasid] = pasid;
    ring.slots[slot + InvRecord.vpnStart] = vpnStart;
    ring.slots[slot + InvRecord.vpnEnd] = vpnEnd;
    ring.slots[slot + InvRecord.arrivalNs] = arrivalNs;
    ring.slots[slot + InvRecord.kind] = kind;
    ring.publish();
    return seq;
  }

  // ---- device TLBs ----------------------------------------------------------------------------

  /**
   * Post a device-TLB invalidation for (PASID, [vpnStart, vpnEnd)) into the device's ring and
   * wait for its acknowledgement while the device runs.
   */
  async flushDevtlb(device: number, pasid: number, vpnStart: number, vpnEnd: number): Promise<void> {
    if (!this.devices[device]!.ats) return;
    const seq = await this.postDevtlb(device, pasid, vpnStart, vpnEnd);
    await this.awaitDevtlbAck(device, seq);
  }

  /** Post a device-TLB invalidation into the device's ring; returns its sequence number. */
  async postDevtlb(device: number, pasid: number, vpnStart: number, vpnEnd: number): Promise<number> {
    const v = this.views.devices[device]!;
    const ring = v.invRing;
    const id = this.devices[device]!.id;
    const deadline = Date.now() + ACK_TIMEOUT_MS;
    let slot = ring.reserve();
    while (slot < 0) {
      if (this.giveUp()) throw new KernelError(`device ${id}'s invalidation ring abandoned: a device failed`);
      if (Atomics.load(v.state, 0) !== DeviceState.running) throw new KernelError(`device ${id}: invalidation ring full while idle`);
      if (Date.now() > deadline) throw new KernelError(`device ${id} did not drain its invalidation ring`);
      await new Promise((r) => setImmediate(r));
      slot = ring.reserve();
    }
    const seq = ++this.invSeq[device]!;
    ring.slots[slot + InvRecord.seq] = seq;
    ring.slots[slot + InvRecord.pasid] = pasid;
    ring.slots[slot + InvRecord.vpnStart] = vpnStart;
    ring.slots[slot + InvRecord.vpnEnd] = vpnEnd;
    ring.slots[slot + InvRecord.kind] = InvKind.devtlb;
    ring.publish();
    v.ring();
    return seq;
  }

  /**
   * Wait until the device has acknowledged invalidation `seq` (it applies them between copy
   * windows), or is not running. Polls briefly, then sleeps on the acknowledgement word.
   */
  async awaitDevtlbAck(device: number, seq: number): Promise<void> {
    const v = this.views.devices[device]!;
    for (let i = 0; i < 2000; i++) {
      if (Atomics.load(v.invAck, 0) >= seq) return;
    }
    const deadline = Date.now() + ACK_TIMEOUT_MS;
    for (;;) {
      const acked = Atomics.load(v.invAck, 0);
      if (acked >= seq) return;
      if (this.giveUp()) throw new KernelError(`device ${this.devices[device]!.id}'s acknowledgement abandoned: a device failed`);
      const state = Atomics.load(v.state, 0);
      if (state !== DeviceState.running && state !== DeviceState.ready) return;
      if (Date.now() > deadline) {
        throw new KernelError(`device ${this.devices[device]!.id} did not acknowledge a device-TLB invalidation within ${ACK_TIMEOUT_MS} ms`);
      }
      const r = Atomics.waitAsync(v.invAck, 0, acked, 5);
      if (r.async) await r.value;
    }
  }

  /**
   * Drain: wait until every device behind `iommu` that was inside a copy window (its copySeq
   * odd) has left it, so no access that obtained a translation before this point is still in
   * flight. The drain-read/drain-write semantics of the invalidation wait.
   */
  async drain(iommu: number): Promise<void> {
    for (let d = 0; d < this.devices.length; d++) {
      if (this.devices[d]!.iommu !== iommu) continue;
      const v = this.views.devices[d]!;
      const seq = Atomics.load(v.copySeq, 0);
      if (seq % 2 === 0) continue;
      // A copy window lasts microseconds: poll briefly, then sleep until the device leaves it
      // (it notifies while drainWaiter is set) rather than compete with it for a core.
      let left = false;
      for (let i = 0; i < 1000 && !left; i++) left = Atomics.load(v.copySeq, 0) !== seq;
      if (left) continue;
      const deadline = Date.now() + ACK_TIMEOUT_MS;
      Atomics.store(v.drainWaiter, 0, 1);
      try {
        while (Atomics.load(v.copySeq, 0) === seq) {
          if (Atomics.load(v.state, 0) === DeviceState.done || this.giveUp()) break;
          if (Date.now() > deadline) {
            throw new KernelError(`device ${this.devices[d]!.id} stayed inside one copy window for ${ACK_TIMEOUT_MS} ms`);
          }
          const r = Atomics.waitAsync(v.copySeq, 0, seq, 5);
          if (r.async) await r.value;
        }
      } finally {
        Atomics.store(v.drainWaiter, 0, 0);
      }
    }
  }
}

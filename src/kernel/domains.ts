/**
 * Domains, attachments and SVA: what each (device, PASID) translates through. The only writer
 * of the shared domain table (layout/domains.ts) and of the devices' PASID tables.
 *
 * Models (Linux counterparts): `iommu_domain_alloc` of the blocked, identity, dma (an IOVA page
 * table the kernel maps buffers into) and sva (the process's own page table) types;
 * `iommu_attach_device_pasid` / `iommu_detach_device_pasid`, with a domain id allocated per IOMMU
 * unit on first attachment there (VT-d allocates DIDs per unit) and released with the unit's
 * last attachment; `iommu_sva_bind_device` / `iommu_sva_unbind_device` (drivers/iommu/iommu-sva.c):
 * the mm's PASID allocated at its first bind (`iommu_alloc_global_pasid`, kept until exit), one
 * SVA domain per mm shared by every device whose IOMMU is compatible (VT-d: any unit; SMMUv3:
 * the same instance — svaScopeOf; an incompatible one gets its own domain on the same PASID),
 * bonds refcounted per (device, mm);
 * the last unbind detaches — clearing the PASID entry, flushing the unit's IOTLB entries of
 * (did, PASID) and the device TLB, draining the device's pending page requests, which then get
 * INVALID — and the domain is freed with its last user. The mapping seqcount (`mmSeq`) a
 * change of the mm opens and closes on each of its SVA domains.
 * The teardown's submissions and their cost are kernel/teardown.ts's (modelled time).
 *
 * Guests (kernel/vm.ts): binding a guest process allocates a nested domain instead of an SVA one
 * — the guest process's stage-1 table over its VM's stage 2 — with the guest's PASID; it is
 * shared, attached and invalidated as an SVA domain is.
 *
 * IOMMU groups (devices the platform cannot isolate from each other, `groupOf`): a PASID attach
 * applies to every device of the group (drivers/iommu/iommu.c `iommu_attach_device_pasid` →
 * `__iommu_set_group_pasid`: `for_each_group_device(group, device) … set_dev_pasid`, v6.5+), so
 * one SVA bind attaches the whole group, and a bind of the same mm from another device of the
 * group takes the group's handle with a reference (iommu-sva.c `iommu_sva_bind_device`:
 * `iommu_attach_handle_get(group, iommu_mm->pasid, IOMMU_DOMAIN_SVA)` … `refcount_inc`, v6.11+;
 * v6.8–v6.9 failed that second bind with -EBUSY, v5.19 refused SVA on a multi-device group).
 * The last unbind detaches the whole group. A non-PASID attach of one device of a multi-device
 * group is refused by Linux (`iommu_attach_device`: `if (list_count_nodes(&group->devices) != 1)`
 * → -EINVAL), which the profile loader enforces.
 * Leaves out: paging domains of iommufd, default domains, mm exit while
 * bound (an exit unbinds first: kernel/lifecycle.ts).
 */

import { MAX_VPN, PAGE_SIZE } from '../layout/constants.js';
import { DomainType } from '../layout/domains.js';
import type { MachineViews } from '../layout/machine.js';
import { FrameOwner, packOwner } from '../layout/physmem.js';
import { KernelError } from './errors.js';
import type { FaultService } from './faults.js';
import type { FrameAllocator } from './frames.js';
import { type Bond, Domain, type KernelDeviceInfo, type Process } from './objects.js';
import { allocTableRoot, fillPage, freeTables, mapPage } from './pagetables.js';
import type { PasidAllocator } from './pasid.js';
import type { InvalidationQueues } from './qi.js';

/** One attachment of a domain, with what an invalidation of it needs to know. */
export interface AttachmentInfo {
  readonly device: number;
  readonly pasid: number;
  readonly iommu: number;
  /** The domain's id on that IOMMU. */
  readonly did: number;
  /** The device has an ATS device TLB. */
  readonly ats: boolean;
}

/**
 * The PASID entry's teardown and page-request drain of a detached attachment (its entry is
 * already cleared): flush what it may have cached, drain what it may still send. `lastOnUnit`:
 * the domain has no other attachment on that IOMMU.
 */
export type Teardown = (attachment: AttachmentInfo, lastOnUnit: boolean) => Promise<void>;

export interface DomainsOptions {
  readonly views: MachineViews;
  readonly devices: readonly KernelDeviceInfo[];
  /** Per IOMMU: its type (SVA domains are shared only between units of the same type). */
  readonly iommuTypes: readonly string[];
  readonly frames: FrameAllocator;
  readonly pasids: PasidAllocator;
  readonly qi: InvalidationQueues;
  readonly faults: FaultService<Process>;
  /** Seeds the initial contents of dma and identity buffers. */
  readonly seed: number;
  /** Per device: the devices of its IOMMU group, itself included, in profile order. Default: alone. */
  readonly groups?: readonly (readonly number[])[];
}

export class Domains {
  private readonly views: MachineViews;
  private readonly devices: readonly KernelDeviceInfo[];
  private readonly iommuTypes: readonly string[];
  private readonly frames: FrameAllocator;
  private readonly pasids: PasidAllocator;
  private readonly qi: InvalidationQueues;
  private readonly faults: FaultService<Process>;
  private readonly seed: number;
  private readonly table: (Domain | undefined)[];
  /** Per IOMMU: the domain ids in use. */
  private readonly usedDids: Set<number>[];
  /** attachments[device]: PASID → Domain */
  private readonly attachments: Map<number, Domain>[];
  private readonly attachOrder = new Map<string, number>();
  private attachCounter = 0;
  private readonly groups: readonly (readonly number[])[];

  constructor(o: DomainsOptions) {
    this.views = o.views;
    this.devices = o.devices;
    this.iommuTypes = o.iommuTypes;
    this.frames = o.frames;
    this.pasids = o.pasids;
    this.qi = o.qi;
    this.faults = o.faults;
    this.seed = o.seed;
    this.table = new Array<Domain | undefined>(o.views.shape.maxDomains).fill(undefined);
    this.usedDids = o.views.shape.iommus.map(() => new Set<number>());
    this.attachments = o.devices.map(() => new Map<number, Domain>());
    this.groups = o.groups ?? o.devices.map((_, i) => [i]);
  }

  /** The devices of `device`'s IOMMU group, itself included. */
  groupOf(device: number): readonly number[] {
    return this.groups[device]!;
  }

  // ---- domains ---------------------------------------------------------------------------

  allocDomain(type: number, process?: Process, iommuType?: string): Domain {
    const index = this.table.indexOf(undefined);
    if (index < 0) throw new KernelError(`domain table full (${this.views.shape.maxDomains} domains)`);
    let rootPfn = 0;
    if (type === DomainType.sva || type === DomainType.nested) {
      if (!process) throw new Error('bug: SVA domain without a process');
      if ((type === DomainType.nested) !== (process.guest !== undefined)) throw new Error('bug: nested domains are for guest processes');
      rootPfn = process.rootPfn;
    } else if (type === DomainType.dma) {
      rootPfn = allocTableRoot(this.frames, 0xff0000 + index);
    }
    const d = new Domain(index, type, rootPfn, process, iommuType);
    this.table[index] = d;
    const t = this.views.domains;
    Atomics.store(t.rootPfn, index, rootPfn);
    if (type === DomainType.nested) {
      Atomics.store(t.s2RootPfn, index, process!.guest!.s2RootPfn);
      Atomics.store(t.vm, index, process!.guest!.vm + 1);
    }
    Atomics.store(t.type, index, type);
    return d;
  }

  /** Map `sizeBytes` of fresh, initialised frames at IOVA `iova` in a dma domain. */
  mapBuffer(domain: Domain, iova: number, sizeBytes: number, writable: boolean): void {
    if (domain.type !== DomainType.dma) throw new Error('bug: map on a non-dma domain');
    const mem = this.views.mem;
    for (let off = 0; off < sizeBytes; off += PAGE_SIZE) {
      const vpn = (iova + off) / PAGE_SIZE;
      const pfn = this.frames.alloc(packOwner(FrameOwner.domainData, domain.index), 'mapping a DMA buffer');
      fillPage(mem, pfn, this.seed, 0x10000 + domain.index, vpn);
      mapPage(mem, this.frames, domain.rootPfn, vpn, pfn, writable, 0xff0000 + domain.index);
      domain.dataFrames.push(pfn);
    }
  }

  /** Allocate physically contiguous, initialised frames (identity-domain buffers); returns the PA. */
  allocPhysBuffer(domain: Domain, sizeBytes: number): number {
    const count = sizeBytes / PAGE_SIZE;
    const first = this.frames.allocContiguous(count, packOwner(FrameOwner.domainData, domain.index), 'allocating an identity buffer');
    for (let i = 0; i < count; i++) {
      fillPage(this.views.mem, first + i, this.seed, 0x20000 + domain.index, first + i);
      domain.dataFrames.push(first + i);
    }
    return first * PAGE_SIZE;
  }

  private freeDomain(domain: Domain): void {
    const t = this.views.domains;
    Atomics.store(t.type, domain.index, DomainType.free);
    Atomics.store(t.rootPfn, domain.index, 0);
    Atomics.store(t.s2RootPfn, domain.index, 0);
    Atomics.store(t.vm, domain.index, 0);
    if (domain.type === DomainType.dma) freeTables(this.views.mem, this.frames, domain.rootPfn);
    for (const pfn of domain.dataFrames) this.frames.free(pfn);
    this.table[domain.index] = undefined;
  }

  domainOf(device: number, pasid: number): Domain | undefined {
    return this.attachments[device]!.get(pasid);
  }

  /** The live process behind an SVA attachment of (device, PASID), if any. */
  svaTarget(device: number, pasid: number): Process | undefined {
    const domain = this.domainOf(device, pasid);
    if (!domain || (domain.type !== DomainType.sva && domain.type !== DomainType.nested) || !domain.process || domain.process.exited) return undefined;
    return domain.process;
  }

  /** The attachments of a domain, in attach order, with their units' domain ids. */
  attachmentsOf(domain: Domain): AttachmentInfo[] {
    const out: (AttachmentInfo & { order: number })[] = [];
    for (const [device, map] of this.attachments.entries()) {
      for (const [pasid, d] of map) {
        if (d !== domain) continue;
        const info = this.devices[device]!;
        out.push({
          device,
          pasid,
          iommu: info.iommu,
          did: domain.dids.get(info.iommu)!.did,
          ats: info.ats,
          order: this.attachOrder.get(`${device}/${pasid}`) ?? 0,
        });
      }
    }
    return out.sort((a, b) => a.order - b.order).map(({ order: _order, ...a }) => a);
  }

  // ---- attach / detach -------------------------------------------------------------------

  /** Attach (device, PASID) to `domain` (`iommu_attach_device_pasid`). */
  attach(device: number, pasid: number, domain: Domain): void {
    const dev = this.devices[device]!;
    if (this.attachments[device]!.has(pasid)) {
      throw new KernelError(`device ${dev.id} already has PASID ${pasid} attached`);
    }
    if ((domain.type === DomainType.sva || domain.type === DomainType.nested) && domain.iommuType !== this.svaScopeOf(dev.iommu)) {
      throw new KernelError(`SVA domain for ${domain.iommuType} is incompatible with ${dev.id}'s IOMMU`);
    }
    let d = domain.dids.get(dev.iommu);
    if (!d) {
      // The smallest free id of the unit (VT-d: an IDA, `domain_attach_iommu` in
      // drivers/iommu/intel/iommu.c): a freed id is reused by the next domain attached there.
      const used = this.usedDids[dev.iommu]!;
      let did = 1;
      while (used.has(did)) did++;
      used.add(did);
      d = { did, users: 0 };
      domain.dids.set(dev.iommu, d);
      Atomics.store(this.views.domains.did, this.views.domains.didIndex(domain.index, dev.iommu), d.did);
    }
    d.users++;
    domain.users++;
    this.attachments[device]!.set(pasid, domain);
    this.attachOrder.set(`${device}/${pasid}`, this.attachCounter++);
    // Publish last: from here on the device's walks see the domain.
    Atomics.store(this.views.devices[device]!.pasidDomain, pasid, domain.index + 1);
  }

  /**
   * Detach (device, PASID): clear the PASID entry so no new walk succeeds, flush the IOTLB
   * entries of (did, PASID) and the device TLB (a round trip to a running device), and drain
   * the device's pending page requests (with the entry gone they get INVALID). When the
   * domain's last attachment on an IOMMU goes, its did there is released.
   */
  async detach(device: number, pasid: number, teardown?: Teardown): Promise<void> {
    const dev = this.devices[device]!;
    const domain = this.attachments[device]!.get(pasid);
    if (!domain) throw new KernelError(`device ${dev.id} has no attachment for PASID ${pasid}`);
    Atomics.store(this.views.devices[device]!.pasidDomain, pasid, 0);
    this.attachments[device]!.delete(pasid);
    const d = domain.dids.get(dev.iommu)!;
    if (teardown) {
      await teardown({ device, pasid, iommu: dev.iommu, did: d.did, ats: dev.ats }, d.users === 1);
    } else {
      this.qi.invalidatePasid(dev.iommu, d.did, pasid);
      await this.qi.flushDevtlb(device, pasid, 0, MAX_VPN);
      this.faults.drainDevice(device);
    }
    d.users--;
    domain.users--;
    if (d.users === 0) {
      domain.dids.delete(dev.iommu);
      this.usedDids[dev.iommu]!.delete(d.did);
      Atomics.store(this.views.domains.did, this.views.domains.didIndex(domain.index, dev.iommu), 0);
    }
  }

  // ---- SVA -------------------------------------------------------------------------------

  /**
   * Which IOMMUs one SVA domain may span. VT-d: every unit (the domain keeps an `iommu_array`,
   * drivers/iommu/intel/svm.c / cache.c). SMMUv3: one instance — the SVA domain belongs to its
   * SMMU (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c, `smmu_domain->smmu`; attaching a master
   * of another instance fails, so `iommu_sva_bind_device` allocates the mm another domain).
   */
  private svaScopeOf(iommu: number): string {
    const type = this.iommuTypes[iommu]!;
    return type === 'smmuv3' ? `smmuv3 instance ${iommu}` : type;
  }

  /**
   * `iommu_sva_bind_device`: allocate the process's PASID on first use; reuse the bond if the
   * device is already bound (refcount); else attach the device to an existing SVA domain of
   * the process whose IOMMU is compatible, or allocate a new one.
   */
  bindSva(device: number, proc: Process): Bond {
    if (proc.exited) throw new KernelError(`process ${proc.name} has exited`);
    const existing = proc.bonds.get(device);
    if (existing) {
      existing.users++;
      return existing;
    }
    if (proc.pasid === 0) proc.pasid = (proc.guest?.pasids ?? this.pasids).alloc();
    const iommuType = this.svaScopeOf(this.devices[device]!.iommu);
    let domain = proc.svaDomains.find((d) => d.iommuType === iommuType);
    if (!domain) {
      domain = this.allocDomain(proc.guest ? DomainType.nested : DomainType.sva, proc, iommuType);
      proc.svaDomains.push(domain);
    }
    // The PASID attach is the group's: every device of it gets the entry.
    const group = this.groupOf(device);
    for (const member of group) this.attach(member, proc.pasid, domain);
    const bond: Bond = { device, devices: group, process: proc, domain, users: 1 };
    for (const member of group) proc.bonds.set(member, bond);
    return bond;
  }

  /**
   * `iommu_sva_unbind_device`: drop a reference; the last one detaches. The PASID stays.
   * `teardown` (modelled time: kernel/lifecycle.ts) submits and counts the PASID entry's
   * teardown and the page-request drain; without it (host time) they are applied for free.
   */
  async unbindSva(bond: Bond, teardown?: Teardown): Promise<void> {
    if (bond.users <= 0) throw new Error('bug: unbind of a dead bond');
    bond.users--;
    if (bond.users > 0) return;
    const proc = bond.process;
    for (const member of bond.devices) {
      proc.bonds.delete(member);
      await this.detach(member, proc.pasid, teardown);
    }
    if (bond.domain.users === 0) {
      proc.svaDomains.splice(proc.svaDomains.indexOf(bond.domain), 1);
      this.freeDomain(bond.domain);
    }
  }

  // ---- mapping changes ---------------------------------------------------------------------

  /**
   * Open (odd) or close (even) a mapping change on every SVA domain of the process, so devices
   * can tell that a sampled descriptor overlapped one (layout/domains.ts mmSeq).
   */
  mappingChange(proc: Process, phase: 'begin' | 'end'): void {
    for (const d of proc.svaDomains) {
      const seq = Atomics.load(this.views.domains.mmSeq, d.index);
      const odd = seq % 2 !== 0;
      if ((phase === 'begin') === odd) throw new Error(`bug: mapping change ${phase} out of order`);
      Atomics.store(this.views.domains.mmSeq, d.index, seq + 1);
    }
  }
}

/**
 * The kernel: the main thread's owner of every structural change — processes and their page
 * tables, physical frames, the global PASID space, domains, attachments, SVA bonds, and the
 * invalidations those changes require.
 *
 * Models (Linux counterparts): `mm_struct` + VMAs + 4-level page table; `iommu_alloc_global_pasid`;
 * `iommu_attach_device_pasid` / `iommu_detach_device_pasid`; `iommu_sva_bind_device` /
 * `iommu_sva_unbind_device` with one SVA domain per mm shared by every compatible IOMMU and
 * bonds refcounted per (device, mm).
 * Leaves out (for now): CPU-side churn and its notifier (invalidation strategies), demand
 * paging, IOMMU groups, nested domains, 2 MiB pages.
 */

import { KERNEL_STREAM, nextFloat, Rng } from '../common/rng.js';
import { MAX_VPN, PAGE_SIZE } from '../layout/constants.js';
import { DeviceState, InvRecord } from '../layout/device.js';
import { DomainType, type DomainTypeCode } from '../layout/domains.js';
import { type MachineBuffers, type MachineShape, type MachineViews, allocateMachine, attachMachine } from '../layout/machine.js';
import { PTE_P, PTE_RW, ptePfn } from '../layout/pagetable.js';
import { FrameOwner, packOwner } from '../layout/physmem.js';
import { KernelError } from './errors.js';
import { FrameAllocator } from './frames.js';
import { PasidAllocator } from './pasid.js';
import { PageRequestService } from './prq.js';
import { allocTableRoot, fillPage, freeTables, leafWord, lookupPte, mapPage, unmapPage } from './pagetables.js';

export interface Vma {
  readonly name: string;
  /** First byte, virtual. */
  readonly start: number;
  readonly sizeBytes: number;
  readonly writable: boolean;
}

export class Process {
  /** 0 until the first SVA bind; kept until exit. */
  pasid = 0;
  readonly vmas: Vma[] = [];
  /** SVA domains on this mm (one per incompatible IOMMU type in use). */
  readonly svaDomains: Domain[] = [];
  /** Bonds by device index. */
  readonly bonds = new Map<number, Bond>();
  /** Next free virtual address for mmap. */
  nextVa = 0x10_0000_0000;
  exited = false;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly rootPfn: number,
  ) {}

  vmaAt(va: number): Vma | undefined {
    return this.vmas.find((v) => va >= v.start && va < v.start + v.sizeBytes);
  }
}

export class Domain {
  /** Attachments (device, PASID) currently using the domain. */
  users = 0;
  /** Per-IOMMU domain ids: iommu index → { did, attachments on that unit }. */
  readonly dids = new Map<number, { did: number; users: number }>();
  /** Frames owned by a dma/identity domain's buffer (freed with the domain). */
  readonly dataFrames: number[] = [];

  constructor(
    readonly index: number,
    readonly type: DomainTypeCode,
    readonly rootPfn: number,
    /** sva: the process whose page table it shares. */
    readonly process: Process | undefined,
    /** sva: the IOMMU type it was allocated for (attach elsewhere only if compatible). */
    readonly iommuType: string | undefined,
  ) {}
}

export interface Bond {
  readonly device: number;
  readonly process: Process;
  readonly domain: Domain;
  users: number;
}

export interface KernelDeviceInfo {
  readonly id: string;
  readonly iommu: number;
  readonly ats: boolean;
}

export interface KernelOptions {
  readonly shape: MachineShape;
  readonly iommuTypes: readonly string[];
  readonly devices: readonly KernelDeviceInfo[];
  readonly seed: number;
}

/** How long unbind waits for a running device to acknowledge a device-TLB flush. */
const ACK_TIMEOUT_MS = 10_000;

export class Kernel {
  readonly shape: MachineShape;
  readonly buffers: MachineBuffers;
  readonly views: MachineViews;
  readonly frames: FrameAllocator;
  readonly pasids: PasidAllocator;
  readonly processes: Process[] = [];
  readonly devices: readonly KernelDeviceInfo[];
  /** I/O page-fault service (started by the run). */
  readonly prq: PageRequestService<Process>;
  private readonly iommuTypes: readonly string[];
  private readonly domains: (Domain | undefined)[];
  private readonly nextDid: number[];
  private readonly invSeq: number[];
  private readonly seed: number;
  private readonly rng: Rng;
  /** attachments[device] : PASID → Domain */
  private readonly attachments: Map<number, Domain>[];
  private readonly attachOrder = new Map<string, number>();
  private attachCounter = 0;

  constructor(opts: KernelOptions) {
    this.shape = opts.shape;
    this.seed = opts.seed;
    this.rng = new Rng(opts.seed, KERNEL_STREAM);
    this.buffers = allocateMachine(opts.shape);
    this.views = attachMachine(opts.shape, this.buffers);
    for (const iommu of this.views.iommus) iommu.iotlb.initialise();
    for (const dev of this.views.devices) dev.devtlb.initialise();
    this.frames = new FrameAllocator(this.views.mem);
    this.pasids = new PasidAllocator(opts.shape.maxPasids);
    this.iommuTypes = opts.iommuTypes;
    this.devices = opts.devices;
    this.domains = new Array<Domain | undefined>(opts.shape.maxDomains).fill(undefined);
    this.nextDid = opts.shape.iommus.map(() => 1);
    this.invSeq = opts.devices.map(() => 0);
    this.attachments = opts.devices.map(() => new Map<number, Domain>());
    this.prq = new PageRequestService<Process>(this.views.devices, this.views.mem, {
      svaTarget: (device, pasid) => this.svaTarget(device, pasid),
      populatePage: (proc, vpn) => this.populatePage(proc, vpn),
    });
  }

  // ---- processes and memory -------------------------------------------------------------

  createProcess(name: string): Process {
    const id = this.processes.length;
    const proc = new Process(id, name, allocTableRoot(this.frames, id));
    this.processes.push(proc);
    return proc;
  }

  /**
   * Map an anonymous region. `populate` is the fraction of pages made present now (chosen by
   * the seeded kernel RNG); the rest stay non-present.
   */
  mmap(proc: Process, name: string, sizeBytes: number, writable: boolean, populate: number): Vma {
    if (sizeBytes <= 0 || sizeBytes % PAGE_SIZE !== 0) throw new Error(`bug: mmap size ${sizeBytes}`);
    const start = proc.nextVa;
    // Leave a 2 MiB unmapped gap after every region so overruns fault.
    proc.nextVa = start + Math.ceil(sizeBytes / 0x20_0000) * 0x20_0000 + 0x20_0000;
    const vma: Vma = { name, start, sizeBytes, writable };
    proc.vmas.push(vma);
    const firstVpn = start / PAGE_SIZE;
    for (let i = 0; i < sizeBytes / PAGE_SIZE; i++) {
      if (populate >= 1 || (populate > 0 && nextFloat(this.rng) < populate)) {
        this.populatePage(proc, firstVpn + i);
      }
    }
    return vma;
  }

  /** Back `vpn` with a fresh, initialised frame (CPU-side fault service). Returns the PFN. */
  populatePage(proc: Process, vpn: number): number {
    const vma = proc.vmaAt(vpn * PAGE_SIZE);
    if (!vma) throw new Error(`bug: populate outside every VMA of ${proc.name}`);
    const existing = lookupPte(this.views.mem, proc.rootPfn, vpn);
    if ((existing & PTE_P) !== 0) return ptePfn(existing);
    const pfn = this.frames.alloc(packOwner(FrameOwner.processData, proc.id), `populating ${proc.name}:${vma.name}`);
    fillPage(this.views.mem, pfn, this.seed, proc.id, vpn);
    mapPage(this.views.mem, this.frames, proc.rootPfn, vpn, pfn, vma.writable, proc.id);
    return pfn;
  }

  /** The PFN behind a process's virtual page, or 0 if not present. */
  resolve(rootPfn: number, vpn: number): number {
    const pte = lookupPte(this.views.mem, rootPfn, vpn);
    return (pte & PTE_P) !== 0 ? ptePfn(pte) : 0;
  }

  /** CPU-side read of `len` bytes at virtual `va` under `rootPfn`; false if a page is absent. */
  readVirtual(rootPfn: number, va: number, out: Uint8Array, len = out.length): boolean {
    let done = 0;
    while (done < len) {
      const a = va + done;
      const pfn = this.resolve(rootPfn, Math.floor(a / PAGE_SIZE));
      if (pfn === 0) return false;
      const inPage = a % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      out.set(this.views.mem.bytes.subarray(pfn * PAGE_SIZE + inPage, pfn * PAGE_SIZE + inPage + n), done);
      done += n;
    }
    return true;
  }

  /** CPU-side write (tests, touch-page paths); false if a page is absent or read-only. */
  writeVirtual(rootPfn: number, va: number, data: Uint8Array): boolean {
    let done = 0;
    while (done < data.length) {
      const a = va + done;
      const pte = lookupPte(this.views.mem, rootPfn, Math.floor(a / PAGE_SIZE));
      if ((pte & PTE_P) === 0 || (pte & PTE_RW) === 0) return false;
      const pfn = ptePfn(pte);
      const inPage = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - inPage);
      this.views.mem.bytes.set(data.subarray(done, done + n), pfn * PAGE_SIZE + inPage);
      done += n;
    }
    return true;
  }

  /**
   * Tear a process down: it must have no bonds left. Frees its data frames, its tables and
   * its PASID (`mm_pasid_drop`).
   */
  exitProcess(proc: Process): void {
    if (proc.bonds.size > 0) throw new KernelError(`process ${proc.name} still has ${proc.bonds.size} SVA bond(s)`);
    for (const vma of proc.vmas) {
      const first = vma.start / PAGE_SIZE;
      for (let i = 0; i < vma.sizeBytes / PAGE_SIZE; i++) {
        const pfn = unmapPage(this.views.mem, proc.rootPfn, first + i);
        if (pfn !== 0) this.frames.free(pfn);
      }
    }
    freeTables(this.views.mem, this.frames, proc.rootPfn);
    if (proc.pasid !== 0) this.pasids.free(proc.pasid);
    proc.pasid = 0;
    proc.exited = true;
  }

  /**
   * The CPU-fault path a device's submitting software takes after a partial completion
   * (it touches the page): populate `address` of the process behind (device, PASID).
   */
  touch(device: number, pasid: number, address: number, write: boolean): 'ok' | 'no-attachment' | 'no-vma' | 'read-only' {
    const proc = this.svaTarget(device, pasid);
    if (!proc) return 'no-attachment';
    const vma = proc.vmaAt(address);
    if (!vma) return 'no-vma';
    if (write && !vma.writable) return 'read-only';
    this.populatePage(proc, Math.floor(address / PAGE_SIZE));
    return 'ok';
  }

  // ---- CPU-side mapping changes (churn) --------------------------------------------------

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

  /** Clear the leaves of [startVpn, startVpn + pages); returns the frames they mapped (0 = none). */
  unmapRange(proc: Process, startVpn: number, pages: number): number[] {
    const old: number[] = [];
    for (let i = 0; i < pages; i++) old.push(unmapPage(this.views.mem, proc.rootPfn, startVpn + i));
    return old;
  }

  /** Set or clear the writable bit of present leaves in [startVpn, startVpn + pages). */
  protectRange(proc: Process, startVpn: number, pages: number, writable: boolean): void {
    for (let i = 0; i < pages; i++) {
      const w = leafWord(this.views.mem, proc.rootPfn, startVpn + i);
      if (w < 0) continue;
      if (writable) Atomics.or(this.views.mem.words, w, PTE_RW);
      else Atomics.and(this.views.mem.words, w, ~PTE_RW);
    }
  }

  /** Install `pfn` at `vpn` (its VMA's permissions). */
  mapFrame(proc: Process, vpn: number, pfn: number): void {
    const vma = proc.vmaAt(vpn * PAGE_SIZE);
    if (!vma) throw new Error(`bug: map outside every VMA of ${proc.name}`);
    mapPage(this.views.mem, this.frames, proc.rootPfn, vpn, pfn, vma.writable, proc.id);
  }

  /** A fresh frame for `proc`'s data with `from`'s contents (page migration). */
  copyToNewFrame(proc: Process, from: number): number {
    const pfn = this.frames.alloc(packOwner(FrameOwner.processData, proc.id), `migrating a page of ${proc.name}`);
    const b = this.views.mem.bytes;
    b.copyWithin(pfn * PAGE_SIZE, from * PAGE_SIZE, (from + 1) * PAGE_SIZE);
    return pfn;
  }

  /** Attachments to a domain, in attach order: (device, PASID). */
  attachmentsOf(domain: Domain): { device: number; pasid: number }[] {
    const out: { device: number; pasid: number }[] = [];
    for (const [device, map] of this.attachments.entries()) {
      for (const [pasid, d] of map) if (d === domain) out.push({ device, pasid });
    }
    return out.sort((a, b) => (this.attachOrder.get(`${a.device}/${a.pasid}`) ?? 0) - (this.attachOrder.get(`${b.device}/${b.pasid}`) ?? 0));
  }

  // ---- domains ---------------------------------------------------------------------------

  allocDomain(type: DomainTypeCode, process?: Process, iommuType?: string): Domain {
    const index = this.domains.indexOf(undefined);
    if (index < 0) throw new KernelError(`domain table full (${this.shape.maxDomains} domains)`);
    let rootPfn = 0;
    if (type === DomainType.sva) {
      if (!process) throw new Error('bug: SVA domain without a process');
      rootPfn = process.rootPfn;
    } else if (type === DomainType.dma) {
      rootPfn = allocTableRoot(this.frames, 0xff0000 + index);
    }
    const d = new Domain(index, type, rootPfn, process, iommuType);
    this.domains[index] = d;
    const t = this.views.domains;
    Atomics.store(t.rootPfn, index, rootPfn);
    Atomics.store(t.type, index, type);
    return d;
  }

  /** Map `sizeBytes` of fresh, initialised frames at IOVA `iova` in a dma domain. */
  domainMapBuffer(domain: Domain, iova: number, sizeBytes: number, writable: boolean): void {
    if (domain.type !== DomainType.dma) throw new Error('bug: map on a non-dma domain');
    for (let off = 0; off < sizeBytes; off += PAGE_SIZE) {
      const vpn = (iova + off) / PAGE_SIZE;
      const pfn = this.frames.alloc(packOwner(FrameOwner.domainData, domain.index), 'mapping a DMA buffer');
      fillPage(this.views.mem, pfn, this.seed, 0x10000 + domain.index, vpn);
      mapPage(this.views.mem, this.frames, domain.rootPfn, vpn, pfn, writable, 0xff0000 + domain.index);
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
    if (domain.type === DomainType.dma) {
      freeTables(this.views.mem, this.frames, domain.rootPfn);
    }
    for (const pfn of domain.dataFrames) this.frames.free(pfn);
    this.domains[domain.index] = undefined;
  }

  domainOf(device: number, pasid: number): Domain | undefined {
    return this.attachments[device]!.get(pasid);
  }

  /** The live process behind an SVA attachment of (device, PASID), if any. */
  svaTarget(device: number, pasid: number): Process | undefined {
    const domain = this.domainOf(device, pasid);
    if (!domain || domain.type !== DomainType.sva || !domain.process || domain.process.exited) return undefined;
    return domain.process;
  }

  // ---- attach / detach -------------------------------------------------------------------

  /** Attach (device, PASID) to `domain` (`iommu_attach_device_pasid`). */
  attach(device: number, pasid: number, domain: Domain): void {
    const dev = this.devices[device]!;
    if (this.attachments[device]!.has(pasid)) {
      throw new KernelError(`device ${dev.id} already has PASID ${pasid} attached`);
    }
    if (domain.type === DomainType.sva && domain.iommuType !== this.iommuTypes[dev.iommu]) {
      throw new KernelError(`SVA domain for ${domain.iommuType} is incompatible with ${dev.id}'s IOMMU`);
    }
    let d = domain.dids.get(dev.iommu);
    if (!d) {
      d = { did: this.nextDid[dev.iommu]!++, users: 0 };
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
   * entries of (did, PASID) and the device TLB (a round trip to a running device). When the
   * domain's last attachment on an IOMMU goes, its did there is released.
   */
  async detach(device: number, pasid: number): Promise<void> {
    const dev = this.devices[device]!;
    const domain = this.attachments[device]!.get(pasid);
    if (!domain) throw new KernelError(`device ${dev.id} has no attachment for PASID ${pasid}`);
    Atomics.store(this.views.devices[device]!.pasidDomain, pasid, 0);
    this.attachments[device]!.delete(pasid);
    const d = domain.dids.get(dev.iommu)!;
    this.views.iommus[dev.iommu]!.invalidatePasid(d.did, pasid);
    await this.flushDevtlb(device, pasid, 0, MAX_VPN);
    // Drain the device's pending page requests: with the PASID entry gone they get INVALID.
    this.prq.drainDevice(device);
    d.users--;
    domain.users--;
    if (d.users === 0) {
      domain.dids.delete(dev.iommu);
      Atomics.store(this.views.domains.did, this.views.domains.didIndex(domain.index, dev.iommu), 0);
    }
  }

  /**
   * Post a device-TLB invalidation for (PASID, [vpnStart, vpnEnd)) into the device's ring and
   * wait for its acknowledgement while the device runs. A device that is not running issues
   * no DMA; it applies pending invalidations before it starts again.
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
    ring.publish();
    v.ring();
    return seq;
  }

  /**
   * Wait until the device has acknowledged invalidation `seq` (it applies them between page
   * copies), or is not running. Polls briefly, then sleeps on the acknowledgement word.
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
   * Drain: wait until every device behind `iommu` that was inside a page copy (its copySeq odd)
   * has left it, so no copy that obtained a translation before this point is still running.
   * Models the drain-read/drain-write semantics of the invalidation wait.
   */
  async drain(iommu: number): Promise<void> {
    for (let d = 0; d < this.devices.length; d++) {
      if (this.devices[d]!.iommu !== iommu) continue;
      const v = this.views.devices[d]!;
      const seq = Atomics.load(v.copySeq, 0);
      if (seq % 2 === 0) continue;
      // A page copy takes about a microsecond: poll briefly, then sleep until the device leaves
      // it (it notifies while drainWaiter is set) rather than compete with it for a core.
      let left = false;
      for (let i = 0; i < 1000 && !left; i++) left = Atomics.load(v.copySeq, 0) !== seq;
      if (left) continue;
      const deadline = Date.now() + ACK_TIMEOUT_MS;
      Atomics.store(v.drainWaiter, 0, 1);
      try {
        while (Atomics.load(v.copySeq, 0) === seq) {
          if (Atomics.load(v.state, 0) === DeviceState.done) break;
          if (Date.now() > deadline) {
            throw new KernelError(`device ${this.devices[d]!.id} stayed inside one page copy for ${ACK_TIMEOUT_MS} ms`);
          }
          const r = Atomics.waitAsync(v.copySeq, 0, seq, 5);
          if (r.async) await r.value;
        }
      } finally {
        Atomics.store(v.drainWaiter, 0, 0);
      }
    }
  }

  // ---- SVA -------------------------------------------------------------------------------

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
    if (proc.pasid === 0) proc.pasid = this.pasids.alloc();
    const iommuType = this.iommuTypes[this.devices[device]!.iommu]!;
    let domain = proc.svaDomains.find((d) => d.iommuType === iommuType);
    if (!domain) {
      domain = this.allocDomain(DomainType.sva, proc, iommuType);
      proc.svaDomains.push(domain);
    }
    this.attach(device, proc.pasid, domain);
    const bond: Bond = { device, process: proc, domain, users: 1 };
    proc.bonds.set(device, bond);
    return bond;
  }

  /** `iommu_sva_unbind_device`: drop a reference; the last one detaches. The PASID stays. */
  async unbindSva(bond: Bond): Promise<void> {
    if (bond.users <= 0) throw new Error('bug: unbind of a dead bond');
    bond.users--;
    if (bond.users > 0) return;
    const proc = bond.process;
    proc.bonds.delete(bond.device);
    await this.detach(bond.device, proc.pasid);
    if (bond.domain.users === 0) {
      proc.svaDomains.splice(proc.svaDomains.indexOf(bond.domain), 1);
      this.freeDomain(bond.domain);
    }
  }
}

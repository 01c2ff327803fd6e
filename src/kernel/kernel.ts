/**
 * The kernel: the main thread's owner of every structural change, composed of one room per
 * concern. It builds the machine's shared memory (layout/machine.ts) and wires:
 *
 *   frames   frames.ts    the frame allocator (generations bumped on free)
 *   pasids   pasid.ts     the global PASID allocator
 *   mm       mm.ts        processes, VMAs, page tables, CPU-side changes
 *   domains  domains.ts   domains, attachments, SVA bind/unbind, the mapping seqcount
 *   qi       qi.ts        invalidation queues: IOTLB invalidations by scope, device-TLB round
 *                         trips, drains, submissions
 *   faults   faults.ts    the I/O page-fault service and the software touch
 *   vms      vm.ts        virtual machines: guest RAM behind stage-2 tables, each with a guest
 *                         kernel (its own frames, PASIDs and address spaces)
 *
 * The mm notifier (notifier.ts, with a strategy from strategies/) and the CPU-side churn
 * (churn.ts) are built by the run on top of these. Nothing here runs on a device thread, and no
 * kernel module imports device code: they meet in shared memory only.
 */

import { type MachineBuffers, type MachineShape, type MachineViews, allocateMachine, attachMachine } from '../layout/machine.js';
import { Domains } from './domains.js';
import { FaultService } from './faults.js';
import { FrameAllocator } from './frames.js';
import { AddressSpaces } from './mm.js';
import type { KernelDeviceInfo, Process } from './objects.js';
import { PasidAllocator } from './pasid.js';
import { InvalidationQueues } from './qi.js';
import { type GuestInvalidationPath, type PasidTableMode, Vm } from './vm.js';

/** A VM the kernel creates at boot (kernel/vm.ts). */
export interface KernelVmSpec {
  readonly name: string;
  readonly memoryBytes: number;
  readonly populate: number;
  readonly pasidTable: PasidTableMode;
  readonly invalidation: GuestInvalidationPath;
}

export interface KernelOptions {
  readonly shape: MachineShape;
  /** Per IOMMU: its type (vtd, smmuv3). */
  readonly iommuTypes: readonly string[];
  readonly devices: readonly KernelDeviceInfo[];
  readonly seed: number;
  readonly vms?: readonly KernelVmSpec[];
  /** Per device: the devices of its IOMMU group (domains.ts). Default: each alone. */
  readonly groups?: readonly (readonly number[])[];
}

export class Kernel {
  readonly shape: MachineShape;
  readonly buffers: MachineBuffers;
  readonly views: MachineViews;
  readonly devices: readonly KernelDeviceInfo[];
  readonly frames: FrameAllocator;
  readonly pasids: PasidAllocator;
  readonly mm: AddressSpaces;
  readonly qi: InvalidationQueues;
  readonly faults: FaultService<Process>;
  readonly domains: Domains;
  readonly vms: readonly Vm[];

  constructor(opts: KernelOptions) {
    this.shape = opts.shape;
    this.devices = opts.devices;
    this.buffers = allocateMachine(opts.shape);
    this.views = attachMachine(opts.shape, this.buffers);
    for (const iommu of this.views.iommus) iommu.iotlb.initialise();
    for (const dev of this.views.devices) {
      dev.devtlb.initialise();
      // Modelled time: no device has taken in a release until it enters the protocol (vtime.ts).
      dev.syncRelease[0] = -1;
    }
    this.frames = new FrameAllocator(this.views.mem);
    this.pasids = new PasidAllocator(opts.shape.maxPasids);
    this.mm = new AddressSpaces(this.views.mem, this.frames, this.pasids, opts.seed);
    this.vms = (opts.vms ?? []).map(
      (v, index) => new Vm({ ...v, index, maxPasids: opts.shape.maxPasids, seed: opts.seed }, this.views, this.frames),
    );
    this.qi = new InvalidationQueues(this.views, opts.devices);
    this.faults = new FaultService<Process>(this.views.devices, {
      svaTarget: (device, pasid) => this.domains.svaTarget(device, pasid),
      populatePage: (proc, vpn) => this.mmOf(proc).populatePage(proc, vpn),
      present: (proc, vpn) => this.mmOf(proc).resolve(proc.rootPfn, vpn) !== 0,
      stage2: (proc, vpn) => (proc.guest ? this.vms[proc.guest.vm]!.serviceStage2(proc, vpn) : 0),
      isGuest: (proc) => proc.guest !== undefined,
    });
    this.domains = new Domains({
      views: this.views,
      devices: opts.devices,
      iommuTypes: opts.iommuTypes,
      frames: this.frames,
      pasids: this.pasids,
      qi: this.qi,
      faults: this.faults,
      seed: opts.seed,
      ...(opts.groups ? { groups: opts.groups } : {}),
    });
  }

  /** The address spaces a process lives in: the host's, or its VM's guest kernel's. */
  mmOf(proc: Process): AddressSpaces {
    return proc.guest ? this.vms[proc.guest.vm]!.mm : this.mm;
  }

  /** The VM of a guest process (undefined on the host). */
  vmOf(proc: Process): Vm | undefined {
    return proc.guest ? this.vms[proc.guest.vm] : undefined;
  }
}

/**
 * The whole machine as buffers plus a plain shape description. The kernel creates it; each
 * device worker receives `MachineBuffers` and `MachineShape` (structured-clone friendly) and
 * rebuilds identical views with `attachMachine`.
 */

import { ClockViews, planClock } from './clock.js';
import { type DeviceShape, DeviceViews, planDevice } from './device.js';
import { DomainTableViews, planDomainTable } from './domains.js';
import { type IommuShape, IommuViews, planIommu } from './iommu.js';
import { type PhysMemBuffers, type PhysMemViews, allocatePhysMem, attachPhysMem } from './physmem.js';

export interface MachineShape {
  readonly memoryBytes: number;
  readonly maxPasids: number;
  readonly maxDomains: number;
  readonly iommus: readonly IommuShape[];
  readonly devices: readonly (DeviceShape & { readonly iommu: number })[];
}

export interface MachineBuffers extends PhysMemBuffers {
  readonly domains: SharedArrayBuffer;
  readonly iommus: readonly SharedArrayBuffer[];
  readonly devices: readonly SharedArrayBuffer[];
  readonly clock: SharedArrayBuffer;
}

export interface MachineViews {
  readonly shape: MachineShape;
  readonly mem: PhysMemViews;
  readonly domains: DomainTableViews;
  readonly iommus: readonly IommuViews[];
  readonly devices: readonly DeviceViews[];
  readonly clock: ClockViews;
}

export function allocateMachine(shape: MachineShape): MachineBuffers {
  return {
    ...allocatePhysMem(shape.memoryBytes),
    domains: new SharedArrayBuffer(planDomainTable(shape.maxDomains, shape.iommus.length).sizeBytes),
    iommus: shape.iommus.map((s) => new SharedArrayBuffer(planIommu(s).sizeBytes)),
    devices: shape.devices.map((s) => new SharedArrayBuffer(planDevice(s).sizeBytes)),
    clock: new SharedArrayBuffer(planClock().sizeBytes),
  };
}

export function attachMachine(shape: MachineShape, buffers: MachineBuffers): MachineViews {
  return {
    shape,
    mem: attachPhysMem(buffers),
    domains: new DomainTableViews(buffers.domains, planDomainTable(shape.maxDomains, shape.iommus.length)),
    iommus: shape.iommus.map((s, i) => new IommuViews(buffers.iommus[i]!, s)),
    devices: shape.devices.map((s, i) => new DeviceViews(buffers.devices[i]!, s)),
    clock: new ClockViews(buffers.clock),
  };
}

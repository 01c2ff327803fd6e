/**
 * The domain table: what a (device, PASID) can be attached to.
 *
 * | field   | type | length              | writer | readers | meaning                                  |
 * |---------|------|---------------------|--------|---------|------------------------------------------|
 * | type    | i32  | maxDomains          | kernel | devices | DomainType (0 = free slot)               |
 * | rootPfn | i32  | maxDomains          | kernel | devices | page-table root (sva: the process's pgd) |
 * | did     | i32  | maxDomains × iommus | kernel | devices | per-IOMMU domain id, 0 = not on that unit|
 * | mmSeq   | i32  | maxDomains          | kernel | devices | seqcount of mapping changes: odd while a |
 * |         |      |                     |        |         | change is in progress (integrity checks  |
 * |         |      |                     |        |         | skip descriptors that overlapped one)    |
 * | s2RootPfn| i32 | maxDomains          | kernel | devices | nested: the VM's stage-2 root (host PFN);|
 * |         |      |                     |        |         | rootPfn is then the guest's stage-1 root,|
 * |         |      |                     |        |         | a guest PFN                              |
 * | s2Epoch | i32  | maxDomains          | kernel | devices | nested: bumped at every stage-2 change;  |
 * |         |      |                     |        |         | a device drops its stage-2 walk cache    |
 * |         |      |                     |        |         | when it moves (device/translate.ts)      |
 * | vm      | i32  | maxDomains          | kernel | devices | nested: the VM's index + 1 (0: host)     |
 *
 * A domain gets a domain id on an IOMMU when it is first attached to a device behind it
 * (VT-d allocates DIDs per unit), so one SVA domain shared across two units has two dids.
 */

import { LayoutPlan, type FieldSlot, viewI32 } from './plan.js';

export const DomainType = {
  free: 0,
  blocked: 1,
  identity: 2,
  dma: 3,
  sva: 4,
  /**
   * The kernel's own page table (a kernel client's PASID in kva mode): its direct map, which Linux
   * maps with 1 GiB / 2 MiB pages — translated in place (physical = virtual − KVA_DIRECT_MAP_BASE),
   * its few IOTLB entries taken as always resident.
   */
  kva: 5,
  /**
   * A guest's stage 1 over its VM's stage 2 (iommufd nested hwpt / VT-d nested PASID entry /
   * SMMUv3 nested STE): guest VA → guest PA through the guest process's table (in guest memory),
   * each guest PA → host PA through the VM's stage-2 table (kernel/vm.ts).
   */
  nested: 6,
} as const;
export type DomainTypeCode = (typeof DomainType)[keyof typeof DomainType];
export const DOMAIN_TYPE_NAMES = ['free', 'blocked', 'identity', 'dma', 'sva', 'kva', 'nested'] as const;

export interface DomainTablePlan {
  readonly maxDomains: number;
  readonly iommus: number;
  readonly type: FieldSlot;
  readonly rootPfn: FieldSlot;
  readonly did: FieldSlot;
  readonly mmSeq: FieldSlot;
  readonly s2RootPfn: FieldSlot;
  readonly s2Epoch: FieldSlot;
  readonly vm: FieldSlot;
  readonly sizeBytes: number;
}

export function planDomainTable(maxDomains: number, iommus: number): DomainTablePlan {
  const p = new LayoutPlan();
  const type = p.i32(maxDomains);
  const rootPfn = p.i32(maxDomains);
  const did = p.i32(maxDomains * iommus);
  const mmSeq = p.i32(maxDomains);
  const s2RootPfn = p.i32(maxDomains);
  const s2Epoch = p.i32(maxDomains);
  const vm = p.i32(maxDomains);
  return { maxDomains, iommus, type, rootPfn, did, mmSeq, s2RootPfn, s2Epoch, vm, sizeBytes: p.sizeBytes };
}

export class DomainTableViews {
  readonly iommus: number;
  readonly type: Int32Array;
  readonly rootPfn: Int32Array;
  readonly did: Int32Array;
  readonly mmSeq: Int32Array;
  readonly s2RootPfn: Int32Array;
  readonly s2Epoch: Int32Array;
  readonly vm: Int32Array;

  constructor(buffer: SharedArrayBuffer, plan: DomainTablePlan) {
    this.iommus = plan.iommus;
    this.type = viewI32(buffer, plan.type);
    this.rootPfn = viewI32(buffer, plan.rootPfn);
    this.did = viewI32(buffer, plan.did);
    this.mmSeq = viewI32(buffer, plan.mmSeq);
    this.s2RootPfn = viewI32(buffer, plan.s2RootPfn);
    this.s2Epoch = viewI32(buffer, plan.s2Epoch);
    this.vm = viewI32(buffer, plan.vm);
  }

  didIndex(domain: number, iommu: number): number {
    return domain * this.iommus + iommu;
  }
}

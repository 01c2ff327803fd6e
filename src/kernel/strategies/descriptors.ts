/** Invalidation descriptors as the strategies build them (qi.ts QiDescriptor). */

import type { QiDescriptor } from '../qi.js';
import type { EncodedRange } from '../range.js';

/**
 * A PASID-granular IOTLB invalidation of `range` (page-selective within the PASID, or the whole
 * PASID for the full range), draining in-flight DMA on the unit as Linux asks of every IOTLB
 * flush when the unit supports it (VT-d DR/DW bits).
 */
export function iotlbDescriptor(did: number, pasid: number, range: EncodedRange): QiDescriptor {
  return {
    kind: 'iotlb',
    scope: range.all ? 'pasid' : 'pasid-range',
    did,
    pasid,
    startVpn: range.startVpn,
    endVpn: range.endVpn,
    drain: true,
  };
}

/** A device-TLB (ATS) invalidation of `range` for (device, PASID). */
export function devtlbDescriptor(device: number, pasid: number, range: EncodedRange): QiDescriptor {
  return { kind: 'devtlb', device, pasid, startVpn: range.startVpn, endVpn: range.endVpn };
}

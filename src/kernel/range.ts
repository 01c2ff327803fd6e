/**
 * How an invalidation descriptor encodes a range of pages.
 *
 * VT-d (drivers/iommu/intel/cache.c `calculate_psi_aligned_address`): the smallest naturally
 * aligned power-of-two span covering [start, end); a misaligned range widens (the span is set
 * by the lowest bit the first and last page share above the size's mask); the full address
 * space, or a mask beyond the unit's maximum address mask (MAMV), flushes the whole PASID.
 *
 * SMMU-style (drivers/iommu/arm/arm-smmu-v3, without range invalidation): the exact range, or the
 * whole ASID at 512 pages and above (CMDQ_MAX_TLBI_OPS); with range invalidation ('smmu-ril') the
 * exact range, whole only for the full address space.
 */

import { MAX_VPN } from '../layout/constants.js';
import type { InvalidationConfig } from '../profile/types.js';

/** The profile's encodings, and SMMUv3's with range invalidation (strategies/smmuv3.ts). */
export type RangeEncoding = InvalidationConfig['rangeEncoding'] | 'smmu-ril';

export interface EncodedRange {
  /** Whole-PASID flush. */
  readonly all: boolean;
  /** The range the notifier asked for, [requestStartVpn, requestEndVpn) (strategies that chunk it read it). */
  readonly requestStartVpn: number;
  readonly requestEndVpn: number;
  /** The span flushed, [startVpn, endVpn) (the whole address space when `all`). */
  readonly startVpn: number;
  readonly endVpn: number;
  /** VT-d address mask: log2 of the span in pages (-1 for `all` or SMMU exact ranges). */
  readonly mask: number;
}

const WHOLE = { all: true, startVpn: 0, endVpn: MAX_VPN, mask: -1 } as const;

/** Whether [startVpn, endVpn) is the whole address space (a full-range notifier call). */
export function isWholeSpace(startVpn: number, endVpn: number): boolean {
  return startVpn <= 0 && endVpn >= MAX_VPN;
}
export const WHOLE_ADDRESS_SPACE: EncodedRange = { ...WHOLE, requestStartVpn: 0, requestEndVpn: MAX_VPN };

/** Encode [startVpn, endVpn) for an invalidation descriptor. */
export function encodeRange(
  startVpn: number,
  endVpn: number,
  encoding: RangeEncoding,
  maxAddressMask: number,
): EncodedRange {
  if (!(endVpn > startVpn)) throw new Error(`bug: empty invalidation range [${startVpn}, ${endVpn})`);
  return { ...encodeSpan(startVpn, endVpn, encoding, maxAddressMask), requestStartVpn: startVpn, requestEndVpn: endVpn };
}

function encodeSpan(
  startVpn: number,
  endVpn: number,
  encoding: RangeEncoding,
  maxAddressMask: number,
): Omit<EncodedRange, 'requestStartVpn' | 'requestEndVpn'> {
  if (isWholeSpace(startVpn, endVpn)) return WHOLE;
  const pages = endVpn - startVpn;
  if (encoding === 'smmu-ril') return { all: false, startVpn, endVpn, mask: -1 };
  if (encoding === 'smmu') {
    return pages >= 512 ? WHOLE : { all: false, startVpn, endVpn, mask: -1 };
  }
  // VT-d: BigInt, because VPNs exceed 32 bits.
  const pfn = BigInt(startVpn);
  const n = BigInt(pages);
  let aligned = 1n;
  let mask = 0;
  while (aligned < n) {
    aligned <<= 1n;
    mask++;
  }
  const bitmask = aligned - 1n;
  if ((pfn & bitmask) !== 0n) {
    // As Linux: the only bits above bitmask that differ between pfn and end_pfn come from a
    // carry, so the span is set by the lowest bit they share above bitmask.
    const endPfn = pfn + n - 1n;
    const sharedBits = ~(pfn ^ endPfn) & ~bitmask;
    if (sharedBits === 0n) return WHOLE;
    mask = 0;
    while (((sharedBits >> BigInt(mask)) & 1n) === 0n) mask++;
  }
  if (mask > maxAddressMask) return WHOLE;
  const span = 1n << BigInt(mask);
  const base = pfn & ~(span - 1n);
  return { all: false, startVpn: Number(base), endVpn: Number(base + span), mask };
}

/**
 * The VT-d per-device era's chunks of a request (drivers/iommu/intel/svm.c
 * `intel_flush_svm_range_dev`, Linux ≤ v6.9): the request's page count rounded up to a power of
 * two is the chunk size; from the request's start aligned down to the chunk size to its end
 * aligned up — one or two naturally aligned chunks, each flushed with its own descriptors.
 */
export function alignedChunks(range: EncodedRange): EncodedRange[] {
  if (range.all) return [range];
  const start = range.requestStartVpn;
  const end = range.requestEndVpn;
  let shift = 0;
  while (2 ** shift < end - start) shift++;
  const align = 2 ** shift;
  const out: EncodedRange[] = [];
  for (let c = Math.floor(start / align) * align; c < end; c += align) {
    out.push({ all: false, startVpn: c, endVpn: c + align, mask: shift, requestStartVpn: start, requestEndVpn: end });
  }
  return out;
}

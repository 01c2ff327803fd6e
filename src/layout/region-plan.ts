/**
 * The address plan of a device's region: where its descriptors read and write. Computed by the
 * run when it places devices (to reject a plan that cannot work before any thread starts) and by
 * the device's descriptor generator (device/workload.ts), from the same inputs, so both agree.
 *
 * For a region of R bytes shared by k devices:
 *   - the lower half (rounded down to whole pages) is the source area, read by every device
 *     (memmove / compare / crc32c sources); nothing writes it, so reference checks on it are exact;
 *   - the upper half is split into k destination stripes, one per device (memmove / fill
 *     destinations, compare's second operand, compare-pattern), so no two devices write the same
 *     bytes;
 *   - transfers start on a granule: 4 KiB when every transfer size is at least 4 KiB, else 64 B,
 *     doubled until the source area holds at most 2^22 granules (so a uniform draw stays exact);
 *   - the kernel leaves at least 2 MiB unmapped after every region (kernel/mm.ts mmap): the
 *     "outside every VMA" addresses start right after the region.
 */

import { PAGE_SIZE } from './constants.js';

/** Where a device's workload addresses memory (virtual, IOVA or physical by attachment). */
export interface RegionSpec {
  /** First byte and length of the region. */
  readonly start: number;
  readonly sizeBytes: number;
  /** This device's destination stripe among the devices sharing the region. */
  readonly stripeIndex: number;
  readonly stripeCount: number;
}

export interface RegionPlan {
  readonly granuleBytes: number;
  readonly maxSizeBytes: number;
  /** First byte of the source area and of this device's destination stripe. */
  readonly sourceBase: number;
  readonly destBase: number;
  /** Granules a transfer may start at, in the source area and in the stripe. */
  readonly sourceUnits: number;
  readonly destUnits: number;
  /** First byte past the region: unmapped for at least 2 MiB. */
  readonly outsideBase: number;
}

/** Largest number of granules in the source area (uniform draws use 22-bit indices). */
const MAX_SOURCE_GRANULES = 2 ** 22;

/**
 * Plan a region for transfers of the given sizes. A plan that cannot hold the largest transfer
 * in a destination stripe is a problem (a value: the caller reports it as bad input).
 */
export function planRegion(
  region: RegionSpec,
  transferSizesBytes: readonly number[],
): { ok: true; plan: RegionPlan } | { ok: false; problem: string } {
  const maxSizeBytes = Math.max(...transferSizesBytes);
  let granule = Math.min(...transferSizesBytes) >= PAGE_SIZE ? PAGE_SIZE : 64;
  const half = Math.floor(region.sizeBytes / 2 / PAGE_SIZE) * PAGE_SIZE;
  while (half / granule > MAX_SOURCE_GRANULES) granule *= 2;
  const stripeBytes = Math.floor(half / region.stripeCount / granule) * granule;
  if (half < maxSizeBytes || stripeBytes < maxSizeBytes) {
    return {
      ok: false,
      problem:
        `a ${region.sizeBytes}-byte region shared by ${region.stripeCount} device(s) leaves ${stripeBytes}-byte ` +
        `destination stripes, smaller than the largest transfer (${maxSizeBytes} bytes); ` +
        'enlarge the region or use smaller transfers',
    };
  }
  return {
    ok: true,
    plan: {
      granuleBytes: granule,
      maxSizeBytes,
      sourceBase: region.start,
      destBase: region.start + half + region.stripeIndex * stripeBytes,
      sourceUnits: Math.floor((half - maxSizeBytes) / granule) + 1,
      destUnits: Math.floor((stripeBytes - maxSizeBytes) / granule) + 1,
      outsideBase: region.start + region.sizeBytes,
    },
  };
}

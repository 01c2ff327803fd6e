/**
 * Platform cost presets: hardware latencies the program does not compute itself, injected as
 * real delay in the thread that would wait in hardware (design.md, "Cost model").
 *
 * Sources. Figures with a public source cite it; the others are ASSUMPTIONS — no public
 * per-descriptor latency was found for VT-d queued invalidations, ATS invalidation round trips
 * or vIOMMU traps — chosen to be plausible and labelled so. Profiles may override any figure.
 *
 * - iotlbMissWalkNs = 250: pcie-bench (Neugebauer et al., "Understanding PCIe performance for
 *   end host networking", SIGCOMM 2018, raw data on Intel Xeon E5): each IOTLB miss adds about
 *   230–300 ns to a 64 B DMA read. Injected once per page walk, on the device's thread.
 * - submissionWaitNs = 1000: ASSUMED. One queued-invalidation submission: tail update, hardware
 *   fetch, the wait descriptor's status write, and the kernel's poll of it. Kernel thread.
 * - iotlbDescriptorNs = 100, devtlbDescriptorNs = 100: ASSUMED. Hardware processing per
 *   invalidation descriptor inside a submission. Kernel thread (it polls the wait descriptor).
 * - devtlbInvalidationNs = 1000: ASSUMED. The device's own processing of an ATS invalidation
 *   request before it sends the completion. Device thread, between copy windows.
 * - trapNs: native 0; guest 20000 ASSUMED — a VM exit plus vIOMMU emulation (e.g. QEMU
 *   intel-iommu) per invalidation submission made by a guest kernel. Kernel thread.
 * - pageRequestNs = 2000: ASSUMED. A device's page request reaching the kernel (PRI message,
 *   page-request-queue write, interrupt). Device thread, before the request is visible.
 * - pageResponseNs = 1000: ASSUMED. The page group response reaching the device. Device thread,
 *   after the kernel answers.
 * - zero: everything 0, so only the program's own overhead is measured (benchmarks).
 */

export const PLATFORM_PRESETS = ['native', 'guest', 'zero'] as const;
export type PlatformPreset = (typeof PLATFORM_PRESETS)[number];

export interface PlatformCosts {
  /** Added to every IOTLB-miss page walk, device thread, ns. */
  iotlbMissWalkNs: number;
  /** Per invalidation submission (ends in a wait descriptor), kernel thread, ns. */
  submissionWaitNs: number;
  /** Per IOTLB invalidation descriptor in a submission, kernel thread, ns. */
  iotlbDescriptorNs: number;
  /** Per device-TLB invalidation descriptor in a submission, kernel thread, ns. */
  devtlbDescriptorNs: number;
  /** The device's processing of one device-TLB invalidation, device thread, ns. */
  devtlbInvalidationNs: number;
  /** Per submission made from a VM guest (VM exit + vIOMMU emulation), kernel thread, ns. */
  trapNs: number;
  /** A page request's trip from the device to the kernel, device thread, ns. */
  pageRequestNs: number;
  /** A page group response's trip back to the device, device thread, ns. */
  pageResponseNs: number;
}

export const COST_NAMES = [
  'iotlbMissWalkNs',
  'submissionWaitNs',
  'iotlbDescriptorNs',
  'devtlbDescriptorNs',
  'devtlbInvalidationNs',
  'trapNs',
  'pageRequestNs',
  'pageResponseNs',
] as const satisfies readonly (keyof PlatformCosts)[];

const NATIVE: PlatformCosts = {
  iotlbMissWalkNs: 250,
  submissionWaitNs: 1000,
  iotlbDescriptorNs: 100,
  devtlbDescriptorNs: 100,
  devtlbInvalidationNs: 1000,
  trapNs: 0,
  pageRequestNs: 2000,
  pageResponseNs: 1000,
};

export const PRESET_COSTS: Record<PlatformPreset, PlatformCosts> = {
  native: NATIVE,
  guest: { ...NATIVE, trapNs: 20_000 },
  zero: {
    iotlbMissWalkNs: 0,
    submissionWaitNs: 0,
    iotlbDescriptorNs: 0,
    devtlbDescriptorNs: 0,
    devtlbInvalidationNs: 0,
    trapNs: 0,
    pageRequestNs: 0,
    pageResponseNs: 0,
  },
};

/**
 * Platform cost presets: hardware latencies and bandwidths the program does not compute itself.
 * In modelled time (the default, design.md §6) each figure is added to the virtual clock of the
 * logical process that would wait in hardware; in host time the latencies are spun as real delay
 * on that thread (and the bandwidths are unused: data moves at the host's speed).
 *
 * Sources. Figures with a public source cite it; the others are ASSUMPTIONS — no public figure
 * was found for VT-d queued-invalidation latency, ATS translation or invalidation round trips,
 * PRI service or vIOMMU traps, nor for DSA per-descriptor overhead by transfer size — chosen to
 * be plausible and labelled so. Profiles may override any figure.
 *
 * Device side (device thread / the device's virtual clock):
 * - submitNs = 100: ASSUMED. A descriptor's trip from the submitting CPU to the work queue
 *   (MOVDIR64B / ENQCMD posted write). Added from the descriptor's arrival.
 * - descriptorNs = 200: ASSUMED. The engine's fixed work per descriptor: fetch, decode, set-up.
 * - completionNs = 100: ASSUMED. Writing the completion record and the submitter seeing it.
 * - devtlbHitNs = 0: ASSUMED. A device-TLB hit inside the device (part of the access).
 * - atsTranslationNs = 600: ASSUMED, of the order of a PCIe round trip: pcie-bench (Neugebauer
 *   et al., SIGCOMM 2018) measures a 64 B DMA read at about 600 ns, and an ATS translation
 *   request is one such round trip to the root complex. Charged on a device-TLB miss.
 * - iotlbHitNs = 0: the IOMMU's IOTLB lookup; pcie-bench's base read latency already includes
 *   it, so no extra cost by default.
 * - iotlbMissWalkNs = 250: pcie-bench raw data on Intel Xeon E5: each IOTLB miss adds about
 *   230–300 ns to a 64 B DMA read. Charged per page walk of 4 references; a nested walk
 *   (a device assigned to a VM) is charged it per 4 of its references (ASSUMED: each a dependent
 *   memory read like a native walk's), 6× for a cold 24-reference walk.
 * - memmoveGBps / fillGBps / compareGBps / comparePatternGBps / crc32cGBps = 30: data cost is
 *   bytes ÷ bandwidth (1 GB/s = 1 byte per ns; 0 = no data cost). Kuper et al., "A
 *   Quantitative Analysis and Guidelines of Data Streaming Accelerator in Modern Intel Xeon
 *   Scalable Processors" (ASPLOS 2024) report DSA throughput of about 30 GB/s per device for
 *   large transfers; using it for every op and one engine is an ASSUMPTION.
 * - compressGBps = 4, decompressGBps = 8, crc64GBps = 30: ASSUMED, per IAA engine. No public
 *   per-engine figure was found; they keep IAA's order (decompress faster than compress, a CRC
 *   at memory speed). Compress is charged per source byte, decompress per output byte.
 * - devtlbInvalidationNs = 1000: ASSUMED. The device's processing of one ATS invalidation
 *   request before it sends the completion.
 * - pageRequestNs = 2000: ASSUMED. A page request reaching the kernel (PRI message, PRQ write,
 *   interrupt).
 * - pageResponseNs = 1000: ASSUMED. The page group response reaching the device.
 *
 * Kernel side (the kernel's virtual clock; host time spins them on the kernel thread):
 * - submissionWaitNs = 1000: ASSUMED. One queued-invalidation submission: tail update, the
 *   wait descriptor's status write and the kernel's poll of it.
 * - iotlbDescriptorNs = 100, devtlbDescriptorNs = 100: ASSUMED. Hardware processing per
 *   invalidation descriptor inside a submission.
 * - trapNs: native 0; guest 20000 ASSUMED — a VM exit plus vIOMMU emulation (e.g. QEMU
 *   intel-iommu) per invalidation submission made by a guest kernel.
 * - guestTrapNs = 20000: ASSUMED, the guest preset's trapNs — a VM exit plus the vIOMMU's
 *   emulation, per command a guest of a profile's `vms` makes that traps: a trapped
 *   invalidation submission (then replayed by the host as its own), a PASID-table update, a
 *   page response. A direct path (a virtual command queue, SMMUv3 CMDQV) skips it for
 *   invalidations only.
 * - guestFaultForwardNs = 5000: ASSUMED. The host's forwarding of a page request on a guest
 *   PASID into the guest's virtual IOMMU (iommufd's fault queue read by the VMM, a virtual
 *   page request and interrupt injected); the guest's own service then costs faultServiceNs.
 * - hostPasidAttachNs = 3000: ASSUMED. The host's attach of a nested domain to a device or PASID
 *   (an iommufd ioctl, the PASID or stream table entry written), besides its cache
 *   invalidation's submission.
 * - faultServiceNs = 1500: ASSUMED. The kernel's service of one page request (iopf queue work,
 *   handle_mm_fault on a present VMA) without clearing a page or submitting the response.
 * - pageResponseDescriptorNs = 100: ASSUMED, as the other queued-invalidation descriptors. A
 *   page group's response is itself a submission: VT-d's page group response descriptor
 *   (drivers/iommu/intel/prq.c intel_page_response → qi_submit_sync, one descriptor and a wait;
 *   svm.c before v6.13), SMMUv3's PRI response command and CMD_SYNC. In modelled time the fault
 *   worker pays trapNs (guest) + this + submissionWaitNs per group; the response leaves after
 *   the descriptor.
 * - pageZeroingNs = 400: ASSUMED, 4 KiB cleared at about 10 GB/s: added when a fault or a touch
 *   populates a new page.
 *
 * Kernel clients' DMA API (kernel/kernel-client.ts; each client's CPU clock), all ASSUMED — no
 * public per-call figure was found for these paths on current kernels:
 * - kernelBufferAllocNs = 100: allocating one page for a buffer (the page allocator's per-CPU
 *   list), and freeing it.
 * - iovaCacheNs = 50: an IOVA magazine pop or push under its per-CPU lock (iova.c).
 * - iovaTreeNs = 500: an allocation or free in the IOVA range allocator (rbtree walk under the
 *   domain's lock), on a magazine miss or an uncached free.
 * - dmaMapNs = 200, dmaMapPageNs = 30: `iommu_dma_map_*` besides the IOVA: the call and its
 *   page-table walk, then one PTE written per page.
 * - dmaUnmapNs = 200, dmaUnmapPageNs = 20: `__iommu_dma_unmap` besides the invalidation: PTEs
 *   cleared per page, the gather.
 * - dmaSyncPageNs = 200: a non-coherent device's `dma_sync_*` per page and direction (cache
 *   clean or invalidate of 4 KiB at about 20 GB/s); coherent devices pay nothing.
 *
 * zero: every latency 0 and every bandwidth unlimited (host-time benchmarks measure only the
 * program's own overhead). Modelled time needs some cost per descriptor (its clock must move),
 * which the profile checks.
 */

export const PLATFORM_PRESETS = ['native', 'guest', 'zero'] as const;
export type PlatformPreset = (typeof PLATFORM_PRESETS)[number];

export interface PlatformCosts {
  /** Descriptor submission, from its arrival to the work queue, device clock, ns. */
  submitNs: number;
  /** The engine's fixed work per descriptor, device clock, ns. */
  descriptorNs: number;
  /** Completion record written and seen, device clock, ns. */
  completionNs: number;
  /** A device-TLB hit, per page operand, device clock, ns. */
  devtlbHitNs: number;
  /** A device-TLB miss: the ATS translation request's round trip, device clock, ns. */
  atsTranslationNs: number;
  /** An IOTLB lookup, per page operand that reaches the IOMMU, device clock, ns. */
  iotlbHitNs: number;
  /** Added to every IOTLB-miss page walk, device thread / clock, ns. */
  iotlbMissWalkNs: number;
  /** Modelled data bandwidth per op, GB/s = bytes per ns (0: no data cost). */
  memmoveGBps: number;
  fillGBps: number;
  compareGBps: number;
  comparePatternGBps: number;
  crc32cGBps: number;
  /** IAA: compress (per source byte), decompress (per output byte), CRC64, GB/s per engine (0: no data cost). */
  compressGBps: number;
  decompressGBps: number;
  crc64GBps: number;
  /** Per invalidation submission (ends in a wait descriptor), kernel, ns. */
  submissionWaitNs: number;
  /** Per IOTLB invalidation descriptor in a submission, kernel, ns. */
  iotlbDescriptorNs: number;
  /** Per device-TLB invalidation descriptor in a submission, kernel, ns. */
  devtlbDescriptorNs: number;
  /** The device's processing of one device-TLB invalidation, device, ns. */
  devtlbInvalidationNs: number;
  /** Per submission made from a VM guest (VM exit + vIOMMU emulation), kernel, ns. */
  trapNs: number;
  /** Per trapped guest command of a declared VM (VM exit + vIOMMU emulation), kernel, ns. */
  guestTrapNs: number;
  /** The host forwarding a page request on a guest PASID to the guest, kernel, ns. */
  guestFaultForwardNs: number;
  /** The host's attach of a nested domain (besides its invalidation), kernel, ns. */
  hostPasidAttachNs: number;
  /** A page request's trip from the device to the kernel, device, ns. */
  pageRequestNs: number;
  /** A page group response's trip back to the device, device, ns. */
  pageResponseNs: number;
  /** The kernel's service of one page request or software touch, kernel, ns. */
  faultServiceNs: number;
  /** Hardware processing of a page group response descriptor in its submission, kernel, ns. */
  pageResponseDescriptorNs: number;
  /** Clearing a newly populated page, kernel, ns. */
  pageZeroingNs: number;
  /** A kernel client's page allocation (and free), kernel, ns. */
  kernelBufferAllocNs: number;
  /** An IOVA magazine pop or push, kernel, ns. */
  iovaCacheNs: number;
  /** An IOVA range-allocator allocation or free, kernel, ns. */
  iovaTreeNs: number;
  /** A DMA API map's fixed part, kernel, ns. */
  dmaMapNs: number;
  /** A DMA API map, per page, kernel, ns. */
  dmaMapPageNs: number;
  /** A DMA API unmap's fixed part (its invalidation apart), kernel, ns. */
  dmaUnmapNs: number;
  /** A DMA API unmap, per page, kernel, ns. */
  dmaUnmapPageNs: number;
  /** A non-coherent device's cache maintenance per page and direction, kernel, ns. */
  dmaSyncPageNs: number;
}

export const COST_NAMES = [
  'submitNs',
  'descriptorNs',
  'completionNs',
  'devtlbHitNs',
  'atsTranslationNs',
  'iotlbHitNs',
  'iotlbMissWalkNs',
  'memmoveGBps',
  'fillGBps',
  'compareGBps',
  'comparePatternGBps',
  'crc32cGBps',
  'compressGBps',
  'decompressGBps',
  'crc64GBps',
  'submissionWaitNs',
  'iotlbDescriptorNs',
  'devtlbDescriptorNs',
  'devtlbInvalidationNs',
  'trapNs',
  'guestTrapNs',
  'guestFaultForwardNs',
  'hostPasidAttachNs',
  'pageRequestNs',
  'pageResponseNs',
  'faultServiceNs',
  'pageResponseDescriptorNs',
  'pageZeroingNs',
  'kernelBufferAllocNs',
  'iovaCacheNs',
  'iovaTreeNs',
  'dmaMapNs',
  'dmaMapPageNs',
  'dmaUnmapNs',
  'dmaUnmapPageNs',
  'dmaSyncPageNs',
] as const satisfies readonly (keyof PlatformCosts)[];

/** Cost names that are bandwidths (GB/s), not latencies (ns). */
export const BANDWIDTH_NAMES = ['memmoveGBps', 'fillGBps', 'compareGBps', 'comparePatternGBps', 'crc32cGBps', 'compressGBps', 'decompressGBps', 'crc64GBps'] as const;

const NATIVE: PlatformCosts = {
  submitNs: 100,
  descriptorNs: 200,
  completionNs: 100,
  devtlbHitNs: 0,
  atsTranslationNs: 600,
  iotlbHitNs: 0,
  iotlbMissWalkNs: 250,
  memmoveGBps: 30,
  fillGBps: 30,
  compareGBps: 30,
  comparePatternGBps: 30,
  crc32cGBps: 30,
  compressGBps: 4,
  decompressGBps: 8,
  crc64GBps: 30,
  submissionWaitNs: 1000,
  iotlbDescriptorNs: 100,
  devtlbDescriptorNs: 100,
  devtlbInvalidationNs: 1000,
  trapNs: 0,
  guestTrapNs: 20_000,
  guestFaultForwardNs: 5000,
  hostPasidAttachNs: 3000,
  pageRequestNs: 2000,
  pageResponseNs: 1000,
  faultServiceNs: 1500,
  pageResponseDescriptorNs: 100,
  pageZeroingNs: 400,
  kernelBufferAllocNs: 100,
  iovaCacheNs: 50,
  iovaTreeNs: 500,
  dmaMapNs: 200,
  dmaMapPageNs: 30,
  dmaUnmapNs: 200,
  dmaUnmapPageNs: 20,
  dmaSyncPageNs: 200,
};

const ZERO = Object.fromEntries(COST_NAMES.map((c) => [c, 0])) as unknown as PlatformCosts;

export const PRESET_COSTS: Record<PlatformPreset, PlatformCosts> = {
  native: NATIVE,
  guest: { ...NATIVE, trapNs: 20_000 },
  zero: ZERO,
};

/** Nanoseconds per byte for a bandwidth in GB/s (0 = unlimited: no data cost). */
export function nsPerByte(gbps: number): number {
  return gbps > 0 ? 1 / gbps : 0;
}

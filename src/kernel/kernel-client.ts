/**
 * In-kernel DMA clients (design.md §8): a driver in the kernel — page clearing on a DSA,
 * compression for swap on an IAA — submitting descriptors on its own buffers with a PASID
 * attached to the device (Linux v6.6+ idxd: `iommu_alloc_global_pasid` and
 * `iommu_attach_device_pasid` of the device's DMA domain, drivers/dma/idxd/init.c
 * `idxd_enable_system_pasid`). Modelled time only: each client is one kernel CPU with its own
 * virtual clock, running as a kernel task of the sequencer.
 *
 * Per buffer: allocate its pages, make them reachable for the device, write the descriptor
 * (a KbufRecord, layout/device.ts), and — when the device's completion (KdoneRecord) comes back —
 * make them unreachable again and free them. How, by the PASID's mode:
 *
 * - `dma-strict` (an IOVA paging domain, the DMA API in strict mode): map = IOVA allocation
 *   (iova.ts: per-CPU magazines in front of the range allocator) + PTEs; unmap = PTEs cleared,
 *   then the IOTLB and device TLBs flushed before it returns (`__iommu_dma_unmap` →
 *   `iommu_iotlb_sync` → VT-d `intel_iommu_tlb_sync` → `cache_tag_flush_range`), then the IOVA
 *   and the pages freed. The flush covers every cache tag of the domain: the domain is the
 *   device's DMA domain, attached on its RID and on the kernel PASID, so an ATS device has four
 *   (IOTLB and device TLB, for each) — submitted as the era of the run's strategy does
 *   (`SubmissionStyle`: one submission of four descriptors with v6.12+ `qi_batch`, four before;
 *   SMMUv3: TLBIs + CMD_SYNC, then ATC invalidations + CMD_SYNC). Ranges are encoded as for SVA
 *   (range.ts: VT-d's power-of-two spans, or SMMU's).
 * - `dma-lazy` (the DMA API's flush queue, `IOMMU_DOMAIN_DMA_FQ`): unmap clears the PTEs and
 *   queues the IOVA (flush-queue.ts; with it Linux queues the page-table pages the unmap
 *   emptied, which the model keeps); the client frees its pages at once, as a driver does after
 *   `dma_unmap_*`. A whole-domain flush (`flush_iotlb_all` → VT-d `cache_tag_flush_all`:
 *   PASID-selective IOTLB and whole device-TLB invalidations for each tag) when a ring is full
 *   or 10 ms after its timer was armed frees the IOVA — never reused while stale; until then a
 *   stale entry may point at a freed page (the stale window).
 * - `identity` (passthrough, `identity_domain_set_dev_pasid`, v6.12+): descriptors carry
 *   physical addresses; nothing to map, unmap or invalidate. Isolation: none.
 * - `kva` (the kernel's own page table — the supervisor SVA idxd used up to v6.1): descriptors
 *   carry direct-map addresses; nothing to map or invalidate (the direct map never changes for a
 *   page freed to the allocator); the device can reach all of kernel memory, so only a device
 *   marked trusted may have it.
 *
 * A device that is not DMA-coherent (`coherent: false`) pays a cache sync per page before the
 * DMA (`dma_sync_*_for_device`) and after it (`..._for_cpu`), counted (x86 is always coherent;
 * the sync is arm64's `arch_sync_dma_for_*`).
 *
 * Exposure: what the device could reach — the mapped IOVA pages (plus, lazily, the unmapped
 * pages still waiting for their flush: the stale window), or for identity and kva all of
 * memory — against the buffers it was given.
 *
 * Buffers are one page per address for identity and kva (larger ones would need physically
 * contiguous pages: not modelled); DMA modes take any size. Leaves out: QI contention between
 * clients' CPUs and the churn's context (each has its own clock), IOVA limits below the
 * domain's aperture (the 32-bit SAC try).
 */

import { nextFloat, Rng, WeightedChoice } from '../common/rng.js';
import { KVA_DIRECT_MAP_BASE, MAX_VPN, PAGE_SIZE } from '../layout/constants.js';
import { KbufRecord, KdoneRecord, type DeviceViews } from '../layout/device.js';
import { FrameOwner, packOwner, type PhysMemViews } from '../layout/physmem.js';
import { OP_NAMES, Op } from '../layout/ops.js';
import { Status } from '../layout/status.js';
import { type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import type { PlatformCosts } from '../platform/presets.js';
import type { KernelDmaMode } from '../profile/types.js';
import type { Domains } from './domains.js';
import { FlushQueue, type FlushQueueStats, type FlushReason } from './flush-queue.js';
import type { FrameAllocator } from './frames.js';
import { IovaAllocator, type IovaCacheStats } from './iova.js';
import type { Domain } from './objects.js';
import { fillPage, mapPage, unmapPage } from './pagetables.js';
import type { InvalidationQueues, QiDescriptor } from './qi.js';
import { encodeRange, WHOLE_ADDRESS_SPACE } from './range.js';
import { devtlbDescriptor, iotlbDescriptor } from './strategies/descriptors.js';
import { type SubmissionStyle, submissionsInStyle } from './submission-style.js';

export { type SubmissionStyle, submissionStyleFor } from './submission-style.js';

/** Where the IOVA space of a kernel client's DMA domain starts and ends (pages): 4 KiB .. 2^48. */
const IOVA_START_PFN = 1;
const IOVA_LIMIT_PFN = MAX_VPN - 1;
/** The kernel client's random stream base (one per device, apart from the devices' streams). */
const CLIENT_STREAM = 0x6000;

export interface KernelClientSpec {
  readonly device: number;
  readonly deviceId: string;
  /** Its ring pair on the device (layout/device.ts kbufRings, kdoneRings, kRefilled). */
  readonly ring: number;
  readonly mode: KernelDmaMode;
  readonly singleQueue: boolean;
  readonly coherent: boolean;
  /** Op weights by OP_NAMES index (batch 0) and the buffer sizes with their weights. */
  readonly opWeights: readonly number[];
  readonly sizes: readonly { readonly sizeBytes: number; readonly weight: number }[];
  /** Buffers in flight. */
  readonly queueDepth: number;
  /** Buffers in all (undefined: until `durationNs`). */
  readonly count: number | undefined;
  /**
   * Open loop: buffers per second, each mapped and submitted at its time on the schedule
   * (`arrival` uniform: fixed gaps; poisson: exponential gaps) or, if all `queueDepth` are in
   * flight, when one comes back. Undefined: closed loop, a buffer submitted as one completes.
   */
  readonly ratePerSec?: number | undefined;
  readonly arrival?: 'uniform' | 'poisson' | undefined;
  /**
   * The client's CPU (its magazines and flush-queue ring) of `cpus` online. Open loop: the
   * submissions run on CPU 0 and the completions on CPU 1 (two clocks; unmapped IOVAs go to the
   * completing CPU's magazines, as when a driver's interrupt handler unmaps).
   */
  readonly cpu: number;
  readonly cpus: number;
  readonly pasid: number;
  readonly domain: Domain;
  /** Test only: free the IOVA and pages at unmap, before the lazy flush (a broken flush queue). */
  readonly brokenEarlyFree?: boolean;
}

export interface KernelClientEnv {
  readonly device: DeviceViews;
  readonly mem: PhysMemViews;
  readonly frames: FrameAllocator;
  readonly domains: Domains;
  readonly qi: InvalidationQueues;
  readonly costs: PlatformCosts;
  readonly seed: number;
  readonly memoryBytes: number;
  /** VT-d MAMV: the largest page-selective flush, log2 pages (profile invalidation.maxAddressMask). */
  readonly maxAddressMask: number;
  /** How the era's driver submits a flush's descriptors (`submissionStyleFor`). */
  readonly submissionStyle: SubmissionStyle;
  /** The sequencer: resolve at virtual time `t` (in order with every other kernel timer). */
  at(timeNs: number): Promise<void>;
  ack(device: number, seq: number, arrivalNs: number): Promise<number>;
}

export interface KernelClientStats {
  buffers: number;
  completed: number;
  /** Completions with a status other than success. */
  failed: number;
  maps: number;
  unmaps: number;
  /** Cache syncs (a non-coherent device: one per buffer before and one after its DMA). */
  syncs: number;
  invalidation: { submissions: number; iotlbDescriptors: number; devtlbDescriptors: number; otherDescriptors: number };
  /** dma-lazy: the flush queue's own counts (live). */
  readonly flushQueue: FlushQueueStats | undefined;
  /** DMA modes: the IOVA allocator's own counts (live). */
  readonly iova: IovaCacheStats | undefined;
  /** Lazy: unmap to the end of the flush that covered it, ns. */
  readonly staleWindowNs: Histogram;
  /** Per buffer, the client CPU's map (page allocation, IOVA, PTEs, sync), ns. */
  readonly mapLatencyNs: Histogram;
  /** Per buffer, its unmap (sync, PTEs, the waited flush in strict mode, IOVA and page frees), ns. */
  readonly unmapLatencyNs: Histogram;
  /** Per buffer, from the start of its map to the end of its unmap, ns. */
  readonly bufferLatencyNs: Histogram;
  /** Bytes the device moved on the client's buffers (descriptor sizes). */
  bytes: number;
  /** The client's CPU time in the DMA API and page allocation, ns. */
  cpuNs: number;
  exposure: { reachableBytes: number; peakBufferBytes: number; totalBufferBytes: number; peakStaleBytes: number };
}

interface Buffer {
  readonly slot: number;
  readonly op: number;
  readonly sizeBytes: number;
  /** When its map started, virtual ns. */
  readonly mapStartNs: number;
  readonly pages: number;
  readonly frames: number[];
  /** First IOVA page (DMA modes). */
  iovaPfn: number;
  /** Pages the IOVA allocation took (rounded up, as alloc_iova_fast). */
  iovaPages: number;
}

function hasSource(op: number): boolean {
  return op === Op.memmove || op === Op.compare || op === Op.comparePattern || op === Op.crc32c;
}
function hasDestination(op: number): boolean {
  return op === Op.memmove || op === Op.compare || op === Op.fill;
}

export class KernelClient {
  readonly stats: KernelClientStats;
  /** The CPU that takes completions (closed loop: also submits), virtual ns. */
  private clockNs = 0;
  /** Open loop: the submitting CPU's clock, and when the next buffer is due. */
  private submitClockNs = 0;
  private nextDueNs = 0;
  private readonly submitCpu: number;
  private readonly completionCpu: number;
  private readonly rng: Rng;
  private readonly ops: WeightedChoice;
  private readonly sizeChoice: WeightedChoice;
  private readonly iova: IovaAllocator | undefined;
  private readonly fq: FlushQueue<Buffer> | undefined;
  private readonly buffers: (Buffer | undefined)[];
  private posted = 0;
  private ended = false;
  private done: { slot: number; status: number; completeNs: number }[] = [];
  private wake: (() => void) | undefined;
  private timerTask: Promise<void> | undefined;
  private bufferBytesNow = 0;
  private staleBytesNow = 0;
  /** Lazy: ranges unmapped and not yet covered by a flush (their stale window is open). */
  private readonly stale: { bytes: number; unmapNs: number }[] = [];

  constructor(
    private readonly spec: KernelClientSpec,
    private readonly env: KernelClientEnv,
  ) {
    this.rng = new Rng(env.seed, CLIENT_STREAM + spec.device);
    const open = spec.ratePerSec !== undefined;
    if (open && spec.cpus < 2) throw new Error('bug: an open-loop kernel client needs two CPUs');
    this.submitCpu = open ? 0 : spec.cpu;
    this.completionCpu = open ? 1 : spec.cpu;
    this.ops = new WeightedChoice(spec.opWeights);
    this.sizeChoice = new WeightedChoice(spec.sizes.map((s) => s.weight));
    this.buffers = new Array<Buffer | undefined>(spec.queueDepth);
    const dma = spec.mode === 'dma-strict' || spec.mode === 'dma-lazy';
    this.iova = dma ? new IovaAllocator(IOVA_START_PFN, IOVA_LIMIT_PFN, spec.cpus) : undefined;
    this.fq =
      spec.mode === 'dma-lazy'
        ? new FlushQueue<Buffer>(
            {
              flushAll: (nowNs, reason) => this.flushAll(nowNs, reason),
              // A covered range's IOVA goes back (`fq_ring_free_locked` → `free_iova_fast`).
              release: (b, cpu, nowNs) => this.freeIova(b, cpu, nowNs),
            },
            spec.cpus,
            spec.singleQueue,
          )
        : undefined;
    this.stats = {
      buffers: 0,
      completed: 0,
      failed: 0,
      maps: 0,
      unmaps: 0,
      syncs: 0,
      invalidation: { submissions: 0, iotlbDescriptors: 0, devtlbDescriptors: 0, otherDescriptors: 0 },
      flushQueue: this.fq?.stats,
      iova: this.iova?.stats,
      staleWindowNs: newMergeHistogram(),
      mapLatencyNs: newMergeHistogram(),
      unmapLatencyNs: newMergeHistogram(),
      bufferLatencyNs: newMergeHistogram(),
      bytes: 0,
      cpuNs: 0,
      exposure: {
        reachableBytes: dma ? 0 : env.memoryBytes,
        peakBufferBytes: 0,
        totalBufferBytes: 0,
        peakStaleBytes: 0,
      },
    };
  }

  /** At a barrier: take the device's completions in (the sequencer calls this before its timers). */
  collect(): void {
    const ring = this.env.device.kdoneRings[this.spec.ring]!;
    while (ring.available() > 0) {
      const at = ring.peek();
      this.done.push({
        slot: ring.slots[at + KdoneRecord.buffer]!,
        status: ring.slots[at + KdoneRecord.status]!,
        completeNs: ring.slots[at + KdoneRecord.completeNs]!,
      });
      ring.consume();
    }
    if (this.done.length > 0 && this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
  }

  /**
   * The client's life: keep `queueDepth` buffers in flight until the count or the duration ends.
   * A failure (simulated memory exhausted) still ends the device's work — the end record goes
   * out, the buffers posted before it complete — so the run ends with the failure, never hangs.
   */
  async run(durationNs: number | undefined): Promise<void> {
    try {
      await this.serve(durationNs);
    } catch (e) {
      if (!this.ended) this.postEnd();
      throw e;
    }
  }

  private async serve(durationNs: number | undefined): Promise<void> {
    const limit = this.spec.count ?? Infinity;
    const end = durationNs ?? Infinity;
    const open = this.spec.ratePerSec !== undefined;
    const more = (): boolean => this.posted < limit && (open ? this.nextDueNs : this.clockNs) < end;
    for (let s = 0; s < this.spec.queueDepth && more(); s++) this.post(s);
    if (this.posted < this.spec.queueDepth) this.postEnd();
    let outstanding = this.posted;
    while (outstanding > 0) {
      if (this.done.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const d = this.done.shift()!;
      // In virtual-time order with every other kernel event.
      await this.env.at(d.completeNs);
      if (d.completeNs > this.clockNs) this.clockNs = d.completeNs;
      outstanding--;
      await this.retire(d.slot, d.status);
      if (!this.ended) {
        if (more()) {
          this.post(d.slot);
          outstanding++;
        } else {
          this.postEnd();
        }
      }
      // Answered: a device shared with other submitters may now go past this completion.
      Atomics.add(this.env.device.kRefilled, this.spec.ring, 1);
    }
    if (!this.ended) this.postEnd();
    await this.timerTask;
  }

  // ---- one buffer ----------------------------------------------------------------------------

  private post(slot: number): void {
    const s = this.spec;
    const c = this.env.costs;
    const op = this.ops.pick(this.rng);
    const sizeBytes = s.sizes[this.sizeChoice.pick(this.rng)]!.sizeBytes;
    // Open loop: mapped at its time on the schedule, once the submitting CPU is free and the
    // slot is (a refill runs when the completing CPU has retired the slot's last buffer).
    let start = this.clockNs;
    const rate = s.ratePerSec;
    if (rate !== undefined) {
      start = Math.max(this.submitClockNs, this.nextDueNs, this.clockNs);
      this.nextDueNs += s.arrival === 'poisson' ? (-Math.log(1 - nextFloat(this.rng)) * 1e9) / rate : 1e9 / rate;
    }
    const perAddressPages = Math.ceil(sizeBytes / PAGE_SIZE);
    const addresses = (hasSource(op) ? 1 : 0) + (hasDestination(op) ? 1 : 0);
    const pages = perAddressPages * (addresses === 2 ? 2 : 1);
    const frames: number[] = [];
    const owner = packOwner(FrameOwner.domainData, s.domain.index);
    for (let i = 0; i < pages; i++) {
      const pfn = this.env.frames.alloc(owner, `allocating a buffer of kernel client ${s.deviceId}`);
      fillPage(this.env.mem, pfn, this.env.seed, 0x30000 + s.device, this.posted * 64 + i);
      frames.push(pfn);
    }
    let t = start + pages * c.kernelBufferAllocNs;
    const b: Buffer = { slot, op, sizeBytes, mapStartNs: start, pages, frames, iovaPfn: 0, iovaPages: 0 };
    let base: number;
    let second: number;
    if (this.iova) {
      b.iovaPages = IovaAllocator.roundedPages(pages);
      const before = this.iova.stats.misses;
      b.iovaPfn = this.iova.alloc(pages, this.submitCpu);
      if (b.iovaPfn === 0) throw new Error(`bug: IOVA space of ${s.deviceId} exhausted`);
      t += c.iovaCacheNs + (this.iova.stats.misses > before ? c.iovaTreeNs : 0);
      for (let i = 0; i < pages; i++) {
        mapPage(this.env.mem, this.env.frames, s.domain.rootPfn, b.iovaPfn + i, frames[i]!, true, 0xff0000 + s.domain.index);
      }
      t += c.dmaMapNs + pages * c.dmaMapPageNs;
      this.stats.maps++;
      base = b.iovaPfn * PAGE_SIZE;
      second = base + perAddressPages * PAGE_SIZE;
    } else {
      // One page per address (the profile checks the sizes): its physical or direct-map address.
      const offset = s.mode === 'kva' ? KVA_DIRECT_MAP_BASE : 0;
      base = offset + frames[0]! * PAGE_SIZE;
      second = offset + frames[frames.length - 1]! * PAGE_SIZE;
    }
    if (!s.coherent) {
      t += pages * c.dmaSyncPageNs;
      this.stats.syncs++;
    }
    this.stats.cpuNs += t - start;
    this.stats.mapLatencyNs.recordValue(Math.max(1, Math.round(t - start)));
    if (rate !== undefined) this.submitClockNs = t;
    else this.clockNs = t;
    this.buffers[slot] = b;
    this.posted++;
    this.stats.buffers++;
    const bytes = pages * PAGE_SIZE;
    this.bufferBytesNow += bytes;
    const e = this.stats.exposure;
    e.totalBufferBytes += bytes;
    if (this.bufferBytesNow > e.peakBufferBytes) e.peakBufferBytes = this.bufferBytesNow;
    if (this.iova && this.bufferBytesNow + this.staleBytesNow > e.reachableBytes) e.reachableBytes = this.bufferBytesNow + this.staleBytesNow;

    const ring = this.env.device.kbufRings[s.ring]!;
    const at = ring.reserve();
    if (at < 0) throw new Error(`bug: buffer ring of ${s.deviceId} full`);
    ring.slots[at + KbufRecord.buffer] = slot;
    ring.slots[at + KbufRecord.op] = op;
    // A single-address op names its one address as both (the device reads the one it uses).
    ring.slots[at + KbufRecord.src] = base;
    ring.slots[at + KbufRecord.dst] = addresses === 2 ? second : base;
    ring.slots[at + KbufRecord.sizeBytes] = sizeBytes;
    ring.slots[at + KbufRecord.readyNs] = t;
    ring.publish();
  }

  private postEnd(): void {
    this.ended = true;
    const ring = this.env.device.kbufRings[this.spec.ring]!;
    const at = ring.reserve();
    if (at < 0) throw new Error(`bug: buffer ring of ${this.spec.deviceId} full at its end`);
    ring.slots[at + KbufRecord.op] = -1;
    ring.slots[at + KbufRecord.readyNs] = this.clockNs;
    ring.publish();
  }

  /** The device completed buffer `slot`: make it unreachable and free it, as the mode does. */
  private async retire(slot: number, status: number): Promise<void> {
    const s = this.spec;
    const c = this.env.costs;
    const b = this.buffers[slot]!;
    this.buffers[slot] = undefined;
    this.stats.completed++;
    if (status !== Status.success) this.stats.failed++;
    const start = this.clockNs;
    let t = start;
    if (!s.coherent) {
      t += b.pages * c.dmaSyncPageNs;
      this.stats.syncs++;
    }
    const bytes = b.pages * PAGE_SIZE;
    this.bufferBytesNow -= bytes;
    if (this.iova) {
      for (let i = 0; i < b.pages; i++) unmapPage(this.env.mem, s.domain.rootPfn, b.iovaPfn + i);
      t += c.dmaUnmapNs + b.pages * c.dmaUnmapPageNs;
      this.stats.unmaps++;
      if (s.mode === 'dma-strict') {
        const style = this.env.submissionStyle;
        const encoding = style === 'smmu' || style === 'smmu-ril' ? style : 'vtd';
        const range = encodeRange(b.iovaPfn, b.iovaPfn + b.pages, encoding, this.env.maxAddressMask);
        t = await this.submit(t, (a) => [iotlbDescriptor(a.did, a.pasid, range), ...(a.ats ? [devtlbDescriptor(a.device, a.pasid, range)] : [])]);
        t = this.freeIova(b, this.completionCpu, t);
        t = this.freeFrames(b, t);
      } else {
        // Unmapped, not yet flushed: stale until the end of the first flush that starts from now.
        this.stale.push({ bytes, unmapNs: t });
        this.staleBytesNow += bytes;
        if (this.staleBytesNow > this.stats.exposure.peakStaleBytes) this.stats.exposure.peakStaleBytes = this.staleBytesNow;
        // The client frees its pages as soon as the unmap returns (`dma_unmap_*`, then the page
        // goes back to the allocator): the flush queue holds only the IOVA (and the page-table
        // pages the unmap emptied), so a stale entry may point at a freed page until the flush —
        // the window the result reports — but the IOVA is not reused before it.
        t = this.freeFrames(b, t);
        if (s.brokenEarlyFree) {
          // The fault this mode exists to catch: the IOVA goes back before the flush too.
          t = this.freeIova(b, this.completionCpu, t);
          b.iovaPfn = 0;
        }
        t = await this.fq!.queue(b, this.completionCpu, t);
        this.armTimer();
      }
    } else {
      t = this.freeFrames(b, t);
    }
    this.stats.cpuNs += t - start;
    this.stats.unmapLatencyNs.recordValue(Math.max(1, Math.round(t - start)));
    this.stats.bufferLatencyNs.recordValue(Math.max(1, Math.round(t - b.mapStartNs)));
    this.stats.bytes += b.sizeBytes;
    this.clockNs = t;
  }

  private freeIova(b: Buffer, cpu: number, t: number): number {
    if (b.iovaPfn === 0) return t;
    const iova = this.iova!;
    const before = iova.stats.directFrees + iova.stats.magazinesFreed;
    iova.free(b.iovaPfn, b.iovaPages, cpu, t);
    iova.runDepotWork(t);
    return t + this.env.costs.iovaCacheNs + (iova.stats.directFrees + iova.stats.magazinesFreed > before ? this.env.costs.iovaTreeNs : 0);
  }

  private freeFrames(b: Buffer, t: number): number {
    for (const pfn of b.frames) this.env.frames.free(pfn);
    return t + b.frames.length * this.env.costs.kernelBufferAllocNs;
  }

  /** The flush queue's timer, as a kernel task at its due time (`fq_flush_timeout`). */
  private armTimer(): void {
    if (this.timerTask || this.fq!.timerDueNs === undefined) return;
    this.timerTask = (async () => {
      for (let due = this.fq!.timerDueNs; due !== undefined; due = this.fq!.timerDueNs) {
        await this.env.at(due);
        await this.fq!.runTimer(due, this.completionCpu);
      }
      this.timerTask = undefined;
    })();
  }

  /**
   * `flush_iotlb_all` of the domain (`cache_tag_flush_all`): every tag, whole. It ends the stale
   * window of every range unmapped before it started — including one whose entry is queued after
   * it (the unmap that found its ring full), though that entry is freed only at the next flush.
   */
  private async flushAll(nowNs: number, _reason: FlushReason): Promise<number> {
    const covered = this.stale.splice(0);
    const end = await this.submit(nowNs, (a) => [
      iotlbDescriptor(a.did, a.pasid, WHOLE_ADDRESS_SPACE),
      ...(a.ats ? [devtlbDescriptor(a.device, a.pasid, WHOLE_ADDRESS_SPACE)] : []),
    ]);
    for (const u of covered) {
      this.stats.staleWindowNs.recordValue(Math.max(1, Math.round(end - u.unmapNs)));
      this.staleBytesNow -= u.bytes;
    }
    return end;
  }

  /** The domain's tags' descriptors, submitted as the era does (`SubmissionStyle`), each waited for; resolves with the end. */
  private async submit(nowNs: number, forTag: (a: { device: number; pasid: number; did: number; ats: boolean }) => QiDescriptor[]): Promise<number> {
    const byUnit = new Map<number, QiDescriptor[]>();
    for (const a of this.env.domains.attachmentsOf(this.spec.domain)) {
      byUnit.set(a.iommu, [...(byUnit.get(a.iommu) ?? []), ...forTag(a)]);
    }
    const submissions = submissionsInStyle(byUnit, this.env.submissionStyle);
    let t = nowNs;
    for (const sub of submissions) {
      const r = await this.env.qi.submitModelled(sub, this.env.costs, t, (d, sq, arr) => this.env.ack(d, sq, arr));
      const inv = this.stats.invalidation;
      inv.submissions++;
      inv.iotlbDescriptors += r.iotlb;
      inv.devtlbDescriptors += r.devtlb;
      inv.otherDescriptors += r.other;
      t = r.endNs;
    }
    return t;
  }
}

/** Op weights by OP_NAMES index from a workload's op mix (batch excluded by the profile checks). */
export function opWeightsOf(ops: Readonly<Record<string, number>>): number[] {
  return OP_NAMES.map((n) => (n === 'batch' ? 0 : (ops[n] ?? 0)));
}


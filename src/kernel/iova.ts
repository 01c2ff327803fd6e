/**
 * The IOVA allocator of a DMA paging domain, as Linux's drivers/iommu/iova.c: a range
 * allocator over an ordered set of allocated ranges (an rbtree in Linux, a sorted array here),
 * with per-CPU magazine caches in front of it (the "rcaches").
 *
 * Range allocator (`alloc_iova` → `__alloc_and_insert_iova_range`, v5.11+): size-aligned,
 * top-down below the limit, starting from the cached node (the last allocation, moved on
 * free by `__cached_rbnode_delete_update`) and retrying once from the limit when the space
 * below the cached node is exhausted. An anchor range at the top (IOVA_ANCHOR) is always
 * present, as in Linux. Leaves out the 32-bit split (cached32_node, max32_alloc_size and the
 * SAC-address first try of `iommu_dma_alloc_iova`): one limit, the domain's address width.
 *
 * Caches (`alloc_iova_fast` / `free_iova_fast`): sizes below 2^(IOVA_RANGE_CACHE_MAX_SIZE − 1)
 * pages are rounded up to a power of two; ranges of up to 2^(IOVA_RANGE_CACHE_MAX_SIZE − 1)
 * pages are cached, one cache per order. Each CPU has a loaded and a previous magazine of
 * IOVA_MAG_SIZE entries; a depot of full magazines is shared by the CPUs.
 * - get (`__iova_rcache_get`): pop from the loaded magazine; if it is empty, swap in the
 *   previous one; if that is empty too, replace the loaded one by a full magazine from the
 *   depot. A pop takes the most recent entry at or below the limit (`iova_magazine_pop`).
 *   Nothing found is a miss: the range allocator is asked (`alloc_iova`); if it has no room,
 *   every cache is flushed back into it and it is asked once more.
 * - put (`__iova_rcache_insert`): push onto the loaded magazine; if it is full, swap with the
 *   previous one; if both are full, the loaded one goes to the depot and a new empty magazine
 *   is loaded. The depot, by era:
 *   - v6.0–v6.6: at most MAX_GLOBAL_MAGS (32) magazines; a full CPU magazine finding the depot
 *     full is emptied back into the range allocator instead.
 *   - v6.7+ ("iommu/iova: Make the rcache depot scale better", "Manage the depot list size"):
 *     unbounded; a push schedules the cache's delayed work (IOVA_DEPOT_DELAY, 100 ms), which
 *     empties one magazine back into the range allocator while the depot holds more than one
 *     per online CPU, and reschedules itself after each (`iova_depot_work_func`).
 *   IOVA_MAG_SIZE is 127 since v6.0 (128 before: not modelled).
 *
 * Kernel-private state of the kernel thread; the caller says which CPU an operation runs on.
 */

/** Entries per magazine (drivers/iommu/iova.c IOVA_MAG_SIZE). */
export const IOVA_MAG_SIZE = 127;
/** log2 of the largest cached range + 1 (IOVA_RANGE_CACHE_MAX_SIZE: ranges of 1..32 pages). */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** v6.0–v6.6: full magazines the depot holds before a full CPU magazine is freed instead (MAX_GLOBAL_MAGS). */
export const MAX_GLOBAL_MAGS = 32;
/** v6.7+: the depot trimming work's delay (IOVA_DEPOT_DELAY = msecs_to_jiffies(100)), ns. */
export const IOVA_DEPOT_DELAY_NS = 100_000_000;

/** Which kernels' depot the caches follow. */
export type IovaDepotEra = 'v6.0-v6.6' | 'v6.7+';

/** One allocated range [loPfn, hiPfn]. */
interface IovaRange {
  loPfn: number;
  hiPfn: number;
}

/** fls_long(x): the 1-based index of the highest set bit (0 for 0). */
function fls(x: number): number {
  return x === 0 ? 0 : Math.floor(Math.log2(x)) + 1;
}

/** order_base_2(n): the smallest k with 2^k ≥ n. */
function orderBase2(n: number): number {
  return n <= 1 ? 0 : fls(n - 1);
}

export class IovaRangeAllocator {
  /** Allocated ranges in ascending order, the anchor last. */
  private readonly ranges: IovaRange[];
  /** The range a search starts below (Linux's cached_node). */
  private cached: IovaRange;

  constructor(
    /** Lowest allocatable page frame of the IOVA space (Linux's start_pfn; 0 is never used). */
    readonly startPfn: number,
    /** Highest allocatable page frame (the domain's aperture end). */
    readonly limitPfn: number,
  ) {
    if (!(startPfn >= 1 && limitPfn > startPfn)) throw new Error(`bug: IOVA space [${startPfn}, ${limitPfn}]`);
    const anchor = { loPfn: Number.MAX_SAFE_INTEGER, hiPfn: Number.MAX_SAFE_INTEGER };
    this.ranges = [anchor];
    this.cached = anchor;
  }

  /** Ranges allocated now (the anchor excluded). */
  get allocatedRanges(): number {
    return this.ranges.length - 1;
  }

  /** `alloc_iova(size, limit, size_aligned = true)`: the first page of a new range, or 0 if none fits. */
  alloc(sizePages: number, limitPfn = this.limitPfn): number {
    const alignMask = 2 ** fls(sizePages - 1);
    const alignDown = (x: number): number => Math.floor(x / alignMask) * alignMask;
    let highPfn = limitPfn + 1; // Linux passes limit_pfn + 1 to the search
    let lowPfn = this.startPfn;
    let i = this.indexOfCachedFor(limitPfn + 1);
    const retryPfn = this.ranges[i]!.hiPfn;
    let prev = i;
    let newPfn = 0;
    let retried = false;
    for (;;) {
      // Walk down: the gap below ranges[i], then below ranges[i - 1], ...
      do {
        highPfn = Math.min(highPfn, this.ranges[i]!.loPfn);
        newPfn = alignDown(highPfn - sizePages);
        prev = i;
        i--;
      } while (i >= 0 && newPfn <= this.ranges[i]!.hiPfn && newPfn >= lowPfn);
      if (highPfn >= sizePages && newPfn >= lowPfn) break;
      if (!retried && lowPfn === this.startPfn && retryPfn < limitPfn + 1) {
        // Exhausted below the cached node: search again from the limit down to it.
        retried = true;
        highPfn = limitPfn + 1;
        lowPfn = retryPfn + 1;
        i = this.indexOfFirstAbove(limitPfn + 1);
        continue;
      }
      return 0;
    }
    const r: IovaRange = { loPfn: newPfn, hiPfn: newPfn + sizePages - 1 };
    // `prev` is the range just above the new one.
    this.ranges.splice(prev, 0, r);
    this.cached = r;
    return newPfn;
  }

  /** `free_iova` / `__free_iova`: release the range starting at `loPfn`. */
  free(loPfn: number): void {
    const i = this.indexOf(loPfn);
    if (i < 0) throw new Error(`bug: freeing IOVA pfn ${loPfn}, not allocated`);
    const r = this.ranges[i]!;
    // __cached_rbnode_delete_update: a free at or above the cached node moves it to the next.
    if (r === this.cached || r.loPfn >= this.cached.loPfn) this.cached = this.ranges[i + 1]!;
    this.ranges.splice(i, 1);
  }

  /** The size in pages of the allocated range starting at `loPfn` (0 if none). */
  sizeOf(loPfn: number): number {
    const i = this.indexOf(loPfn);
    return i < 0 ? 0 : this.ranges[i]!.hiPfn - loPfn + 1;
  }

  private indexOf(loPfn: number): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.ranges[mid]!.loPfn;
      if (m === loPfn) return mid;
      if (m < loPfn) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The cached node for a search below `limit` (`__get_cached_rbnode`, one limit here). */
  private indexOfCachedFor(limit: number): number {
    const i = this.indexOf(this.cached.loPfn);
    // A cached node above the limit does not bound the search: start from the first range above it.
    if (i < 0 || this.ranges[i]!.loPfn < limit) return i < 0 ? this.ranges.length - 1 : i;
    return this.indexOfFirstAbove(limit);
  }

  /** `iova_find_limit`: the lowest range whose start is at or above `limit`. */
  private indexOfFirstAbove(limit: number): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]!.loPfn >= limit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A magazine: a stack of cached IOVA page frames. */
class Magazine {
  readonly pfns: number[] = [];
  get full(): boolean {
    return this.pfns.length === IOVA_MAG_SIZE;
  }
  get empty(): boolean {
    return this.pfns.length === 0;
  }
  /** `iova_magazine_pop`: the most recent pfn at or below `limitPfn`, 0 if none. */
  pop(limitPfn: number): number {
    for (let i = this.pfns.length - 1; i >= 0; i--) {
      const pfn = this.pfns[i]!;
      if (pfn <= limitPfn) {
        // Linux moves the last entry into the hole.
        this.pfns[i] = this.pfns[this.pfns.length - 1]!;
        this.pfns.pop();
        return pfn;
      }
    }
    return 0;
  }
}

interface CpuCache {
  loaded: Magazine;
  prev: Magazine;
}

interface RangeCache {
  readonly cpus: CpuCache[];
  readonly depot: Magazine[];
  /** v6.7+: when the cache's delayed depot work runs (undefined: not scheduled). */
  workDueNs: number | undefined;
}

export interface IovaCacheStats {
  /** Allocations served by a magazine. */
  hits: number;
  /** Allocations the magazines could not serve (sent to the range allocator). */
  misses: number;
  /** Allocations that failed even after flushing every cache into the range allocator. */
  failures: number;
  /** Frees a magazine took. */
  cachedFrees: number;
  /** Frees of uncacheable (too large) ranges, straight into the range allocator. */
  directFrees: number;
  /** Full magazines pushed to the depot. */
  depotPushes: number;
  /** Full magazines emptied back into the range allocator (depot full, or trimmed by its work). */
  magazinesFreed: number;
}

/** The domain's IOVA space: the range allocator and its per-CPU caches. */
export class IovaAllocator {
  readonly tree: IovaRangeAllocator;
  readonly stats: IovaCacheStats = { hits: 0, misses: 0, failures: 0, cachedFrees: 0, directFrees: 0, depotPushes: 0, magazinesFreed: 0 };
  private readonly caches: RangeCache[];

  constructor(
    startPfn: number,
    limitPfn: number,
    /** Online CPUs (each has its magazines; v6.7+ trims the depot to one magazine per CPU). */
    private readonly cpus: number,
    private readonly era: IovaDepotEra = 'v6.7+',
  ) {
    if (!(Number.isInteger(cpus) && cpus >= 1)) throw new Error(`bug: ${cpus} CPUs`);
    this.tree = new IovaRangeAllocator(startPfn, limitPfn);
    this.caches = Array.from({ length: IOVA_RANGE_CACHE_MAX_SIZE }, () => ({
      cpus: Array.from({ length: cpus }, () => ({ loaded: new Magazine(), prev: new Magazine() })),
      depot: [],
      workDueNs: undefined,
    }));
  }

  /** v6.7+: the earliest time a cache's depot work is due (undefined: none scheduled). */
  get depotWorkDueNs(): number | undefined {
    let due: number | undefined;
    for (const c of this.caches) if (c.workDueNs !== undefined && (due === undefined || c.workDueNs < due)) due = c.workDueNs;
    return due;
  }

  /** v6.7+: run every depot work due at `nowNs` (`iova_depot_work_func`). */
  runDepotWork(nowNs: number): void {
    for (const c of this.caches) {
      if (c.workDueNs === undefined || c.workDueNs > nowNs) continue;
      c.workDueNs = undefined;
      if (c.depot.length > this.cpus) {
        const mag = c.depot.pop()!;
        for (const p of mag.pfns) this.tree.free(p);
        this.stats.magazinesFreed++;
        c.workDueNs = nowNs + IOVA_DEPOT_DELAY_NS;
      }
    }
  }

  /** The pages an allocation of `sizePages` takes (`alloc_iova_fast` rounds cacheable sizes up). */
  static roundedPages(sizePages: number): number {
    return sizePages < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1) ? 2 ** orderBase2(sizePages) : sizePages;
  }

  /** `alloc_iova_fast(size, limit, flush_rcache = true)` on `cpu`: the first IOVA page, 0 if none. */
  alloc(sizePages: number, cpu: number, limitPfn = this.tree.limitPfn): number {
    const size = IovaAllocator.roundedPages(sizePages);
    const order = orderBase2(size);
    if (order < IOVA_RANGE_CACHE_MAX_SIZE) {
      const pfn = this.cacheGet(this.caches[order]!, cpu, limitPfn);
      if (pfn !== 0) {
        this.stats.hits++;
        return pfn;
      }
    }
    this.stats.misses++;
    let pfn = this.tree.alloc(size, limitPfn);
    if (pfn === 0) {
      // Try replenishing IOVAs by flushing every cache (free_cpu_cached_iovas, free_global_cached_iovas).
      this.flushCaches();
      pfn = this.tree.alloc(size, limitPfn);
      if (pfn === 0) this.stats.failures++;
    }
    return pfn;
  }

  /** `free_iova_fast(pfn, size)` on `cpu` at `nowNs` (the time schedules v6.7+'s depot work). */
  free(pfn: number, sizePages: number, cpu: number, nowNs = 0): void {
    const size = IovaAllocator.roundedPages(sizePages);
    const order = orderBase2(size);
    if (order < IOVA_RANGE_CACHE_MAX_SIZE && this.cachePut(this.caches[order]!, cpu, pfn, nowNs)) {
      this.stats.cachedFrees++;
      return;
    }
    this.stats.directFrees++;
    this.tree.free(pfn);
  }

  /** IOVA ranges held by magazines (allocated in the range allocator, free to reuse). */
  get cachedRanges(): number {
    let n = 0;
    for (const c of this.caches) {
      for (const cpu of c.cpus) n += cpu.loaded.pfns.length + cpu.prev.pfns.length;
      for (const m of c.depot) n += m.pfns.length;
    }
    return n;
  }

  private cacheGet(c: RangeCache, cpu: number, limitPfn: number): number {
    const cc = c.cpus[cpu]!;
    if (cc.loaded.empty) {
      if (!cc.prev.empty) {
        [cc.loaded, cc.prev] = [cc.prev, cc.loaded];
      } else if (c.depot.length > 0) {
        cc.loaded = c.depot.pop()!;
      } else {
        return 0;
      }
    }
    return cc.loaded.pop(limitPfn);
  }

  private cachePut(c: RangeCache, cpu: number, pfn: number, nowNs: number): boolean {
    const cc = c.cpus[cpu]!;
    if (cc.loaded.full) {
      if (!cc.prev.full) {
        [cc.loaded, cc.prev] = [cc.prev, cc.loaded];
      } else {
        if (this.era === 'v6.7+') {
          c.depot.push(cc.loaded);
          this.stats.depotPushes++;
          // schedule_delayed_work: no effect while the work is already pending.
          c.workDueNs ??= nowNs + IOVA_DEPOT_DELAY_NS;
        } else if (c.depot.length < MAX_GLOBAL_MAGS) {
          c.depot.push(cc.loaded);
          this.stats.depotPushes++;
        } else {
          for (const p of cc.loaded.pfns) this.tree.free(p);
          this.stats.magazinesFreed++;
        }
        cc.loaded = new Magazine();
      }
    }
    cc.loaded.pfns.push(pfn);
    return true;
  }

  private flushCaches(): void {
    for (const c of this.caches) {
      for (const cpu of c.cpus) {
        for (const m of [cpu.loaded, cpu.prev]) {
          for (const p of m.pfns) this.tree.free(p);
          m.pfns.length = 0;
        }
      }
      for (const m of c.depot) for (const p of m.pfns) this.tree.free(p);
      c.depot.length = 0;
      c.workDueNs = undefined;
    }
  }
}

// The lazy DMA unmap's flush queue against Linux's dma-iommu.c queue_iova / fq_flush_timeout:
// flush counts by fullness and by timeout, exact; nothing released before the flush covering it.
import { describe, expect, it } from 'vitest';
import { FQ_SIZE, FQ_TIMEOUT_NS, FlushQueue, type FlushReason } from '../../src/kernel/flush-queue.js';

interface Entry {
  id: number;
  queuedNs: number;
}

function harness(cpus: number, flushNs = 0) {
  const flushes: { atNs: number; reason: FlushReason }[] = [];
  const released: { id: number; atNs: number; staleNs: number; cpu: number }[] = [];
  const q = new FlushQueue<Entry>(
    {
      flushAll: (nowNs, reason) => {
        flushes.push({ atNs: nowNs, reason });
        return Promise.resolve(nowNs + flushNs);
      },
      release: (e, cpu, nowNs) => released.push({ id: e.id, atNs: nowNs, staleNs: nowNs - e.queuedNs, cpu }),
    },
    cpus,
  );
  return { q, flushes, released };
}

describe('flush queue (dma-iommu.c, per-CPU rings of 256 slots, 10 ms)', async () => {
  it('up to 255 entries within 10 ms: one flush, by the timer, 10 ms after the first', async () => {
    const { q, flushes, released } = harness(1);
    for (let i = 0; i < FQ_SIZE - 1; i++) await q.queue({ id: i, queuedNs: i * 1000 }, 0, i * 1000);
    expect(flushes).toEqual([]);
    expect(released).toEqual([]);
    expect(q.timerDueNs).toBe(FQ_TIMEOUT_NS);
    await q.runTimer(FQ_TIMEOUT_NS - 1);
    expect(flushes).toEqual([]);
    await q.runTimer(FQ_TIMEOUT_NS);
    expect(flushes).toEqual([{ atNs: FQ_TIMEOUT_NS, reason: 'timeout' }]);
    expect(released.map((r) => r.id)).toEqual([...Array(FQ_SIZE - 1).keys()]);
    expect(q.timerDueNs).toBeUndefined();
  });

  it('a ring of 256 slots holds 255: the 256th entry flushes first (fullness), then joins the ring', async () => {
    const { q, flushes, released } = harness(1);
    for (let i = 0; i < FQ_SIZE; i++) await q.queue({ id: i, queuedNs: i }, 0, i);
    expect(flushes).toEqual([{ atNs: FQ_SIZE - 1, reason: 'full' }]);
    expect(released).toHaveLength(FQ_SIZE - 1);
    expect(q.pending).toBe(1);
  });

  it('1,000 back to back: 3 flushes by fullness and 1 by timeout (⌈1000/256⌉ = 4 in all)', async () => {
    const { q, flushes, released } = harness(1, 2_000);
    for (let i = 0; i < 1000; i++) await q.queue({ id: i, queuedNs: i * 500 }, 0, i * 500);
    await q.runTimer(FQ_TIMEOUT_NS);
    expect(q.stats).toMatchObject({ queued: 1000, flushesFull: 3, flushesTimeout: 1, released: 1000 });
    expect(flushes.map((f) => f.reason)).toEqual(['full', 'full', 'full', 'timeout']);
    expect(Math.ceil(1000 / FQ_SIZE)).toBe(flushes.length);
    // Released after the flush covering them has finished (+2 µs), never later than the timeout.
    for (const r of released) {
      expect(r.staleNs).toBeGreaterThan(0);
      expect(r.staleNs).toBeLessThanOrEqual(FQ_TIMEOUT_NS + 2_000);
    }
    expect(released.map((r) => r.id)).toEqual([...Array(1000).keys()]);
  });

  it('the timer is armed by the first entry after an expiry and not pushed back by later ones', async () => {
    const { q } = harness(1);
    await q.queue({ id: 0, queuedNs: 0 }, 0, 0);
    await q.queue({ id: 1, queuedNs: 9_000_000 }, 0, 9_000_000);
    expect(q.timerDueNs).toBe(FQ_TIMEOUT_NS); // entry 1 waits only 1 ms
    await q.runTimer(FQ_TIMEOUT_NS);
    await q.queue({ id: 2, queuedNs: 15_000_000 }, 0, 15_000_000);
    expect(q.timerDueNs).toBe(15_000_000 + FQ_TIMEOUT_NS);
  });

  it("a flush on one CPU's full ring covers the other rings' entries, freed at their next queue_iova or the timer", async () => {
    const { q, released } = harness(2);
    for (let i = 0; i < 10; i++) await q.queue({ id: 1000 + i, queuedNs: 0 }, 1, 0);
    for (let i = 0; i < FQ_SIZE; i++) await q.queue({ id: i, queuedNs: 1 }, 0, 1);
    expect(q.stats.flushesFull).toBe(1);
    expect(released.filter((r) => r.id >= 1000)).toEqual([]);
    await q.queue({ id: 2000, queuedNs: 2 }, 1, 2);
    expect(released.filter((r) => r.id >= 1000).map((r) => [r.id, r.cpu])).toEqual([...Array(10).keys()].map((i) => [1000 + i, 1]));
    expect(q.pending).toBe(2); // CPU 0's 256th and CPU 1's new entry
  });
});

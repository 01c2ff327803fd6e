// The page-request queue's overflow bit (kernel/prq.ts): a request that finds the queue full sets
// it, and while it is set every request is refused, even with room in the queue, until the queue
// is empty — VT-d's PRO bit, which Linux clears only when head == tail (prq_event_thread).
import { describe, expect, it } from 'vitest';
import { PageRequestQueue } from '../../src/kernel/prq.js';

describe('page-request queue overflow bit', () => {
  it('4 entries, 6 requests in flight: the 5th and 6th are refused, then every request until the queue empties', () => {
    const q = new PageRequestQueue(4);
    // Six requests arrive at t = 0..5 ns; the fault worker starts servicing one every 1000 ns.
    const starts = [1000, 2000, 3000, 4000, 5000, 6000];
    const answers = starts.map((s, i) => q.admit(i, s));
    expect(answers).toEqual([1, 2, 3, 4, -1, -1]);
    expect(q.overflowed).toBe(true);
    // At t = 1500 the first request's service has started: there is room, but the bit is set.
    expect(q.admit(1500, 7000)).toBe(-1);
    expect(q.occupancyAt(1500)).toBe(3);
    // At t = 4500 every admitted request is in service: the queue is empty, the bit clears.
    expect(q.admit(4500, 8000)).toBe(1);
    expect(q.overflowed).toBe(false);
  });

  it('without an overflow, a request is admitted whenever there is room', () => {
    const q = new PageRequestQueue(2);
    expect([q.admit(0, 10), q.admit(1, 20), q.admit(15, 30)]).toEqual([1, 2, 2]);
    expect(q.overflowed).toBe(false);
  });
});

/**
 * An IOMMU's page-request queue in modelled time: who gets in, and the overflow bit.
 *
 * A request occupies the queue from its arrival until its service starts. One that finds the
 * queue full sets the overflow bit, and while the bit is set every request is refused — even once
 * space frees — until the kernel finds the queue empty and clears it (VT-d: the PRO bit of
 * DMAR_PRS_REG; drivers/iommu/intel/prq.c prq_event_thread clears it only when head == tail,
 * after discarding partial groups). A refused request is answered for the device (the IOMMU's
 * auto-response), which retries after a back-off (device/pri.ts).
 *
 * Approximation: the bit is found clear at the next request's arrival if the queue has emptied
 * by then (the kernel's check runs with its page-request thread, whose exact times the model
 * does not track).
 */
export class PageRequestQueue {
  /** The overflow bit. */
  overflowed = false;
  /** Service-start times of the requests in the queue. */
  private starts: number[] = [];

  constructor(private readonly entries: number) {}

  /**
   * A request arriving at `arrivalNs` whose service would start at `startNs`: its place in the
   * queue (the occupancy with it), or -1 if it is refused.
   */
  admit(arrivalNs: number, startNs: number): number {
    this.starts = this.starts.filter((s) => s > arrivalNs);
    if (this.overflowed && this.starts.length === 0) this.overflowed = false;
    if (this.overflowed || this.starts.length + 1 > this.entries) {
      this.overflowed = true;
      return -1;
    }
    this.starts.push(startNs);
    return this.starts.length;
  }

  /** Requests in the queue at `timeNs` (the occupancy a refused request found). */
  occupancyAt(timeNs: number): number {
    return this.starts.filter((s) => s > timeNs).length;
  }
}

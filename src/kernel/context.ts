/**
 * The kernel context of modelled time: one logical thread with one virtual clock, shared by the
 * churn (kernel/churn.ts) and the lifecycle schedule (kernel/lifecycle.ts). Each of their
 * operations — a change with its notifier calls, an unbind with its teardown — runs whole,
 * one after another, in the order they became due, so submissions on the shared clock never
 * interleave. A promise chain, not a lock that spins.
 */
export class KernelContext {
  private tail: Promise<void> = Promise.resolve();

  /** Run `work` after every operation queued before it; resolves with its result. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

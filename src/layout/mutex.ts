/**
 * A futex-style mutex over one Int32Array element (Drepper, "Futexes Are Tricky", mutex #2).
 *
 * Word values: 0 = unlocked, 1 = locked, 2 = locked and somebody may be sleeping on it.
 * Critical sections guarded by it are a few dozen loads and stores (one TLB set), so a short
 * spin usually wins; after `SPIN_LIMIT` tries the caller sleeps in `Atomics.wait`, so a holder
 * that was descheduled (more device threads than cores) never makes another thread spin
 * unboundedly.
 *
 * `Atomics.wait` is legal on worker threads and on Node's main thread; the kernel (main thread)
 * only takes these locks for short, bounded sections.
 */

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
const SPIN_LIMIT = 64;

export function lock(words: Int32Array, index: number): void {
  let c = Atomics.compareExchange(words, index, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return;
  for (let i = 0; i < SPIN_LIMIT; i++) {
    if (c !== CONTENDED) {
      c = Atomics.compareExchange(words, index, UNLOCKED, LOCKED);
      if (c === UNLOCKED) return;
    } else {
      break;
    }
  }
  if (c !== CONTENDED) c = Atomics.exchange(words, index, CONTENDED);
  while (c !== UNLOCKED) {
    Atomics.wait(words, index, CONTENDED);
    c = Atomics.exchange(words, index, CONTENDED);
  }
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.sub(words, index, 1) !== LOCKED) {
    Atomics.store(words, index, UNLOCKED);
    Atomics.notify(words, index, 1);
  }
}

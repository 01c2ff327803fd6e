/**
 * Injected hardware delay on a device thread: a calibrated busy loop, because reading a clock
 * to time a 250 ns wait would itself allocate on Node 20 (performance.now builds an array).
 * Calibrated once per thread; under CPU contention the same loop count takes longer in wall
 * time, as a stalled engine would.
 */

const sink = new Int32Array(1);

/** Run `loops` iterations of a loop the compiler cannot remove. */
export function spinLoops(loops: number): void {
  let x = sink[0]! | 1;
  for (let i = 0; i < loops; i++) x = (x ^ (x << 13) ^ i) | 0;
  sink[0] = x;
}

let loopsPerNs = 0;

/** Loops per nanosecond on this thread (measured on first use, ~10 ms). */
export function spinLoopsPerNs(): number {
  if (loopsPerNs > 0) return loopsPerNs;
  spinLoops(2_000_000); // warm up / optimise
  let best = Infinity;
  const n = 2_000_000;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    spinLoops(n);
    best = Math.min(best, (performance.now() - t0) * 1e6);
  }
  loopsPerNs = n / Math.max(best, 1);
  return loopsPerNs;
}

/** Loop count for a delay of `ns` nanoseconds (0 for no delay). */
export function loopsFor(ns: number): number {
  return ns > 0 ? Math.max(1, Math.round(ns * spinLoopsPerNs())) : 0;
}

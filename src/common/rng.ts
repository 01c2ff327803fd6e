/**
 * Seeded randomness for the simulation, built so the per-descriptor path never allocates.
 *
 * Why not a PRNG library here: V8 stores integers outside ±2^30 and all non-integral numbers
 * as heap objects whenever they cross a call that is not inlined, so a generator that returns
 * full 32-bit integers or floats (pure-rand's `next()` / `uniformFloat64`) allocates on every
 * draw in large callers such as a batch descriptor (measured: ~16 bytes per draw). This one is
 * xoshiro128** (Blackman & Vigna, 2018; public domain) with its state in an Int32Array, and its
 * only per-draw output, `next30()`, is an integer in [0, 2^30) — always an unboxed small
 * integer. Samplers combine draws locally and return integers.
 *
 * Streams: the state is seeded with splitmix32 from (seed, stream), so each device (stream =
 * its index), the kernel (stream = KERNEL_STREAM: which pages a region populates) and the churn
 * schedule (stream = CHURN_STREAM) draw from their own sequence — one consumer's draws never
 * shift another's, whatever the timing.
 *
 * Shared by the kernel and the devices (they never import each other): this module depends on
 * nothing.
 */

/** The kernel's own stream (region population at boot). */
export const KERNEL_STREAM = 0x7fff;
/** The CPU-side churn schedule's stream (op and range of each change). */
export const CHURN_STREAM = 0x7ffe;
const TWO_POW_30 = 2 ** 30;

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

export class Rng {
  private readonly s = new Int32Array(4);

  constructor(seed: number, stream: number) {
    let x = (seed | 0) ^ Math.imul(stream + 1, 0x632be5ab);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x6d2b79f5) | 0;
      this.s[i] = splitmix32(x);
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Uniform integer in [0, 2^30). */
  next30(): number {
    const s = this.s;
    const s1 = s[1]!;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s1;
    s[1] = s1 ^ s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    const s3 = s[3]!;
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result >>> 2;
  }
}

export function deviceRng(seed: number, index: number): Rng {
  return new Rng(seed, index);
}

/** Uniform in [0, 1) with 60 random bits. Returns a float: use off the hot path or inline. */
export function nextFloat(rng: Rng): number {
  return (rng.next30() * TWO_POW_30 + rng.next30()) / (TWO_POW_30 * TWO_POW_30);
}

/** Uniform integer in [0, n), for 1 <= n <= 2^22 (exact arithmetic: 30 + 22 bits < 53). */
export function nextBelow(rng: Rng, n: number): number {
  return Math.floor((rng.next30() * n) / TWO_POW_30);
}

/** Choose an index with probability proportional to its weight (to within 2^-30). */
export class WeightedChoice {
  /** Cumulative thresholds in [0, 2^30]; the last is exactly 2^30. */
  private readonly threshold: Int32Array;

  constructor(weights: readonly number[]) {
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error('bug: all weights are zero');
    this.threshold = new Int32Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.threshold[i] = i === weights.length - 1 ? TWO_POW_30 : Math.round((sum / total) * TWO_POW_30);
    });
  }

  pick(rng: Rng): number {
    const r = rng.next30();
    const t = this.threshold;
    for (let i = 0; i < t.length; i++) if (r < t[i]!) return i;
    return t.length - 1;
  }
}

/**
 * Zipf(n, s) over ranks 1..n by rejection-inversion (Hörmann & Derflinger 1996, as in Apache
 * Commons RNG's RejectionInversionZipfSampler): O(1) per sample, no table, no allocation.
 */
export class ZipfSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly sCut: number;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!(n >= 1) || !(exponent > 0)) throw new Error(`bug: zipf(${n}, ${exponent})`);
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sCut = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /**
   * A rank in [1, n]; rank 1 is the most frequent. The float helpers are written out inline
   * here (not called), so no intermediate float is boxed on the hot path.
   */
  sample(rng: Rng): number {
    const s = this.exponent;
    const oneMinusS = 1 - s;
    for (;;) {
      const uniform = (rng.next30() * TWO_POW_30 + rng.next30()) / (TWO_POW_30 * TWO_POW_30);
      const u = this.hIntegralN + uniform * (this.hIntegralX1 - this.hIntegralN);
      // x = hIntegralInverse(u)
      let t = u * oneMinusS;
      if (t < -1) t = -1;
      const x = Math.exp((Math.abs(t) > 1e-8 ? Math.log1p(t) / t : 1 - t * (0.5 - t * (1 / 3 - 0.25 * t))) * u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sCut) return k;
      // hIntegral(k + 0.5) - h(k)
      const logX = Math.log(k + 0.5);
      const y = oneMinusS * logX;
      const hIntegralK = (Math.abs(y) > 1e-8 ? Math.expm1(y) / y : 1 + y * 0.5 * (1 + (y * (1 + 0.25 * y)) / 3)) * logX;
      if (u >= hIntegralK - Math.exp(-s * Math.log(k))) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.exponent * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.exponent) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.exponent);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }
}

function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x * (1 + 0.25 * x)) / 3);
}

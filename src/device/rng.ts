/**
 * Seeded randomness for devices: one xoroshiro128+ stream per device (the run seed, jumped
 * `index + 1` times, so streams never overlap), plus allocation-free samplers.
 */

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export type Rng = ReturnType<typeof xoroshiro128plus>;

export function deviceRng(seed: number, index: number): Rng {
  const rng = xoroshiro128plus(seed | 0);
  for (let i = 0; i <= index; i++) rng.jump();
  return rng;
}

/** Uniform in [0, 1). */
export function nextFloat(rng: Rng): number {
  return uniformFloat64(rng);
}

/** Uniform integer in [0, n). */
export function nextBelow(rng: Rng, n: number): number {
  return Math.floor(uniformFloat64(rng) * n);
}

/** Choose an index with probability proportional to its weight. */
export class WeightedChoice {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    if (!(sum > 0)) throw new Error('bug: all weights are zero');
    this.total = sum;
  }

  pick(rng: Rng): number {
    const x = uniformFloat64(rng) * this.total;
    const c = this.cumulative;
    for (let i = 0; i < c.length; i++) if (x < c[i]!) return i;
    return c.length - 1;
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

  /** A rank in [1, n]; rank 1 is the most frequent. */
  sample(rng: Rng): number {
    for (;;) {
      const u = this.hIntegralN + uniformFloat64(rng) * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sCut || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
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

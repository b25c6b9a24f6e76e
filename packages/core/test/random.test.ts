/**
 * The seeded generator against an independent reimplementation, written here from the
 * published algorithms (SplitMix32 seeding, xoshiro128**, 53-bit uniforms, Marsaglia's polar
 * method) on BigInt arithmetic instead of Math.imul, plus loose statistical checks.
 * No expected value in this file was copied from the library's own output.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, rand, randn, uniform } from '../src/index.js';
import { portableLog } from '../src/random/generator.js';
import { flatOf } from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 200) });

const M32 = 0xffffffffn;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;

/** xoshiro128** (Blackman & Vigna), state as four unsigned 32-bit BigInts. */
class RefXoshiro {
  s: bigint[];
  spare: number | null = null;
  constructor(state: bigint[]) {
    this.s = state.slice();
  }
  /**
   * Seeded as documented in generator.ts: seed = hi * 2^32 + lo (floor division, so -1 is
   * hi = -1, lo = 2^32 - 1); SplitMix32 from lo gives four words, and the second is XORed
   * with the murmur3 finaliser of hi (two's complement, 32 bits).
   */
  static seeded(seed: number): RefXoshiro {
    const big = BigInt(seed);
    let x = BigInt.asUintN(32, big);
    const hi = BigInt.asUintN(32, big >> 32n);
    const fmix = (z: bigint) => {
      z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M32;
      z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M32;
      return z ^ (z >> 16n);
    };
    const next = () => {
      x = (x + 0x9e3779b9n) & M32;
      return fmix(x);
    };
    const s0 = next();
    const s1 = next() ^ fmix(hi);
    return new RefXoshiro([s0, s1, next(), next()]);
  }
  nextU32(): number {
    const s = this.s;
    const result = (rotl((s[1]! * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1]! << 9n) & M32;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11n);
    return Number(result);
  }
  /** 27 high bits of one draw and 26 of the next make a 53-bit fraction in [0, 1). */
  uniform(): number {
    const a = BigInt(this.nextU32()) >> 5n;
    const b = BigInt(this.nextU32()) >> 6n;
    return Number((a << 26n) | b) / 2 ** 53;
  }
  /** Marsaglia polar: two normals per accepted pair, the second kept for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s === 0 || s >= 1) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }
}

const SEEDS = [0, 1, 2, 42, -1, -12345, 0x7fffffff, 0xffffffff, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 3, -(2 ** 40), -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1)];

const closeRel = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300);

describe('the reference itself', () => {
  it('reproduces the published xoshiro128** outputs for state [1, 2, 3, 4]', () => {
    const r = new RefXoshiro([1n, 2n, 3n, 4n]);
    const out = Array.from({ length: 6 }, () => r.nextU32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
});

describe('Generator matches the reference', () => {
  it.each(SEEDS)('nextUint32 stream for seed %s', (seed) => {
    const g = new Generator(seed);
    const r = RefXoshiro.seeded(seed);
    for (let i = 0; i < 200; i++) expect(g.nextUint32()).toBe(r.nextU32());
  });

  it('any safe integer seed (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), (seed) => {
        const g = new Generator(seed);
        const r = RefXoshiro.seeded(seed);
        for (let i = 0; i < 8; i++) expect(g.nextUint32()).toBe(r.nextU32());
      }),
    );
  });

  it.each(SEEDS.slice(0, 8))('uniform stream for seed %s (53-bit, exact)', (seed) => {
    const g = new Generator(seed);
    const r = RefXoshiro.seeded(seed);
    for (let i = 0; i < 500; i++) expect(g.uniform()).toBe(r.uniform());
  });

  it.each(SEEDS.slice(0, 8))('normal stream for seed %s (to rounding of the logarithm)', (seed) => {
    const g = new Generator(seed);
    const r = RefXoshiro.seeded(seed);
    for (let i = 0; i < 500; i++) {
      const a = g.normal();
      const b = r.normal();
      expect(closeRel(a, b, 1e-13), `draw ${i}: ${a} vs ${b}`).toBe(true);
    }
  });

  it('the default seed is 0 and manualSeed restarts a stream (and returns the generator)', () => {
    const a = new Generator();
    const r = RefXoshiro.seeded(0);
    expect(a.nextUint32()).toBe(r.nextU32());
    const g = new Generator(9);
    const first = [g.normal(), g.normal(), g.normal()];
    expect(g.manualSeed(9)).toBe(g);
    // reseeding also forgets the spare normal
    expect([g.normal(), g.normal(), g.normal()]).toEqual(first);
  });

  it('the two halves of a large seed both matter', () => {
    const a = new Generator(2 ** 32 + 1).nextUint32();
    const b = new Generator(1).nextUint32();
    const c = new Generator(2 ** 32).nextUint32();
    expect(a).not.toBe(b);
    expect(c).toBe(RefXoshiro.seeded(2 ** 32).nextU32());
  });
});

describe('rand and randn', () => {
  it('rand(seed) is the reference uniform stream, row-major, float64 and float32', () => {
    for (const seed of [3, 77, -5]) {
      const r = RefXoshiro.seeded(seed);
      const expected = Array.from({ length: 24 }, () => r.uniform());
      const t = rand([2, 3, 4], { seed });
      expect(t.shape).toEqual([2, 3, 4]);
      expect(t.dtype).toBe('float64');
      expect(flatOf(t)).toEqual(expected);
      const t32 = rand([24], { seed, dtype: 'float32' });
      expect(t32.dtype).toBe('float32');
      expect(flatOf(t32)).toEqual(expected.map(Math.fround));
    }
  });

  it('randn(seed) is the reference normal stream, spare included', () => {
    for (const seed of [4, 1000]) {
      const r = RefXoshiro.seeded(seed);
      const expected = Array.from({ length: 15 }, () => r.normal());
      const got = flatOf(randn([3, 5], { seed }));
      got.forEach((v, i) => expect(closeRel(v, expected[i]!, 1e-13), `${v} vs ${expected[i]}`).toBe(true));
      const got32 = flatOf(randn([15], { seed, dtype: 'float32' }));
      got32.forEach((v, i) => expect(v).toBe(Math.fround(got[i]!)));
    }
  });

  it('same seed gives the same values, different seeds differ', () => {
    expect(flatOf(rand([50], { seed: 5 }))).toEqual(flatOf(rand([50], { seed: 5 })));
    expect(flatOf(randn([50], { seed: 5 }))).toEqual(flatOf(randn([50], { seed: 5 })));
    const a = flatOf(rand([50], { seed: 5 }));
    const b = flatOf(rand([50], { seed: 6 }));
    expect(a.filter((v, i) => v === b[i]).length).toBe(0);
    const c = flatOf(randn([50], { seed: 5 }));
    const d = flatOf(randn([50], { seed: 6 }));
    expect(c.filter((v, i) => v === d[i]).length).toBe(0);
  });

  it('the default generator: manualSeed, then consecutive calls continue one stream', () => {
    manualSeed(11);
    const r = RefXoshiro.seeded(11);
    const u = flatOf(rand([4]));
    expect(u).toEqual(Array.from({ length: 4 }, () => r.uniform()));
    const v = flatOf(rand([3]));
    expect(v).toEqual(Array.from({ length: 3 }, () => r.uniform()));
    // randn of odd length leaves a spare that the next call uses first
    manualSeed(12);
    const rn = RefXoshiro.seeded(12);
    const n1 = flatOf(randn([3]));
    const n2 = flatOf(randn([2]));
    const expected = Array.from({ length: 5 }, () => rn.normal());
    [...n1, ...n2].forEach((x, i) => expect(closeRel(x, expected[i]!, 1e-13)).toBe(true));
    // manualSeed forgets the spare
    manualSeed(12);
    randn([1]);
    manualSeed(12);
    expect(flatOf(randn([2]))).toEqual([...n1.slice(0, 2)]);
  });

  it('a seeded call does not disturb the default stream', () => {
    manualSeed(21);
    const a = flatOf(rand([2]));
    manualSeed(21);
    rand([10], { seed: 99 });
    randn([10], { seed: 99 });
    expect(flatOf(rand([2]))).toEqual(a);
  });

  it('uniform(low, high) is low + (high - low) * rand', () => {
    const r = RefXoshiro.seeded(8);
    const got = flatOf(uniform([6], -2, 3, { seed: 8 }));
    for (const v of got) expect(v).toBeCloseTo(-2 + 5 * r.uniform(), 14);
  });

  it('float32 rand stays below 1 when a draw rounds up to 1.0f', () => {
    // Seed 30770746 was found by searching for a first draw above 1 - 2^-25; the reference
    // confirms it rounds to 1 in float32.
    const seed = 30770746;
    const u = RefXoshiro.seeded(seed).uniform();
    expect(u).toBeLessThan(1);
    expect(Math.fround(u)).toBe(1);
    expect(rand([1], { seed }).item()).toBe(u);
    const v = rand([1], { seed, dtype: 'float32' }).item();
    expect(v).toBeLessThan(1);
    expect(v).toBe(1 - 2 ** -24); // the largest float32 below 1
  });

  it('rand is in [0, 1) with mean 1/2 and variance 1/12 (float64 and float32)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const v = rand([100_000], { seed: 123, dtype }).dataSync();
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let sq = 0;
      for (const x of v) {
        min = Math.min(min, x);
        max = Math.max(max, x);
        sum += x;
        sq += x * x;
      }
      const mean = sum / v.length;
      const variance = sq / v.length - mean * mean;
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(1);
      expect(min).toBeLessThan(0.001);
      expect(max).toBeGreaterThan(0.999);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // sd of the mean is 0.0009
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    }
  });

  it('randn has mean 0, std 1, and the normal tail masses (100k samples)', () => {
    const v = randn([100_000], { seed: 321 }).dataSync();
    let sum = 0;
    let sq = 0;
    let beyond1 = 0;
    let beyond2 = 0;
    let neg = 0;
    for (const x of v) {
      sum += x;
      sq += x * x;
      if (Math.abs(x) > 1) beyond1++;
      if (Math.abs(x) > 2) beyond2++;
      if (x < 0) neg++;
    }
    const n = v.length;
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.015); // sd of the mean is 0.0032
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    expect(Math.abs(beyond1 / n - 0.3173)).toBeLessThan(0.01);
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.005);
    expect(Math.abs(neg / n - 0.5)).toBeLessThan(0.01);
  });

  it('successive uniform draws are not correlated', () => {
    const v = rand([50_000], { seed: 5 }).dataSync();
    let c = 0;
    for (let i = 1; i < v.length; i++) c += (v[i]! - 0.5) * (v[i - 1]! - 0.5);
    expect(Math.abs(c / (v.length - 1) / (1 / 12))).toBeLessThan(0.03);
  });
});

describe('portableLog', () => {
  const check = (x: number): void => {
    const got = portableLog(x);
    const want = Math.log(x);
    if (want === 0) {
      expect(got).toBe(0);
      return;
    }
    expect(Math.abs(got - want) <= 1e-15 * Math.abs(want), `portableLog(${x}) = ${got}, Math.log = ${want}`).toBe(true);
  };

  it('agrees with Math.log to 1e-15 relative on random inputs across the exponent range', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2, maxExcluded: true, noNaN: true }), fc.integer({ min: -1070, max: 1020 }), (m, e) => {
        check(m * 2 ** e);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
    );
  });

  it('agrees near 1 and on (0, 1], where the polar method uses it', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }), (x) => {
        check(x);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
    );
    fc.assert(
      fc.property(fc.double({ min: -1e-3, max: 1e-3, noNaN: true }), (d) => {
        check(1 + d);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) },
    );
  });

  it('exact points and the scaling boundaries', () => {
    expect(portableLog(1)).toBe(0);
    for (const x of [2, 0.5, Math.E, 10, 1e-300, 1e300, Math.SQRT1_2, Math.SQRT2, 0.7071067811865475, 1.4142135623730951, 5e-324, 1.7976931348623157e308]) check(x);
    for (let k = -20; k <= 20; k++) expect(portableLog(2 ** k)).toBeCloseTo(k * Math.LN2, 14);
  });
});

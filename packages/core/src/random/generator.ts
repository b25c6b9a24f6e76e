import { describeValue } from '../util/options.js';

/**
 * A seeded generator whose streams are bit-identical on every JavaScript engine: xoshiro128**
 * on 32-bit integers (Math.imul and shifts are exact everywhere), and normals by Marsaglia's
 * polar method using only +, *, / and sqrt (IEEE correctly rounded) and a logarithm computed
 * here from those same operations, because Math.log may differ in the last bit between engines.
 *
 * Seeds are safe integers (|seed| <= 2^53 - 1); anything else (1.5, NaN, 2^53, a string) throws,
 * because rounding it would quietly give two different seeds one stream. Every safe integer
 * has its own stream: the seed is split as `seed = hi * 2^32 + lo` with `0 <= lo < 2^32`
 * (so -1 is hi = -1, lo = 2^32 - 1); SplitMix32 started at `lo` expands it into the four
 * state words, and the second word is XORed with the murmur3 finaliser of `hi` (a bijection
 * of 32-bit words that maps 0 to 0). Seeds in [0, 2^32) therefore keep the plain SplitMix32
 * expansion, and distinct seeds give distinct states: the first word fixes `lo`, and then the
 * second fixes `hi`.
 *
 * @example
 * ```ts
 * import { Generator } from '@kindling/core';
 * const a = new Generator(42), b = new Generator(42);
 * console.log(a.uniform() === b.uniform()); // true
 * console.log(new Generator(-1).nextUint32() === new Generator(2 ** 32 - 1).nextUint32()); // false
 * ```
 *
 * @category Random numbers
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** A generator seeded with `seed` (a safe integer; 0 by default). */
  constructor(seed = 0) {
    this.reset(checkSeed('Generator', seed));
  }

  /** Resets the generator's state from `seed` (a safe integer), so that the same draws follow. */
  manualSeed(seed: number): this {
    this.reset(checkSeed('manualSeed', seed));
    return this;
  }

  private reset(seed: number): void {
    const hi = Math.floor(seed / 0x100000000); // in [-2^21, 2^21) for safe integers: exact
    let x = (seed - hi * 0x100000000) >>> 0; // lo, in [0, 2^32)
    // SplitMix32 expands one seed into four well-mixed state words (never all zero).
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      return fmix32(x);
    };
    this.s0 = next();
    this.s1 = (next() ^ fmix32(hi >>> 0)) >>> 0;
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal. */
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
      const f = Math.sqrt((-2 * portableLog(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit words with fmix32(0) = 0. */
function fmix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Returns `seed` if it is a safe integer, else throws naming `op` and the value. Rounding or
 * truncating instead would make 1, 1.5 and 1.9999 one stream without a word.
 */
export function checkSeed(op: string, seed: unknown): number {
  // Number.isSafeInteger is false for anything but a number (it does not convert).
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${op}: seed must be a safe integer (|seed| <= 2^53 - 1), got ${describeValue(seed)}`);
  }
  return seed as number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LN2 = 0.6931471805599453;
const SQRT1_2 = 0.7071067811865476;

/** ln(x) for finite x > 0 from IEEE basic operations only (accurate to a few ulp). */
export function portableLog(x: number): number {
  // Scale into [sqrt(1/2), sqrt(2)) by exact powers of two.
  let e = 0;
  // Stryker disable next-line EqualityOperator: x = sqrt(1/2) exactly would be doubled here and halved back by the next loop
  while (x < SQRT1_2) {
    x *= 2;
    e--;
  }
  while (x >= 2 * SQRT1_2) {
    x /= 2;
    e++;
  }
  // ln(x) = 2 atanh(s), s = (x-1)/(x+1), |s| < 0.172: the odd series converges fast.
  const s = (x - 1) / (x + 1);
  const s2 = s * s;
  let term = s;
  let sum = 0;
  // Stryker disable next-line EqualityOperator: the k = 41 term is under 1e-30 of the sum, so leaving it out changes no bit
  for (let k = 1; k <= 41; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return e * LN2 + 2 * sum;
}

/** The generator behind rand/randn calls that pass no seed; reset with manualSeed. */
export const defaultGenerator = new Generator(0);

/**
 * Reseeds the default generator (like torch.manual_seed); `seed` must be a safe integer.
 *
 * @category Random numbers
 */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/**
 * A seeded generator whose streams are bit-identical on every JavaScript engine: xoshiro128**
 * on 32-bit integers (Math.imul and shifts are exact everywhere), and normals by Marsaglia's
 * polar method using only +, *, / and sqrt (IEEE correctly rounded) and a logarithm computed
 * here from those same operations, because Math.log may differ in the last bit between engines.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the generator's state from `seed`, so that the same draws follow. */
  manualSeed(seed: number): this {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${String(seed)}`);
    // SplitMix32 expands one seed into four well-mixed state words (never all zero).
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
    return this;
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

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LN2 = 0.6931471805599453;
const SQRT1_2 = 0.7071067811865476;

/** ln(x) for finite x > 0 from IEEE basic operations only (accurate to a few ulp). */
export function portableLog(x: number): number {
  // Scale into [sqrt(1/2), sqrt(2)) by exact powers of two.
  let e = 0;
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
  for (let k = 1; k <= 41; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return e * LN2 + 2 * sum;
}

/** The generator behind rand/randn calls that pass no seed; reset with manualSeed. */
export const defaultGenerator = new Generator(0);

/** Reseeds the default generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

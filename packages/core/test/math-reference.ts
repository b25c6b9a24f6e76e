/**
 * Independent references for the math ops' tests: formulas written from their definitions,
 * sharing no code with src/ (the kernels compute erf with W. J. Cody's rational
 * approximations; the reference here sums a power series instead).
 */
import type { BinaryOp } from '../src/kernels/kernels.js';

/**
 * erf(x) = 2/√π · e^(-x²) · Σ_{n≥0} 2ⁿ x^(2n+1) / (1·3·5···(2n+1)) (Abramowitz & Stegun 7.1.6).
 * Every term is positive, so the sum has no cancellation: for |x| <= 6 it is good to a few
 * ulps. Beyond 6, erf(x) rounds to ±1 in float64.
 */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  const x2 = 2 * ax * ax;
  for (let n = 0; n < 500; n++) {
    term *= x2 / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  return x < 0 ? -r : r;
}

/** The standard normal CDF Φ(x) = (1 + erf(x/√2)) / 2. */
export const normalCdfRef = (x: number): number => 0.5 * (1 + erfRef(x / Math.SQRT2));
/** The standard normal density φ(x). */
export const normalPdfRef = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** x·Φ(x). */
export const geluRef = (x: number): number => x * normalCdfRef(x);
/** Φ(x) + x·φ(x). */
export const geluGradRef = (x: number): number => normalCdfRef(x) + x * normalPdfRef(x);

const K = Math.sqrt(2 / Math.PI);
/** PyTorch's tanh approximation of gelu, as torch writes it. */
export const geluTanhRef = (x: number): number => 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x ** 3)));
/** Its derivative, by the product and chain rules. */
export function geluTanhGradRef(x: number): number {
  const t = Math.tanh(K * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x);
}

export const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
export const siluRef = (x: number): number => x / (1 + Math.exp(-x));
export function siluGradRef(x: number): number {
  const s = sigmoidRef(x);
  return s + x * s * (1 - s);
}

/** The binary kernels elementwise, written plainly (a: the gradient or left operand, b: the right operand or saved output). */
export const binaryRef: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  eq: (a, b) => (a === b ? 1 : 0),
  reluBackward: (a, b) => (b > 0 ? a : 0),
  absBackward: (a, b) => (b > 0 ? a : b < 0 ? -a : b === 0 ? 0 * a : NaN),
  sigmoidBackward: (a, b) => a * b * (1 - b),
  tanhBackward: (a, b) => a * (1 - b * b),
  ne: (a, b) => (a === b ? 0 : 1),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
};

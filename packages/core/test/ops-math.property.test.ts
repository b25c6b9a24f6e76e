/**
 * Property tests for the math, comparison and reduction ops on random, mostly non-contiguous
 * inputs (permute / transpose / narrow / expand views of a base, arbitraries.ts): forward
 * values against plain-JS formulas and index math written here, first derivatives against
 * central differences (gradcheck, every Jacobian entry) and second derivatives the same way
 * (gradgradcheck: the gradient, taken with createGraph, is itself gradchecked against the
 * inputs and the upstream gradient). Inputs keep away from kinks, ties, thresholds and bounds,
 * where a derivative is a convention rather than a limit (the conventions are pinned in
 * ops-math.unit.test.ts and against PyTorch in torch.ops-math.test.ts). Fixed seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Tensor, gradcheck, gradgradcheck, tensor } from '../src/index.js';
import type { DType } from '../src/storage/dtype.js';
import {
  type Domain, type ViewCase, arbAxes, arbBroadcastPair, arbTensorView, arbTensorViewOfShape, broadcastShapeRef, broadcastSource, buildView,
  expectClose, flatOf, forEachIndex, normalizeAxes, ravelIndex, sizeOfShape,
} from './arbitraries.js';
import { erfRef, geluRef, geluTanhRef, siluRef } from './math-reference.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 40) });

const RTOL = 1e-12;
const ATOL = 1e-13;

/**
 * Forward values (shape and elements against `expected`) of fn on the views, then gradcheck and
 * gradgradcheck of fn through the same view steps on float64 bases.
 */
function check(cases: readonly ViewCase[], fn: (...xs: Tensor[]) => Tensor, expected: { shape: number[]; flat: number[] }, opts: { rtol?: number; second?: boolean } = {}): void {
  const views = cases.map((c) => c.build({ requiresGrad: true }).view);
  const y = fn(...views);
  expect(y.shape).toEqual(expected.shape);
  expectClose(flatOf(y), expected.flat, opts.rtol ?? RTOL, ATOL, 'forward');
  const bases = cases.map((c) => tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true }));
  const through = (...bs: Tensor[]) => fn(...bs.map((b, i) => buildView(b, cases[i]!.steps)));
  expect(gradcheck(through, bases)).toBe(true);
  if (opts.second !== false) expect(gradgradcheck(through, bases)).toBe(true);
}

// ---- elementwise unary ----------------------------------------------------------------------

interface Unary {
  name: string;
  domain: Domain;
  t: (x: Tensor) => Tensor;
  f: (x: number) => number;
  /** Values to keep 1e-3 away from (a threshold or bound where the derivative jumps). */
  avoid?: number[];
}

const UNARY: Unary[] = [
  { name: 'square', domain: 'any', t: (x) => x.square(), f: (x) => x * x },
  { name: 'rsqrt', domain: 'positive', t: (x) => x.rsqrt(), f: (x) => 1 / Math.sqrt(x) },
  { name: 'reciprocal', domain: 'divisor', t: (x) => x.reciprocal(), f: (x) => 1 / x },
  { name: 'sign', domain: 'nonzero', t: (x) => x.sign(), f: (x) => (x > 0 ? 1 : -1) },
  { name: 'sin', domain: 'any', t: (x) => x.sin(), f: Math.sin },
  { name: 'cos', domain: 'any', t: (x) => x.cos(), f: Math.cos },
  // log1p on (-0.9, 2.1]: shifted from the positive domain [0.1, 3].
  { name: 'log1p', domain: 'positive', t: (x) => x.sub(1).log1p(), f: (x) => Math.log(x) },
  { name: 'expm1', domain: 'any', t: (x) => x.expm1(), f: (x) => Math.exp(x) - 1 },
  { name: 'erf', domain: 'any', t: (x) => x.erf(), f: erfRef },
  { name: 'softplus()', domain: 'any', t: (x) => x.mul(3).softplus(), f: (x) => Math.log(1 + Math.exp(3 * x)) },
  // beta·x crosses the threshold 4 at x = 2: both regions, never the jump itself.
  { name: 'softplus(2, 4)', domain: 'any', t: (x) => x.softplus(2, 4), f: (x) => (2 * x > 4 ? x : Math.log(1 + Math.exp(2 * x)) / 2), avoid: [2] },
  { name: 'leakyRelu()', domain: 'nonzero', t: (x) => x.leakyRelu(), f: (x) => (x > 0 ? x : 0.01 * x) },
  { name: 'leakyRelu(-0.3)', domain: 'nonzero', t: (x) => x.leakyRelu(-0.3), f: (x) => (x > 0 ? x : -0.3 * x) },
  { name: 'elu()', domain: 'nonzero', t: (x) => x.elu(), f: (x) => (x > 0 ? x : Math.exp(x) - 1) },
  { name: 'elu(1.7)', domain: 'nonzero', t: (x) => x.elu(1.7), f: (x) => (x > 0 ? x : 1.7 * (Math.exp(x) - 1)) },
  { name: 'gelu()', domain: 'any', t: (x) => x.mul(2).gelu(), f: (x) => geluRef(2 * x) },
  { name: "gelu({ approximate: 'tanh' })", domain: 'any', t: (x) => x.mul(2).gelu({ approximate: 'tanh' }), f: (x) => geluTanhRef(2 * x) },
  { name: 'silu', domain: 'any', t: (x) => x.mul(2).silu(), f: (x) => siluRef(2 * x) },
  { name: 'clamp(-1, 0.5)', domain: 'any', t: (x) => x.clamp(-1, 0.5), f: (x) => Math.min(Math.max(x, -1), 0.5), avoid: [-1, 0.5] },
  { name: 'clamp(0.2)', domain: 'any', t: (x) => x.clamp(0.2), f: (x) => Math.max(x, 0.2), avoid: [0.2] },
  { name: 'clamp(null, -0.7)', domain: 'any', t: (x) => x.clamp(null, -0.7), f: (x) => Math.min(x, -0.7), avoid: [-0.7] },
];

const away = (avoid: number[] | undefined) => (c: ViewCase) => !avoid || c.baseFlat.every((v) => avoid.every((a) => Math.abs(v - a) > 1e-3));

describe('elementwise unary ops on views: forward by formula, gradcheck, gradgradcheck', () => {
  for (const u of UNARY) {
    it(u.name, () => {
      fc.assert(
        fc.property(arbTensorView({ minDim: 0, maxSize: 12 }, u.domain).filter(away(u.avoid)), (c) => {
          check([c], u.t, { shape: c.shape, flat: c.flat.map(u.f) }, { rtol: 1e-11 });
        }),
      );
    });
  }

  it('float32 in, float32 out, the float64 value rounded (within an ulp or two)', () => {
    fc.assert(
      fc.property(arbTensorView({ minDim: 1, maxSize: 24 }, 'positive'), fc.constantFrom(...UNARY), (c, u) => {
        const y = u.t(c.build({ dtype: 'float32' }).view);
        expect(y.dtype).toBe('float32');
        const x32 = c.flat.map((v) => Math.fround(v));
        expectClose(flatOf(y), x32.map((v) => Math.fround(u.f(v))), 3e-7, 1e-7);
      }),
    );
  });
});

// ---- binary: minimum, maximum, comparisons --------------------------------------------------

function broadcastRef(a: ViewCase, b: ViewCase, f: (x: number, y: number) => number): { shape: number[]; flat: number[] } {
  const shape = broadcastShapeRef(a.shape, b.shape)!;
  const flat: number[] = [];
  forEachIndex(shape, (idx) => flat.push(f(a.flat[broadcastSource(idx, a.shape)]!, b.flat[broadcastSource(idx, b.shape)]!)));
  return { shape, flat };
}

const arbPair = (maxSize: number) =>
  arbBroadcastPair({ minDim: 0, maxSize }).chain(([as, bs]) => fc.tuple(arbTensorViewOfShape(as, 'any', 2), arbTensorViewOfShape(bs, 'any', 2)));

describe('minimum / maximum with broadcasting', () => {
  for (const op of ['minimum', 'maximum'] as const) {
    it(`${op}: forward by index math, gradcheck and gradgradcheck through both operands`, () => {
      const noTies = ([a, b]: [ViewCase, ViewCase]) => broadcastRef(a, b, (x, y) => Math.abs(x - y)).flat.every((d) => d > 1e-3);
      fc.assert(
        fc.property(arbPair(12).filter(noTies), ([a, b]) => {
          check([a, b], (x, y) => x[op](y).mul(x), broadcastRef(a, b, (x, y) => (op === 'minimum' ? Math.min(x, y) : Math.max(x, y)) * x));
        }),
      );
    });
  }
});

/** The dtype PyTorch gives a binary op: a 0-d operand does not promote a dimensioned one. */
function expectedDType(a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] }): DType {
  if (a.dtype === b.dtype) return a.dtype;
  if (a.shape.length === 0 && b.shape.length > 0) return b.dtype;
  if (b.shape.length === 0 && a.shape.length > 0) return a.dtype;
  return 'float64';
}

describe('comparisons', () => {
  const REF: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', (a: number, b: number) => boolean> = {
    eq: (a, b) => a === b, ne: (a, b) => a !== b, lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b,
  };
  it('eq ne lt le gt ge on broadcast views with many ties, in either dtype: 0/1 in the promoted dtype, no grad', () => {
    fc.assert(
      fc.property(arbPair(36), fc.constantFrom(...(Object.keys(REF) as (keyof typeof REF)[])), fc.constantFrom<DType>('float64', 'float32'), fc.constantFrom<DType>('float64', 'float32'), ([a, b], op, da, db) => {
        // Halves in [-3, 3]: exact in float32 and often equal.
        const half = (v: number) => Math.round(v * 2) / 2;
        const x = buildView(tensor(a.baseFlat.map(half), { shape: a.baseShape, dtype: da, requiresGrad: true }), a.steps);
        const y = buildView(tensor(b.baseFlat.map(half), { shape: b.baseShape, dtype: db }), b.steps);
        const r = x[op](y);
        expect(r.dtype).toBe(expectedDType(x, y));
        expect(r.requiresGrad).toBe(false);
        const ref = broadcastRef({ ...a, flat: a.flat.map(half) }, { ...b, flat: b.flat.map(half) }, (p, q) => (REF[op](p, q) ? 1 : 0));
        expect(r.shape).toEqual(ref.shape);
        expect(flatOf(r)).toEqual(ref.flat);
        const n = x[op](0.5);
        expect(n.dtype).toBe(da);
        expect(flatOf(n)).toEqual(a.flat.map((v) => (REF[op](half(v), 0.5) ? 1 : 0)));
      }),
    );
  });

  it('isnan / isfinite on views holding NaN and infinities', () => {
    fc.assert(
      fc.property(arbTensorView({ minDim: 0, maxSize: 36 }), (c) => {
        const special = (v: number) => (v > 2.5 ? NaN : v < -2.5 ? -Infinity : v > 2 ? Infinity : v);
        const x = buildView(tensor(c.baseFlat.map(special), { shape: c.baseShape }), c.steps);
        expect(flatOf(x.isnan())).toEqual(c.flat.map((v) => (Number.isNaN(special(v)) ? 1 : 0)));
        expect(flatOf(x.isfinite())).toEqual(c.flat.map((v) => (Number.isFinite(special(v)) ? 1 : 0)));
      }),
    );
  });
});

// ---- reductions -----------------------------------------------------------------------------

/** The reduced groups by index math: for each output element (row-major), its elements in row-major order of the reduced axes. */
function groups(shape: readonly number[], flat: readonly number[], axes: readonly number[]): { outShape: number[]; groups: number[][] } {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => shape[i]!);
  const gs: number[][] = Array.from({ length: sizeOfShape(outShape) }, () => []);
  forEachIndex(shape, (idx, f) => gs[ravelIndex(kept.map((i) => idx[i]!), outShape)]!.push(flat[f]!));
  return { outShape, groups: gs };
}

const keepShape = (shape: readonly number[], axes: readonly number[], keepdim: boolean, outShape: number[]) =>
  keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape;

interface Reduction {
  name: string;
  domain: Domain | 'distinct';
  t: (x: Tensor, axis: number | number[] | undefined, keepdim: boolean) => Tensor;
  f: (g: number[]) => number;
  /** Groups the op is defined (and smooth) on. */
  ok?: (g: number[]) => boolean;
}

const sum = (g: number[]) => g.reduce((s, v) => s + v, 0);
const variance = (g: number[], c: number) => {
  const m = sum(g) / g.length;
  return sum(g.map((v) => (v - m) ** 2)) / (g.length - c);
};

const REDUCTIONS: Reduction[] = [
  { name: 'min', domain: 'distinct', t: (x, a, k) => x.min(a, k), f: (g) => Math.min(...g), ok: (g) => g.length > 0 },
  { name: 'prod', domain: 'any', t: (x, a, k) => x.prod(a, k), f: (g) => g.reduce((p, v) => p * v, 1) },
  { name: 'logsumexp', domain: 'any', t: (x, a, k) => x.logsumexp(a, k), f: (g) => Math.log(sum(g.map(Math.exp))), ok: (g) => g.length > 0 },
  { name: 'var()', domain: 'any', t: (x, a, k) => x.var(a, k), f: (g) => variance(g, 1), ok: (g) => g.length > 1 },
  { name: 'var({ correction: 0 })', domain: 'any', t: (x, a, k) => x.var(a, k, { correction: 0 }), f: (g) => variance(g, 0), ok: (g) => g.length > 0 },
  { name: 'std()', domain: 'distinct', t: (x, a, k) => x.std(a, k), f: (g) => Math.sqrt(variance(g, 1)), ok: (g) => g.length > 1 },
  { name: 'std({ correction: 2 })', domain: 'distinct', t: (x, a, k) => x.std(a, k, { correction: 2 }), f: (g) => Math.sqrt(variance(g, 2)), ok: (g) => g.length > 2 },
  { name: 'norm()', domain: 'nonzero', t: (x, a, k) => x.norm(2, a, k), f: (g) => Math.sqrt(sum(g.map((v) => v * v))), ok: (g) => g.length > 0 },
  { name: 'norm(1)', domain: 'nonzero', t: (x, a, k) => x.norm(1, a, k), f: (g) => sum(g.map(Math.abs)) },
  {
    name: 'norm(Infinity)', domain: 'distinct', t: (x, a, k) => x.norm(Infinity, a, k), f: (g) => Math.max(...g.map(Math.abs)),
    ok: (g) => g.length > 0 && g.every((v, i) => Math.abs(v) > 1e-3 && g.every((w, j) => i === j || Math.abs(Math.abs(v) - Math.abs(w)) > 1e-3)),
  },
];

describe('reductions over views: forward by index math, gradcheck, gradgradcheck', () => {
  for (const r of REDUCTIONS) {
    it(`${r.name}(axis, keepdim)`, () => {
      fc.assert(
        fc.property(
          arbTensorView({ minDim: 0, maxDim: 3, maxSize: 12 }, r.domain).chain((c) => fc.tuple(fc.constant(c), arbAxes(c.shape.length), fc.boolean())),
          ([c, axis, keepdim]) => {
            const axes = normalizeAxes(axis, c.shape.length);
            const { outShape, groups: gs } = groups(c.shape, c.flat, axes);
            if (!gs.every((g) => (r.ok ?? (() => true))(g))) return;
            check([c], (x) => r.t(x, axis, keepdim), { shape: keepShape(c.shape, axes, keepdim, outShape), flat: gs.map(r.f) }, { rtol: 1e-11 });
          },
        ),
      );
    });
  }

  it('prod with zeros in a group: the gradient is the product of the others, and gradgradcheck holds', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minDim: 1, maxDim: 3, maxSize: 12 }).chain((c) => fc.tuple(fc.constant(c), arbAxes(c.shape.length), fc.boolean(), fc.integer({ min: 1, max: 3 }))),
        ([c, axis, keepdim, zeros]) => {
          // Put zeros in the base (so a view may repeat them): every third, second or first element.
          const base = c.baseFlat.map((v, i) => (i % (zeros + 1) === 0 ? 0 : v));
          const flat = c.sources.map((i) => base[i]!);
          const axes = normalizeAxes(axis, c.shape.length);
          const { outShape, groups: gs } = groups(c.shape, flat, axes);
          const zc: ViewCase = { ...c, baseFlat: base, flat, build: (o) => {
            const b = tensor(base, { shape: c.baseShape, dtype: o?.dtype ?? 'float64', requiresGrad: o?.requiresGrad ?? false });
            return { base: b, view: buildView(b, c.steps) };
          } };
          check([zc], (x) => x.prod(axis, keepdim), { shape: keepShape(c.shape, axes, keepdim, outShape), flat: gs.map((g) => g.reduce((p, v) => p * v, 1)) });
        },
      ),
    );
  });
});

// ---- along one dim: cumsum, softmax, logSoftmax, argmax, argmin -------------------------------

/** Rows along `dim` by index math: (outer, inner) pairs with the row's flat indices. */
function rows(shape: readonly number[], dim: number): number[][] {
  const out: number[][] = [];
  const rest = shape.map((_, i) => i).filter((i) => i !== dim);
  const restShape = rest.map((i) => shape[i]!);
  forEachIndex(restShape, (ridx) => {
    const row: number[] = [];
    for (let k = 0; k < shape[dim]!; k++) {
      const idx = new Array<number>(shape.length);
      rest.forEach((d, j) => (idx[d] = ridx[j]!));
      idx[dim] = k;
      row.push(ravelIndex(idx, shape));
    }
    out.push(row);
  });
  return out;
}

function alongRef(c: ViewCase, dim: number, f: (row: number[]) => number[]): number[] {
  const out = new Array<number>(c.flat.length);
  for (const r of rows(c.shape, dim)) {
    const ys = f(r.map((i) => c.flat[i]!));
    r.forEach((i, k) => (out[i] = ys[k]!));
  }
  return out;
}

const ALONG: { name: string; t: (x: Tensor, dim: number) => Tensor; f: (row: number[]) => number[] }[] = [
  { name: 'cumsum', t: (x, d) => x.cumsum(d), f: (r) => r.map((_, k) => sum(r.slice(0, k + 1))) },
  { name: 'softmax', t: (x, d) => x.softmax(d), f: (r) => r.map((v) => Math.exp(v) / sum(r.map(Math.exp))) },
  { name: 'logSoftmax', t: (x, d) => x.logSoftmax(d), f: (r) => r.map((v) => v - Math.log(sum(r.map(Math.exp)))) },
];

const arbDim = (c: ViewCase) => fc.integer({ min: -Math.max(c.shape.length, 1), max: Math.max(c.shape.length, 1) - 1 });

describe('along one dim, over views', () => {
  for (const a of ALONG) {
    it(`${a.name}(dim): forward by index math, gradcheck, gradgradcheck (the fused backward op is differentiable)`, () => {
      fc.assert(
        fc.property(arbTensorView({ minDim: 0, maxDim: 4, maxSize: 12 }).chain((c) => fc.tuple(fc.constant(c), arbDim(c))), ([c, dim]) => {
          const d = c.shape.length === 0 ? 0 : dim < 0 ? dim + c.shape.length : dim;
          const flat = c.shape.length === 0 ? a.f(c.flat) : alongRef(c, d, a.f);
          // A product with the input makes the second derivative of the linear cumsum non-zero.
          check([c], (x) => a.t(x, dim).mul(x), { shape: c.shape, flat: flat.map((v, i) => v * c.flat[i]!) });
        }),
      );
    });
  }

  it('argmax / argmin along a dim or flattened: the first index of the extreme, float64, keepdim shapes', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minDim: 1, maxDim: 4, maxSize: 36 }).chain((c) => fc.tuple(fc.constant(c), fc.option(arbDim(c), { nil: undefined }), fc.boolean())),
        ([c, dim, keepdim]) => {
          // Whole numbers: ties are common, and the first index must win.
          const x = buildView(tensor(c.baseFlat.map(Math.round), { shape: c.baseShape }), c.steps);
          const vals = c.flat.map(Math.round);
          for (const op of ['argmax', 'argmin'] as const) {
            const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
            const pick = (row: number[]) => row.reduce((best, v, k) => (better(v, row[best]!) ? k : best), 0);
            const r = x[op](dim, keepdim);
            expect(r.dtype).toBe('float64');
            if (dim === undefined) {
              expect(r.shape).toEqual(keepdim ? c.shape.map(() => 1) : []);
              expect(flatOf(r)).toEqual([pick(vals)]);
            } else {
              const d = dim < 0 ? dim + c.shape.length : dim;
              expect(r.shape).toEqual(keepdim ? c.shape.map((s, i) => (i === d ? 1 : s)) : c.shape.filter((_, i) => i !== d));
              expect(flatOf(r)).toEqual(rows(c.shape, d).map((row) => pick(row.map((i) => vals[i]!))));
            }
          }
        },
      ),
    );
  });
});

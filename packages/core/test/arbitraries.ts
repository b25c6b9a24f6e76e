/**
 * Shared fast-check strategies and independent references for the core tests.
 *
 * Everything here is written without using the code under test for the numbers: index math
 * is done with plain loops, references evaluate with plain JS or with the Scalar engine
 * (which is tested separately against central differences in scalar.test.ts).
 *
 * Stable exports (other test files import these):
 *   shapes:  arbShape, arbBroadcastPair, arbMatmulShapes, arbAxes, sizeOfShape
 *   values:  arbValue, arbValues, arbDistinctValues, Domain
 *   tensors: arbTensorCase, arbTensorView, buildView, ViewStep, ViewCase, TensorCase
 *   index math: stridesOf, forEachIndex, unravelIndex, ravelIndex, gatherStrided, nest, broadcastShapeRef
 *   references: Ref (tensor of Scalars) and ref* functions, centralDiff, expectClose, flatOf
 */
import fc from 'fast-check';
import { Scalar } from '../src/scalar.js';
import { Tensor } from '../src/tensor.js';
import { tensor } from '../src/factories.js';
import type { DType } from '../src/storage/dtype.js';

// ---- index math (independent of the library) -------------------------------------------------

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a dense array of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

export function ravelIndex(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + idx[d]!;
  return flat;
}

/** Calls cb(multiIndex, flat) for every element of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], cb: (idx: number[], flat: number) => void): void {
  const n = sizeOfShape(shape);
  for (let f = 0; f < n; f++) cb(unravelIndex(f, shape), f);
}

/** Values of a strided view (shape, strides, offset) over a flat buffer, row-major. */
export function gatherStrided(buf: readonly number[], shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  forEachIndex(shape, (idx) => {
    let p = offset;
    for (let d = 0; d < idx.length; d++) p += idx[d]! * strides[d]!;
    out.push(buf[p]!);
  });
  return out;
}

/** Nested arrays (a number for 0-d) from row-major values. */
export type Nested = number | Nested[];
export function nest(flat: readonly number[], shape: readonly number[]): Nested {
  if (shape.length === 0) return flat[0]!;
  let pos = 0;
  const build = (d: number): Nested[] => {
    const out: Nested[] = [];
    for (let i = 0; i < shape[d]!; i++) out.push(d === shape.length - 1 ? flat[pos++]! : build(d + 1));
    return out;
  };
  return build(0);
}

/** NumPy broadcasting, written out independently; null when incompatible. */
export function broadcastShapeRef(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Flat index into an operand of shape `src` for the output multi-index `idx` (broadcast). */
export function broadcastSource(idx: readonly number[], src: readonly number[]): number {
  const lead = idx.length - src.length;
  let flat = 0;
  for (let d = 0; d < src.length; d++) flat = flat * src[d]! + (src[d] === 1 ? 0 : idx[lead + d]!);
  return flat;
}

/** Row-major values of a tensor read element by element through toArray (no typed-array tricks). */
export function flatOf(t: Tensor): number[] {
  const a = t.toArray();
  const out: number[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else out.push(x as number);
  };
  walk(a);
  return out;
}

// ---- shapes ----------------------------------------------------------------------------------

export interface ShapeOpts {
  minRank?: number;
  maxRank?: number;
  minDim?: number;
  maxDim?: number;
  /** Upper bound on the element count (keeps gradchecks cheap). */
  maxSize?: number;
}

export function arbShape(opts: ShapeOpts = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 4, maxSize = 64 } = opts;
  // Empty dims are allowed but kept rare, so most cases have data; ranks are drawn uniformly
  // (fast-check's default array bias would make most shapes tiny).
  const dim =
    minDim === 0
      ? fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 15, arbitrary: fc.integer({ min: 1, max: maxDim }) })
      : fc.integer({ min: minDim, max: maxDim });
  return fc
    .integer({ min: minRank, max: maxRank })
    .chain((r) => fc.array(dim, { minLength: r, maxLength: r }))
    .filter((s) => sizeOfShape(s) <= maxSize);
}

/**
 * Two shapes that broadcast together: both derive from an output shape by dropping leading dims
 * and setting some dims to 1. Returns [a, b, out].
 */
export function arbBroadcastPair(opts: ShapeOpts = {}): fc.Arbitrary<[number[], number[], number[]]> {
  return arbShape(opts).chain((out) => {
    const derive = fc
      .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
      .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
    return fc.tuple(derive, derive).map(([a, b]) => {
      // The broadcast of a and b may be smaller than `out` (a dim set to 1 in both); report the real one.
      return [a, b, broadcastShapeRef(a, b)!] as [number[], number[], number[]];
    });
  });
}

/** Shapes for matmul following PyTorch's rules, incl. 1-d operands and broadcast batch dims. */
export function arbMatmulShapes(opts: { minDim?: number; maxDim?: number } = {}): fc.Arbitrary<{ a: number[]; b: number[] }> {
  const { minDim = 1, maxDim = 4 } = opts;
  const dim = fc.integer({ min: minDim, max: maxDim });
  return fc
    .record({
      m: dim,
      k: dim,
      n: dim,
      aOneD: fc.boolean(),
      bOneD: fc.boolean(),
      batch: arbBroadcastPair({ maxRank: 3, maxDim: 3, minDim: 1, maxSize: 12 }),
      batched: fc.boolean(),
    })
    .map(({ m, k, n, aOneD, bOneD, batch, batched }) => {
      const [ba, bb] = batched ? [batch[0], batch[1]] : [[], []];
      const a = aOneD ? [k] : [...ba, m, k];
      const b = bOneD ? [k] : [...bb, k, n];
      return { a, b };
    });
}

/** Axis arguments for a reduction over a tensor of rank `ndim`: undefined, a number or an array, negatives included. */
export function arbAxes(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  const axes = Array.from({ length: ndim }, (_, i) => i);
  const signed = (a: number) => fc.boolean().map((neg) => (neg ? a - ndim : a));
  const one = ndim === 0 ? fc.constant(undefined) : fc.integer({ min: 0, max: ndim - 1 }).chain(signed);
  const many = fc
    .shuffledSubarray(axes, { minLength: 0, maxLength: ndim })
    .chain((sub) => (sub.length === 0 ? fc.constant([] as number[]) : fc.tuple(...sub.map(signed))));
  return fc.oneof(fc.constant(undefined), one, many);
}

/** The normalized, sorted reduction axes an `axis` argument means. */
export function normalizeAxes(axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((x, y) => x - y);
}

// ---- values ----------------------------------------------------------------------------------

/**
 * any:      [-3, 3]
 * nonzero:  |x| in [0.1, 3] (away from the kinks of relu/abs and the pole of 1/x)
 * positive: [0.1, 3] (log, sqrt, non-integer powers)
 * divisor:  |x| in [0.25, 3]
 */
export type Domain = 'any' | 'nonzero' | 'positive' | 'divisor';

export function arbValue(domain: Domain = 'any'): fc.Arbitrary<number> {
  switch (domain) {
    case 'any':
      return fc.integer({ min: -3_000_000, max: 3_000_000 }).map((v) => v / 1_000_000);
    case 'positive':
      return fc.integer({ min: 100_000, max: 3_000_000 }).map((v) => v / 1_000_000);
    case 'nonzero':
      return fc.tuple(fc.boolean(), fc.integer({ min: 100_000, max: 3_000_000 })).map(([n, v]) => (n ? -v : v) / 1_000_000);
    case 'divisor':
      return fc.tuple(fc.boolean(), fc.integer({ min: 250_000, max: 3_000_000 })).map(([n, v]) => (n ? -v : v) / 1_000_000);
  }
}

export function arbValues(n: number, domain: Domain = 'any'): fc.Arbitrary<number[]> {
  return fc.array(arbValue(domain), { minLength: n, maxLength: n });
}

/** n values pairwise at least 1/300 apart (for max: no ties, so gradients are well defined). */
export function arbDistinctValues(n: number): fc.Arbitrary<number[]> {
  return fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: n, maxLength: n }).map((v) => v.map((x) => x / 300));
}

export interface TensorCase {
  shape: number[];
  flat: number[];
}

export function arbTensorCase(shapeOpts: ShapeOpts = {}, domain: Domain | 'distinct' = 'any'): fc.Arbitrary<TensorCase> {
  return arbShape(shapeOpts).chain((shape) =>
    (domain === 'distinct' ? arbDistinctValues(sizeOfShape(shape)) : arbValues(sizeOfShape(shape), domain)).map((flat) => ({ shape, flat })),
  );
}

// ---- non-contiguous views ----------------------------------------------------------------------

export type ViewStep =
  | { kind: 'permute'; dims: number[] }
  | { kind: 'transpose'; d0: number; d1: number }
  | { kind: 'narrow'; dim: number; start: number; length: number }
  | { kind: 'expand'; shape: number[] };

/** Applies one step with the library's view methods. */
export function applyStep(t: Tensor, s: ViewStep): Tensor {
  switch (s.kind) {
    case 'permute':
      return t.permute(s.dims);
    case 'transpose':
      return t.transpose(s.d0, s.d1);
    case 'narrow':
      return t.narrow(s.dim, s.start, s.length);
    case 'expand':
      return t.expand(s.shape);
  }
}

export function buildView(base: Tensor, steps: readonly ViewStep[]): Tensor {
  return steps.reduce(applyStep, base);
}

interface Meta {
  shape: number[];
  strides: number[];
  offset: number;
}

/** The same step on (shape, strides, offset), computed independently of the library. */
function stepMeta(m: Meta, s: ViewStep): Meta {
  const r = m.shape.length;
  switch (s.kind) {
    case 'permute':
      return { shape: s.dims.map((d) => m.shape[d]!), strides: s.dims.map((d) => m.strides[d]!), offset: m.offset };
    case 'transpose': {
      const a = s.d0 < 0 ? s.d0 + r : s.d0;
      const b = s.d1 < 0 ? s.d1 + r : s.d1;
      const shape = m.shape.slice();
      const strides = m.strides.slice();
      [shape[a], shape[b]] = [shape[b]!, shape[a]!];
      [strides[a], strides[b]] = [strides[b]!, strides[a]!];
      return { shape, strides, offset: m.offset };
    }
    case 'narrow': {
      const shape = m.shape.slice();
      shape[s.dim] = s.length;
      return { shape, strides: m.strides.slice(), offset: m.offset + s.start * m.strides[s.dim]! };
    }
    case 'expand': {
      const lead = s.shape.length - r;
      const shape = s.shape.map((d, i) => (d === -1 ? m.shape[i - lead]! : d));
      const strides = shape.map((_, i) => (i < lead || m.shape[i - lead] === 1 ? 0 : m.strides[i - lead]!));
      return { shape, strides, offset: m.offset };
    }
  }
}

/**
 * One step that produces `target` from some pre-image shape; returns [preShape, step].
 * Generated backwards so the final view has exactly the requested shape.
 */
function arbStepInto(target: number[]): fc.Arbitrary<[number[], ViewStep]> {
  const r = target.length;
  const options: fc.Arbitrary<[number[], ViewStep]>[] = [];
  if (r >= 1) {
    options.push(
      fc.shuffledSubarray(
        Array.from({ length: r }, (_, i) => i),
        { minLength: r, maxLength: r },
      ).map((dims) => {
        const pre = new Array<number>(r);
        dims.forEach((d, i) => (pre[d] = target[i]!));
        return [pre, { kind: 'permute', dims }] as [number[], ViewStep];
      }),
    );
    options.push(
      fc.tuple(fc.integer({ min: -r, max: r - 1 }), fc.integer({ min: -r, max: r - 1 })).map(([d0, d1]) => {
        const a = d0 < 0 ? d0 + r : d0;
        const b = d1 < 0 ? d1 + r : d1;
        const pre = target.slice();
        [pre[a], pre[b]] = [pre[b]!, pre[a]!];
        return [pre, { kind: 'transpose', d0, d1 }] as [number[], ViewStep];
      }),
    );
    options.push(
      fc
        .tuple(fc.integer({ min: 0, max: r - 1 }), fc.integer({ min: 1, max: 3 }))
        .chain(([dim, extra]) =>
          fc.integer({ min: 0, max: extra }).map((start) => {
            const pre = target.slice();
            pre[dim] = target[dim]! + extra;
            return [pre, { kind: 'narrow', dim, start, length: target[dim]! }] as [number[], ViewStep];
          }),
        ),
    );
    options.push(
      fc
        .tuple(fc.integer({ min: 0, max: r }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: r, maxLength: r }))
        .map(([drop, modes]) => {
          // mode 0: keep the dim (write it as -1 half the time), 1: keep as number, 2: broadcast from 1.
          const pre = target.slice(drop).map((d, i) => (modes[i + drop] === 2 ? 1 : d));
          const shape = target.map((d, i) => (i >= drop && modes[i] === 0 ? -1 : d));
          return [pre, { kind: 'expand', shape }] as [number[], ViewStep];
        }),
    );
  }
  return fc.oneof(...options);
}

export interface ViewCase {
  /** Logical shape and row-major values of the view. */
  shape: number[];
  flat: number[];
  /** The dense base the view is cut from. */
  baseShape: number[];
  baseFlat: number[];
  steps: ViewStep[];
  /** For each view element (row-major), the flat index of the base element it reads. */
  sources: number[];
  /** Builds a fresh base and the view of it (the view is non-contiguous unless steps is empty). */
  build(opts?: { dtype?: DType; requiresGrad?: boolean }): { base: Tensor; view: Tensor };
}

/**
 * A tensor of exactly `shape` made by 0-3 view steps (permute, transpose, narrow, expand) of a
 * larger or differently laid out dense base, with its logical values computed by index math.
 */
export function arbTensorViewOfShape(shape: readonly number[], domain: Domain | 'distinct' = 'any', maxSteps = 3): fc.Arbitrary<ViewCase> {
  const target = shape.slice();
  const chainSteps = (t: number[], left: number): fc.Arbitrary<{ baseShape: number[]; steps: ViewStep[] }> => {
    if (left === 0 || t.length === 0) return fc.constant({ baseShape: t, steps: [] });
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant({ baseShape: t, steps: [] as ViewStep[] }) },
      {
        weight: 3,
        arbitrary: arbStepInto(t).chain(([pre, step]) => chainSteps(pre, left - 1).map(({ baseShape, steps }) => ({ baseShape, steps: [...steps, step] }))),
      },
    );
  };
  return chainSteps(target, maxSteps).chain(({ baseShape, steps }) => {
    const n = sizeOfShape(baseShape);
    // distinct: unique base values (views may still repeat them through expand).
    const vals = domain === 'distinct' ? arbDistinctValues(n) : arbValues(n, domain);
    return vals.map((baseFlat): ViewCase => {
      let meta: Meta = { shape: baseShape.slice(), strides: stridesOf(baseShape), offset: 0 };
      for (const s of steps) meta = stepMeta(meta, s);
      const index = Array.from({ length: n }, (_, i) => i);
      const sources = gatherStrided(index, meta.shape, meta.strides, meta.offset);
      return {
        shape: meta.shape,
        flat: sources.map((i) => baseFlat[i]!),
        baseShape,
        baseFlat,
        steps,
        sources,
        build(opts = {}) {
          const base = tensor(baseFlat, { shape: baseShape, dtype: opts.dtype ?? 'float64', requiresGrad: opts.requiresGrad ?? false });
          return { base, view: buildView(base, steps) };
        },
        toString() {
          return `ViewCase(base ${JSON.stringify(baseShape)} ${JSON.stringify(baseFlat)}, steps ${JSON.stringify(steps)} -> ${JSON.stringify(meta.shape)})`;
        },
      } as ViewCase;
    });
  });
}

/** A view of a random shape (see arbTensorViewOfShape). */
export function arbTensorView(shapeOpts: ShapeOpts = {}, domain: Domain | 'distinct' = 'any'): fc.Arbitrary<ViewCase> {
  return arbShape(shapeOpts).chain((s) => arbTensorViewOfShape(s, domain));
}

/** Gradient of the base given the gradient of the view: scatter-add along `sources`. */
export function scatterAdd(sources: readonly number[], g: readonly number[], baseSize: number): number[] {
  const out = new Array<number>(baseSize).fill(0);
  sources.forEach((s, i) => (out[s]! += g[i]!));
  return out;
}

// ---- Ref: a tensor of Scalars, the independent reference for forward values and gradients ----

export interface Ref {
  shape: number[];
  data: Scalar[];
}

export function refLeaf(shape: readonly number[], flat: readonly number[]): Ref {
  return { shape: shape.slice(), data: flat.map((v) => new Scalar(v)) };
}

export const refValues = (r: Ref): number[] => r.data.map((s) => s.data);
export const refGrads = (r: Ref): number[] => r.data.map((s) => s.grad);

export function refUnary(r: Ref, f: (s: Scalar) => Scalar): Ref {
  return { shape: r.shape.slice(), data: r.data.map(f) };
}

export function refBinary(a: Ref, b: Ref, f: (x: Scalar, y: Scalar) => Scalar): Ref {
  const shape = broadcastShapeRef(a.shape, b.shape);
  if (!shape) throw new Error(`refBinary: ${JSON.stringify(a.shape)} vs ${JSON.stringify(b.shape)}`);
  const data: Scalar[] = [];
  forEachIndex(shape, (idx) => data.push(f(a.data[broadcastSource(idx, a.shape)]!, b.data[broadcastSource(idx, b.shape)]!)));
  return { shape, data };
}

/** Reduction over `axes` (normalized) by sum, mean or max; max picks the (unique) largest Scalar. */
export function refReduce(r: Ref, axes: readonly number[], keepdim: boolean, kind: 'sum' | 'mean' | 'max'): Ref {
  const kept = r.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => r.shape[i]!);
  const groups: Scalar[][] = Array.from({ length: sizeOfShape(outShape) }, () => []);
  forEachIndex(r.shape, (idx, f) => {
    groups[ravelIndex(kept.map((i) => idx[i]!), outShape)]!.push(r.data[f]!);
  });
  let count = 1;
  for (const a of axes) count *= r.shape[a]!;
  const data = groups.map((g) => {
    if (kind === 'max') return g.reduce((m, s) => (s.data > m.data ? s : m));
    const s = g.reduce<Scalar>((acc, x) => acc.add(x), new Scalar(0));
    return kind === 'mean' ? s.div(count) : s;
  });
  const shape = keepdim ? r.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape;
  return { shape, data };
}

export function refPermute(r: Ref, dims: readonly number[]): Ref {
  const shape = dims.map((d) => r.shape[d]!);
  const st = stridesOf(r.shape);
  const data: Scalar[] = [];
  forEachIndex(shape, (idx) => {
    let p = 0;
    idx.forEach((v, i) => (p += v * st[dims[i]!]!));
    data.push(r.data[p]!);
  });
  return { shape, data };
}

export function refReshape(r: Ref, shape: readonly number[]): Ref {
  return { shape: shape.slice(), data: r.data.slice() };
}

export function refNarrow(r: Ref, dim: number, start: number, length: number): Ref {
  const shape = r.shape.slice();
  shape[dim] = length;
  const data: Scalar[] = [];
  forEachIndex(shape, (idx) => {
    const src = idx.slice();
    src[dim]! += start;
    data.push(r.data[ravelIndex(src, r.shape)]!);
  });
  return { shape, data };
}

export function refExpand(r: Ref, shape: readonly number[]): Ref {
  const data: Scalar[] = [];
  forEachIndex(shape, (idx) => data.push(r.data[broadcastSource(idx, r.shape)]!));
  return { shape: shape.slice(), data };
}

/** PyTorch matmul on Scalars: 1-d operands lifted and dropped, batch dims broadcast. */
export function refMatmul(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? refReshape(a, [1, a.shape[0]!]) : a;
  const B = b.shape.length === 1 ? refReshape(b, [b.shape[0]!, 1]) : b;
  const M = A.shape[A.shape.length - 2]!;
  const K = A.shape[A.shape.length - 1]!;
  const N = B.shape[B.shape.length - 1]!;
  const batchA = A.shape.slice(0, -2);
  const batchB = B.shape.slice(0, -2);
  const batch = broadcastShapeRef(batchA, batchB)!;
  const data: Scalar[] = [];
  const full = [...batch, M, N];
  forEachIndex(full, (idx) => {
    const bi = idx.slice(0, -2);
    const i = idx[idx.length - 2]!;
    const j = idx[idx.length - 1]!;
    const ao = broadcastSource(bi, batchA) * M * K;
    const bo = broadcastSource(bi, batchB) * K * N;
    let acc = new Scalar(0);
    for (let k = 0; k < K; k++) acc = acc.add(A.data[ao + i * K + k]!.mul(B.data[bo + k * N + j]!));
    data.push(acc);
  });
  let shape = full;
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  if (a.shape.length === 1) shape = [...shape.slice(0, shape.length - (b.shape.length === 1 ? 1 : 2)), ...(b.shape.length === 1 ? [] : [N])];
  return { shape, data };
}

/** Back-propagates sum_i upstream[i] * out[i] through the Scalar graph. */
export function refBackward(out: Ref, upstream: readonly number[]): void {
  let L = new Scalar(0);
  out.data.forEach((s, i) => (L = L.add(s.mul(upstream[i]!))));
  L.backward();
}

// ---- numeric helpers -----------------------------------------------------------------------

/** Central-difference derivative of a scalar function of one number. */
export function centralDiff(f: (x: number) => number, x: number, eps = 1e-6): number {
  return (f(x + eps) - f(x - eps)) / (2 * eps);
}

/** Elementwise |a - b| <= atol + rtol |b| with a message naming the first mismatch. */
export function closeTo(actual: readonly number[], expected: readonly number[], rtol = 1e-9, atol = 1e-12): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) return `element ${i}: ${a} vs ${e}`;
    if (Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) return `element ${i}: ${a} vs ${e}`;
  }
  return null;
}

export function expectClose(actual: readonly number[], expected: readonly number[], rtol = 1e-9, atol = 1e-12, what = ''): void {
  const msg = closeTo(actual, expected, rtol, atol);
  if (msg) throw new Error(`${what ? what + ': ' : ''}${msg}\nactual   ${JSON.stringify(actual)}\nexpected ${JSON.stringify(expected)}`);
}

/** Row-major values of `t.grad` (throws when it is null). */
export function gradOf(t: Tensor): number[] {
  if (!t.grad) throw new Error('expected a gradient, got null');
  return flatOf(t.grad);
}

/** n deterministic pseudo-random values in [-2, 2) from `seed` (upstream gradients whose size is only known later). */
export function pseudoValues(seed: number, n: number): number[] {
  let s = (seed >>> 0) ^ 0x9e3779b9;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 13;
    out.push(Math.round(((s >>> 0) / 2 ** 32) * 4000 - 2000) / 1000);
  }
  return out;
}

/** A shape with `size` elements (1s inserted, one dim written -1 sometimes) to reshape a tensor of `shape` into. */
export function arbReshapeTarget(shape: readonly number[]): fc.Arbitrary<number[]> {
  const size = sizeOfShape(shape);
  return fc
    .record({
      picks: fc.array(fc.nat(), { maxLength: 4 }),
      ones: fc.array(fc.nat({ max: 4 }), { maxLength: 2 }),
      minus: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ picks, ones, minus }) => {
      const dims: number[] = [];
      if (size === 0) {
        dims.push(0);
        if (picks.length) dims.splice(picks[0]! % 2, 0, 1 + (picks[0]! % 3));
      } else {
        let rem = size;
        for (const p of picks) {
          const divs: number[] = [];
          for (let d = 2; d <= rem; d++) if (rem % d === 0) divs.push(d);
          if (!divs.length) break;
          const d = divs[p % divs.length]!;
          dims.push(d);
          rem /= d;
        }
        if (rem > 1) dims.push(rem);
      }
      for (const o of ones) dims.splice(o % (dims.length + 1), 0, 1);
      if (minus !== undefined && dims.length > 0 && size > 0) dims[minus % dims.length] = -1;
      return dims;
    });
}

/** mulberry32: deterministic test data from a seed (shared by the property files). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

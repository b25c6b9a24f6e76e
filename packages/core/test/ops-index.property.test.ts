/**
 * Property tests for the indexing, slicing and joining ops (slice, split, chunk, indexSelect,
 * gather, scatterAdd, where, flip, roll, pad): on random non-contiguous views (permute /
 * transpose / narrow / expand of a base, test/arbitraries.ts),
 *  - forward values against index math written here with plain loops,
 *  - gradcheck (central differences over the whole Jacobian) through the views,
 *  - gradgradcheck of the op followed by a cube, so both the op's adjoint and the adjoint's own
 *    backward are differentiated against central differences.
 * Nothing is compared with the code under test.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type PadMode, type Tensor,
  chunk, flip, gather, gradcheck, gradgradcheck, indexSelect, pad, roll, scatterAdd, slice, split, tensor, where,
} from '../src/index.js';
import {
  type ViewCase, arbShape, arbTensorViewOfShape, arbValues, buildView, expectClose, flatOf, forEachIndex, ravelIndex, sizeOfShape,
} from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261205), numRuns: Number(process.env.FC_NUM_RUNS ?? 50) });

const SHAPE = { minRank: 1, maxRank: 3, minDim: 1, maxDim: 4, maxSize: 16 } as const;
const cube = (t: Tensor): Tensor => t.pow(3);

/** A tensor of `shape` from row-major values (the reference side's output). */
interface Dense {
  shape: number[];
  flat: number[];
}

/** out[idx] = input[src(idx)] for every idx of `shape`, with `src` giving an input multi-index. */
function gatherRef(c: Dense, shape: number[], src: (idx: number[]) => number[]): Dense {
  const flat: number[] = [];
  forEachIndex(shape, (idx) => flat.push(c.flat[ravelIndex(src(idx), c.shape)]!));
  return { shape, flat };
}

/**
 * The three checks for a one-input op on a view case: forward values equal `ref`, gradcheck of
 * the op, gradgradcheck of the op cubed (both through the view steps, at float64 leaves).
 */
function checkUnary(c: ViewCase, op: (x: Tensor) => Tensor, ref: Dense, seed: number): void {
  const { view } = c.build();
  const y = op(view);
  expect(y.shape).toEqual(ref.shape);
  expectClose(flatOf(y), ref.flat, 0, 0, 'forward');
  const base = tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true });
  const viewed = (b: Tensor) => op(buildView(b, c.steps));
  expect(gradcheck(viewed, [base])).toBe(true);
  expect(gradgradcheck((b) => cube(viewed(b)), [base], { seed })).toBe(true);
}

const viewOf = (shape: number[]) => arbTensorViewOfShape(shape, 'any', 2);
const arbDim = (ndim: number) => fc.integer({ min: -ndim, max: ndim - 1 });
const norm = (d: number, ndim: number) => (d < 0 ? d + ndim : d);

// ---- slicing ------------------------------------------------------------------------------------

describe('slice', () => {
  it('equals Python slicing (negative bounds, clamping, steps) and differentiates twice', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      fc.record({
        c: viewOf(shape),
        dim: arbDim(shape.length),
        start: fc.option(fc.integer({ min: -6, max: 6 }), { nil: undefined }),
        end: fc.option(fc.integer({ min: -6, max: 6 }), { nil: undefined }),
        step: fc.integer({ min: 1, max: 3 }),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ c, dim, start, end, step, seed }) => {
        const d = norm(dim, c.shape.length);
        const n = c.shape[d]!;
        // Python's rules, written out: the positions i in range(n)[start:end:step].
        const positions = Array.from({ length: n }, (_, i) => i);
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
        const lo = start === undefined ? 0 : clamp(start);
        const hi = end === undefined ? n : clamp(end);
        const picked = positions.filter((i) => i >= lo && i < hi && (i - lo) % step === 0);
        const shape = c.shape.slice();
        shape[d] = picked.length;
        const ref = gatherRef(c, shape, (idx) => idx.map((v, k) => (k === d ? picked[v]! : v)));
        checkUnary(c, (x) => slice(x, dim, start, end, step), ref, seed);
      }),
    );
  });

  it('is a view: it shares storage with its input', () => {
    fc.assert(
      fc.property(arbShape(SHAPE).chain((s) => fc.tuple(viewOf(s), arbDim(s.length))), ([c, dim]) => {
        const { view } = c.build();
        const s = slice(view, dim, 0, null, 2);
        expect(s.tensorData.storage).toBe(view.tensorData.storage);
      }),
    );
  });
});

describe('split and chunk', () => {
  it('split: pieces of the given size (last smaller) or the given sections; they cover the input in order', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      fc.record({
        c: viewOf(shape),
        dim: arbDim(shape.length),
        size: fc.integer({ min: 1, max: 5 }),
        cuts: fc.array(fc.nat(), { maxLength: 3 }),
        useSections: fc.boolean(),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ c, dim, size, cuts, useSections, seed }) => {
        const d = norm(dim, c.shape.length);
        const n = c.shape[d]!;
        let sizes: number[];
        if (useSections) {
          // Random sections adding up to n (zeros allowed).
          const points = cuts.map((k) => k % (n + 1)).sort((a, b) => a - b);
          sizes = [...points, n].map((p, i) => p - (i === 0 ? 0 : points[i - 1]!));
        } else {
          sizes = [];
          for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
        }
        const pieces = split(c.build().view, useSections ? sizes : size, dim);
        expect(pieces.map((p) => p.shape[d])).toEqual(sizes);
        let start = 0;
        pieces.forEach((p, i) => {
          const shape = c.shape.slice();
          shape[d] = sizes[i]!;
          const s0 = start;
          const ref = gatherRef(c, shape, (idx) => idx.map((v, k) => (k === d ? v + s0 : v)));
          expectClose(flatOf(p), ref.flat, 0, 0, `piece ${i}`);
          start += sizes[i]!;
        });
        // Every piece gets its own gradient: weight piece i by (i + 1) after a cube.
        const base = tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true });
        const f = (b: Tensor) =>
          split(buildView(b, c.steps), useSections ? sizes : size, dim)
            .map((p, i) => cube(p).mul(i + 1).sum())
            .reduce((a, b2) => a.add(b2));
        expect(gradcheck(f, [base])).toBe(true);
        expect(gradgradcheck(f, [base], { seed })).toBe(true);
      }),
    );
  });

  it('chunk: ceil(n / chunks) per piece, possibly fewer pieces than asked', () => {
    const arb = arbShape(SHAPE).chain((shape) => fc.record({ c: viewOf(shape), dim: arbDim(shape.length), chunks: fc.integer({ min: 1, max: 6 }) }));
    fc.assert(
      fc.property(arb, ({ c, dim, chunks }) => {
        const d = norm(dim, c.shape.length);
        const n = c.shape[d]!;
        const each = Math.ceil(n / chunks);
        const want: number[] = [];
        for (let s = 0; s < n; s += each) want.push(Math.min(each, n - s));
        const pieces = chunk(c.build().view, chunks, dim);
        expect(pieces.map((p) => p.shape[d])).toEqual(want);
        expect(pieces.length).toBeLessThanOrEqual(chunks);
        const joined = pieces.flatMap((p) => flatOf(p.transpose(0, d).contiguous()));
        expectClose(joined, flatOf(c.build().view.transpose(0, d).contiguous()), 0, 0, 'pieces in order');
      }),
    );
  });
});

// ---- index ops ----------------------------------------------------------------------------------

describe('indexSelect', () => {
  it('picks the indexed entries (repeats allowed) and differentiates twice', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      arbDim(shape.length).chain((dim) =>
        fc.record({
          c: viewOf(shape),
          dim: fc.constant(dim),
          index: fc.array(fc.integer({ min: 0, max: shape[norm(dim, shape.length)]! - 1 }), { maxLength: 5 }),
          asTensor: fc.boolean(),
          seed: fc.nat(),
        }),
      ),
    );
    fc.assert(
      fc.property(arb, ({ c, dim, index, asTensor, seed }) => {
        const d = norm(dim, c.shape.length);
        const shape = c.shape.slice();
        shape[d] = index.length;
        const ref = gatherRef(c, shape, (idx) => idx.map((v, k) => (k === d ? index[v]! : v)));
        const ix = asTensor ? tensor(index, { shape: [index.length] }) : index;
        checkUnary(c, (x) => indexSelect(x, dim, ix), ref, seed);
      }),
    );
  });
});

/** An index for gather/scatterAdd on `shape` along `d`: no larger than `shape` except along d, values in [0, shape[d]). */
function arbGatherIndex(shape: readonly number[], d: number): fc.Arbitrary<Dense> {
  return fc
    .tuple(...shape.map((n, k) => (k === d ? fc.integer({ min: 0, max: 4 }) : fc.integer({ min: 1, max: n }))))
    .chain((ishape) =>
      fc.array(fc.integer({ min: 0, max: shape[d]! - 1 }), { minLength: sizeOfShape(ishape), maxLength: sizeOfShape(ishape) }).map((flat) => ({ shape: ishape, flat })),
    );
}

const nested = (t: Dense): Tensor => tensor(t.flat, { shape: t.shape });

describe('gather and scatterAdd', () => {
  it('gather: out[idx] = x[idx with dim replaced by index[idx]]; differentiates twice', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      arbDim(shape.length).chain((dim) => fc.record({ c: viewOf(shape), dim: fc.constant(dim), index: arbGatherIndex(shape, norm(dim, shape.length)), seed: fc.nat() })),
    );
    fc.assert(
      fc.property(arb, ({ c, dim, index, seed }) => {
        const d = norm(dim, c.shape.length);
        const ref = gatherRef(c, index.shape, (idx) => idx.map((v, k) => (k === d ? index.flat[ravelIndex(idx, index.shape)]! : v)));
        checkUnary(c, (x) => gather(x, dim, nested(index)), ref, seed);
      }),
    );
  });

  it('scatterAdd: adds src (only its index-shaped corner) at the indices, repeats accumulate; differentiates twice in both inputs', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      arbDim(shape.length).chain((dim) =>
        arbGatherIndex(shape, norm(dim, shape.length)).chain((index) =>
          fc
            .tuple(...index.shape.map((s) => fc.integer({ min: s, max: s + 1 })))
            .chain((srcShape) =>
              fc.record({ c: viewOf(shape), dim: fc.constant(dim), index: fc.constant(index), src: viewOf(srcShape), seed: fc.nat() }),
            ),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ({ c, dim, index, src, seed }) => {
        const d = norm(dim, c.shape.length);
        const want = c.flat.slice();
        forEachIndex(index.shape, (idx) => {
          const to = idx.slice();
          to[d] = index.flat[ravelIndex(idx, index.shape)]!;
          want[ravelIndex(to, c.shape)]! += src.flat[ravelIndex(idx, src.shape)]!;
        });
        const y = scatterAdd(c.build().view, dim, nested(index), src.build().view);
        expect(y.shape).toEqual(c.shape);
        expectClose(flatOf(y), want, 1e-15, 1e-15, 'forward');
        const bases = [c, src].map((v) => tensor(v.baseFlat, { shape: v.baseShape, requiresGrad: true }));
        const f = (a: Tensor, b: Tensor) => scatterAdd(buildView(a, c.steps), dim, nested(index), buildView(b, src.steps));
        expect(gradcheck(f, bases)).toBe(true);
        expect(gradgradcheck((a, b) => cube(f(a, b)), bases, { seed })).toBe(true);
      }),
    );
  });
});

// ---- where ----------------------------------------------------------------------------------------

describe('where', () => {
  it('selects elementwise with three-way broadcasting; gradients only reach the branch taken', () => {
    // Three shapes that broadcast to `out`, each derived by dropping leading dims and setting dims to 1.
    const derive = (out: number[]) =>
      fc
        .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
        .map(([drop, ones]) => out.map((s, i) => (ones[i] ? 1 : s)).slice(drop));
    const arb = arbShape({ ...SHAPE, minRank: 0 }).chain((out) =>
      fc.tuple(derive(out), derive(out), derive(out)).chain(([cs, as, bs]) =>
        fc.record({
          cond: arbValues(sizeOfShape(cs)).map((v) => ({ shape: cs, flat: v.map((x) => (x > 0 ? 1 : 0)) })),
          a: viewOf(as),
          b: viewOf(bs),
          bNumber: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
          seed: fc.nat(),
        }),
      ),
    );
    fc.assert(
      fc.property(arb, ({ cond, a, b, bNumber, seed }) => {
        const shapes = [cond.shape, a.shape, ...(bNumber === undefined ? [b.shape] : [])];
        const rank = Math.max(...shapes.map((s) => s.length));
        const out = Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => (i < rank - s.length ? 1 : s[i - (rank - s.length)]!))));
        const at = (t: Dense, idx: number[]) => t.flat[ravelIndex(idx.slice(rank - t.shape.length).map((v, k) => (t.shape[k] === 1 ? 0 : v)), t.shape)]!;
        const want: number[] = [];
        forEachIndex(out, (idx) => want.push(at(cond, idx) ? at(a, idx) : bNumber ?? at(b, idx)));
        const mask = nested(cond);
        const y = where(mask, a.build().view, bNumber ?? b.build().view);
        expect(y.shape).toEqual(out);
        expectClose(flatOf(y), want, 0, 0, 'forward');
        const cases = bNumber === undefined ? [a, b] : [a];
        const bases = cases.map((v) => tensor(v.baseFlat, { shape: v.baseShape, requiresGrad: true }));
        const f = (...xs: Tensor[]) => where(mask, buildView(xs[0]!, a.steps), bNumber ?? buildView(xs[1]!, b.steps));
        expect(gradcheck(f, bases)).toBe(true);
        expect(gradgradcheck((...xs) => cube(f(...xs)), bases, { seed })).toBe(true);
      }),
    );
  });
});

// ---- flip, roll ---------------------------------------------------------------------------------

describe('flip and roll', () => {
  it('flip reverses each named dim', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      fc.record({
        c: viewOf(shape),
        dims: fc.shuffledSubarray(shape.map((_, i) => i)).chain((ds) => fc.tuple(...ds.map((d) => fc.constantFrom(d, d - shape.length)))),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ c, dims, seed }) => {
        const ds = dims.map((d) => norm(d, c.shape.length));
        const ref = gatherRef(c, c.shape, (idx) => idx.map((v, k) => (ds.includes(k) ? c.shape[k]! - 1 - v : v)));
        checkUnary(c, (x) => flip(x, dims), ref, seed);
      }),
    );
  });

  it('roll moves element i to (i + shift) mod n, per dim or over the flattened tensor', () => {
    const arb = arbShape(SHAPE).chain((shape) =>
      fc.record({
        c: viewOf(shape),
        dims: fc.option(fc.array(arbDim(shape.length), { minLength: 1, maxLength: 3 }), { nil: undefined }),
        shifts: fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 3, maxLength: 3 }),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ c, dims, shifts, seed }) => {
        const mod = (a: number, n: number) => ((a % n) + n) % n;
        let ref: Dense;
        let op: (x: Tensor) => Tensor;
        if (dims === undefined) {
          const n = c.flat.length;
          ref = { shape: c.shape, flat: c.flat.map((_, j) => c.flat[mod(j - shifts[0]!, n)]!) };
          op = (x) => roll(x, shifts[0]!);
        } else {
          const sh = shifts.slice(0, dims.length);
          const total = c.shape.map(() => 0);
          dims.forEach((d, i) => (total[norm(d, c.shape.length)]! += sh[i]!));
          ref = gatherRef(c, c.shape, (idx) => idx.map((v, k) => mod(v - total[k]!, c.shape[k]!)));
          op = (x) => roll(x, sh, dims);
        }
        checkUnary(c, op, ref, seed);
      }),
    );
  });
});

// ---- pad ----------------------------------------------------------------------------------------

/** The input position an output position j of a padded dim reads (before = amount added in front), by the mode's definition. */
function padSource(mode: PadMode, j: number, before: number, n: number): number | null {
  let i = j - before;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return null;
  if (mode === 'replicate') return i < 0 ? 0 : n - 1;
  if (mode === 'circular') return i < 0 ? i + n : i - n;
  // reflect: bounce off the edge elements (not repeating them)
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

describe('pad', () => {
  it('constant (negative amounts crop), reflect, replicate and circular on the last dims, differentiating twice', () => {
    const arb = fc.constantFrom<PadMode>('constant', 'reflect', 'replicate', 'circular').chain((mode) =>
      arbShape({ ...SHAPE, minDim: 2 }).chain((shape) =>
        fc.integer({ min: 1, max: shape.length }).chain((k) =>
          fc.record({
            mode: fc.constant(mode),
            c: viewOf(shape),
            // amounts for the last k dims, pairs from the last dim backwards, within each mode's limits
            pad: fc.tuple(
              ...Array.from({ length: k }, (_, i) => {
                const n = shape[shape.length - 1 - i]!;
                const lo = mode === 'constant' ? -Math.floor(n / 2) : 0;
                const hi = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : 3;
                return fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));
              }),
            ).map((pairs) => pairs.flat()),
            value: fc.integer({ min: -4, max: 4 }).map((v) => v / 2),
            seed: fc.nat(),
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ({ mode, c, pad: amounts, value, seed }) => {
        const r = c.shape.length;
        const before = c.shape.map(() => 0);
        const after = c.shape.map(() => 0);
        for (let i = 0; i < amounts.length / 2; i++) {
          before[r - 1 - i] = amounts[2 * i]!;
          after[r - 1 - i] = amounts[2 * i + 1]!;
        }
        const shape = c.shape.map((n, d) => n + before[d]! + after[d]!);
        const flat: number[] = [];
        forEachIndex(shape, (idx) => {
          const src = idx.map((j, d) => padSource(mode, j, before[d]!, c.shape[d]!));
          flat.push(src.some((s) => s === null) ? value : c.flat[ravelIndex(src as number[], c.shape)]!);
        });
        const opts = mode === 'constant' ? { mode, value } : { mode };
        checkUnary(c, (x) => pad(x, amounts, opts), { shape, flat }, seed);
      }),
    );
  });
});

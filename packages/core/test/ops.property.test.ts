/**
 * Property tests for every differentiable Tensor op: forward values against plain-JS index
 * math, gradients against the Scalar engine evaluated element by element (with a random
 * upstream gradient) and against central differences (gradcheck, full Jacobian in float64).
 * Inputs are often non-contiguous views (permute / transpose / narrow / expand of a base).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scalar } from '../src/scalar.js';
import { Tensor } from '../src/tensor.js';
import { tensor } from '../src/factories.js';
import { gradcheck } from '../src/gradcheck.js';
import type { DType } from '../src/storage/dtype.js';
import {
  type Domain, type Ref, type ViewCase,
  arbAxes, arbBroadcastPair, arbMatmulShapes, arbReshapeTarget, arbShape, arbTensorView, arbTensorViewOfShape,
  broadcastShapeRef, broadcastSource, buildView, expectClose, flatOf, forEachIndex, gradOf, normalizeAxes,
  pseudoValues, refBackward, refBinary, refExpand, refGrads, refLeaf, refMatmul, refNarrow, refPermute,
  refReduce, refReshape, refUnary, refValues, scatterAdd, sizeOfShape,
} from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 60) });

const RTOL = 1e-9;
const ATOL = 1e-12;

/** The Ref (tensor of Scalars) of a view case: leaves for the base, the view gathers them. */
function refOf(c: ViewCase): { base: Ref; view: Ref } {
  const base = refLeaf(c.baseShape, c.baseFlat);
  return { base, view: { shape: c.shape.slice(), data: c.sources.map((i) => base.data[i]!) } };
}

/**
 * The core check for an op over view inputs:
 *  - output shape and values equal the reference's,
 *  - with a random upstream gradient, each base's .grad equals the Scalar engine's gradient,
 *  - gradcheck (central differences, every Jacobian entry) passes through the views.
 */
function checkOp(
  cases: readonly ViewCase[],
  tfn: (...xs: Tensor[]) => Tensor,
  rfn: (...xs: Ref[]) => Ref,
  seed: number,
  opts: { forward?: number[]; gradcheck?: boolean; rtol?: number } = {},
): void {
  const rtol = opts.rtol ?? RTOL;
  const built = cases.map((c) => c.build({ requiresGrad: true }));
  const y = tfn(...built.map((b) => b.view));
  const refs = cases.map(refOf);
  const r = rfn(...refs.map((x) => x.view));
  expect(y.shape).toEqual(r.shape);
  expect(y.dtype).toBe('float64');
  expectClose(flatOf(y), opts.forward ?? refValues(r), rtol, ATOL, 'forward');
  const up = pseudoValues(seed, y.size);
  if (y.requiresGrad) {
    y.backward(tensor(up, { shape: y.shape }));
    refBackward(r, up);
    built.forEach((b, i) => {
      const want = refGrads(refs[i]!.base);
      if (b.base.grad === null) {
        // Nothing reached this base: only fine when its true gradient is zero.
        expect(want.every((g) => g === 0)).toBe(true);
      } else {
        expect(b.base.grad.shape).toEqual(cases[i]!.baseShape);
        expectClose(gradOf(b.base), want, rtol, 1e-10, `grad of input ${i}`);
      }
    });
  }
  if (opts.gradcheck !== false) {
    const bases = cases.map((c) => tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true }));
    expect(gradcheck((...bs) => tfn(...bs.map((b, i) => buildView(b, cases[i]!.steps))), bases)).toBe(true);
  }
}

// ---- unary ------------------------------------------------------------------------------------

interface UnaryCase {
  name: string;
  domain: Domain;
  t: (x: Tensor) => Tensor;
  s: (x: Scalar) => Scalar;
  f: (x: number) => number;
}

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));
const unaryCases: UnaryCase[] = [
  { name: 'neg', domain: 'any', t: (x) => x.neg(), s: (x) => x.neg(), f: (x) => -x },
  { name: 'exp', domain: 'any', t: (x) => x.exp(), s: (x) => x.exp(), f: Math.exp },
  { name: 'log', domain: 'positive', t: (x) => x.log(), s: (x) => x.log(), f: Math.log },
  { name: 'sqrt', domain: 'positive', t: (x) => x.sqrt(), s: (x) => x.pow(0.5), f: Math.sqrt },
  // No Scalar abs: |x| = relu(x) + relu(-x) is an independent composition.
  { name: 'abs', domain: 'nonzero', t: (x) => x.abs(), s: (x) => x.relu().add(x.neg().relu()), f: Math.abs },
  { name: 'relu', domain: 'nonzero', t: (x) => x.relu(), s: (x) => x.relu(), f: (x) => (x > 0 ? x : 0) },
  { name: 'sigmoid', domain: 'any', t: (x) => x.sigmoid(), s: (x) => x.sigmoid(), f: sigmoidRef },
  { name: 'tanh', domain: 'any', t: (x) => x.tanh(), s: (x) => x.tanh(), f: Math.tanh },
  ...([
    [0, 'any'], [1, 'any'], [2, 'any'], [3, 'any'], [-1, 'divisor'], [-2, 'divisor'], [0.5, 'positive'], [1.5, 'positive'], [-0.5, 'positive'],
  ] as [number, Domain][]).map(([k, domain]): UnaryCase => ({
    name: `pow(${k})`, domain, t: (x) => x.pow(k), s: (x) => x.pow(k), f: (x) => x ** k,
  })),
];

describe('unary elementwise ops', () => {
  for (const u of unaryCases) {
    it(`${u.name}: forward, Scalar gradient and gradcheck on (non-contiguous) views`, () => {
      fc.assert(
        fc.property(arbTensorView({ minDim: 0, maxSize: 48 }, u.domain), fc.integer(), (c, seed) => {
          checkOp([c], u.t, (x) => refUnary(x, u.s), seed, { forward: c.flat.map(u.f), rtol: 1e-12 });
        }),
      );
    });
  }

  it('pow(0) has gradient 0 even at x = 0, and relu/abs use 0 at the kink', () => {
    const x = tensor([0, 2, -3], { requiresGrad: true });
    x.pow(0).sum().backward();
    expect(flatOf(x.grad!)).toEqual([0, 0, 0]);
    expect(flatOf(x.pow(0))).toEqual([1, 1, 1]);
    const z = tensor([0, -1, 1], { requiresGrad: true });
    z.relu().sum().backward();
    expect(flatOf(z.grad!)).toEqual([0, 0, 1]);
    const w = tensor([0, -1, 1], { requiresGrad: true });
    w.abs().sum().backward();
    expect(flatOf(w.grad!)).toEqual([0, -1, 1]);
  });

  it('NaN propagates through relu and max (as in PyTorch)', () => {
    expect(Number.isNaN(tensor([NaN]).relu().item())).toBe(true);
    expect(Number.isNaN(tensor([1, NaN, 3]).max().item())).toBe(true);
    expect(Number.isNaN(tensor([NaN, 1, 3]).max().item())).toBe(true);
    const m = flatOf(tensor([[1, 2], [NaN, 0], [5, NaN]]).max(1));
    expect(m[0]).toBe(2);
    expect(Number.isNaN(m[1]!)).toBe(true);
    expect(Number.isNaN(m[2]!)).toBe(true);
  });

  it('sigmoid is finite and exact in both tails', () => {
    // far tail: 1 / (1 + e^740) underflows to 0, e^-740 / (1 + e^-740) does not
    const far = tensor([-740], { requiresGrad: true });
    const s = far.sigmoid();
    expect(s.item()).toBeGreaterThan(0);
    expectClose([s.item()], [Math.exp(-740)], 1e-6, 0);
    const y = flatOf(tensor([-800, -30, 30, 800]).sigmoid());
    expect(y[0]).toBe(0);
    expect(y[3]).toBe(1);
    expectClose([y[1]!, y[2]!], [Math.exp(-30) / (1 + Math.exp(-30)), 1 / (1 + Math.exp(-30))], 1e-12);
  });
});

// ---- binary -----------------------------------------------------------------------------------

interface BinaryCase {
  name: 'add' | 'sub' | 'mul' | 'div';
  s: (a: Scalar, b: Scalar) => Scalar;
  f: (a: number, b: number) => number;
  bDomain: Domain;
}
const binaryCases: BinaryCase[] = [
  { name: 'add', s: (a, b) => a.add(b), f: (a, b) => a + b, bDomain: 'any' },
  { name: 'sub', s: (a, b) => a.sub(b), f: (a, b) => a - b, bDomain: 'any' },
  { name: 'mul', s: (a, b) => a.mul(b), f: (a, b) => a * b, bDomain: 'any' },
  { name: 'div', s: (a, b) => a.div(b), f: (a, b) => a / b, bDomain: 'divisor' },
];

/** Plain-JS NumPy broadcasting with explicit index math. */
function broadcastRef(aShape: number[], a: number[], bShape: number[], b: number[], f: (x: number, y: number) => number): { shape: number[]; flat: number[] } {
  const shape = broadcastShapeRef(aShape, bShape)!;
  const flat: number[] = [];
  forEachIndex(shape, (idx) => flat.push(f(a[broadcastSource(idx, aShape)]!, b[broadcastSource(idx, bShape)]!)));
  return { shape, flat };
}

const arbBinaryInputs = (bDomain: Domain) =>
  arbBroadcastPair({ minDim: 0, maxSize: 36 }).chain(([as, bs]) =>
    fc.tuple(arbTensorViewOfShape(as, 'any', 2), arbTensorViewOfShape(bs, bDomain, 2), fc.integer()),
  );

describe('binary elementwise ops with broadcasting', () => {
  for (const bc of binaryCases) {
    it(`${bc.name}(Tensor, Tensor): forward by index math, both gradients vs Scalar, gradcheck`, () => {
      fc.assert(
        fc.property(arbBinaryInputs(bc.bDomain), ([a, b, seed]) => {
          const ref = broadcastRef(a.shape, a.flat, b.shape, b.flat, bc.f);
          checkOp([a, b], (x, y) => x[bc.name](y), (x, y) => refBinary(x, y, bc.s), seed, { forward: ref.flat });
        }),
      );
    });

    it(`${bc.name}(Tensor, number) and a 0-d Tensor operand on either side`, () => {
      fc.assert(
        fc.property(arbTensorView({ minDim: 0, maxSize: 36 }), arbValue2(bc.bDomain), fc.integer(), (a, c, seed) => {
          checkOp([a], (x) => x[bc.name](c), (x) => refUnary(x, (s) => bc.s(s, new Scalar(c))), seed, {
            forward: a.flat.map((v) => bc.f(v, c)),
          });
          // 0-d tensor on the left: broadcasting the other way.
          const aSafe = bc.name === 'div' ? a.flat.every((v) => Math.abs(v) > 0.2) : true;
          if (aSafe) {
            const scalarT = tensor(c, { requiresGrad: true });
            const { base, view } = a.build({ requiresGrad: true });
            const y = scalarT[bc.name](view);
            expect(y.shape).toEqual(a.shape);
            expectClose(flatOf(y), a.flat.map((v) => bc.f(c, v)), RTOL, ATOL);
            const up = pseudoValues(seed, y.size);
            y.backward(tensor(up, { shape: y.shape }));
            const rc = new Scalar(c);
            const rb = refLeaf(a.baseShape, a.baseFlat);
            refBackward({ shape: a.shape, data: a.sources.map((i) => bc.s(rc, rb.data[i]!)) }, up);
            expect(scalarT.grad!.shape).toEqual([]);
            expectClose([scalarT.grad!.item()], [rc.grad], RTOL, 1e-10);
            if (a.flat.length) expectClose(gradOf(base), refGrads(rb), RTOL, 1e-10);
          }
        }),
      );
    });
  }

  it('incompatible shapes throw naming the op and both shapes', () => {
    expect(() => tensor([[1, 2, 3]]).add(tensor([1, 2]))).toThrow(/add.*\[1, 3\].*\[2\]/);
  });
});

function arbValue2(domain: Domain): fc.Arbitrary<number> {
  return fc.integer({ min: 250, max: 3000 }).chain((m) => fc.boolean().map((n) => ((domain === 'positive' || !n ? 1 : -1) * m) / 1000));
}

// ---- reductions -------------------------------------------------------------------------------

describe('reductions', () => {
  for (const kind of ['sum', 'mean', 'max'] as const) {
    it(`${kind}(axis, keepdim) over views: shape, values, Scalar gradient, gradcheck`, () => {
      const views = kind === 'max' ? arbTensorView({ minDim: 1, maxSize: 48 }, 'distinct') : arbTensorView({ minDim: 0, maxSize: 48 });
      fc.assert(
        fc.property(
          views.chain((c) => fc.tuple(fc.constant(c), arbAxes(c.shape.length), fc.boolean(), fc.integer())),
          ([c, axis, keepdim, seed]) => {
            const axes = normalizeAxes(axis, c.shape.length);
            const count = axes.reduce((p, a) => p * c.shape[a]!, 1);
            // mean over zero elements is NaN (0/0), as in PyTorch; skip gradcheck there.
            const empty = kind === 'mean' && count === 0;
            checkOp(
              [c],
              (x) => (keepdim ? x[kind](axis, true) : x[kind](axis)),
              (x) => refReduce(x, axes, keepdim, kind),
              seed,
              { gradcheck: !empty },
            );
          },
        ),
      );
    });
  }

  it('reducing every axis gives a 0-d tensor; keepdim keeps rank with 1s', () => {
    const x = tensor([[1, 5, 3], [4, 2, 6]]);
    for (const k of ['sum', 'mean', 'max'] as const) {
      expect(x[k]().shape).toEqual([]);
      expect(x[k]([0, 1]).shape).toEqual([]);
      expect(x[k]([-1, 0], true).shape).toEqual([1, 1]);
      expect(x[k](1, true).shape).toEqual([2, 1]);
    }
    expect(x.sum().item()).toBe(21);
    expect(x.mean().item()).toBe(3.5);
    expect(x.max().item()).toBe(6);
    expect(x.max(0).toArray()).toEqual([4, 5, 6]);
    expect(x.max(-1).toArray()).toEqual([5, 6]);
    expect(x.mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(x.sum(1).toArray()).toEqual([9, 12]);
    expect(x.sum([]).toArray()).toEqual([[1, 5, 3], [4, 2, 6]]);
  });

  it('max splits the gradient equally between tied maxima', () => {
    const x = tensor([[3, 1, 3], [2, 2, 0]], { requiresGrad: true });
    x.max(1).backward(tensor([6, 4]));
    expect(x.grad!.toArray()).toEqual([[3, 0, 3], [2, 2, 0]]);
  });

  it('sum of an empty axis is 0, max of an empty axis throws', () => {
    const x = tensor([], { shape: [0, 3] });
    expect(x.sum(0).toArray()).toEqual([0, 0, 0]);
    expect(x.sum(1).shape).toEqual([0]);
    expect(() => x.max(0)).toThrow(/max/);
  });
});

// ---- matmul -----------------------------------------------------------------------------------

describe('matmul', () => {
  it('PyTorch rules (1-d operands, batch broadcast) on views: values, Scalar gradients, gradcheck', () => {
    fc.assert(
      fc.property(
        arbMatmulShapes().chain(({ a, b }) => fc.tuple(arbTensorViewOfShape(a, 'any', 2), arbTensorViewOfShape(b, 'any', 2), fc.integer())),
        ([a, b, seed]) => {
          checkOp([a, b], (x, y) => x.matmul(y), (x, y) => refMatmul(x, y), seed);
        },
      ),
    );
  });

  it('rank-2 broadcast batch dims (odometer wrap-around) against plain loops', () => {
    const aShape = [2, 3, 2, 4];
    const bShape = [3, 4, 3];
    const av = pseudoValues(11, sizeOfShape(aShape));
    const bv = pseudoValues(12, sizeOfShape(bShape));
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let m = 0; m < 2; m++)
          for (let n = 0; n < 3; n++) {
            let acc = 0;
            for (let k = 0; k < 4; k++) acc += av[((i * 3 + j) * 2 + m) * 4 + k]! * bv[(j * 4 + k) * 3 + n]!;
            want.push(acc);
          }
    const a = tensor(av, { shape: aShape, requiresGrad: true });
    const b = tensor(bv, { shape: bShape, requiresGrad: true });
    const y = a.matmul(b);
    expect(y.shape).toEqual([2, 3, 2, 3]);
    expectClose(flatOf(y), want, 1e-12, 1e-12);
    // the same with b broadcast over a leading batch dim of a transposed a
    const at = tensor(av, { shape: [3, 2, 2, 4] }).permute([1, 0, 2, 3]);
    expect(gradcheck((x, z) => x.matmul(z), [at, b.detach().transpose(-1, -2).contiguous().transpose(-1, -2)].map((t) => tensor(t, { requiresGrad: true })))).toBe(true);
    expect(gradcheck((x, z) => x.matmul(z), [a.detach(), b.detach()].map((t) => tensor(t, { requiresGrad: true })))).toBe(true);
  });

  it('explicit small cases: values and result shapes', () => {
    const A = tensor([[1, 2, 3], [4, 5, 6]]);
    const B = tensor([[7, 8], [9, 10], [11, 12]]);
    expect(A.matmul(B).toArray()).toEqual([[58, 64], [139, 154]]);
    expect(A.transpose(0, 1).matmul(A).toArray()).toEqual([[17, 22, 27], [22, 29, 36], [27, 36, 45]]);
    expect(tensor([1, 2, 3]).matmul(tensor([4, 5, 6])).shape).toEqual([]);
    expect(tensor([1, 2, 3]).matmul(tensor([4, 5, 6])).item()).toBe(32);
    expect(tensor([1, 2]).matmul(A).toArray()).toEqual([9, 12, 15]);
    expect(A.matmul(tensor([1, 0, -1])).toArray()).toEqual([-2, -2]);
    expect(tensor([1, 1, 1]).matmul(tensor([[[1], [2], [3]], [[4], [5], [6]]])).toArray()).toEqual([[6], [15]]);
    expect(tensor([[[1, 2]], [[3, 4]]]).matmul(tensor([5, 6])).toArray()).toEqual([[17], [39]]);
    expect(() => A.matmul(A)).toThrow(/matmul.*\[2, 3\].*\[2, 3\]/);
    expect(() => tensor(1).matmul(A)).toThrow(/matmul/);
  });
});

// ---- views and copies -------------------------------------------------------------------------

const arbViewInput = (maxSize = 48) => arbTensorView({ minDim: 0, maxSize });

describe('views and copies', () => {
  it('reshape (incl. -1, non-contiguous input) keeps row-major order', () => {
    fc.assert(
      fc.property(
        arbViewInput().chain((c) => fc.tuple(fc.constant(c), arbReshapeTarget(c.shape), fc.integer())),
        ([c, target, seed]) => {
          const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
          const resolved = target.map((d) => (d === -1 ? sizeOfShape(c.shape) / known : d));
          checkOp([c], (x) => x.reshape(target), (x) => refReshape(x, resolved), seed, { forward: c.flat });
          const v = c.build().view;
          expect(v.view(target).shape).toEqual(resolved);
        },
      ),
    );
  });

  it('transpose(d0, d1) with negative dims', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minRank: 1, minDim: 0, maxSize: 48 }).chain((c) => {
          const r = c.shape.length;
          return fc.tuple(fc.constant(c), fc.integer({ min: -r, max: r - 1 }), fc.integer({ min: -r, max: r - 1 }), fc.integer());
        }),
        ([c, d0, d1, seed]) => {
          const r = c.shape.length;
          const dims = Array.from({ length: r }, (_, i) => i);
          const a = (d0 + r) % r;
          const b = (d1 + r) % r;
          [dims[a], dims[b]] = [dims[b]!, dims[a]!];
          checkOp([c], (x) => x.transpose(d0, d1), (x) => refPermute(x, dims), seed);
        },
      ),
    );
  });

  it('permute(dims) with negative dims', () => {
    fc.assert(
      fc.property(
        arbViewInput().chain((c) => {
          const r = c.shape.length;
          const idx = Array.from({ length: r }, (_, i) => i);
          return fc.tuple(
            fc.constant(c),
            fc.shuffledSubarray(idx, { minLength: r, maxLength: r }),
            fc.array(fc.boolean(), { minLength: r, maxLength: r }),
            fc.integer(),
          );
        }),
        ([c, perm, negs, seed]) => {
          const arg = perm.map((d, i) => (negs[i] ? d - perm.length : d));
          checkOp([c], (x) => x.permute(arg), (x) => refPermute(x, perm), seed);
        },
      ),
    );
  });

  it('unsqueeze(d), squeeze(d) and squeeze()', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minDim: 0, maxDim: 3, maxSize: 48 }).chain((c) => {
          const r = c.shape.length;
          return fc.tuple(
            fc.constant(c),
            fc.integer({ min: -(r + 1), max: r }),
            r === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -r, max: r - 1 }), { nil: undefined }),
            fc.integer(),
          );
        }),
        ([c, u, s, seed]) => {
          const r = c.shape.length;
          const pos = u < 0 ? u + r + 1 : u;
          const unsq = [...c.shape.slice(0, pos), 1, ...c.shape.slice(pos)];
          checkOp([c], (x) => x.unsqueeze(u), (x) => refReshape(x, unsq), seed, { forward: c.flat });
          let sq: number[];
          if (s === undefined) sq = c.shape.filter((d) => d !== 1);
          else {
            const p = s < 0 ? s + r : s;
            sq = c.shape[p] === 1 ? c.shape.filter((_, i) => i !== p) : c.shape.slice();
          }
          checkOp([c], (x) => x.squeeze(s), (x) => refReshape(x, sq), seed, { forward: c.flat });
        },
      ),
    );
  });

  it('expand(shape) with new leading dims and -1', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minDim: 0, maxDim: 3, maxRank: 3, maxSize: 27 }).chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
            fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean()), { minLength: c.shape.length, maxLength: c.shape.length }),
            fc.integer(),
          ),
        ),
        ([c, lead, per, seed]) => {
          const target = [...lead, ...c.shape.map((d, i) => (d === 1 ? per[i]![0] : per[i]![1] ? -1 : d))];
          const resolved = [...lead, ...c.shape.map((d, i) => (d === 1 ? per[i]![0] : d))];
          fc.pre(sizeOfShape(resolved) <= 200);
          checkOp([c], (x) => x.expand(target), (x) => refExpand(x, resolved), seed);
        },
      ),
    );
  });

  it('narrow(dim, start, length)', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minRank: 1, minDim: 0, maxSize: 48 }).chain((c) =>
          fc.integer({ min: -c.shape.length, max: c.shape.length - 1 }).chain((dim) => {
            const n = c.shape[dim < 0 ? dim + c.shape.length : dim]!;
            return fc.integer({ min: 0, max: n }).chain((start) =>
              fc.tuple(fc.constant(c), fc.constant(dim), fc.constant(start), fc.integer({ min: 0, max: n - start }), fc.integer()),
            );
          }),
        ),
        ([c, dim, start, length, seed]) => {
          const d = dim < 0 ? dim + c.shape.length : dim;
          checkOp([c], (x) => x.narrow(dim, start, length), (x) => refNarrow(x, d, start, length), seed);
        },
      ),
    );
  });

  it('flatten(startDim, endDim)', () => {
    fc.assert(
      fc.property(
        arbViewInput().chain((c) => {
          const r = Math.max(1, c.shape.length);
          return fc.tuple(fc.constant(c), fc.integer({ min: -r, max: r - 1 }), fc.integer({ min: -r, max: r - 1 }), fc.integer());
        }),
        ([c, s0, e0, seed]) => {
          const r = c.shape.length;
          let expected: number[];
          let call: (x: Tensor) => Tensor;
          if (r === 0) {
            expected = [1];
            call = (x) => x.flatten();
          } else {
            const s = s0 < 0 ? s0 + r : s0;
            const e = e0 < 0 ? e0 + r : e0;
            fc.pre(s <= e);
            expected = [...c.shape.slice(0, s), sizeOfShape(c.shape.slice(s, e + 1)), ...c.shape.slice(e + 1)];
            call = (x) => x.flatten(s0, e0);
          }
          checkOp([c], call, (x) => refReshape(x, expected), seed, { forward: c.flat });
          if (r > 0) expect(c.build().view.flatten().shape).toEqual([sizeOfShape(c.shape)]);
        },
      ),
    );
  });

  it('contiguous() and clone() copy values and pass gradients through', () => {
    fc.assert(
      fc.property(arbViewInput(), fc.integer(), (c, seed) => {
        checkOp([c], (x) => x.contiguous(), (x) => x, seed, { forward: c.flat });
        checkOp([c], (x) => x.clone(), (x) => x, seed, { forward: c.flat });
        const v = c.build().view;
        const cont = v.contiguous();
        // contiguous storage: element i lives at storage[offset + i]
        const td = cont.tensorData;
        expect(Array.from(td.storage.subarray(td.offset, td.offset + cont.size))).toEqual(c.flat);
        const cl = v.clone();
        expect(cl.tensorData.storage).not.toBe(v.tensorData.storage);
      }),
    );
  });

  it('to(dtype): values rounded to float32, gradient cast back to the input dtype', () => {
    fc.assert(
      fc.property(arbViewInput(), fc.integer(), (c, seed) => {
        const { base, view } = c.build({ requiresGrad: true });
        const y = view.to('float32');
        expect(y.dtype).toBe('float32');
        expect(y.shape).toEqual(c.shape);
        expect(flatOf(y)).toEqual(c.flat.map(Math.fround));
        const up = pseudoValues(seed, y.size);
        y.backward(tensor(up, { shape: y.shape, dtype: 'float32' }));
        expect(base.grad!.dtype).toBe('float64');
        expectClose(gradOf(base), scatterAdd(c.sources, up.map(Math.fround), c.baseFlat.length), 1e-12, 1e-12);
        // and back: float32 leaf -> float64 result, float32 gradient
        const b32 = tensor(c.baseFlat, { shape: c.baseShape, dtype: 'float32', requiresGrad: true });
        const y64 = buildView(b32, c.steps).to('float64');
        expect(y64.dtype).toBe('float64');
        expect(flatOf(y64)).toEqual(c.flat.map(Math.fround));
        y64.backward(tensor(up, { shape: y64.shape }));
        expect(b32.grad!.dtype).toBe('float32');
        expectClose(gradOf(b32), scatterAdd(c.sources, up, c.baseFlat.length).map(Math.fround), 1e-6, 1e-6);
        expect(view.to('float64')).toBe(view);
        const cases = [tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true })];
        expect(gradcheck((b) => buildView(b, c.steps).to('float32').to('float64').mul(2), cases, { eps: 1e-2, atol: 1e-4, rtol: 1e-4 })).toBe(true);
      }),
    );
  });

  it('detach(): same values, no gradient flows through it', () => {
    fc.assert(
      fc.property(arbViewInput(), fc.integer(), (c, seed) => {
        const { base, view } = c.build({ requiresGrad: true });
        const d = view.detach();
        expect(d.requiresGrad).toBe(false);
        expect(d.shape).toEqual(c.shape);
        expect(flatOf(d)).toEqual(c.flat);
        expect(d.tensorData.storage).toBe(view.tensorData.storage);
        // y = detach(x) * x: dy/dx is detach(x), not 2x.
        const y = view.detach().mul(view);
        const up = pseudoValues(seed, y.size);
        y.backward(tensor(up, { shape: y.shape }));
        const want = scatterAdd(c.sources, up.map((g, i) => g * c.flat[i]!), c.baseFlat.length);
        if (c.flat.length) expectClose(gradOf(base), want, RTOL, ATOL);
        expect(() => view.detach().sum().backward()).toThrow(/backward/);
      }),
    );
  });
});

// ---- dtypes -----------------------------------------------------------------------------------

type Family = { name: string; domain: Domain | 'distinct'; run: (x: Tensor, y: Tensor) => Tensor; binary: boolean };
const families: Family[] = [
  ...unaryCases.map((u): Family => ({ name: u.name, domain: u.domain, run: (x) => u.t(x), binary: false })),
  ...binaryCases.map((b): Family => ({ name: b.name, domain: b.bDomain, run: (x, y) => x[b.name](y), binary: true })),
  { name: 'sum', domain: 'any', run: (x) => x.sum(0), binary: false },
  { name: 'mean', domain: 'any', run: (x) => x.mean(-1, true), binary: false },
  { name: 'max', domain: 'distinct', run: (x) => x.max(1), binary: false },
  { name: 'matmul', domain: 'any', run: (x, y) => x.matmul(y.transpose(0, 1)), binary: true },
  { name: 'views', domain: 'any', run: (x) => x.transpose(0, 1).reshape([-1]).unsqueeze(0).expand([2, -1]).narrow(1, 1, 2).contiguous().clone(), binary: false },
];

describe('dtypes', () => {
  for (const fam of families) {
    it(`${fam.name}: float32 in -> float32 out close to float64; mixing with float64 -> float64; numbers do not promote`, () => {
      fc.assert(
        fc.property(
          fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 })).chain((shape) =>
            fc.tuple(fc.constant(shape), arbTensorViewOfShape(shape, fam.domain === 'distinct' ? 'distinct' : 'any', 0), arbTensorViewOfShape(shape, fam.domain, 0)),
          ),
          ([shape, xa, ya]) => {
            // x is the first operand (any domain unless the op needs one), y the second / only input for domain-restricted unaries.
            const first = fam.binary || fam.domain === 'distinct' ? xa.flat : ya.flat;
            const x64 = tensor(first, { shape, requiresGrad: true });
            const y64 = tensor(ya.flat, { shape, requiresGrad: true });
            const x32 = tensor(first, { shape, dtype: 'float32', requiresGrad: true });
            const y32 = tensor(ya.flat, { shape, dtype: 'float32', requiresGrad: true });
            const r64 = fam.run(x64, y64);
            const r32 = fam.run(x32, y32);
            expect(r64.dtype).toBe('float64');
            expect(r32.dtype).toBe('float32');
            expect(r32.shape).toEqual(r64.shape);
            // compare with float64 evaluated on the float32-rounded inputs
            const xr = tensor(first.map(Math.fround), { shape, requiresGrad: true });
            const yr = tensor(ya.flat.map(Math.fround), { shape, requiresGrad: true });
            const rr = fam.run(xr, yr);
            expectClose(flatOf(r32), flatOf(rr), 1e-5, 1e-6, 'float32 forward');
            const up = pseudoValues(7, r64.size);
            r32.backward(tensor(up, { shape: r32.shape, dtype: 'float32' }));
            rr.backward(tensor(up, { shape: rr.shape }));
            expect(x32.grad!.dtype).toBe('float32');
            expectClose(gradOf(x32), gradOf(xr), 1e-4, 1e-5, 'float32 grad');
            if (fam.binary && fam.name === 'matmul') {
              // As PyTorch: matmul refuses mixed dtypes instead of promoting.
              expect(() => fam.run(x32.detach(), y64.detach())).toThrow(/^matmul: expected both operands to have the same dtype, got float32 \(shape \[\d, \d\]\) and float64/);
            } else if (fam.binary) {
              expect(y32.grad!.dtype).toBe('float32');
              expectClose(gradOf(y32), gradOf(yr), 1e-4, 1e-5, 'float32 grad of second operand');
              // mixed: float64 either way round, float32 input's grad stays float32
              const xm = tensor(first, { shape, dtype: 'float32', requiresGrad: true });
              const ym = tensor(ya.flat, { shape, requiresGrad: true });
              const m1 = fam.run(xm, ym);
              expect(m1.dtype).toBe('float64');
              expect(fam.run(ym.detach(), xm.detach()).dtype).toBe('float64');
              m1.backward(tensor(up, { shape: m1.shape }));
              expect(xm.grad!.dtype).toBe('float32');
              expect(ym.grad!.dtype).toBe('float64');
              expectClose(flatOf(m1), flatOf(fam.run(xr.detach(), tensor(ya.flat, { shape }))), 1e-12, 1e-12, 'mixed forward');
            }
          },
        ),
        { numRuns: 10 },
      );
    });
  }

  it("PyTorch's promotion: numbers and 0-d tensors do not promote a dimensioned tensor; two dimensioned mix to float64", () => {
    const x = tensor([1, 2, 3], { dtype: 'float32' });
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      expect(x[op](0.1).dtype).toBe('float32');
      expect(x[op](tensor(0.1)).dtype).toBe('float32');
      expect(tensor(0.1)[op](x).dtype).toBe('float32');
      expect(tensor(0.1, { dtype: 'float32' })[op](tensor([1, 2]))).toHaveProperty('dtype', 'float64');
      expect(x[op](tensor([1, 2, 3])).dtype).toBe('float64');
      expect(tensor(1, { dtype: 'float32' })[op](tensor(2)).dtype).toBe('float64');
    }
    expect(flatOf(x.add(0.1))).toEqual([1, 2, 3].map((v) => Math.fround(v + Math.fround(0.1))));
    // The 0-d float64 value is rounded to float32, as torch does: (float32)0.1, not 0.1.
    expect(flatOf(x.mul(tensor(0.1)))).toEqual([1, 2, 3].map((v) => Math.fround(v * Math.fround(0.1))));
    expect(x.pow(2).dtype).toBe('float32');
    expect(() => tensor([1, 2], { dtype: 'float32' }).matmul(tensor([3, 4]))).toThrow(/^matmul: expected both operands to have the same dtype, got float32 \(shape \[1, 2\]\) and float64 \(shape \[2, 1\]\)/);
    const dts: DType[] = ['float32', 'float64'];
    for (const dt of dts) expect(tensor([[1, 2], [3, 4]], { dtype: dt }).max(0, true).dtype).toBe(dt);
  });

  it('shapes arbitrary: sanity of the generators', () => {
    fc.assert(
      fc.property(arbShape({ minDim: 0 }), (s) => s.length <= 4 && s.every((d) => d >= 0 && d <= 4) && sizeOfShape(s) <= 64),
    );
  });
});

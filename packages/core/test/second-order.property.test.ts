/**
 * Second- and higher-order derivatives, property-tested:
 *  - gradgradcheck (central differences of the gradient, in every input and in the upstream
 *    gradient) for every differentiable op, on non-contiguous views of random bases, and for
 *    random 2-4-op compositions;
 *  - hvp, hessian, jacobian, jvp and vjp against central differences of gradients and values;
 *  - third derivatives by three nested grad() calls against closed forms (which are themselves
 *    checked against central differences of the closed-form second derivative);
 *  - the error paths of grad / the functional helpers, backward({ createGraph }) and .grad
 *    accumulation, and convTranspose1d (a plain-loop reference, its adjoint identity with
 *    conv1d, its validation).
 * Nothing is compared with the code under test itself: the references are central
 * differences, closed forms or plain loops. Kinks (relu/abs at 0) and max ties are avoided.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../src/tensor.js';
import {
  type Conv1dOptions, type ConvTranspose1dOptions, type GradgradcheckOptions,
  cat, conv1d, convTranspose1d, grad, gradcheck, gradgradcheck, hessian, hvp, jacobian, jvp, mseLoss, noGrad, stack, tensor, vjp,
} from '../src/index.js';
import {
  type Domain, type ViewCase,
  arbAxes, arbBroadcastPair, arbDistinctValues, arbReshapeTarget, arbShape, arbTensorView, arbTensorViewOfShape, arbValue,
  arbValues, buildView, centralDiff, expectClose, flatOf, normalizeAxes, pseudoValues, sizeOfShape, unravelIndex, ravelIndex,
} from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203), numRuns: Number(process.env.FC_NUM_RUNS ?? 12) });

const cube = (t: Tensor): Tensor => t.pow(3);

/**
 * gradgradcheck of `fn` at fresh float64 leaves holding the cases' bases; `fn` receives the
 * (usually non-contiguous) views built from them, so the views' own backward rules are
 * differentiated too.
 */
function ggc(cases: readonly ViewCase[], fn: (...xs: Tensor[]) => Tensor, seed: number, opts: GradgradcheckOptions = {}): void {
  const bases = cases.map((c) => tensor(c.baseFlat, { shape: c.baseShape, requiresGrad: true }));
  const viewed = (...bs: Tensor[]) => fn(...bs.map((b, i) => buildView(b, cases[i]!.steps)));
  // first order too: gradgradcheck alone would pass a rule that returns no gradient at all
  const { eps, atol, rtol } = opts;
  expect(gradcheck(viewed, bases, { ...(eps === undefined ? {} : { eps }), ...(atol === undefined ? {} : { atol }), ...(rtol === undefined ? {} : { rtol }) })).toBe(true);
  expect(gradgradcheck(viewed, bases, { seed, ...opts })).toBe(true);
}

const SMALL = { minDim: 1, maxDim: 3, maxSize: 8 } as const;

// ---- gradgradcheck: elementwise ------------------------------------------------------------

interface Unary {
  name: string;
  domain: Domain;
  t: (x: Tensor) => Tensor;
}
const unaries: Unary[] = [
  // piecewise-linear / linear ops are cubed afterwards, so their backward rules are differentiated in x as well
  { name: 'neg', domain: 'any', t: (x) => cube(x.neg()) },
  { name: 'abs', domain: 'nonzero', t: (x) => cube(x.abs()) },
  { name: 'relu', domain: 'nonzero', t: (x) => cube(x.relu()) },
  { name: 'abs (plain)', domain: 'nonzero', t: (x) => x.abs() },
  { name: 'relu (plain)', domain: 'nonzero', t: (x) => x.relu() },
  { name: 'exp', domain: 'any', t: (x) => x.exp() },
  { name: 'log', domain: 'positive', t: (x) => x.log() },
  { name: 'sqrt', domain: 'positive', t: (x) => x.sqrt() },
  { name: 'sigmoid', domain: 'any', t: (x) => x.sigmoid() },
  { name: 'tanh', domain: 'any', t: (x) => x.tanh() },
  ...([
    [0, 'any'], [1, 'any'], [2, 'any'], [3, 'any'], [4, 'any'], [-1, 'divisor'], [-2, 'divisor'], [0.5, 'positive'], [1.5, 'positive'],
    [-0.5, 'positive'], [2.5, 'positive'],
  ] as [number, Domain][]).map(([k, domain]): Unary => ({ name: `pow(${k})`, domain, t: (x) => x.pow(k) })),
];

describe('gradgradcheck: unary elementwise ops on non-contiguous views', () => {
  for (const u of unaries) {
    it(u.name, () => {
      fc.assert(fc.property(arbTensorView(SMALL, u.domain), fc.nat(), (c, seed) => ggc([c], u.t, seed)));
    });
  }
});

const binaries: { name: 'add' | 'sub' | 'mul' | 'div'; bDomain: Domain; wrap: (t: Tensor) => Tensor }[] = [
  { name: 'add', bDomain: 'any', wrap: cube },
  { name: 'sub', bDomain: 'any', wrap: cube },
  { name: 'mul', bDomain: 'any', wrap: (t) => t },
  { name: 'div', bDomain: 'divisor', wrap: (t) => t },
];

describe('gradgradcheck: binary ops with broadcasting', () => {
  for (const b of binaries) {
    it(`${b.name}(Tensor, Tensor), broadcast both ways, views`, () => {
      fc.assert(
        fc.property(
          arbBroadcastPair({ minDim: 1, maxDim: 3, maxSize: 8 }).chain(([as, bs]) =>
            fc.tuple(arbTensorViewOfShape(as, 'any', 2), arbTensorViewOfShape(bs, b.bDomain, 2), fc.nat()),
          ),
          ([x, y, seed]) => ggc([x, y], (p, q) => b.wrap(p[b.name](q)), seed),
        ),
      );
    });
    it(`${b.name} with a number and with a 0-d tensor on the left`, () => {
      fc.assert(
        fc.property(arbTensorView(SMALL, b.bDomain), arbValue('divisor'), fc.nat(), (x, c, seed) => {
          ggc([x], (p) => b.wrap(p[b.name](c)), seed);
          // 0-d on the left: its gradient sums over every element
          const s = tensor(c, { requiresGrad: true });
          const base = tensor(x.baseFlat, { shape: x.baseShape, requiresGrad: true });
          expect(gradgradcheck((sc, bb) => b.wrap(sc[b.name](buildView(bb, x.steps))), [s, base], { seed })).toBe(true);
        }),
      );
    });
  }
});

// ---- gradgradcheck: reductions and matmul --------------------------------------------------

describe('gradgradcheck: reductions over axes, with and without keepdim', () => {
  for (const kind of ['sum', 'mean', 'max'] as const) {
    it(`${kind}(axis, keepdim)${kind === 'max' ? ' without ties' : ''}`, () => {
      const views = arbTensorView({ minDim: 1, maxDim: 3, maxSize: 12 }, kind === 'max' ? 'distinct' : 'any');
      fc.assert(
        fc.property(
          views.chain((c) => fc.tuple(fc.constant(c), arbAxes(c.shape.length), fc.boolean(), fc.nat())),
          ([c, axis, keepdim, seed]) => {
            // sum/mean are linear and max piecewise linear: a nonlinearity before and after, so the
            // rule is differentiated in x too (tanh keeps the sums small, and is monotone: no new ties)
            ggc([c], (x) => x.tanh()[kind](axis, keepdim).pow(2), seed);
            ggc([c], (x) => x[kind](axis, keepdim), seed);
          },
        ),
      );
    });
  }
});

/** PyTorch matmul shapes, kept small: 1-d forms and broadcast batch dims. */
const arbSmallMatmul = fc
  .record({
    m: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    aOneD: fc.boolean(),
    bOneD: fc.boolean(),
    batch: fc.option(arbBroadcastPair({ minRank: 1, maxRank: 2, minDim: 1, maxDim: 2, maxSize: 4 }), { nil: undefined }),
  })
  .map(({ m, k, n, aOneD, bOneD, batch }) => ({
    a: aOneD ? [k] : [...(batch?.[0] ?? []), m, k],
    b: bOneD ? [k] : [...(batch?.[1] ?? []), k, n],
  }))
  .filter(({ a, b }) => sizeOfShape(a) <= 12 && sizeOfShape(b) <= 12);

describe('gradgradcheck: matmul', () => {
  it('1-d·1-d, 1-d·n-d, n-d·1-d, batched with broadcast, on views', () => {
    fc.assert(
      fc.property(
        arbSmallMatmul.chain(({ a, b }) => fc.tuple(arbTensorViewOfShape(a, 'any', 2), arbTensorViewOfShape(b, 'any', 2), fc.nat())),
        ([a, b, seed]) => ggc([a, b], (x, y) => x.matmul(y), seed),
      ),
      { numRuns: 16 },
    );
  });
  it('the shapes cover every PyTorch form', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arbSmallMatmul, ({ a, b }) => {
        seen.add(`${Math.min(a.length, 3)}x${Math.min(b.length, 3)}`);
      }),
      { numRuns: 300 },
    );
    for (const form of ['1x1', '1x2', '2x1', '2x2', '3x1', '1x3', '3x3', '3x2', '2x3']) expect(seen.has(form), form).toBe(true);
  });
  it('a matrix times itself (both operands are the same leaf)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }).chain((n) => arbTensorViewOfShape([n, n], 'any', 2)), fc.nat(), (c, seed) =>
        ggc([c], (x) => x.matmul(x).matmul(x.transpose(0, 1)), seed),
      ),
    );
  });
});

// ---- gradgradcheck: views and copies -------------------------------------------------------

const viewInput = arbTensorView({ minDim: 1, maxDim: 3, maxSize: 8 });

describe('gradgradcheck: views and copies (cubed after the view)', () => {
  it('reshape (incl. -1)', () => {
    fc.assert(
      fc.property(viewInput.chain((c) => fc.tuple(fc.constant(c), arbReshapeTarget(c.shape), fc.nat())), ([c, target, seed]) =>
        ggc([c], (x) => cube(x.reshape(target)), seed),
      ),
    );
  });
  it('permute and transpose (negative dims)', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minRank: 1, minDim: 1, maxDim: 3, maxSize: 8 }).chain((c) => {
          const r = c.shape.length;
          return fc.tuple(
            fc.constant(c),
            fc.shuffledSubarray(Array.from({ length: r }, (_, i) => i), { minLength: r, maxLength: r }),
            fc.integer({ min: -r, max: r - 1 }),
            fc.integer({ min: -r, max: r - 1 }),
            fc.nat(),
          );
        }),
        ([c, perm, d0, d1, seed]) => {
          ggc([c], (x) => cube(x.permute(perm.map((d, i) => (i % 2 ? d - perm.length : d)))), seed);
          ggc([c], (x) => cube(x.transpose(d0, d1)), seed);
        },
      ),
    );
  });
  it('expand (new leading dims, -1) and narrow', () => {
    fc.assert(
      fc.property(
        arbTensorView({ minRank: 1, minDim: 1, maxDim: 3, maxRank: 3, maxSize: 6 }).chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }),
            fc.array(fc.integer({ min: 1, max: 2 }), { minLength: c.shape.length, maxLength: c.shape.length }),
            fc.integer({ min: 0, max: c.shape.length - 1 }).chain((dim) =>
              fc.integer({ min: 0, max: c.shape[dim]! - 1 }).chain((start) =>
                fc.integer({ min: 1, max: c.shape[dim]! - start }).map((length) => [dim, start, length] as const),
              ),
            ),
            fc.nat(),
          ),
        ),
        ([c, lead, per, [dim, start, length], seed]) => {
          const target = [...lead, ...c.shape.map((d, i) => (d === 1 ? per[i]! : i % 2 ? -1 : d))];
          ggc([c], (x) => cube(x.expand(target)), seed);
          ggc([c], (x) => cube(x.narrow(dim, start, length)), seed);
        },
      ),
    );
  });
  it('unsqueeze, squeeze (all and one dim), flatten', () => {
    fc.assert(
      fc.property(
        viewInput.chain((c) => {
          const r = c.shape.length;
          return fc.tuple(
            fc.constant(c),
            fc.integer({ min: -(r + 1), max: r }),
            r === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -r, max: r - 1 }), { nil: undefined }),
            fc.integer({ min: 0, max: Math.max(0, r - 1) }),
            fc.integer({ min: 0, max: Math.max(0, r - 1) }),
            fc.nat(),
          );
        }),
        ([c, u, s, f0, f1, seed]) => {
          ggc([c], (x) => cube(x.unsqueeze(u)), seed);
          ggc([c], (x) => cube(x.squeeze(s)), seed);
          ggc([c], (x) => cube(c.shape.length ? x.flatten(Math.min(f0, f1), Math.max(f0, f1)) : x.flatten()), seed);
        },
      ),
    );
  });
  it('contiguous, clone', () => {
    fc.assert(
      fc.property(viewInput, fc.nat(), (c, seed) => {
        ggc([c], (x) => cube(x.contiguous()), seed);
        ggc([c], (x) => x.clone().mul(x), seed);
      }),
    );
  });
  it('to(dtype): float64 -> float32 -> float64 (float32 precision, larger step)', () => {
    fc.assert(
      fc.property(viewInput, fc.nat(), (c, seed) => {
        // cube is its own third-order Taylor polynomial, so a large step costs no truncation error
        ggc([c], (x) => cube(x.to('float32')).to('float64'), seed, { eps: 1e-2, atol: 2e-3, rtol: 2e-3 });
        ggc([c], (x) => cube(x.to('float64')), seed);
      }),
    );
  });
});

// ---- gradgradcheck: conv1d, convTranspose1d, mseLoss, cat, stack ---------------------------

interface ConvGeom {
  batch: number; // 0: unbatched
  groups: number;
  cinPG: number;
  coutPG: number;
  k: number;
  stride: number;
  dilation: number;
  len: number;
  bias: boolean;
}
const arbConvGeom = fc.record({
  batch: fc.integer({ min: 0, max: 2 }),
  groups: fc.integer({ min: 1, max: 2 }),
  cinPG: fc.integer({ min: 1, max: 2 }),
  coutPG: fc.integer({ min: 1, max: 2 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  len: fc.integer({ min: 1, max: 6 }),
  bias: fc.boolean(),
});
const withBatch = (g: ConvGeom, rest: number[]) => (g.batch ? [g.batch, ...rest] : rest);

const arbConv1dCase = fc
  .tuple(arbConvGeom, fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom<'same' | 'valid'>('same', 'valid')))
  .filter(([g, pad]) => {
    if (pad === 'same' && g.stride !== 1) return false;
    const padTotal = pad === 'same' ? g.dilation * (g.k - 1) : pad === 'valid' ? 0 : 2 * pad;
    const outLen = Math.floor((g.len + padTotal - g.dilation * (g.k - 1) - 1) / g.stride) + 1;
    return outLen >= 1 && Math.max(1, g.batch) * g.groups * g.cinPG * g.len <= 16;
  })
  .chain(([g, pad]) => {
    const cin = g.groups * g.cinPG;
    const cout = g.groups * g.coutPG;
    const opts: Conv1dOptions = { stride: g.stride, padding: pad, dilation: g.dilation, groups: g.groups };
    return fc.tuple(
      arbTensorViewOfShape(withBatch(g, [cin, g.len]), 'any', 2),
      arbTensorViewOfShape([cout, g.cinPG, g.k], 'any', 2),
      g.bias ? arbTensorViewOfShape([cout], 'any', 1) : fc.constant(null),
      fc.constant(opts),
      fc.nat(),
    );
  });

interface TGeom extends ConvGeom {
  padding: number;
  outputPadding: number;
}
const tOutLen = (g: TGeom) => (g.len - 1) * g.stride - 2 * g.padding + g.dilation * (g.k - 1) + g.outputPadding + 1;
const arbTGeom: fc.Arbitrary<TGeom> = fc
  .tuple(arbConvGeom, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
  .map(([g, padding, outputPadding]) => ({ ...g, len: 1 + (g.len % 4), padding, outputPadding }))
  .filter((g) => (g.outputPadding < g.stride || g.outputPadding < g.dilation) && tOutLen(g) >= 1 && Math.max(1, g.batch) * g.groups * g.cinPG * g.len <= 12 && Math.max(1, g.batch) * g.groups * g.coutPG * tOutLen(g) <= 24);
const tOpts = (g: TGeom): ConvTranspose1dOptions => ({ stride: g.stride, padding: g.padding, outputPadding: g.outputPadding, dilation: g.dilation, groups: g.groups });

const arbConvTransposeCase = arbTGeom.chain((g) =>
  fc.tuple(
    fc.constant(g),
    arbTensorViewOfShape(withBatch(g, [g.groups * g.cinPG, g.len]), 'any', 2),
    arbTensorViewOfShape([g.groups * g.cinPG, g.coutPG, g.k], 'any', 2),
    g.bias ? arbTensorViewOfShape([g.groups * g.coutPG], 'any', 1) : fc.constant(null),
    fc.nat(),
  ),
);

describe('gradgradcheck: convolutions, loss, joins', () => {
  it('conv1d: stride, padding (number, same, valid), dilation, groups, bias, unbatched', () => {
    fc.assert(
      fc.property(arbConv1dCase, ([x, w, b, opts, seed]) => {
        const cases = b ? [x, w, b] : [x, w];
        ggc(cases, (xi, wi, bi) => conv1d(xi!, wi!, bi ?? null, opts), seed);
      }),
      { numRuns: 16 },
    );
  });
  it('convTranspose1d: stride, padding, outputPadding, dilation, groups, bias, unbatched', () => {
    fc.assert(
      fc.property(arbConvTransposeCase, ([g, x, w, b, seed]) => {
        const cases = b ? [x, w, b] : [x, w];
        ggc(cases, (xi, wi, bi) => convTranspose1d(xi!, wi!, bi ?? null, tOpts(g)), seed);
      }),
      { numRuns: 16 },
    );
  });
  it('the geometries include outputPadding from stride and from dilation, groups and unbatched inputs', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arbTGeom, (g) => {
        if (g.outputPadding > 0 && g.outputPadding < g.stride) seen.add('op<stride');
        if (g.outputPadding >= g.stride) seen.add('op>=stride, <dilation');
        if (g.groups > 1) seen.add('groups');
        if (g.batch === 0) seen.add('unbatched');
      }),
      { numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(['groups', 'op<stride', 'op>=stride, <dilation', 'unbatched']);
  });
  it('mseLoss with every reduction, on views', () => {
    fc.assert(
      fc.property(
        arbShape(SMALL).chain((s) => fc.tuple(arbTensorViewOfShape(s, 'any', 2), arbTensorViewOfShape(s, 'any', 2))),
        fc.nat(),
        ([p, t], seed) => {
          for (const reduction of ['mean', 'sum', 'none'] as const) ggc([p, t], (a, b) => mseLoss(a, b, reduction), seed);
          // and through a nonlinearity, so the rule's second derivative in the prediction meets a varying upstream
          ggc([p, t], (a, b) => mseLoss(a.tanh(), b, 'mean'), seed);
        },
      ),
    );
  });
  it('cat along any (negative) dim, 1-3 tensors', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 3, maxSize: 6 }).chain((s) =>
          fc.integer({ min: -s.length, max: s.length - 1 }).chain((dim) => {
            const d = dim < 0 ? dim + s.length : dim;
            return fc.tuple(
              fc.constant(dim),
              fc.array(
                fc.integer({ min: 1, max: 2 }).chain((len) => arbTensorViewOfShape(s.map((v, i) => (i === d ? len : v)), 'any', 2)),
                { minLength: 1, maxLength: 3 },
              ),
              fc.nat(),
            );
          }),
        ),
        ([dim, cases, seed]) => ggc(cases, (...xs) => cube(cat(xs, dim)), seed),
      ),
    );
  });
  it('stack along any (negative) dim, 1-3 tensors', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 0, maxRank: 2, minDim: 1, maxDim: 3, maxSize: 6 }).chain((s) =>
          fc.tuple(
            fc.integer({ min: -(s.length + 1), max: s.length }),
            fc.array(arbTensorViewOfShape(s, 'any', 2), { minLength: 1, maxLength: 3 }),
            fc.nat(),
          ),
        ),
        ([dim, cases, seed]) => ggc(cases, (...xs) => cube(stack(xs, dim)), seed),
      ),
    );
  });
});

// ---- gradgradcheck: random compositions ----------------------------------------------------

/** How close a program came to a kink, a tie in max, or a huge value (computed on its forward values). */
class Guard {
  kink = Infinity;
  tie = Infinity;
  big = 0;
  ok(): boolean {
    return this.kink > 1e-3 && this.tie > 1e-3 && this.big < 1e3;
  }
  watch(t: Tensor): void {
    for (const v of flatOf(t)) this.big = Math.max(this.big, Math.abs(v));
  }
  watchKink(t: Tensor): void {
    for (const v of flatOf(t)) this.kink = Math.min(this.kink, Math.abs(v));
  }
  /** The gap between each max group's largest element and the next one (plain index math). */
  watchMax(t: Tensor, axes: readonly number[]): void {
    const vals = flatOf(t);
    const kept = t.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const outShape = kept.map((i) => t.shape[i]!);
    const groups = new Map<number, number[]>();
    vals.forEach((v, f) => {
      const idx = unravelIndex(f, t.shape);
      const g = ravelIndex(kept.map((i) => idx[i]!), outShape);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(v);
    });
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      const s = g.slice().sort((a, b) => b - a);
      this.tie = Math.min(this.tie, s[0]! - s[1]!);
    }
  }
}

interface Step {
  name: string;
  out: number[];
  extra?: number[];
  t(x: Tensor, e: Tensor | undefined): Tensor;
  guard?(x: Tensor, g: Guard): void;
}

const MAX_SIZE = 12;
const smoothUnary: [string, (x: Tensor) => Tensor][] = [
  ['neg', (x) => x.neg()],
  ['tanh', (x) => x.tanh()],
  ['sigmoid', (x) => x.sigmoid()],
  ['exp(tanh)', (x) => x.tanh().exp()],
  ['log(x²+1)', (x) => x.mul(x).add(1).log()],
  ['sqrt(x²+0.5)', (x) => x.pow(2).add(0.5).sqrt()],
  ['pow(3)', (x) => x.pow(3)],
  ['pow(-1) of x²+1', (x) => x.pow(2).add(1).pow(-1)],
  ['sub 0.3', (x) => x.sub(0.3)],
  ['mul -1.5', (x) => x.mul(-1.5)],
  ['div 2.5', (x) => x.div(2.5)],
];
const binaryOps: [string, (x: Tensor, y: Tensor) => Tensor][] = [
  ['add', (x, y) => x.add(y)],
  ['sub', (x, y) => x.sub(y)],
  ['mul', (x, y) => x.mul(y)],
  ['div', (x, y) => x.div(y.mul(y).add(0.5))],
  ['rdiv', (x, y) => y.div(x.mul(x).add(0.5))],
];

function arbStep(shape: number[]): fc.Arbitrary<Step> {
  const r = shape.length;
  const size = sizeOfShape(shape);
  const opts: fc.Arbitrary<Step>[] = [];
  opts.push(fc.constantFrom(...smoothUnary).map(([name, f]): Step => ({ name, out: shape, t: (x) => f(x) })));
  opts.push(
    fc.constantFrom<Step>(
      { name: 'relu', out: shape, t: (x) => x.relu(), guard: (x, g) => g.watchKink(x) },
      { name: 'abs', out: shape, t: (x) => x.abs(), guard: (x, g) => g.watchKink(x) },
    ),
  );
  const other = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: r }), fc.array(fc.boolean(), { minLength: r, maxLength: r })).map(([drop, ones]) =>
      shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop),
    ),
    fc.integer({ min: 2, max: 3 }).map((n) => [n, ...shape.map((d, i) => (i === 0 && r > 1 ? 1 : d))]),
  );
  opts.push(
    fc.tuple(fc.constantFrom(...binaryOps), other).map(([[name, f], os]): Step => {
      const n = Math.max(os.length, r);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const da = i < n - r ? 1 : shape[i - (n - r)]!;
        const db = i < n - os.length ? 1 : os[i - (n - os.length)]!;
        out.push(da === 1 ? db : da);
      }
      return { name: `${name} ${JSON.stringify(os)}`, out, extra: os, t: (x, e) => f(x, e!) };
    }),
  );
  opts.push(
    fc.tuple(fc.constantFrom('sum' as const, 'mean' as const, 'max' as const), arbAxes(r), fc.boolean()).map(([kind, axis, keepdim]): Step => {
      const axes = normalizeAxes(axis, r);
      const out = keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
      return {
        name: `${kind}(${JSON.stringify(axis)}, ${keepdim})`,
        out,
        t: (x) => x[kind](axis, keepdim),
        guard: kind === 'max' ? (x, g) => g.watchMax(x, axes) : undefined,
      };
    }),
  );
  opts.push(
    arbReshapeTarget(shape).map((target): Step => {
      const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      return { name: `reshape ${JSON.stringify(target)}`, out: target.map((d) => (d === -1 ? size / known : d)), t: (x) => x.reshape(target) };
    }),
  );
  opts.push(
    fc.integer({ min: -(r + 1), max: r }).map((d): Step => {
      const p = d < 0 ? d + r + 1 : d;
      return { name: `unsqueeze ${d}`, out: [...shape.slice(0, p), 1, ...shape.slice(p)], t: (x) => x.unsqueeze(d) };
    }),
  );
  opts.push(fc.constant<Step>({ name: 'squeeze', out: shape.filter((d) => d !== 1), t: (x) => x.squeeze() }));
  opts.push(fc.constant<Step>({ name: 'contiguous', out: shape, t: (x) => x.contiguous() }));
  if (size * 2 <= MAX_SIZE) {
    opts.push(fc.constant<Step>({ name: 'expand', out: [2, ...shape], t: (x) => x.expand([2, ...shape.map(() => -1)]) }));
    opts.push(fc.constant<Step>({ name: 'stack with extra', out: [...shape, 2], extra: shape, t: (x, e) => stack([x, e!], -1) }));
  }
  if (r >= 1) {
    opts.push(
      fc.shuffledSubarray(shape.map((_, i) => i), { minLength: r, maxLength: r }).map((dims): Step => ({
        name: `permute ${dims}`, out: dims.map((d) => shape[d]!), t: (x) => x.permute(dims),
      })),
    );
    opts.push(
      fc.tuple(fc.integer({ min: 0, max: r - 1 }), fc.integer({ min: 0, max: r - 1 })).map(([a, b]): Step => {
        const dims = shape.map((_, i) => i);
        [dims[a], dims[b]] = [dims[b]!, dims[a]!];
        return { name: `transpose ${a} ${b}`, out: dims.map((d) => shape[d]!), t: (x) => x.transpose(a, b) };
      }),
    );
    opts.push(
      fc.integer({ min: 0, max: r - 1 }).chain((dim) =>
        fc.integer({ min: 0, max: shape[dim]! - 1 }).chain((start) =>
          fc.integer({ min: 1, max: shape[dim]! - start }).map((length): Step => {
            const out = shape.slice();
            out[dim] = length;
            return { name: `narrow ${dim} ${start} ${length}`, out, t: (x) => x.narrow(dim, start, length) };
          }),
        ),
      ),
    );
    opts.push(
      fc.tuple(fc.integer({ min: 0, max: r - 1 }), fc.integer({ min: 0, max: r - 1 })).map(([a, b]): Step => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        return { name: `flatten ${s} ${e}`, out: [...shape.slice(0, s), sizeOfShape(shape.slice(s, e + 1)), ...shape.slice(e + 1)], t: (x) => x.flatten(s, e) };
      }),
    );
    opts.push(
      fc.integer({ min: 0, max: 3 }).map((n): Step => {
        const k = shape[r - 1]!;
        const extra = n === 0 ? [k] : [k, n];
        return { name: `matmul ${JSON.stringify(extra)}`, out: n === 0 ? shape.slice(0, -1) : [...shape.slice(0, -1), n], extra, t: (x, e) => x.matmul(e!) };
      }),
    );
    opts.push(
      fc.tuple(fc.integer({ min: 0, max: r - 1 }), fc.integer({ min: 1, max: 2 })).map(([dim, len]): Step => {
        const extra = shape.map((d, i) => (i === dim ? len : d));
        const out = shape.map((d, i) => (i === dim ? d + len : d));
        return { name: `cat dim ${dim} with ${JSON.stringify(extra)}`, out, extra, t: (x, e) => cat([x, e!], dim) };
      }),
    );
    opts.push(
      fc.constantFrom('mean' as const, 'sum' as const, 'none' as const).map((reduction): Step => ({
        name: `mseLoss ${reduction}`, out: reduction === 'none' ? shape : [], extra: shape, t: (x, e) => mseLoss(x, e!, reduction),
      })),
    );
  }
  if (r === 3 && shape[2]! >= 1) {
    opts.push(
      fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: Math.min(3, shape[2]! + 2) }), fc.integer({ min: 0, max: 1 })).filter(([, k, p]) => shape[2]! + 2 * p >= k).map(([co, k, p]): Step => ({
        name: `conv1d ${co}x${shape[1]}x${k} pad ${p}`,
        out: [shape[0]!, co, shape[2]! + 2 * p - k + 1],
        extra: [co, shape[1]!, k],
        t: (x, e) => conv1d(x, e!, null, { padding: p }),
      })),
    );
  }
  return fc
    .oneof(...opts)
    .map((s) => Object.assign(s, { toString: () => s.name }))
    .filter((s) => sizeOfShape(s.out) <= MAX_SIZE && (!s.extra || sizeOfShape(s.extra) <= MAX_SIZE));
}

function arbProgram(shape: number[], n: number): fc.Arbitrary<Step[]> {
  if (n === 0) return fc.constant([]);
  return arbStep(shape).chain((s) => arbProgram(s.out, n - 1).map((rest) => [s, ...rest]));
}

const arbComposition = arbShape({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 3, maxSize: 8 }).chain((shape) =>
  fc
    .tuple(arbTensorViewOfShape(shape, 'any', 2), fc.integer({ min: 2, max: 4 }).chain((n) => arbProgram(shape, n)), fc.nat())
    .chain(([input, steps, seed]) =>
      fc.tuple(...steps.filter((s) => s.extra).map((s) => arbValues(sizeOfShape(s.extra!)))).map((extras) => ({ input, steps, extras, seed })),
    ),
);

describe('gradgradcheck: random compositions of 2-4 ops', () => {
  it('second derivatives of every input and of the upstream gradient match central differences', () => {
    let checked = 0;
    fc.assert(
      fc.property(arbComposition, ({ input, steps, extras, seed }) => {
        const extraShapes = steps.filter((s) => s.extra).map((s) => s.extra!);
        const run = (x: Tensor, es: Tensor[], guard?: Guard): Tensor => {
          let y = x;
          let k = 0;
          for (const s of steps) {
            if (guard && s.guard) s.guard(y, guard);
            y = s.t(y, s.extra ? es[k++] : undefined);
            guard?.watch(y);
          }
          return y;
        };
        const guard = new Guard();
        noGrad(() => run(input.build().view, extras.map((v, i) => tensor(v, { shape: extraShapes[i]! })), guard));
        fc.pre(guard.ok());
        const base = tensor(input.baseFlat, { shape: input.baseShape, requiresGrad: true });
        const es = extras.map((v, i) => tensor(v, { shape: extraShapes[i]!, requiresGrad: true }));
        expect(gradgradcheck((b, ...rest) => run(buildView(b, input.steps), rest), [base, ...es], { seed })).toBe(true);
        checked++;
      }),
      { numRuns: 40 },
    );
    expect(checked).toBeGreaterThanOrEqual(25);
  });
});

// ---- the functional helpers against central differences ------------------------------------

interface VecFn {
  name: string;
  shapes: number[][];
  domains: Domain[];
  f: (...xs: Tensor[]) => Tensor;
}
const vecFns: VecFn[] = [
  { name: 'tanh(x)·x', shapes: [[2, 3]], domains: ['any'], f: (x) => x.tanh().mul(x) },
  { name: 'sigmoid(a@b)', shapes: [[2, 3], [3, 2]], domains: ['any', 'any'], f: (a, b) => a.matmul(b).sigmoid() },
  { name: 'log(sum exp(x)) and exp', shapes: [[4]], domains: ['any'], f: (x) => stack([x.exp().sum().log(), x.exp().sum()]) },
  { name: 'conv1d, stride 2, padding 1, then tanh', shapes: [[1, 2, 5], [2, 2, 3], [2]], domains: ['any', 'any', 'any'], f: (x, w, b) => conv1d(x, w, b, { padding: 1, stride: 2 }).tanh() },
  {
    name: 'convTranspose1d, stride 2, outputPadding 1, dilation 2, then sigmoid',
    shapes: [[1, 2, 3], [2, 2, 2], [2]],
    domains: ['any', 'any', 'any'],
    f: (x, w, b) => convTranspose1d(x, w, b, { stride: 2, outputPadding: 1, dilation: 2 }).sigmoid(),
  },
  { name: 'mseLoss(tanh(p), t·p, none)', shapes: [[2, 3], [2, 3]], domains: ['any', 'any'], f: (p, t) => mseLoss(p.tanh(), t.mul(p), 'none') },
  { name: 'cat([exp(a), b·a], 1)', shapes: [[2, 2], [2, 2]], domains: ['any', 'any'], f: (a, b) => cat([a.exp(), b.mul(a)], 1) },
  { name: 'log(stack([a, sqrt(b)·a], -1)) / b', shapes: [[3], [3]], domains: ['positive', 'positive'], f: (a, b) => stack([a, b.sqrt().mul(a)], -1).log().div(b.unsqueeze(-1)) },
  { name: 'max(x·y, 0) over a broadcast', shapes: [[3, 1], [1, 4]], domains: ['any', 'any'], f: (x, y) => x.mul(y).pow(3).max(0).add(x.sum()) },
  { name: 'relu(x)² + abs(x)·x, pow(-2)', shapes: [[4]], domains: ['nonzero'], f: (x) => x.relu().pow(2).add(x.abs().mul(x)).add(x.pow(-2)) },
];

/** A scalar function with curvature from fn: ⟨W, y⟩ + mean(y²), W fixed. */
function scalarOf(fn: VecFn, seed: number): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const y = fn.f(...xs);
    return y.mul(tensor(pseudoValues(seed, y.size), { shape: y.shape })).sum().add(y.pow(2).mean());
  };
}

interface FnCase {
  fn: VecFn;
  xs: ViewCase[];
  vs: number[][];
  us: number[];
  seed: number;
}
const arbFnCase = (fn: VecFn): fc.Arbitrary<FnCase> =>
  fc
    .tuple(
      fc.tuple(...fn.shapes.map((s, i) => arbTensorViewOfShape(s, fn.domains[i]!, 2))),
      fc.tuple(...fn.shapes.map((s) => arbValues(sizeOfShape(s)))),
      fc.nat(),
    )
    .map(([xs, vs, seed]) => ({ fn, xs, vs, us: pseudoValues(seed + 1, 64), seed }))
    .filter(({ fn: f, xs }) => {
      // no ties for the max case, no kink for relu/abs: checked on plain values
      if (f.name.startsWith('max')) {
        const x = xs[0]!.flat;
        const y = xs[1]!.flat;
        return y.every((b) => {
          const col = x.map((a) => (a * b) ** 3).sort((p, q) => q - p);
          return col[0]! - col[1]! > 1e-3;
        });
      }
      return true;
    });

/** The view cases as fresh leaves holding their logical values (contiguous), each shifted by `eps·dir`. */
function leavesAt(xs: readonly ViewCase[], dirs: readonly (readonly number[])[] | null, eps: number): Tensor[] {
  return xs.map((c, i) => tensor(c.flat.map((v, k) => v + (dirs ? eps * dirs[i]![k]! : 0)), { shape: c.shape, requiresGrad: true }));
}
/** grad of a scalar fn at shifted points, as flat arrays (first order only). */
function gradAt(f: (...xs: Tensor[]) => Tensor, xs: readonly ViewCase[], dirs: readonly (readonly number[])[] | null, eps: number): number[][] {
  const leaves = leavesAt(xs, dirs, eps);
  return grad(f(...leaves), leaves, { allowUnused: true }).map((g, i) => (g ? flatOf(g) : new Array<number>(leaves[i]!.size).fill(0)));
}
const views = (xs: readonly ViewCase[]) => xs.map((c) => c.build().view);
const asList = (t: Tensor | Tensor[]): Tensor[] => (t instanceof Tensor ? [t] : t);
const EPS = 1e-5;
const sub = (a: readonly number[], b: readonly number[], s: number) => a.map((v, i) => (v - b[i]!) * s);
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
/** Central differences at 1e-5: truncation ~1e-10·f''', roundoff ~1e-11·|f|. */
const FD = { rtol: 1e-6, atol: 1e-7 };

describe('functional helpers against central differences (inputs are non-contiguous views)', () => {
  for (const fn of vecFns) {
    describe(fn.name, () => {
      const single = fn.shapes.length === 1;
      it('hvp(f, x, v) = (∇f(x + εv) - ∇f(x - εv)) / 2ε', () => {
        fc.assert(
          fc.property(arbFnCase(fn), ({ xs, vs, seed }) => {
            const f = scalarOf(fn, seed);
            const inputs = views(xs);
            const vts = vs.map((v, i) => tensor(v, { shape: fn.shapes[i]! }));
            const [val, hv] = hvp(f, single ? inputs[0]! : inputs, single ? vts[0]! : vts);
            expect(val.requiresGrad).toBe(false);
            expectClose([val.item()], [f(...leavesAt(xs, null, 0)).item()], 1e-12, 1e-12, 'value');
            const plus = gradAt(f, xs, vs, EPS);
            const minus = gradAt(f, xs, vs, -EPS);
            asList(hv).forEach((h, i) => {
              expect(h.shape).toEqual(fn.shapes[i]);
              expect(h.requiresGrad).toBe(false);
              expectClose(flatOf(h), sub(plus[i]!, minus[i]!, 1 / (2 * EPS)), FD.rtol, FD.atol, `Hv, input ${i}`);
            });
          }),
          { numRuns: 4 },
        );
      });
      it('hessian is symmetric, equals the jacobian of the gradient and central differences of the gradient', () => {
        fc.assert(
          fc.property(arbFnCase(fn), ({ xs, seed }) => {
            const f = scalarOf(fn, seed);
            const inputs = views(xs);
            const H = hessian(f, single ? inputs[0]! : inputs);
            const blocks: Tensor[][] = single ? [[H as Tensor]] : (H as Tensor[][]);
            const n = fn.shapes.length;
            const sizes = fn.shapes.map(sizeOfShape);
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                expect(blocks[i]![j]!.shape).toEqual([...fn.shapes[i]!, ...fn.shapes[j]!]);
                const hij = flatOf(blocks[i]![j]!);
                const hji = flatOf(blocks[j]![i]!);
                // H[i][j][a][b] = H[j][i][b][a]
                const transposed = hij.map((_, f0) => hji[(f0 % sizes[j]!) * sizes[i]! + Math.floor(f0 / sizes[j]!)]!);
                expectClose(hij, transposed, 1e-10, 1e-12, `symmetry of block ${i},${j}`);
              }
            }
            // jacobian of the gradient, one input at a time
            for (let i = 0; i < n; i++) {
              const gi = (...ys: Tensor[]) => grad(f(...ys), ys[i]!, { createGraph: true })[0]!;
              const J = asList(jacobian(gi, single ? inputs[0]! : inputs));
              J.forEach((Jj, j) => expectClose(flatOf(Jj), flatOf(blocks[i]![j]!), 1e-10, 1e-12, `jacobian of grad ${i} in input ${j}`));
            }
            // central differences of the gradient, one input element at a time
            for (let j = 0; j < n; j++) {
              for (let b = 0; b < sizes[j]!; b++) {
                const dirs = fn.shapes.map((s, q) => Array.from({ length: sizeOfShape(s) }, (_, k) => (q === j && k === b ? 1 : 0)));
                const plus = gradAt(f, xs, dirs, EPS);
                const minus = gradAt(f, xs, dirs, -EPS);
                for (let i = 0; i < n; i++) {
                  const col = flatOf(blocks[i]![j]!).filter((_, f0) => f0 % sizes[j]! === b);
                  expectClose(col, sub(plus[i]!, minus[i]!, 1 / (2 * EPS)), FD.rtol, FD.atol, `H[${i}][${j}] column ${b}`);
                }
              }
            }
          }),
          { numRuns: 2 },
        );
      });
      it('jacobian and jvp(f, x, v) against central differences of f', () => {
        fc.assert(
          fc.property(arbFnCase(fn), ({ xs, vs }) => {
            const inputs = views(xs);
            const vts = vs.map((v, i) => tensor(v, { shape: fn.shapes[i]! }));
            const [y, jv] = jvp(fn.f, single ? inputs[0]! : inputs, single ? vts[0]! : vts);
            const at = (s: number) => flatOf(fn.f(...leavesAt(xs, vs, s)));
            expectClose(flatOf(y), at(0), 1e-12, 1e-12, 'value');
            expect(jv.shape).toEqual(y.shape);
            expect(jv.requiresGrad).toBe(false);
            expectClose(flatOf(jv), sub(at(EPS), at(-EPS), 1 / (2 * EPS)), FD.rtol, FD.atol, 'Jv');
            // the full Jacobian, column by column
            const J = asList(jacobian(fn.f, single ? inputs[0]! : inputs));
            J.forEach((Jj, j) => {
              const sj = sizeOfShape(fn.shapes[j]!);
              expect(Jj.shape).toEqual([...y.shape, ...fn.shapes[j]!]);
              for (let b = 0; b < sj; b++) {
                const dirs = fn.shapes.map((s, q) => Array.from({ length: sizeOfShape(s) }, (_, k) => (q === j && k === b ? 1 : 0)));
                const num = sub(flatOf(fn.f(...leavesAt(xs, dirs, EPS))), flatOf(fn.f(...leavesAt(xs, dirs, -EPS))), 1 / (2 * EPS));
                expectClose(flatOf(Jj).filter((_, f0) => f0 % sj === b), num, FD.rtol, FD.atol, `J[${j}] column ${b}`);
              }
            });
          }),
          { numRuns: 3 },
        );
      });
      it('vjp(f, x, u) equals grad with gradOutputs u, and ⟨vjp, v⟩ = ⟨u, central difference of f along v⟩', () => {
        fc.assert(
          fc.property(arbFnCase(fn), ({ xs, vs, us }) => {
            const inputs = views(xs);
            const ySize = fn.f(...leavesAt(xs, null, 0)).size;
            const yShape = fn.f(...leavesAt(xs, null, 0)).shape;
            const u = tensor(us.slice(0, ySize), { shape: yShape });
            const [y, g] = vjp(fn.f, single ? inputs[0]! : inputs, u);
            expectClose(flatOf(y), flatOf(fn.f(...leavesAt(xs, null, 0))), 1e-12, 1e-12, 'value');
            const leaves = leavesAt(xs, null, 0);
            const direct = grad(fn.f(...leaves), leaves, { gradOutputs: u, allowUnused: true });
            const gs = asList(g);
            gs.forEach((gi, i) => {
              expect(gi.shape).toEqual(fn.shapes[i]);
              expectClose(flatOf(gi), direct[i] ? flatOf(direct[i]!) : new Array<number>(gi.size).fill(0), 1e-12, 1e-12, `vjp vs grad, input ${i}`);
            });
            const lhs = gs.reduce((s, gi, i) => s + dot(flatOf(gi), vs[i]!), 0);
            const num = sub(flatOf(fn.f(...leavesAt(xs, vs, EPS))), flatOf(fn.f(...leavesAt(xs, vs, -EPS))), 1 / (2 * EPS));
            expectClose([lhs], [dot(us.slice(0, ySize), num)], FD.rtol, 1e-6, '⟨vjp, v⟩');
          }),
          { numRuns: 3 },
        );
      });
    });
  }

  it('createGraph: true gives hvp / jvp / vjp results that can be differentiated again (third order via hvp)', () => {
    // f(x) = Σ x⁴ / 4: H = diag(3x²), d/dx ⟨Hv, w⟩ = 6·x·v·w
    const x = tensor([0.5, -1.2, 2], { requiresGrad: true });
    const v = tensor([1, 2, -1]);
    const w = [0.3, -0.7, 1.1];
    const [, hv] = hvp((t) => t.pow(4).div(4).sum(), x, v, { createGraph: true });
    expect((hv as Tensor).requiresGrad).toBe(true);
    expectClose(flatOf(hv as Tensor), [0.5, -1.2, 2].map((xi, i) => 3 * xi * xi * [1, 2, -1][i]!), 1e-12, 1e-12);
    const [d3] = grad((hv as Tensor).mul(tensor(w)).sum(), x);
    expectClose(flatOf(d3!), [0.5, -1.2, 2].map((xi, i) => 6 * xi * [1, 2, -1][i]! * w[i]!), 1e-12, 1e-12);
    // jvp with a graph: d/dx of J(x)v for f = x³ is 6x·v
    const [, jv] = jvp((t) => t.pow(3), x, v, { createGraph: true });
    const [dj] = grad(jv.sum(), x);
    expectClose(flatOf(dj!), [0.5, -1.2, 2].map((xi, i) => 6 * xi * [1, 2, -1][i]!), 1e-12, 1e-12);
    const [, gv] = vjp((t) => t.pow(3), x, v, { createGraph: true });
    const [dv] = grad((gv as Tensor).sum(), x);
    expectClose(flatOf(dv!), [0.5, -1.2, 2].map((xi, i) => 6 * xi * [1, 2, -1][i]!), 1e-12, 1e-12);
  });

  it('inputs the function ignores get zeros from hvp / jvp / vjp / jacobian / hessian', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4, 5], { requiresGrad: true });
    const f = (p: Tensor, _q: Tensor) => p.pow(3).sum();
    const [, hv] = hvp(f, [a, b], [tensor([1, 1]), tensor([1, 1, 1])]);
    expect(flatOf((hv as Tensor[])[0]!)).toEqual([6, 12]);
    expect(flatOf((hv as Tensor[])[1]!)).toEqual([0, 0, 0]);
    const H = hessian(f, [a, b]) as Tensor[][];
    expect(H[1]![1]!.shape).toEqual([3, 3]);
    expect(flatOf(H[1]![1]!).every((v) => v === 0)).toBe(true);
    expect(flatOf(H[0]![1]!).every((v) => v === 0)).toBe(true);
    expect(flatOf(H[0]![0]!)).toEqual([6, 0, 0, 12]);
    const [, jv] = jvp((p: Tensor, _q: Tensor) => p.mul(2), [a, b], [tensor([1, 0]), tensor([1, 1, 1])]);
    expect(flatOf(jv)).toEqual([2, 0]);
    const [, g] = vjp((p: Tensor, _q: Tensor) => p.mul(2), [a, b], tensor([1, 1]));
    expect(flatOf((g as Tensor[])[1]!)).toEqual([0, 0, 0]);
    const J = jacobian((p: Tensor, _q: Tensor) => p.mul(2), [a, b]) as Tensor[];
    expect(J[1]!.shape).toEqual([2, 3]);
    expect(flatOf(J[1]!).every((v) => v === 0)).toBe(true);
  });
});

// ---- third derivatives by nested grad ------------------------------------------------------

interface Closed {
  name: string;
  domain: Domain;
  t: (x: Tensor) => Tensor;
  f1: (x: number) => number;
  f2: (x: number) => number;
  f3: (x: number) => number;
}
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const closedForms: Closed[] = [
  // t = tanh x: t' = 1 - t², t'' = -2t(1 - t²), t''' = -2(1 - t²)(1 - 3t²)
  {
    name: 'tanh', domain: 'any', t: (x) => x.tanh(),
    f1: (x) => 1 - Math.tanh(x) ** 2,
    f2: (x) => { const t = Math.tanh(x); return -2 * t * (1 - t * t); },
    f3: (x) => { const t = Math.tanh(x); return -2 * (1 - t * t) * (1 - 3 * t * t); },
  },
  // s = σ(x): s' = s(1 - s), s'' = s(1 - s)(1 - 2s), s''' = s(1 - s)(1 - 6s + 6s²)
  {
    name: 'sigmoid', domain: 'any', t: (x) => x.sigmoid(),
    f1: (x) => sig(x) * (1 - sig(x)),
    f2: (x) => { const s = sig(x); return s * (1 - s) * (1 - 2 * s); },
    f3: (x) => { const s = sig(x); return s * (1 - s) * (1 - 6 * s + 6 * s * s); },
  },
  { name: 'exp', domain: 'any', t: (x) => x.exp(), f1: Math.exp, f2: Math.exp, f3: Math.exp },
  // log: 1/x, -1/x², 2/x³
  { name: 'log', domain: 'positive', t: (x) => x.log(), f1: (x) => 1 / x, f2: (x) => -1 / x ** 2, f3: (x) => 2 / x ** 3 },
  // sqrt: x^(1/2) as pow(1/2) below, closed forms written out: ½x^-½, -¼x^-3/2, 3/8 x^-5/2
  { name: 'sqrt', domain: 'positive', t: (x) => x.sqrt(), f1: (x) => 0.5 / Math.sqrt(x), f2: (x) => -0.25 * x ** -1.5, f3: (x) => 0.375 * x ** -2.5 },
  ...([
    [1, 'any'], [2, 'any'], [3, 'any'], [4, 'any'], [5, 'any'], [-1, 'divisor'], [-2, 'divisor'], [0.5, 'positive'], [1.5, 'positive'], [2.5, 'positive'], [-0.5, 'positive'],
  ] as [number, Domain][]).map(([k, domain]): Closed => ({
    name: `pow(${k})`, domain, t: (x) => x.pow(k),
    f1: (x) => k * x ** (k - 1),
    f2: (x) => k * (k - 1) * x ** (k - 2),
    f3: (x) => k * (k - 1) * (k - 2) * x ** (k - 3),
  })),
];

describe('third derivatives of elementwise functions by three nested grad() calls', () => {
  for (const c of closedForms) {
    it(`${c.name}: f', f'', f''' equal the closed forms (checked against central differences) at transposed inputs`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }).chain((n) => arbValues(2 * n, c.domain).map((v) => [n, v] as const)), ([n, vals]) => {
          // the closed forms themselves, against central differences of the one below
          for (const x of vals) {
            expectClose([c.f2(x)], [centralDiff(c.f1, x, 1e-5)], 1e-6, 1e-6, `${c.name}'' closed form at ${x}`);
            expectClose([c.f3(x)], [centralDiff(c.f2, x, 1e-5)], 1e-6, 1e-6, `${c.name}''' closed form at ${x}`);
          }
          const base = tensor(vals, { shape: [n, 2], requiresGrad: true });
          const x = base.transpose(0, 1); // non-contiguous
          const [g1] = grad(c.t(x).sum(), base, { createGraph: true });
          const [g2] = grad(g1!.sum(), base, { createGraph: true, allowUnused: true });
          const g3 = g2 !== null && g2.requiresGrad ? grad(g2.sum(), base, { allowUnused: true })[0] ?? null : null;
          expectClose(flatOf(g1!), vals.map(c.f1), 1e-12, 1e-12, `${c.name}'`);
          expectClose(g2 ? flatOf(g2) : vals.map(() => 0), vals.map(c.f2), 1e-12, 1e-12, `${c.name}''`);
          expectClose(g3 ? flatOf(g3) : vals.map(() => 0), vals.map(c.f3), 1e-11, 1e-12, `${c.name}'''`);
        }),
        { numRuns: 10 },
      );
    });
  }

  it('pow(k) for k = 1, 2 has g2/g3 exactly 0 where the closed form is (no NaN at x = 0)', () => {
    const base = tensor([0, 1, -2], { requiresGrad: true });
    for (const k of [1, 2]) {
      const [g1] = grad(base.pow(k).sum(), base, { createGraph: true });
      const [g2] = grad(g1!.sum(), base, { createGraph: true, allowUnused: true });
      expect(g2 === null ? [0, 0, 0] : flatOf(g2)).toEqual(k === 1 ? [0, 0, 0] : [2, 2, 2]);
      const g3 = g2 !== null && g2.requiresGrad ? grad(g2.sum(), base, { allowUnused: true })[0] : null;
      expect(g3 === null ? [0, 0, 0] : flatOf(g3!)).toEqual([0, 0, 0]);
    }
  });

  it('a mixed third derivative: ∂³(x²y³)/∂x∂y² = 12y, ∂³/∂x²∂y = 6y²', () => {
    fc.assert(
      fc.property(arbValue('any'), arbValue('any'), (xv, yv) => {
        const x = tensor(xv, { requiresGrad: true });
        const y = tensor(yv, { requiresGrad: true });
        const f = x.pow(2).mul(y.pow(3));
        const [fx] = grad(f, x, { createGraph: true });
        const [fxy] = grad(fx!, y, { createGraph: true });
        const [fxyy] = grad(fxy!, y);
        const [fxyx] = grad(fxy!, x);
        expectClose([fxy!.item(), fxyy!.item(), fxyx!.item()], [6 * xv * yv * yv, 12 * xv * yv, 6 * yv * yv], 1e-12, 1e-12);
      }),
      { numRuns: 10 },
    );
  });
});

// ---- backward({ createGraph }) and .grad ---------------------------------------------------

describe('backward({ createGraph: true }) and .grad', () => {
  it('makes .grad differentiable: x.grad.sum().backward() gives the second derivative', () => {
    fc.assert(
      fc.property(arbValues(4, 'any'), (vals) => {
        const x = tensor(vals, { requiresGrad: true });
        x.tanh().sum().backward({ createGraph: true });
        const g = x.grad!;
        expect(g.requiresGrad).toBe(true);
        expectClose(flatOf(g), vals.map((v) => 1 - Math.tanh(v) ** 2), 1e-12, 1e-12, 'first');
        x.grad = null;
        g.sum().backward();
        expect(x.grad!.requiresGrad).toBe(false);
        expectClose(flatOf(x.grad!), vals.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), 1e-12, 1e-12, 'second');
        // without resetting, the second pass adds into the first (as PyTorch does): g + g'
        const z = tensor(vals, { requiresGrad: true });
        z.tanh().sum().backward({ createGraph: true });
        z.grad!.sum().backward();
        expectClose(flatOf(z.grad!), vals.map((v) => 1 - Math.tanh(v) ** 2 - 2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), 1e-12, 1e-12, 'accumulated');
      }),
      { numRuns: 5 },
    );
  });

  it('without createGraph .grad has no graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.pow(3).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
    expect(() => x.grad!.sum().backward()).toThrow(/does not require grad/);
  });

  it('two createGraph passes accumulate out of place, and the sum carries both graphs', () => {
    fc.assert(
      fc.property(arbValues(3, 'positive'), (vals) => {
        const x = tensor(vals, { requiresGrad: true });
        x.pow(3).sum().backward({ createGraph: true }); // 3x²
        const first = x.grad!;
        const firstValues = flatOf(first);
        x.log().sum().backward({ createGraph: true }); // + 1/x
        expect(x.grad).not.toBe(first);
        expect(flatOf(first)).toEqual(firstValues); // the first .grad was not written into
        expectClose(flatOf(x.grad!), vals.map((v) => 3 * v * v + 1 / v), 1e-12, 1e-12, 'accumulated');
        const [h] = grad(x.grad!.sum(), x);
        expectClose(flatOf(h!), vals.map((v) => 6 * v - 1 / (v * v)), 1e-12, 1e-12, 'its derivative: 6x - 1/x²');
      }),
      { numRuns: 5 },
    );
  });

  it('a createGraph pass after an ordinary one: the sum still differentiates to the new term', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.pow(2).sum().backward(); // 2x, no graph
    x.pow(3).sum().backward({ createGraph: true }); // + 3x²
    expect(flatOf(x.grad!)).toEqual([5, 16]);
    const [h] = grad(x.grad!.sum(), x);
    expect(flatOf(h!)).toEqual([6, 12]);
  });

  it('backward(gradient, { createGraph: true }) for a non-scalar output; the gradient is differentiable in x and in the seed', () => {
    fc.assert(
      fc.property(arbValues(6, 'any'), arbValues(6, 'any'), (xv, gv) => {
        const x = tensor(xv, { shape: [2, 3], requiresGrad: true });
        const seed = tensor(gv, { shape: [2, 3], requiresGrad: true });
        x.transpose(0, 1).sigmoid().transpose(0, 1).backward(seed, { createGraph: true });
        const s = (v: number) => 1 / (1 + Math.exp(-v));
        expectClose(flatOf(x.grad!), xv.map((v, i) => gv[i]! * s(v) * (1 - s(v))), 1e-12, 1e-12, 'first');
        const [dx, dseed] = grad(x.grad!.sum(), [x, seed]);
        expectClose(flatOf(dx!), xv.map((v, i) => gv[i]! * s(v) * (1 - s(v)) * (1 - 2 * s(v))), 1e-12, 1e-12, 'd/dx');
        expectClose(flatOf(dseed!), xv.map((v) => s(v) * (1 - s(v))), 1e-12, 1e-12, 'd/dseed');
      }),
      { numRuns: 5 },
    );
  });

  it('backward options are checked', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.sum().backward({ createGraph: 1 as unknown as boolean })).toThrow(/createGraph must be a boolean/);
    expect(() => x.sum().backward({ create_graph: true } as never)).toThrow(/unknown option 'create_graph' \(did you mean 'createGraph'\?\)/);
    expect(() => x.mul(2).backward({ createGraph: true })).toThrow(/one element/);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]), { createGraph: true })).toThrow(/shape \[3\] does not match.*\[2\]/);
  });
});

// ---- grad() and the helpers: error paths ---------------------------------------------------

describe('grad() and the functional helpers: errors', () => {
  const x = () => tensor([1, 2, 3], { requiresGrad: true });

  it('an input the outputs do not use throws unless allowUnused, which gives null', () => {
    const a = x();
    const b = tensor([4, 5], { requiresGrad: true });
    const y = a.pow(2).sum();
    expect(() => grad(y, [a, b])).toThrow(/input 1 \(shape \[2\]\) was not used.*allowUnused/);
    const [ga, gb] = grad(y, [a, b], { allowUnused: true });
    expect(flatOf(ga!)).toEqual([2, 4, 6]);
    expect(gb).toBeNull();
    // the same in a second-order call: the gradient of a linear function does not depend on x
    const [g] = grad(a.mul(3).sum(), a, { createGraph: true });
    expect(() => grad(g!.sum(), a)).toThrow(/does not require grad|was not used/);
  });

  it('an output or input that does not require grad throws', () => {
    const a = x();
    const c = tensor([1, 2, 3]);
    expect(() => grad(c.sum(), a)).toThrow(/output 0 \(shape \[\]\) does not require grad/);
    expect(() => grad(a.sum(), c)).toThrow(/input 0 \(shape \[3\]\) does not require grad/);
    expect(() => grad(a.sum().detach(), a)).toThrow(/output 0.*does not require grad/);
  });

  it('gradOutputs: count and shape must match the outputs; a non-scalar output needs one', () => {
    const a = x();
    const y1 = a.mul(2);
    const y2 = a.pow(2);
    expect(() => grad([y1, y2], a, { gradOutputs: [tensor([1, 1, 1])] })).toThrow(/got 1 gradOutputs for 2 outputs/);
    expect(() => grad(y1, a, { gradOutputs: [tensor([1, 1, 1]), tensor([1, 1, 1])] })).toThrow(/got 2 gradOutputs for 1 outputs/);
    expect(() => grad(y1, a, { gradOutputs: tensor([1, 1]) })).toThrow(/gradOutputs 0.*shape \[2\] does not match.*\[3\]/);
    expect(() => grad(y1, a)).toThrow(/one element/);
    expect(() => grad(y1, a, { gradOutputs: [null] })).toThrow(/one element/);
    expect(() => grad(y1, a, { gradOutputs: 'ones' as never })).toThrow(/gradOutputs must be/);
    // two outputs with gradOutputs: the sum of both vector-Jacobian products
    const [g] = grad([y1, y2], a, { gradOutputs: [tensor([1, 1, 1]), tensor([1, 0, 2])] });
    expect(flatOf(g!)).toEqual([2 + 2, 2, 2 + 12]);
  });

  it('unknown option keys and badly typed flags throw, naming the function', () => {
    const a = x();
    const f = (t: Tensor) => t.pow(2).sum();
    expect(() => grad(a.sum(), a, { create_graph: true } as never)).toThrow(/grad: unknown option 'create_graph' \(did you mean 'createGraph'\?\)/);
    expect(() => grad(a.sum(), a, { allow_unused: true } as never)).toThrow(/grad: unknown option 'allow_unused'/);
    expect(() => grad(a.sum(), a, { createGraph: 'yes' } as never)).toThrow(/grad: createGraph must be a boolean/);
    expect(() => grad(a.sum(), a, { retainGraph: 1 } as never)).toThrow(/grad: retainGraph must be a boolean/);
    expect(() => grad(a.sum(), a, { allowUnused: null } as never)).toThrow(/grad: allowUnused must be a boolean/);
    expect(() => grad(a.sum(), a, [] as never)).toThrow(/grad: options must be an object/);
    expect(grad(a.sum(), a, { retainGraph: true }).length).toBe(1);
    expect(() => hessian(f, a, { create_graph: true } as never)).toThrow(/hessian: unknown option 'create_graph'/);
    expect(() => hvp(f, a, tensor([1, 1, 1]), { strict: true } as never)).toThrow(/hvp: unknown option 'strict'/);
    expect(() => jvp(f, a, tensor([1, 1, 1]), { vectorize: true } as never)).toThrow(/jvp: unknown option 'vectorize'/);
    expect(() => vjp(f, a, null, { strict: true } as never)).toThrow(/vjp: unknown option 'strict'/);
    expect(() => jacobian(f, a, { strategy: 'forward' } as never)).toThrow(/jacobian: unknown option 'strategy'/);
    expect(() => jacobian(f, a, { createGraph: 1 } as never)).toThrow(/jacobian: createGraph must be a boolean/);
    expect(() => gradgradcheck(f, [a], { eps: 1e-6, nondetTol: 0 } as never)).toThrow(/gradgradcheck: unknown option 'nondetTol'/);
  });

  it('inputs and outputs must be Tensors', () => {
    const a = x();
    expect(() => grad([], a)).toThrow(/grad: output must be a Tensor or a non-empty array/);
    expect(() => grad(a.sum(), [])).toThrow(/grad: input must be a Tensor or a non-empty array/);
    expect(() => grad(a.sum(), [a, 3 as never])).toThrow(/grad: input 1 is not a Tensor/);
    expect(() => hessian((() => 3) as never, a)).toThrow(/hessian: fn must return a Tensor/);
    expect(() => hessian('f' as never, a)).toThrow(/hessian: fn must be a function/);
  });

  it('hessian and hvp of a non-scalar function throw; v must match the inputs', () => {
    const a = x();
    expect(() => hessian((t) => t.pow(2), a)).toThrow(/hessian: fn must return a tensor with one element, got shape \[3\]/);
    expect(() => hvp((t) => t.pow(2), a, tensor([1, 1, 1]))).toThrow(/hvp: fn must return a tensor with one element/);
    expect(() => hvp((t) => t.pow(2).sum(), a, tensor([1, 1]))).toThrow(/hvp: v 0 has shape \[2\]/);
    expect(() => hvp((t) => t.pow(2).sum(), a, [tensor([1, 1, 1]), tensor([1])])).toThrow(/hvp: v must match the inputs/);
    expect(() => jvp((t) => t.pow(2), a, tensor([[1, 1, 1]]))).toThrow(/jvp: v 0 has shape \[1, 3\]/);
    expect(() => vjp((t) => t.pow(2), a, tensor([1, 1]))).toThrow(/vjp: v 0 has shape \[2\]/);
    expect(() => vjp((t) => t.pow(2), a)).toThrow(/one element/);
    // a one-element non-0-d output is fine for hessian
    expect(flatOf(hessian((t) => t.pow(3).sum().reshape([1, 1]), a) as Tensor)).toEqual([6, 0, 0, 0, 12, 0, 0, 0, 18]);
  });

  it('the helpers leave .grad of the inputs alone and return no graph by default', () => {
    const a = x();
    const f = (t: Tensor) => t.pow(3).sum();
    const [, hv] = hvp(f, a, tensor([1, 0, 0]));
    hessian(f, a);
    jacobian((t) => t.pow(2), a);
    jvp((t) => t.pow(2), a, tensor([1, 1, 1]));
    vjp(f, a);
    grad(f(a), a, { createGraph: true });
    expect(a.grad).toBeNull();
    expect((hv as Tensor).requiresGrad).toBe(false);
  });
});

// ---- convTranspose1d -----------------------------------------------------------------------

/** convTranspose1d by plain loops: out[n, co, l·s - p + k·d] += x[n, ci, l]·w[ci, co mod Cout/g, k]. */
function refConvTranspose1d(g: TGeom, x: readonly number[], w: readonly number[], b: readonly number[] | null): number[] {
  const N = Math.max(1, g.batch);
  const cin = g.groups * g.cinPG;
  const cout = g.groups * g.coutPG;
  const L = g.len;
  const Lo = tOutLen(g);
  const out = new Array<number>(N * cout * Lo).fill(0);
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < cout; co++) for (let t = 0; t < Lo; t++) out[(n * cout + co) * Lo + t] = b ? b[co]! : 0;
    for (let ci = 0; ci < cin; ci++) {
      const grp = Math.floor(ci / g.cinPG);
      for (let l = 0; l < L; l++) {
        for (let cl = 0; cl < g.coutPG; cl++) {
          for (let k = 0; k < g.k; k++) {
            const t = l * g.stride - g.padding + k * g.dilation;
            if (t < 0 || t >= Lo) continue;
            const co = grp * g.coutPG + cl;
            out[(n * cout + co) * Lo + t]! += x[(n * cin + ci) * L + l]! * w[(ci * g.coutPG + cl) * g.k + k]!;
          }
        }
      }
    }
  }
  return out;
}

describe('convTranspose1d', () => {
  it('equals a plain-loop reference on non-contiguous inputs', () => {
    fc.assert(
      fc.property(arbConvTransposeCase, ([g, x, w, b]) => {
        const y = convTranspose1d(x.build().view, w.build().view, b ? b.build().view : null, tOpts(g));
        expect(y.shape).toEqual(withBatch(g, [g.groups * g.coutPG, tOutLen(g)]));
        expectClose(flatOf(y), refConvTranspose1d(g, x.flat, w.flat, b ? b.flat : null), 1e-12, 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('is the adjoint of conv1d: ⟨conv1d(x, w), y⟩ = ⟨x, convTranspose1d(y, w)⟩, and conv1d\'s input gradient', () => {
    fc.assert(
      fc.property(
        arbConvGeom.chain((g) => fc.tuple(fc.constant(g), fc.integer({ min: 0, max: 2 }))).filter(([g, p]) => Math.floor((g.len + 2 * p - g.dilation * (g.k - 1) - 1) / g.stride) + 1 >= 1),
        fc.nat(),
        ([g, p], seed) => {
          const cin = g.groups * g.cinPG;
          const cout = g.groups * g.coutPG;
          const xs = withBatch(g, [cin, g.len]);
          const xv = pseudoValues(seed, sizeOfShape(xs));
          const wv = pseudoValues(seed + 1, cout * g.cinPG * g.k);
          const x = tensor(xv, { shape: xs, requiresGrad: true });
          const w = tensor(wv, { shape: [cout, g.cinPG, g.k] });
          const opts = { stride: g.stride, padding: p, dilation: g.dilation, groups: g.groups };
          const cy = conv1d(x, w, null, opts);
          const yv = pseudoValues(seed + 2, cy.size);
          // the output padding that gives back the input length
          const outputPadding = (g.len + 2 * p - g.dilation * (g.k - 1) - 1) % g.stride;
          const ty = convTranspose1d(tensor(yv, { shape: cy.shape }), w, null, { ...opts, outputPadding });
          expect(ty.shape).toEqual(xs);
          expectClose([dot(flatOf(cy), yv)], [dot(xv, flatOf(ty))], 1e-12, 1e-12, 'adjoint identity');
          const [gx] = grad(cy, x, { gradOutputs: tensor(yv, { shape: cy.shape }) });
          expectClose(flatOf(gx!), flatOf(ty), 1e-12, 1e-12, 'conv1d input gradient');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('validates its arguments', () => {
    const x = tensor(pseudoValues(1, 2 * 4 * 5), { shape: [2, 4, 5] });
    const w = tensor(pseudoValues(2, 4 * 3 * 3), { shape: [4, 3, 3] });
    const ok = convTranspose1d(x, w, null, { stride: 2, outputPadding: 1 });
    expect(ok.shape).toEqual([2, 3, 12]);
    // outputPadding must be below stride or below dilation
    expect(() => convTranspose1d(x, w, null, { stride: 2, outputPadding: 2 })).toThrow(/outputPadding 2 must be smaller than stride 2 or dilation 1/);
    expect(() => convTranspose1d(x, w, null, { outputPadding: 1 })).toThrow(/outputPadding 1 must be smaller than stride 1 or dilation 1/);
    expect(() => convTranspose1d(x, w, null, { stride: 2, dilation: 3, outputPadding: 3 })).toThrow(/outputPadding 3/);
    expect(convTranspose1d(x, w, null, { stride: 1, dilation: 3, outputPadding: 2 }).shape).toEqual([2, 3, 5 + 6 + 2]);
    // channels, groups, bias
    expect(() => convTranspose1d(x, tensor(pseudoValues(3, 36), { shape: [3, 4, 3] }))).toThrow(/input has 4 channels but weight \[3, 4, 3\] expects 3/);
    expect(() => convTranspose1d(x, w, null, { groups: 3 })).toThrow(/input channels 4 are not divisible by groups 3/);
    expect(convTranspose1d(x, w, null, { groups: 2 }).shape).toEqual([2, 6, 7]);
    expect(() => convTranspose1d(x, w, tensor([1, 2]))).toThrow(/bias of shape \[2\] does not match 3 output channels/);
    expect(() => convTranspose1d(x, w, tensor([[1, 2, 3]]))).toThrow(/bias of shape \[1, 3\]/);
    expect(() => convTranspose1d(x, w, tensor([1, 2, 3]), { groups: 2 })).toThrow(/does not match 6 output channels/);
    expect(() => convTranspose1d(x, w, [1, 2, 3] as never)).toThrow(/bias must be a Tensor/);
    // shapes
    expect(() => convTranspose1d(tensor([1, 2, 3]), w)).toThrow(/expected input of shape \[N, Cin, L\] or \[Cin, L\], got \[3\]/);
    expect(() => convTranspose1d(x, tensor([[1]]))).toThrow(/expected weight of shape \[Cin, Cout\/groups, K\], got \[1, 1\]/);
    expect(() => convTranspose1d(x, tensor([], { shape: [4, 0, 3] }))).toThrow(/empty dimension/);
    expect(() => convTranspose1d(tensor([[1]]), tensor([[[1]]]), null, { padding: 1 })).toThrow(/output length -1 is not positive/);
    expect(() => convTranspose1d([1] as never, w)).toThrow(/input and weight must be Tensors/);
    // option types
    expect(() => convTranspose1d(x, w, null, { stride: 0 })).toThrow(/stride must be a positive integer, got 0/);
    expect(() => convTranspose1d(x, w, null, { stride: 1.5 })).toThrow(/stride must be a positive integer, got 1.5/);
    expect(() => convTranspose1d(x, w, null, { padding: -1 })).toThrow(/padding must be a non-negative integer, got -1/);
    expect(() => convTranspose1d(x, w, null, { padding: 'same' as never })).toThrow(/padding must be a non-negative integer, got the string "same"/);
    expect(() => convTranspose1d(x, w, null, { outputPadding: -1 })).toThrow(/outputPadding must be a non-negative integer/);
    expect(() => convTranspose1d(x, w, null, { dilation: 0 })).toThrow(/dilation must be a positive integer/);
    expect(() => convTranspose1d(x, w, null, { groups: NaN })).toThrow(/groups must be a positive integer, got NaN/);
    expect(() => convTranspose1d(x, w, null, { output_padding: 1 } as never)).toThrow(/unknown option 'output_padding' \(did you mean 'outputPadding'\?\)/);
    expect(() => convTranspose1d(x, w, null, 2 as never)).toThrow(/options must be an object/);
  });

  it('unbatched input gives an unbatched output equal to the batched one', () => {
    const x = tensor(pseudoValues(4, 2 * 3), { shape: [2, 3] });
    const w = tensor(pseudoValues(5, 2 * 2 * 2), { shape: [2, 2, 2] });
    const b = tensor([0.5, -0.25]);
    const y = convTranspose1d(x, w, b, { stride: 2, padding: 1 });
    expect(y.shape).toEqual([2, 4]);
    expect(flatOf(y)).toEqual(flatOf(convTranspose1d(x.unsqueeze(0), w, b, { stride: 2, padding: 1 })));
  });
});

// ---- sanity of the generators used above ---------------------------------------------------

describe('generators', () => {
  it('views are non-contiguous in most cases', () => {
    let nonContiguous = 0;
    fc.assert(
      fc.property(arbTensorView(SMALL), (c) => {
        if (!c.build().view.tensorData.isContiguous()) nonContiguous++;
      }),
      { numRuns: 100 },
    );
    expect(nonContiguous).toBeGreaterThan(20);
  });
  it('distinct values are distinct', () => {
    fc.assert(fc.property(arbDistinctValues(6), (v) => new Set(v).size === 6), { numRuns: 20 });
  });
});

/**
 * Random compositions of 2-4 ops (elementwise unary, binary with a broadcastable second
 * operand, reductions, views, matmul) on random (often non-contiguous) inputs. The same
 * program is evaluated with Tensors and, element by element, with the Scalar engine; values
 * and gradients must agree, and gradcheck must pass for every input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scalar } from '../src/scalar.js';
import { Tensor } from '../src/tensor.js';
import { tensor } from '../src/factories.js';
import { gradcheck } from '../src/gradcheck.js';
import {
  type Ref, type ViewCase,
  arbAxes, arbReshapeTarget, arbShape, arbTensorViewOfShape, arbValues, buildView, expectClose, flatOf, normalizeAxes,
  pseudoValues, refBackward, refBinary, refExpand, refGrads, refLeaf, refMatmul, refNarrow, refPermute, refReduce,
  refReshape, refUnary, refValues, sizeOfShape,
} from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 150) });

const MAX_SIZE = 48;

/** Records how close the reference came to a kink (relu/abs at 0) or a tie in max. */
class Guard {
  kink = Infinity;
  tie = Infinity;
  watchKink(r: Ref): void {
    for (const s of r.data) this.kink = Math.min(this.kink, Math.abs(s.data));
  }
  /** Smallest gap between the largest and any other distinct element per max group. */
  watchMax(r: Ref, axes: readonly number[]): void {
    const byGroup = refReduce(r, axes, false, 'max'); // picks the max Scalar per group
    // Re-walk the groups: any other Scalar object within `tie` of the max is a tie.
    const kept = r.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const outShape = kept.map((i) => r.shape[i]!);
    r.data.forEach((s, f) => {
      let g = 0;
      let rem = f;
      const idx: number[] = new Array(r.shape.length);
      for (let d = r.shape.length - 1; d >= 0; d--) {
        idx[d] = rem % r.shape[d]!;
        rem = Math.floor(rem / r.shape[d]!);
      }
      kept.forEach((k, j) => (g = g * outShape[j]! + idx[k]!));
      const m = byGroup.data[g]!;
      if (m !== s) this.tie = Math.min(this.tie, Math.abs(m.data - s.data));
    });
  }
  ok(): boolean {
    return this.kink > 1e-4 && this.tie > 1e-4;
  }
}

interface Step {
  name: string;
  out: number[];
  /** Shape of the extra operand this step takes (a second input of the program), if any. */
  extra?: number[];
  t(x: Tensor, e: Tensor | undefined): Tensor;
  r(x: Ref, e: Ref | undefined, g: Guard): Ref;
}

const unaryOps: { name: string; t: (x: Tensor) => Tensor; s: (x: Scalar) => Scalar; kink?: boolean }[] = [
  { name: 'neg', t: (x) => x.neg(), s: (x) => x.neg() },
  { name: 'exp(tanh)', t: (x) => x.tanh().exp(), s: (x) => x.tanh().exp() },
  { name: 'log(x²+1)', t: (x) => x.mul(x).add(1).log(), s: (x) => x.mul(x).add(1).log() },
  { name: 'sqrt(x²+0.5)', t: (x) => x.pow(2).add(0.5).sqrt(), s: (x) => x.pow(2).add(0.5).pow(0.5) },
  { name: 'abs', t: (x) => x.abs(), s: (x) => x.relu().add(x.neg().relu()), kink: true },
  { name: 'relu', t: (x) => x.relu(), s: (x) => x.relu(), kink: true },
  { name: 'sigmoid', t: (x) => x.sigmoid(), s: (x) => x.sigmoid() },
  { name: 'tanh', t: (x) => x.tanh(), s: (x) => x.tanh() },
  { name: 'pow(3)', t: (x) => x.pow(3), s: (x) => x.pow(3) },
  { name: 'pow(-1) of x²+1', t: (x) => x.pow(2).add(1).pow(-1), s: (x) => x.pow(2).add(1).pow(-1) },
  { name: 'sub 0.3', t: (x) => x.sub(0.3), s: (x) => x.sub(0.3) },
  { name: 'mul -1.5', t: (x) => x.mul(-1.5), s: (x) => x.mul(-1.5) },
  { name: 'div 2.5', t: (x) => x.div(2.5), s: (x) => x.div(2.5) },
];

const binaryOps: { name: string; t: (x: Tensor, y: Tensor) => Tensor; s: (x: Scalar, y: Scalar) => Scalar }[] = [
  { name: 'add', t: (x, y) => x.add(y), s: (x, y) => x.add(y) },
  { name: 'sub', t: (x, y) => x.sub(y), s: (x, y) => x.sub(y) },
  { name: 'rsub', t: (x, y) => y.sub(x), s: (x, y) => y.sub(x) },
  { name: 'mul', t: (x, y) => x.mul(y), s: (x, y) => x.mul(y) },
  { name: 'div', t: (x, y) => x.div(y.mul(y).add(0.5)), s: (x, y) => x.div(y.mul(y).add(0.5)) },
  { name: 'rdiv', t: (x, y) => y.div(x.mul(x).add(0.5)), s: (x, y) => y.div(x.mul(x).add(0.5)) },
];

function arbStep(shape: number[]): fc.Arbitrary<Step> {
  const r = shape.length;
  const size = sizeOfShape(shape);
  const opts: fc.Arbitrary<Step>[] = [];
  opts.push(
    fc.constantFrom(...unaryOps).map((u): Step => ({
      name: u.name,
      out: shape,
      t: (x) => u.t(x),
      r: (x, _e, g) => {
        if (u.kink) g.watchKink(x);
        return refUnary(x, u.s);
      },
    })),
  );
  // binary: the other operand is smaller (dims dropped / set to 1) or larger (a new leading dim).
  const other = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: r }), fc.array(fc.boolean(), { minLength: r, maxLength: r })).map(([drop, ones]) =>
      shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop),
    ),
    fc.integer({ min: 2, max: 3 }).map((n) => [n, ...shape.map((d, i) => (i === 0 && r > 1 ? 1 : d))]),
  );
  opts.push(
    fc.tuple(fc.constantFrom(...binaryOps), other).map(([b, os]): Step => {
      const out: number[] = [];
      const n = Math.max(os.length, r);
      for (let i = 0; i < n; i++) {
        const da = i < n - r ? 1 : shape[i - (n - r)]!;
        const db = i < n - os.length ? 1 : os[i - (n - os.length)]!;
        out.push(da === 1 ? db : da);
      }
      return { name: `${b.name} ${JSON.stringify(os)}`, out, extra: os, t: (x, e) => b.t(x, e!), r: (x, e) => refBinary(x, e!, b.s) };
    }),
  );
  // reductions
  opts.push(
    fc.tuple(fc.constantFrom('sum' as const, 'mean' as const, 'max' as const), arbAxes(r), fc.boolean()).map(([k0, axis, keepdim]): Step => {
      const axes = normalizeAxes(axis, r);
      // max over an empty axis throws (tested elsewhere): use sum there.
      // mean over zero elements is NaN (0/0): use sum there too.
      const kind = k0 !== 'sum' && axes.some((a) => shape[a] === 0) ? 'sum' : k0;
      const out = keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
      return {
        name: `${kind}(${JSON.stringify(axis)}, ${keepdim})`,
        out,
        t: (x) => x[kind](axis, keepdim),
        r: (x, _e, g) => {
          if (kind === 'max') g.watchMax(x, axes);
          return refReduce(x, axes, keepdim, kind);
        },
      };
    }),
  );
  // views
  opts.push(
    arbReshapeTarget(shape).map((target): Step => {
      const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      const out = target.map((d) => (d === -1 ? size / known : d));
      return { name: `reshape ${JSON.stringify(target)}`, out, t: (x) => x.reshape(target), r: (x) => refReshape(x, out) };
    }),
  );
  opts.push(
    fc.integer({ min: -(r + 1), max: r }).map((d): Step => {
      const p = d < 0 ? d + r + 1 : d;
      const out = [...shape.slice(0, p), 1, ...shape.slice(p)];
      return { name: `unsqueeze ${d}`, out, t: (x) => x.unsqueeze(d), r: (x) => refReshape(x, out) };
    }),
  );
  opts.push(
    fc.constant<Step>({ name: 'squeeze', out: shape.filter((d) => d !== 1), t: (x) => x.squeeze(), r: (x) => refReshape(x, shape.filter((d) => d !== 1)) }),
  );
  opts.push(fc.constant<Step>({ name: 'contiguous', out: shape, t: (x) => x.contiguous(), r: (x) => x }));
  if (size > 0 && size * 2 <= MAX_SIZE) {
    opts.push(
      fc.constant<Step>({ name: 'expand', out: [2, ...shape], t: (x) => x.expand([2, ...shape.map(() => -1)]), r: (x) => refExpand(x, [2, ...shape]) }),
    );
  }
  if (r >= 1) {
    opts.push(
      fc.shuffledSubarray(
        shape.map((_, i) => i),
        { minLength: r, maxLength: r },
      ).map((dims): Step => ({ name: `permute ${dims}`, out: dims.map((d) => shape[d]!), t: (x) => x.permute(dims), r: (x) => refPermute(x, dims) })),
    );
    opts.push(
      fc.tuple(fc.integer({ min: -r, max: r - 1 }), fc.integer({ min: -r, max: r - 1 })).map(([a, b]): Step => {
        const dims = shape.map((_, i) => i);
        const pa = (a + r) % r;
        const pb = (b + r) % r;
        [dims[pa], dims[pb]] = [dims[pb]!, dims[pa]!];
        return { name: `transpose ${a} ${b}`, out: dims.map((d) => shape[d]!), t: (x) => x.transpose(a, b), r: (x) => refPermute(x, dims) };
      }),
    );
    opts.push(
      fc.integer({ min: 0, max: r - 1 }).chain((dim) =>
        fc.integer({ min: 0, max: shape[dim]! }).chain((start) =>
          fc.integer({ min: Math.min(1, shape[dim]! - start), max: shape[dim]! - start }).map((length): Step => {
            const out = shape.slice();
            out[dim] = length;
            return { name: `narrow ${dim} ${start} ${length}`, out, t: (x) => x.narrow(dim, start, length), r: (x) => refNarrow(x, dim, start, length) };
          }),
        ),
      ),
    );
    opts.push(
      fc.tuple(fc.integer({ min: 0, max: r - 1 }), fc.integer({ min: 0, max: r - 1 })).map(([a, b]): Step => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        const out = [...shape.slice(0, s), sizeOfShape(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
        return { name: `flatten ${s} ${e}`, out, t: (x) => x.flatten(s, e), r: (x) => refReshape(x, out) };
      }),
    );
    // matmul with a [last, n] matrix (a 1-d vector when n is 0)
    opts.push(
      fc.integer({ min: 0, max: 3 }).map((n): Step => {
        const k = shape[r - 1]!;
        const extra = n === 0 ? [k] : [k, n];
        const out = n === 0 ? shape.slice(0, -1) : [...shape.slice(0, -1), n];
        return { name: `matmul ${JSON.stringify(extra)}`, out, extra, t: (x, e) => x.matmul(e!), r: (x, e) => refMatmul(x, e!) };
      }),
    );
  }
  return fc.oneof(...opts).map((s) => Object.assign(s, { toString: () => s.name })).filter((s) => sizeOfShape(s.out) <= MAX_SIZE && (!s.extra || sizeOfShape(s.extra) <= MAX_SIZE));
}

function arbProgram(shape: number[], n: number): fc.Arbitrary<Step[]> {
  if (n === 0) return fc.constant([]);
  return arbStep(shape).chain((s) => arbProgram(s.out, n - 1).map((rest) => [s, ...rest]));
}

interface Case {
  input: ViewCase;
  steps: Step[];
  extras: number[][];
  seed: number;
}

const arbCase: fc.Arbitrary<Case> = arbShape({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 4, maxSize: 24 }).chain((shape) =>
  fc
    .tuple(arbTensorViewOfShape(shape, 'any', 2), fc.integer({ min: 2, max: 4 }).chain((n) => arbProgram(shape, n)), fc.integer())
    .chain(([input, steps, seed]) =>
      fc.tuple(...steps.filter((s) => s.extra).map((s) => arbValues(sizeOfShape(s.extra!)))).map((extras) => ({ input, steps, extras, seed })),
    ),
);

function runTensor(c: Case, x: Tensor, extras: Tensor[]): Tensor {
  let y = x;
  let k = 0;
  for (const s of c.steps) y = s.t(y, s.extra ? extras[k++] : undefined);
  return y;
}

describe('random compositions of 2-4 ops', () => {
  it('Tensor program == Scalar program per element (values and gradients), and gradcheck passes', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        // reference: Scalar leaves for the base and the extras
        const baseRef = refLeaf(c.input.baseShape, c.input.baseFlat);
        const extraShapes = c.steps.filter((s) => s.extra).map((s) => s.extra!);
        const extraRefs = c.extras.map((v, i) => refLeaf(extraShapes[i]!, v));
        const guard = new Guard();
        let r: Ref = { shape: c.input.shape, data: c.input.sources.map((i) => baseRef.data[i]!) };
        let k = 0;
        for (const s of c.steps) r = s.r(r, s.extra ? extraRefs[k++] : undefined, guard);
        fc.pre(guard.ok());

        const { base, view } = c.input.build({ requiresGrad: true });
        const extras = c.extras.map((v, i) => tensor(v, { shape: extraShapes[i]!, requiresGrad: true }));
        const y = runTensor(c, view, extras);
        expect(y.shape).toEqual(r.shape);
        expectClose(flatOf(y), refValues(r), 1e-9, 1e-12, 'forward');

        const up = pseudoValues(c.seed, y.size);
        y.backward(tensor(up, { shape: y.shape }));
        refBackward(r, up);
        const check = (t: Tensor, ref: Ref, what: string) => {
          const want = refGrads(ref);
          if (t.grad === null) expect(want.every((g) => g === 0), what).toBe(true);
          else expectClose(flatOf(t.grad), want, 1e-8, 1e-10, what);
        };
        check(base, baseRef, 'grad of input');
        extras.forEach((e, i) => check(e, extraRefs[i]!, `grad of operand ${i + 1}`));

        const b2 = tensor(c.input.baseFlat, { shape: c.input.baseShape, requiresGrad: true });
        const e2 = c.extras.map((v, i) => tensor(v, { shape: extraShapes[i]!, requiresGrad: true }));
        expect(gradcheck((b, ...es) => runTensor(c, buildView(b, c.input.steps), es), [b2, ...e2], { atol: 1e-5, rtol: 1e-3 })).toBe(true);
      }),
    );
  });

  it('float32 programs stay float32 and agree with float64 to ~1e-5 relative', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const extraShapes = c.steps.filter((s) => s.extra).map((s) => s.extra!);
        const guard = new Guard();
        // guard against kinks/ties on the float32-rounded inputs via the Scalar reference
        const baseRef = refLeaf(c.input.baseShape, c.input.baseFlat.map(Math.fround));
        let r: Ref = { shape: c.input.shape, data: c.input.sources.map((i) => baseRef.data[i]!) };
        let k = 0;
        const extraRefs = c.extras.map((v, i) => refLeaf(extraShapes[i]!, v.map(Math.fround)));
        for (const s of c.steps) r = s.r(r, s.extra ? extraRefs[k++] : undefined, guard);
        fc.pre(guard.kink > 1e-2 && guard.tie > 1e-2);

        const b32 = tensor(c.input.baseFlat, { shape: c.input.baseShape, dtype: 'float32', requiresGrad: true });
        const e32 = c.extras.map((v, i) => tensor(v, { shape: extraShapes[i]!, dtype: 'float32', requiresGrad: true }));
        const y32 = runTensor(c, buildView(b32, c.input.steps), e32);
        expect(y32.dtype).toBe('float32');
        const want = refValues(r);
        const scale = Math.max(1, ...want.map(Math.abs));
        expectClose(flatOf(y32), want, 1e-4, 1e-5 * scale, 'float32 forward');
        const up = pseudoValues(c.seed, y32.size);
        y32.backward(tensor(up, { shape: y32.shape, dtype: 'float32' }));
        refBackward(r, up);
        expect(b32.grad === null || b32.grad.dtype === 'float32').toBe(true);
        for (const e of e32) expect(e.grad === null || e.grad.dtype === 'float32').toBe(true);
        const gwant = refGrads(baseRef);
        if (b32.grad) expectClose(flatOf(b32.grad), gwant, 1e-3, 1e-4 * Math.max(1, ...gwant.map(Math.abs)), 'float32 grad');
      }),
      { numRuns: Math.max(10, Math.floor(Number(process.env.FC_NUM_RUNS ?? 150) / 3)) },
    );
  });
});

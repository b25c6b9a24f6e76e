import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData, tensor, zeros } from '@kindling/core';
import { Adam, SGD } from '@kindling/nn';
import { configureFc, expectClose, flat, randomValues } from './helpers.js';

configureFc(60);

type DT = 'float64' | 'float32';
const store = (dt: DT) => (dt === 'float32' ? Math.fround : (v: number) => v);

function param(values: number[], shape: number[], dt: DT): Tensor {
  const st = dt === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return new Tensor(new TensorData(st, shape), true);
}
function grad(values: number[], shape: number[], dt: DT): Tensor {
  const st = dt === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return new Tensor(new TensorData(st, shape));
}

/** Random shapes, start values and per-step gradients (null = no gradient that step). */
const trajectory = fc.record({
  shapes: fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
  steps: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  dtype: fc.constantFrom('float64' as const, 'float32' as const),
  nullMask: fc.array(fc.boolean(), { minLength: 15, maxLength: 15 }),
});
type Traj = typeof trajectory extends fc.Arbitrary<infer T> ? T : never;

function setup(t: Traj) {
  const r = store(t.dtype);
  const sizes = t.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const init = sizes.map((n, i) => randomValues(n, t.seed + i, 2).map(r));
  const grads = Array.from({ length: t.steps }, (_, s) =>
    sizes.map((n, i) => (t.nullMask[(s * 3 + i) % 15] && !(s === 0 && i === 0) ? null : randomValues(n, t.seed + 100 * (s + 1) + i, 3).map(r))),
  );
  const params = init.map((v, i) => param(v, t.shapes[i]!, t.dtype));
  const run = (opt: { step(): void }) => {
    for (let s = 0; s < t.steps; s++) {
      params.forEach((p, i) => {
        const g = grads[s]![i];
        p.grad = g ? grad(g, t.shapes[i]!, t.dtype) : null;
      });
      opt.step();
    }
    return params.map(flat);
  };
  return { init, grads, params, run, r };
}

/** Uniform on [min, max] (fc.double is uniform over bit patterns, so mostly tiny numbers). */
const num = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);

const sgdOpts = fc
  .record({
    lr: num(0, 1),
    momentum: fc.oneof(fc.constant(0), num(0, 0.99)),
    dampening: fc.oneof(fc.constant(0), num(0, 0.9)),
    weightDecay: fc.oneof(fc.constant(0), num(0, 0.5)),
    nesterov: fc.boolean(),
    maximize: fc.boolean(),
  })
  .map((o) => (o.nesterov ? { ...o, momentum: o.momentum || 0.5, dampening: 0 } : o));

describe('SGD', () => {
  it('equals the PyTorch update rule, step for step, for random hyper-parameters', () => {
    fc.assert(
      fc.property(trajectory, sgdOpts, (t, o) => {
        const { init, grads, params, run, r } = setup(t);
        const got = run(new SGD(params, o));
        // Reference, written from torch.optim.SGD's implementation (_single_tensor_sgd).
        const p = init.map((v) => v.slice());
        const buf: (number[] | null)[] = init.map(() => null);
        for (const stepGrads of grads) {
          stepGrads.forEach((g, i) => {
            if (!g) return;
            const first = buf[i] === null;
            if (first) buf[i] = new Array<number>(g.length);
            for (let k = 0; k < g.length; k++) {
              let d = o.maximize ? -g[k]! : g[k]!;
              if (o.weightDecay !== 0) d += o.weightDecay * p[i]![k]!;
              if (o.momentum !== 0) {
                const b = r(first ? d : o.momentum * buf[i]![k]! + (1 - o.dampening) * d);
                buf[i]![k] = b;
                d = o.nesterov ? d + o.momentum * b : b;
              }
              p[i]![k] = r(p[i]![k]! - o.lr * d);
            }
          });
        }
        expect(got).toEqual(p);
      }),
    );
  });

  it('validates like PyTorch and names the bad value', () => {
    const p = [zeros([2], { requiresGrad: true })];
    expect(() => new SGD(p, { lr: -0.1 })).toThrow(/invalid learning rate: -0.1/);
    expect(() => new SGD(p, { momentum: -1 })).toThrow(/invalid momentum value: -1/);
    expect(() => new SGD(p, { weightDecay: -1 })).toThrow(/invalid weightDecay value: -1/);
    expect(() => new SGD(p, { nesterov: true })).toThrow(/nesterov.*momentum/);
    expect(() => new SGD(p, { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/zero dampening/);
    expect(() => new SGD(p, { lr: NaN })).toThrow(/lr must be a finite number/);
    expect(() => new SGD(p, { lr: Infinity })).toThrow(/lr/);
    expect(() => new SGD(p, { maximize: 'yes' as unknown as boolean })).toThrow(/maximize/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new SGD(p[0] as unknown as Tensor[])).toThrow(/single Tensor/);
    expect(() => new SGD([p[0]!, p[0]!])).toThrow(/more than once/);
    expect(() => new SGD([p[0]!.mul(2)])).toThrow(/non-leaf/);
    expect(() => new SGD([tensor([[1, 2], [3, 4]], { requiresGrad: true }).detach().transpose(0, 1)])).toThrow(/non-contiguous/);
    expect(new SGD(p).defaults.lr).toBe(1e-3); // PyTorch 2.x default
  });

  it('a step that throws changes no parameter and no state', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4, 5], { requiresGrad: true });
    const opt = new SGD([a, b], { lr: 0.5, momentum: 0.9, dampening: 0.3 });
    a.grad = tensor([1, 1]);
    // A wrong shape or dtype cannot even be assigned (core checks .grad on assignment).
    expect(() => (b.grad = tensor([1, 1]))).toThrow(/grad: assigned gradient has shape \[2\], but the tensor has shape \[3\]/);
    expect(() => (b.grad = tensor([1, 1, 1], { dtype: 'float32' }))).toThrow(/dtype float32, but the tensor has dtype float64/);
    b.grad = tensor([1, 1, 1]);
    opt.paramGroups[0]!.lr = -1;
    expect(() => opt.step()).toThrow(/learning rate/);
    expect(flat(a)).toEqual([1, 2]);
    opt.paramGroups[0]!.lr = 0.5;
    opt.step(); // first real step: the momentum buffer must start at g (no failed step left state behind)
    expect(flat(a)).toEqual([0.5, 1.5]);
    expect(opt.stateDict().state['0']!.momentumBuffer).toBeInstanceOf(Tensor);
  });

  it('skips parameters without gradient, accepts non-contiguous grads, zeroGrad(false) zeroes in place', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([5], { requiresGrad: true });
    const opt = new SGD([a, b], { lr: 1 });
    a.grad = tensor([[10, 20], [30, 40]]).transpose(0, 1);
    opt.step();
    expect(flat(a)).toEqual([-9, -28, -17, -36]);
    expect(flat(b)).toEqual([5]);
    b.grad = tensor([7, 2, 9]).narrow(0, 1, 1); // dense, but at an offset
    opt.step();
    expect(flat(b)).toEqual([3]);
    opt.zeroGrad(false);
    expect(a.grad!.shape).toEqual([2, 2]);
    b.grad = tensor([1]);
    opt.zeroGrad(false);
    expect(flat(b.grad!)).toEqual([0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('parameter groups override the defaults', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = tensor([1]);
    b.grad = tensor([1]);
    opt.step();
    expect(flat(a)).toEqual([0.9]);
    expect(flat(b)).toEqual([0.5]);
    expect(opt.stateDict().paramGroups.map((g) => [g.lr, g.params])).toEqual([[0.1, [0]], [0.5, [1]]]);
    expect(() => new SGD([{ params: [a], lr: -1 }])).toThrow(/learning rate/);
  });
});

const adamOpts = fc.record({
  lr: num(0, 0.5),
  beta1: num(0, 0.99),
  beta2: num(0, 0.999),
  eps: num(1e-8, 0.5),
  weightDecay: fc.oneof(fc.constant(0), num(0, 0.5)),
  amsgrad: fc.boolean(),
  maximize: fc.boolean(),
});

describe('Adam', () => {
  it('equals the torch.optim.Adam update (bias-corrected, L2 decay, amsgrad on raw v) over several steps', () => {
    fc.assert(
      fc.property(trajectory.map((t) => ({ ...t, dtype: 'float64' as const })), adamOpts, (t, o) => {
        const { init, grads, params, run } = setup(t);
        const got = run(new Adam(params, { lr: o.lr, betas: [o.beta1, o.beta2], eps: o.eps, weightDecay: o.weightDecay, amsgrad: o.amsgrad, maximize: o.maximize }));
        // Reference from the algorithm on the torch.optim.Adam page, with amsgrad keeping the max of
        // the raw second moment (as the implementation does) and a step count per parameter.
        const p = init.map((v) => v.slice());
        const m = init.map((v) => v.map(() => 0));
        const v = init.map((x) => x.map(() => 0));
        const vmax = init.map((x) => x.map(() => 0));
        const steps = init.map(() => 0);
        for (const stepGrads of grads) {
          stepGrads.forEach((g, i) => {
            if (!g) return;
            const t1 = ++steps[i]!;
            for (let k = 0; k < g.length; k++) {
              let d = o.maximize ? -g[k]! : g[k]!;
              if (o.weightDecay) d += o.weightDecay * p[i]![k]!;
              m[i]![k] = o.beta1 * m[i]![k]! + (1 - o.beta1) * d;
              v[i]![k] = o.beta2 * v[i]![k]! + (1 - o.beta2) * d * d;
              vmax[i]![k] = Math.max(vmax[i]![k]!, v[i]![k]!);
              const mHat = m[i]![k]! / (1 - o.beta1 ** t1);
              const vHat = (o.amsgrad ? vmax[i]![k]! : v[i]![k]!) / (1 - o.beta2 ** t1);
              p[i]![k] = p[i]![k]! - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
            }
          });
        }
        got.forEach((g, i) => expectClose(g, p[i]!, 1e-11));
      }),
    );
  });

  it('float32 parameters keep float32 state and track the float64 result closely', () => {
    const a = tensor([1, -2, 3], { requiresGrad: true, dtype: 'float32' });
    const b = tensor([1, -2, 3], { requiresGrad: true });
    const oa = new Adam([a], { lr: 0.1, amsgrad: true });
    const ob = new Adam([b], { lr: 0.1, amsgrad: true });
    for (let s = 0; s < 5; s++) {
      a.grad = tensor([0.5, -1 + s, 2], { dtype: 'float32' });
      b.grad = tensor([0.5, -1 + s, 2]);
      oa.step();
      ob.step();
    }
    expect(oa.stateDict().state['0']!.expAvg).toBeInstanceOf(Tensor);
    expect((oa.stateDict().state['0']!.expAvg as Tensor).dtype).toBe('float32');
    expectClose(a.dataSync(), b.dataSync(), 1e-6);
  });

  it('validates like PyTorch', () => {
    const p = [zeros([1], { requiresGrad: true })];
    expect(() => new Adam(p, { lr: -1 })).toThrow(/invalid learning rate/);
    expect(() => new Adam(p, { eps: -1 })).toThrow(/invalid epsilon/);
    expect(() => new Adam(p, { betas: [1, 0.9] })).toThrow(/beta parameter at index 0: 1/);
    expect(() => new Adam(p, { betas: [0.9, -0.1] })).toThrow(/beta parameter at index 1: -0.1/);
    expect(() => new Adam(p, { betas: [0.9] as unknown as [number, number] })).toThrow(/pair/);
    expect(() => new Adam(p, { weightDecay: -1 })).toThrow(/weightDecay/);
    const d = new Adam(p).defaults;
    expect([d.lr, d.betas, d.eps, d.weightDecay, d.amsgrad, d.maximize]).toEqual([1e-3, [0.9, 0.999], 1e-8, 0, false, false]);
  });
});

describe('optimizer state dicts', () => {
  const run = (make: (ps: Tensor[]) => SGD | Adam, resumeAt: number | null, restoreState = true) => {
    const ps = [tensor([0.5, -1, 2], { requiresGrad: true }), tensor([[1, 2]], { requiresGrad: true })];
    let opt = make(ps);
    for (let s = 0; s < 8; s++) {
      if (s === resumeAt) {
        const saved = opt.stateDict();
        const values = ps.map((p) => Float64Array.from(p.dataSync()));
        // mutate the live state after saving: the snapshot must not change
        ps.forEach((p) => (p.grad = p.detach().mul(100)));
        opt.step();
        ps.forEach((p, i) => p.tensorData.storage.set(values[i]!));
        opt = make(ps);
        if (restoreState) {
          const copy = JSON.stringify(Object.values(saved.state).map((e) => Object.values(e).map((v) => (v instanceof Tensor ? flat(v) : v))));
          (opt as { loadStateDict(sd: typeof saved): void }).loadStateDict(saved);
          opt.step(); // must not write into the dict it was loaded from
          ps.forEach((p, i) => p.tensorData.storage.set(values[i]!));
          (opt as { loadStateDict(sd: typeof saved): void }).loadStateDict(saved);
          expect(JSON.stringify(Object.values(saved.state).map((e) => Object.values(e).map((v) => (v instanceof Tensor ? flat(v) : v))))).toBe(copy);
        }
      }
      ps.forEach((p, i) => (p.grad = new Tensor(new TensorData(Float64Array.from(randomValues(p.size, s * 10 + i)), p.shape))));
      opt.step();
    }
    return ps.map(flat);
  };
  const makers: [string, (ps: Tensor[]) => SGD | Adam][] = [
    ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['SGD dampened', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.8, dampening: 0.3 })],
    ['Adam', (ps) => new Adam(ps, { lr: 0.05, weightDecay: 0.1 })],
    ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.05, amsgrad: true })],
  ];
  it.each(makers)('%s: a run resumed from a checkpoint continues exactly as if never stopped', (_, make) => {
    const straight = run(make, null);
    expect(run(make, 4)).toEqual(straight);
    expect(run(make, 4, false)).not.toEqual(straight);
  });

  it('a state entry without a momentum buffer starts the buffer at the next gradient', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const opt = new SGD([a], { lr: 0.5, momentum: 0.9, dampening: 0.5 });
    opt.loadStateDict({ state: { 0: {} }, paramGroups: [{ ...opt.defaults, params: [0] }] });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(flat(a)).toEqual([0.5, 1.5]);
  });

  it('restores hyper-parameters and rejects mismatched dicts without changing anything', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const src = new SGD([a], { lr: 0.3, momentum: 0.5 });
    a.grad = tensor([1, 1]);
    src.step();
    const sd = src.stateDict();
    const b = tensor([1, 2], { requiresGrad: true });
    const dst = new SGD([b], { lr: 0.01, momentum: 0.9 });
    dst.loadStateDict(sd);
    expect([dst.paramGroups[0]!.lr, dst.paramGroups[0]!.momentum]).toEqual([0.3, 0.5]);
    const c = tensor([1, 2, 3], { requiresGrad: true });
    const other = new SGD([c], { lr: 0.01, momentum: 0.9 });
    expect(() => other.loadStateDict(sd)).toThrow(/momentumBuffer' has shape \[2\], the parameter \[3\]/);
    expect(other.paramGroups[0]!.lr).toBe(0.01);
    expect(() => other.loadStateDict({ ...sd, paramGroups: [...sd.paramGroups, ...sd.paramGroups] })).toThrow(/2 parameter group\(s\)/);
    expect(() => new SGD([b, c]).loadStateDict(sd)).toThrow(/1 parameters in the state dict, 2 in the optimizer/);
    expect(() => dst.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, lr: -1 }] })).toThrow(/learning rate/);
    expect(() => dst.loadStateDict({ ...sd, state: { 7: {} } })).toThrow(/unknown parameter id/);
    const adam = new Adam([b]);
    expect(() => adam.loadStateDict({ state: { 0: { step: 1.5 } }, paramGroups: [{ ...adam.defaults, params: [0] }] })).toThrow(/step/);
    expect(dst.paramGroups[0]!.lr).toBe(0.3);
  });
});

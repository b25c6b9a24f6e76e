// Optimizers, their state dicts and the LR schedulers: behaviour the other test files leave
// implicit, each case checked against a value derived by hand from PyTorch 1.13's documented
// update rules (or computed with torch where the comment says so), and the exact error messages.
import { Tensor, TensorData, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  Adagrad, Adam, AdamW, CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, OneCycleLR, RMSprop, ReduceLROnPlateau, SGD,
  SequentialLR, StepLR, clipGradNorm, clipGradValue, type AnyOptimizer,
} from '../src/index.js';

const param = (values: number[], dtype: 'float32' | 'float64' = 'float64') => tensor(values, { requiresGrad: true, dtype });
const values = (t: Tensor | number | undefined) => Array.from((t as Tensor).tensorData.contiguousStorage());
const stateOf = (opt: { stateDict(): { state: Record<string, Record<string, Tensor | number>> } }, id: string) => opt.stateDict().state[id]!;

/** Gives `p` a gradient the `grad` setter would refuse (as plain JavaScript writing the property could). */
function forceGrad(p: Tensor, g: unknown): void {
  Object.defineProperty(p, 'grad', { value: g, configurable: true, writable: true });
}

/** Expects a relative difference of at most 1e-15 (last-bit rounding in PyTorch's operation order). */
function expectNear(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const err = Math.abs(actual[i]! - e) / Math.max(Math.abs(e), 1e-300);
    if (!(err <= 1e-15)) throw new Error(`[${i}]: ${actual[i]} vs ${e}`);
  });
}

describe('Optimizer: parameter groups and state dicts', () => {
  it('a group may give its params as a single Tensor, as torch.optim does', () => {
    const w = param([1, 2]);
    const opt = new SGD([{ params: w as never, lr: 0.5 }], { lr: 0.1 });
    expect(opt.paramGroups[0]!.params).toEqual([w]);
    w.grad = tensor([2, 4]);
    opt.step();
    expect(values(w)).toEqual([0, 0]); // p - lr·g with the group's lr 0.5
    expect(opt.stateDict().paramGroups[0]!.params).toEqual([0]);
  });

  it('loadStateDict rejects a repeated or non-numeric parameter id, changing nothing', () => {
    const opt = new SGD([param([1, 2]), param([3])], { lr: 0.1, momentum: 0.9 });
    const sd = opt.stateDict();
    sd.paramGroups[0]!.lr = 0.7;
    sd.paramGroups[0]!.params = [0, 0];
    expect(() => opt.loadStateDict(sd)).toThrow(/^SGD\.loadStateDict: parameter group 0 has a bad or repeated parameter id 0$/);
    sd.paramGroups[0]!.params = [0, 'one' as never];
    expect(() => opt.loadStateDict(sd)).toThrow(/^SGD\.loadStateDict: parameter group 0 has a bad or repeated parameter id one$/);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });

  it('loadStateDict names a missing hyper-parameter, changing nothing', () => {
    const opt = new SGD([param([1, 2])], { lr: 0.1, momentum: 0.9 });
    const { momentum: _m, ...group } = opt.stateDict().paramGroups[0]!;
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [{ ...group, lr: 0.5 } as never] }))
      .toThrow(/^SGD\.loadStateDict: parameter group 0 is missing hyper-parameter 'momentum'$/);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });

  it('loadStateDict says what a saved buffer is when it is not a Tensor', () => {
    const opt = new Adagrad([param([1, 2])]);
    const groups = opt.stateDict().paramGroups;
    expect(() => opt.loadStateDict({ state: { 0: { step: 1 } }, paramGroups: groups }))
      .toThrow(/^Adagrad\.loadStateDict: parameter 0 \(shape \[2\]\): 'sum' must be a Tensor, got nothing$/);
    expect(() => opt.loadStateDict({ state: { 0: { step: 1, sum: 3 } }, paramGroups: groups }))
      .toThrow(/^Adagrad\.loadStateDict: parameter 0 \(shape \[2\]\): 'sum' must be a Tensor, got number$/);
    expect(() => opt.loadStateDict({ state: { 0: { step: 1, sum: [0, 0] as never } }, paramGroups: groups }))
      .toThrow(/^Adagrad\.loadStateDict: parameter 0 \(shape \[2\]\): 'sum' must be a Tensor, got object$/);
  });

  describe('step() checks every gradient before writing anything', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not a Tensor', [1, 2], /^SGD\.step: grad of parameter 1 is not a Tensor$/],
      ['another size', new Tensor(new TensorData(new Float64Array(3), [3, 1])), /^SGD\.step: grad of parameter 1 has shape \[3, 1\], the parameter \[2, 1\]$/],
      ['another rank, same size', tensor([1, 2]), /^SGD\.step: grad of parameter 1 has shape \[2\], the parameter \[2, 1\]$/],
      ['another dtype', new Tensor(new TensorData(new Float32Array(2), [2, 1])), /^SGD\.step: grad of parameter 1 is float32, the parameter float64$/],
    ];
    it.each(cases)('%s', (_what, bad, message) => {
      const a = param([1, 2]);
      const b = new Tensor(new TensorData(Float64Array.from([3, 4]), [2, 1]), true);
      const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
      a.grad = tensor([1, 1]);
      forceGrad(b, bad);
      expect(() => opt.step()).toThrow(message);
      expect(values(a)).toEqual([1, 2]);
      expect(values(b)).toEqual([3, 4]);
      expect(opt.stateDict().state).toEqual({});
    });
  });
});

describe('SGD', () => {
  it.each([
    ['lr', NaN, /^SGD: lr must be a finite number, got NaN$/],
    ['momentum', Infinity, /^SGD: momentum must be a finite number, got Infinity$/],
    ['dampening', NaN, /^SGD: dampening must be a finite number, got NaN$/],
    ['weightDecay', -Infinity, /^SGD: weightDecay must be a finite number, got -Infinity$/],
    ['nesterov', 1, /^SGD: nesterov must be a boolean, got 1$/],
    ['maximize', 'yes', /^SGD: maximize must be a boolean, got the string "yes"$/],
  ])('names %s in its check', (key, v, message) => {
    expect(() => new SGD([param([1])], { [key]: v })).toThrow(message);
  });

  it('without momentum keeps no per-parameter state; momentum turned on later starts from the gradient', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor([1, -1]);
    opt.step();
    expect(values(w)).toEqual([1 - 0.1, 2 + 0.1]);
    expect(opt.stateDict().state).toEqual({});
    opt.paramGroups[0]!.momentum = 0.5;
    opt.step(); // the buffer's first step: b = g (PyTorch clones the gradient)
    expect(values(w)).toEqual([1 - 0.1 - 0.1, 2 + 0.1 + 0.1]);
    expect(values(stateOf(opt, '0').momentumBuffer)).toEqual([1, -1]);
    opt.step(); // b = 0.5·b + g
    expect(values(stateOf(opt, '0').momentumBuffer)).toEqual([1.5, -1.5]);
  });

  it.each([
    ['momentumBuffer: null (PyTorch saves None after steps without momentum)', { momentumBuffer: null }],
    ['no momentumBuffer', {}],
  ])('a saved state with %s restarts the momentum from the next gradient', (_what, entry) => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    opt.loadStateDict({ state: { 0: entry as never }, paramGroups: opt.stateDict().paramGroups });
    expect(opt.stateDict().state).toEqual({ 0: {} }); // no buffer yet
    w.grad = tensor([1, -1]);
    opt.step(); // b = g
    opt.step(); // b = 0.9·g + g = 1.9·g
    expect(values(stateOf(opt, '0').momentumBuffer)).toEqual([1.9, -1.9]);
    expectNear(values(w), [1 - 0.1 - 0.1 * 1.9, 2 + 0.1 + 0.1 * 1.9]);
  });
});

describe('hyper-parameter checks name the option', () => {
  const OPTS = {
    Adam: (o: object) => new Adam([param([1])], o),
    AdamW: (o: object) => new AdamW([param([1])], o),
    RMSprop: (o: object) => new RMSprop([param([1])], o),
    Adagrad: (o: object) => new Adagrad([param([1])], o),
  };
  const cases: [keyof typeof OPTS, string, unknown, string][] = [
    ['Adam', 'lr', NaN, 'lr must be a finite number, got NaN'],
    ['Adam', 'eps', Infinity, 'eps must be a finite number, got Infinity'],
    ['Adam', 'weightDecay', NaN, 'weightDecay must be a finite number, got NaN'],
    ['Adam', 'amsgrad', 0, 'amsgrad must be a boolean, got 0'],
    ['Adam', 'maximize', 'no', 'maximize must be a boolean, got the string "no"'],
    ['Adam', 'betas', [0.9, NaN], 'betas[1] must be a finite number, got NaN'],
    ['Adam', 'lr', -1, 'invalid learning rate: -1 (must be >= 0)'],
    ['Adam', 'eps', -1, 'invalid epsilon value: -1 (must be >= 0)'],
    ['Adam', 'weightDecay', -1, 'invalid weightDecay value: -1 (must be >= 0)'],
    ['Adam', 'betas', [0.9, 1], 'invalid beta parameter at index 1: 1 (must be in [0, 1))'],
    ['Adam', 'betas', [-0.5, 0.9], 'invalid beta parameter at index 0: -0.5 (must be in [0, 1))'],
    ['Adam', 'betas', [0.9], 'betas must be a pair [beta1, beta2], got [0.9]'],
    ['AdamW', 'lr', NaN, 'lr must be a finite number, got NaN'],
    ['AdamW', 'betas', 0.9, 'betas must be a pair [beta1, beta2], got 0.9'],
    ['RMSprop', 'lr', NaN, 'lr must be a finite number, got NaN'],
    ['RMSprop', 'alpha', NaN, 'alpha must be a finite number, got NaN'],
    ['RMSprop', 'eps', NaN, 'eps must be a finite number, got NaN'],
    ['RMSprop', 'weightDecay', NaN, 'weightDecay must be a finite number, got NaN'],
    ['RMSprop', 'momentum', NaN, 'momentum must be a finite number, got NaN'],
    ['RMSprop', 'centered', 1, 'centered must be a boolean, got 1'],
    ['RMSprop', 'maximize', 1, 'maximize must be a boolean, got 1'],
    ['RMSprop', 'lr', -1, 'invalid learning rate: -1 (must be >= 0)'],
    ['RMSprop', 'eps', -1, 'invalid epsilon value: -1 (must be >= 0)'],
    ['RMSprop', 'momentum', -1, 'invalid momentum value: -1 (must be >= 0)'],
    ['RMSprop', 'weightDecay', -1, 'invalid weightDecay value: -1 (must be >= 0)'],
    ['RMSprop', 'alpha', -1, 'invalid alpha value: -1 (must be >= 0)'],
    ['RMSprop', 'alpha', 1.5, 'invalid alpha value: 1.5 (must be <= 1: the squared gradient gets the weight 1 - alpha, and a negative one drives the average below zero)'],
    ['Adagrad', 'lr', NaN, 'lr must be a finite number, got NaN'],
    ['Adagrad', 'lrDecay', NaN, 'lrDecay must be a finite number, got NaN'],
    ['Adagrad', 'weightDecay', NaN, 'weightDecay must be a finite number, got NaN'],
    ['Adagrad', 'initialAccumulatorValue', NaN, 'initialAccumulatorValue must be a finite number, got NaN'],
    ['Adagrad', 'eps', NaN, 'eps must be a finite number, got NaN'],
    ['Adagrad', 'maximize', 1, 'maximize must be a boolean, got 1'],
    ['Adagrad', 'lr', -1, 'invalid learning rate: -1 (must be >= 0)'],
    ['Adagrad', 'lrDecay', -1, 'invalid lrDecay value: -1 (must be >= 0)'],
    ['Adagrad', 'weightDecay', -1, 'invalid weightDecay value: -1 (must be >= 0)'],
    ['Adagrad', 'initialAccumulatorValue', -1, 'invalid initialAccumulatorValue value: -1 (must be >= 0)'],
    ['Adagrad', 'eps', -1, 'invalid epsilon value: -1 (must be >= 0)'],
  ];
  it.each(cases)('%s %s = %o', (name, key, v, message) => {
    expect(() => OPTS[name]({ [key]: v })).toThrow(new Error(`${name}: ${message}`));
  });
});

describe('Adagrad', () => {
  it('a state dict without a parameter\'s entry restarts it as construction does, in its dtype', () => {
    const w = param([1, -2], 'float32');
    const opt = new Adagrad([w], { lr: 0.5, initialAccumulatorValue: 0.25 });
    opt.loadStateDict({ state: {}, paramGroups: opt.stateDict().paramGroups });
    w.grad = tensor([0.5, 1.5], { dtype: 'float32' });
    opt.step();
    const s = stateOf(opt, '0');
    expect(s.step).toBe(1);
    expect((s.sum as Tensor).dtype).toBe('float32');
    expect(values(s.sum)).toEqual([0.25 + 0.25, 0.25 + 2.25]); // sum = init + g²
    // p = p − lr·g / (sqrt(sum) + eps), stored in float32
    expect(values(w)).toEqual([Math.fround(1 - 0.25 / (Math.sqrt(0.5) + 1e-10)), Math.fround(-2 - 0.75 / (Math.sqrt(2.5) + 1e-10))]);
  });
});

describe('lr schedulers', () => {
  const sgd = (lr = 0.1, opts = {}) => new SGD([param([0, 0])], { lr, ...opts });

  it('range errors show each bound open or closed', () => {
    expect(() => new StepLR(sgd(), 2, { gamma: -1 })).toThrow(/^StepLR: gamma must be in \[0, inf\), got -1$/);
    expect(() => new LinearLR(sgd(), { startFactor: 0 })).toThrow(/^LinearLR: startFactor must be in \(0, 1\], got 0$/);
    expect(() => new LinearLR(sgd(), { endFactor: 1.5 })).toThrow(/^LinearLR: endFactor must be in \[0, 1\], got 1.5$/);
    expect(() => new ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/^ReduceLROnPlateau: factor must be in \[0, 1\), got 1$/);
    expect(() => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, finalDivFactor: 0 })).toThrow(/^OneCycleLR: finalDivFactor must be in \(0, inf\), got 0$/);
  });

  it('the bounds themselves are accepted where closed', () => {
    const opt = sgd(0.1);
    const s = new StepLR(opt, 1, { gamma: 0 });
    s.step();
    expect(s.getLastLr()).toEqual([0]);
    const l = new LinearLR(sgd(0.1), { startFactor: 1, endFactor: 0, totalIters: 2 });
    l.step();
    l.step();
    expect(l.getLastLr()).toEqual([0]);
  });

  // SequentialLR restarts each later scheduler at its epoch 0 in PyTorch's closed form. The
  // expected lrs were checked with torch 1.13:
  //   p = torch.zeros(2, requires_grad=True); o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
  //   s = SequentialLR(o, [ExponentialLR(o, 0.9), <second>], [2]); then s.step() and s.get_last_lr()
  describe('SequentialLR restarts the next scheduler at its epoch 0', () => {
    const run = (make: (o: AnyOptimizer) => SequentialLR, steps: number, opt: AnyOptimizer = sgd(0.1, { momentum: 0.9 })) => {
      const s = make(opt);
      const lrs = [s.getLastLr()[0]!];
      for (let i = 0; i < steps; i++) {
        s.step();
        lrs.push(s.getLastLr()[0]!);
      }
      return lrs;
    };

    it('StepLR: its base lr, then a cut every stepSize epochs', () => {
      const lrs = run((o) => new SequentialLR(o, [new ExponentialLR(o, 0.9), new StepLR(o, 2, { gamma: 0.5 })], [2]), 7);
      expectNear(lrs, [0.1, 0.1 * 0.9, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    });

    it('LinearLR: base · startFactor, then the linear ramp', () => {
      const lrs = run((o) => new SequentialLR(o, [new ExponentialLR(o, 0.9), new LinearLR(o, { startFactor: 0.25, endFactor: 0.75, totalIters: 4 })], [2]), 8);
      expectNear(lrs, [0.1, 0.1 * 0.9, 0.025, 0.0375, 0.05, 0.0625, 0.075, 0.075, 0.075]);
    });

    it('MultiStepLR: a milestone at 0 (listed twice) already applies at the restart', () => {
      const lrs = run((o) => new SequentialLR(o, [new ExponentialLR(o, 0.9), new MultiStepLR(o, [0, 0, 3], { gamma: 0.5 })], [2]), 5);
      expectNear(lrs, [0.1, 0.1 * 0.9, 0.025, 0.025, 0.025, 0.0125]);
    });

    it('CosineAnnealingLR: etaMin + (base − etaMin), then the cosine', () => {
      const lrs = run((o) => new SequentialLR(o, [new ExponentialLR(o, 0.9), new CosineAnnealingLR(o, 4, { etaMin: 0.03 })], [1]), 3);
      // epoch 1 of the cosine: etaMin + (base − etaMin)(1 + cos(π/4))/2; epoch 2: halfway
      expectNear(lrs, [0.1, 0.03 + (0.1 - 0.03), 0.03 + 0.07 * (1 + Math.cos(Math.PI / 4)) / 2, 0.065]);
    });

    it('OneCycleLR (no closed form in PyTorch): its recursive form at step 0', () => {
      // OneCycleLR writes initialLr = maxLr / 25 = 0.04 into the group, which SequentialLR then
      // starts from; linear phases end at steps 0.3·10 − 1 = 2 and 9.
      const opt = sgd(0.1, { momentum: 0.9 });
      const lrs = run((o) => new SequentialLR(o, [new ExponentialLR(o, 0.5), new OneCycleLR(o, 1, { totalSteps: 10, annealStrategy: 'linear' })], [2]), 5, opt);
      const minLr = 0.04 / 1e4;
      expectNear(lrs, [0.04, 0.02, 0.04, (1 - 0.04) * 0.5 + 0.04, 1, (minLr - 1) * (1 / 7) + 1]);
      expectNear([opt.paramGroups[0]!.momentum], [(0.95 - 0.85) * (1 / 7) + 0.85]);
    });
  });

  it('SequentialLR needs every group\'s initialLr and changes nothing without it', () => {
    const opt = sgd(0.1);
    const first = new ExponentialLR(opt, 0.5);
    first.step();
    delete (opt.paramGroups[0] as { initialLr?: number }).initialLr;
    expect(() => new SequentialLR(opt, [first], [])).toThrow(/^SequentialLR: paramGroups\[0\] has no 'initialLr' \(the schedulers set it\)$/);
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
    expect(first.lastEpoch).toBe(1);
  });

  it('SequentialLR.loadStateDict rejects a milestone count that does not fit its schedulers', () => {
    const opt = sgd(0.1);
    const s = new SequentialLR(opt, [new LinearLR(opt), new ExponentialLR(opt, 0.5)], [3]);
    const sd = s.stateDict();
    expect(() => s.loadStateDict({ ...sd, milestones: [3, 5] })).toThrow(/^SequentialLR\.loadStateDict: 2 milestone\(s\) saved for 2 scheduler\(s\)$/);
    expect(s.stateDict()).toEqual(sd);
  });

  it('OneCycleLR resumes without momentum cycling (no momentum keys needed in the groups)', () => {
    const opts = { totalSteps: 10, cycleMomentum: false, annealStrategy: 'linear' as const };
    const opt = sgd(0.01);
    const a = new OneCycleLR(opt, 1, opts);
    for (let i = 0; i < 3; i++) a.step();
    const opt2 = sgd(0.01);
    opt2.loadStateDict(opt.stateDict());
    expect(Object.keys(opt2.paramGroups[0]!)).not.toContain('maxMomentum');
    const b = new OneCycleLR(opt2, 1, { ...opts, lastEpoch: 3 }); // its initial step is step 4
    a.step();
    // step 4 lies in the second phase (steps 2..9): lr = (minLr − maxLr)·(2/7) + maxLr
    expectNear(b.getLastLr(), [(0.04 / 1e4 - 1) * (2 / 7) + 1]);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(opt2.paramGroups[0]!.momentum).toBe(0);
  });

  it('ReduceLROnPlateau.inCooldown is true for the cooldown epochs after a cut', () => {
    const opt = sgd(1);
    const s = new ReduceLROnPlateau(opt, { patience: 0, cooldown: 2, factor: 0.5 });
    const seen: [boolean, number][] = [[s.inCooldown, opt.paramGroups[0]!.lr]];
    for (const metric of [1, 2, 3, 4, 5]) {
      s.step(metric);
      seen.push([s.inCooldown, opt.paramGroups[0]!.lr]);
    }
    // 1 is the best; 2 is bad: cut (patience 0), two cooldown epochs (3, 4), then 5 cuts again
    expect(seen).toEqual([[false, 1], [false, 1], [true, 0.5], [true, 0.5], [false, 0.5], [true, 0.25]]);
  });
});

describe('gradient clipping', () => {
  it('clipGradNorm leaves gradients untouched (versions included) when the norm is within maxNorm', () => {
    const w = param([0, 0]);
    w.grad = tensor([3, 4]);
    const v = w.grad.version;
    expect(clipGradNorm([w], 10)).toBe(5);
    expect(values(w.grad)).toEqual([3, 4]);
    expect(w.grad.version).toBe(v);
  });

  it('clipGradNorm with normType Infinity: the largest |g| over all gradients, NaN if any element is', () => {
    const a = param([0, 0]);
    const b = param([0, 0, 0]);
    a.grad = tensor([1, -8]);
    b.grad = tensor([-2, 6, 7]);
    expect(clipGradNorm([a, b], 100, { normType: Infinity })).toBe(8);
    expect(clipGradNorm([b, a], 100, { normType: Infinity })).toBe(8);
    b.grad = tensor([1, NaN, 2]);
    expect(clipGradNorm([a, b], 100, { normType: Infinity })).toBeNaN();
    expect(() => clipGradNorm([b, a], 100, { normType: Infinity, errorIfNonfinite: true }))
      .toThrow(/^clipGradNorm: the total norm of order Infinity of the gradients is NaN, so it cannot be clipped; pass errorIfNonfinite: false to scale the gradients by the non-finite norm anyway$/);
  });

  it('clipGradNorm with normType 1 sums |g|, and scales by maxNorm / (total + 1e-6)', () => {
    const a = param([0, 0]);
    const b = param([0]);
    a.grad = tensor([1, -2]);
    b.grad = tensor([3]);
    expect(clipGradNorm([a, b], 3, { normType: 1 })).toBe(6);
    const c = 3 / (6 + 1e-6);
    expect(values(a.grad)).toEqual([c, -2 * c]);
    expect(values(b.grad)).toEqual([3 * c]);
  });

  it('clipGradValue clamps to [-clipValue, clipValue] and keeps NaN', () => {
    const w = param([0, 0, 0, 0, 0]);
    w.grad = tensor([-3, -0.5, 0.25, 2, NaN]);
    clipGradValue([w], 1);
    expect(values(w.grad)).toEqual([-1, -0.5, 0.25, 1, NaN]);
    const f = param([0, 0, 0], 'float32');
    f.grad = tensor([0.3, -0.7, 0.05], { dtype: 'float32' });
    clipGradValue(f, 0.1); // as torch.clamp_ with a float32 bound
    expect(values(f.grad)).toEqual([Math.fround(0.1), -Math.fround(0.1), Math.fround(0.05)]);
  });
});

describe('Optimizer: construction arguments', () => {
  const t = () => param([1]);
  it.each([
    ['a string', () => new SGD('ab' as never), /^SGD: params must be an iterable of Tensors or of parameter groups, got the string "ab"$/],
    ['Tensors mixed with groups', () => new SGD([t(), { params: [t()] }] as never), /^SGD: parameter group 0 must be an object with a 'params' list \(do not mix Tensors and groups\)$/],
    ['a number among groups', () => new SGD([{ params: [t()] }, 5] as never), /^SGD: parameter group 1 must be an object with a 'params' list \(do not mix Tensors and groups\)$/],
    ['null among groups', () => new SGD([{ params: [t()] }, null] as never), /^SGD: parameter group 1 must be an object with a 'params' list \(do not mix Tensors and groups\)$/],
    ['a group without params', () => new SGD([{ lr: 0.1 }] as never), /^SGD: parameter group 0 must be an object with a 'params' list \(do not mix Tensors and groups\)$/],
    ['group params a string', () => new SGD([{ params: 'ab' }] as never), /^SGD: parameter group 0: params must be an iterable of Tensors, got the string "ab"$/],
    ['group params null', () => new SGD([{ params: null }] as never), /^SGD: parameter group 0: params must be an iterable of Tensors, got null$/],
    ['group params not iterable', () => new SGD([{ params: {} }] as never), /^SGD: parameter group 0: params must be an iterable of Tensors, got an object$/],
    ['a group element not a Tensor', () => new SGD([{ params: [t(), 3] }] as never), /^SGD: parameter 1 of group 0 is not a Tensor, got 3$/],
    ['a parameter in two groups', () => { const p = t(); return new SGD([{ params: [p] }, { params: [p] }]); }, /^SGD: parameter 0 of group 1 appears more than once$/],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });

  it('groups and state dicts never share an array option (Adam\'s betas)', () => {
    const opt = new Adam([{ params: [param([1])] }, { params: [param([2])] }], { betas: [0.8, 0.9] });
    const g0 = opt.paramGroups[0]!;
    expect(g0.betas).not.toBe(opt.paramGroups[1]!.betas);
    g0.betas[0] = 0.5;
    expect(opt.paramGroups[1]!.betas).toEqual([0.8, 0.9]);
    expect(opt.defaults.betas).toEqual([0.8, 0.9]);
    const sd = opt.stateDict();
    sd.paramGroups[1]!.betas[0] = 0.1;
    expect(opt.paramGroups[1]!.betas).toEqual([0.8, 0.9]);
    opt.loadStateDict(sd);
    sd.paramGroups[1]!.betas[1] = 0.2;
    expect(opt.paramGroups[1]!.betas).toEqual([0.1, 0.9]);
  });
});

describe('Optimizer.zeroGrad', () => {
  it('checks setToNone', () => {
    expect(() => new SGD([param([1])]).zeroGrad(1 as never)).toThrow(/^SGD\.zeroGrad: setToNone must be a boolean, got 1$/);
  });

  it('zeroGrad(false) zeroes views in place (only their elements) and skips missing grads', () => {
    const a = new Tensor(new TensorData(new Float64Array(4), [2, 2]), true);
    const b = param([0, 0]);
    const c = param([0]);
    const opt = new SGD([a, b, c]);
    const baseA = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    a.grad = baseA.narrow(0, 0, 2).narrow(1, 0, 2); // [[1, 2], [4, 5]]: strided, inside a larger storage
    const baseB = tensor([[1, 2, 3], [4, 5, 6]]);
    b.grad = baseB.narrow(1, 1, 1).reshape([2]); // elements 2 and 5, stride 3
    const baseC = tensor([7, 8, 9]);
    c.grad = baseC.narrow(0, 2, 1); // dense, at offset 2
    opt.zeroGrad(false);
    expect(values(baseA)).toEqual([0, 0, 3, 0, 0, 6, 7, 8, 9]);
    expect(values(baseB)).toEqual([1, 0, 3, 4, 0, 6]);
    expect(values(baseC)).toEqual([7, 8, 0]);
    c.grad = null;
    expect(() => opt.zeroGrad(false)).not.toThrow();
    expect(c.grad).toBeNull();
  });

  it('a graph that saved a gradient zeroed in place refuses backward, naming zeroGrad', () => {
    const w = param([1, 2]);
    const opt = new SGD([w]);
    const g = tensor([3, 4], { requiresGrad: true });
    w.grad = g;
    const y = g.mul(g).sum();
    opt.zeroGrad(false);
    expect(() => y.backward()).toThrow(/was modified in place \(SGD\.zeroGrad\) after the forward pass/);
  });

  it('a graph that saved a parameter refuses backward after step(), naming the optimizer', () => {
    const w = param([1, 2]);
    const opt = new Adam([w]);
    const y = w.mul(w).sum();
    w.grad = tensor([1, 1]);
    opt.step();
    expect(() => y.backward()).toThrow(/was modified in place \(Adam\.step\) after the forward pass/);
  });
});

describe('Optimizer.loadStateDict checks', () => {
  const make = () => {
    const opt = new SGD([param([1, 2])], { lr: 0.1, momentum: 0.9 });
    opt.paramGroups[0]!.params[0]!.grad = tensor([1, 1]);
    opt.step();
    return opt;
  };
  it.each([
    ['null', () => null, /^SGD\.loadStateDict: expected \{ state, paramGroups \}$/],
    ['no paramGroups', (sd: any) => ({ state: sd.state }), /^SGD\.loadStateDict: expected \{ state, paramGroups \}$/],
    ['state not an object', (sd: any) => ({ ...sd, state: 5 }), /^SGD\.loadStateDict: expected \{ state, paramGroups \}$/],
    ['state null', (sd: any) => ({ ...sd, state: null }), /^SGD\.loadStateDict: expected \{ state, paramGroups \}$/],
    ['a group null', (sd: any) => ({ ...sd, paramGroups: [null] }), /^SGD\.loadStateDict: parameter group 0 has no parameters in the state dict, 1 in the optimizer$/],
    ['a group without params', (sd: any) => ({ ...sd, paramGroups: [{ lr: 0.1 }] }), /^SGD\.loadStateDict: parameter group 0 has no parameters in the state dict, 1 in the optimizer$/],
    ['an id written "00"', (sd: any) => ({ ...sd, state: { '00': sd.state['0'] } }), /^SGD\.loadStateDict: state for unknown parameter id '00'$/],
    ['a state entry that is a number', (sd: any) => ({ ...sd, state: { 0: 5 } }), /^SGD\.loadStateDict: state for parameter 0 must be an object$/],
    ['a state entry that is null', (sd: any) => ({ ...sd, state: { 0: null } }), /^SGD\.loadStateDict: state for parameter 0 must be an object$/],
    ['an initialLr of Infinity', (sd: any) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], initialLr: Infinity }] }), /^SGD\.loadStateDict: parameter group 0: 'initialLr' must be a finite number >= 0, got Infinity$/],
    ['a maxLr that is a string', (sd: any) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], maxLr: '1' }] }), /^SGD\.loadStateDict: parameter group 0: 'maxLr' must be a finite number >= 0, got 1$/],
    ['a minLr below 0', (sd: any) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], minLr: -1e-9 }] }), /^SGD\.loadStateDict: parameter group 0: 'minLr' must be a finite number >= 0, got -1e-9$/],
  ])('%s, changing nothing', (_what, edit, message) => {
    const opt = make();
    const sd = opt.stateDict();
    const before = JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? values(v) : v));
    expect(() => opt.loadStateDict(edit(sd as never) as never)).toThrow(message);
    expect(JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? values(v) : v))).toBe(before);
  });

  it('scheduler keys at their lower bound 0 load', () => {
    const opt = make();
    const sd = opt.stateDict();
    opt.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, initialLr: 0, minLr: 0 } as never] });
    expect((opt.paramGroups[0] as unknown as { initialLr: number }).initialLr).toBe(0);
  });

  it('a saved buffer of the right size but another rank is refused', () => {
    const w = new Tensor(new TensorData(Float64Array.from([1, 2]), [2, 1]), true);
    const opt = new Adam([w]);
    const groups = opt.stateDict().paramGroups;
    expect(() => opt.loadStateDict({ state: { 0: { step: 1, expAvg: tensor([0, 0]), expAvgSq: tensor([[0], [0]]) } }, paramGroups: groups }))
      .toThrow(/^Adam\.loadStateDict: parameter 0 \(shape \[2, 1\]\): 'expAvg' has shape \[2\], the parameter \[2, 1\]$/);
  });

  it('step counts: 0 loads (Adagrad\'s state before any step), a fraction or a string does not', () => {
    const w = param([1, 2]);
    const opt = new Adagrad([w], { initialAccumulatorValue: 0.5 });
    const sd = opt.stateDict();
    expect(sd.state['0']!.step).toBe(0);
    const other = new Adagrad([param([3, 4])], { initialAccumulatorValue: 0.5 });
    other.loadStateDict(sd);
    expect(stateOf(other, '0').step).toBe(0);
    expect(() => other.loadStateDict({ ...sd, state: { 0: { ...sd.state['0'], step: 1.5 } } }))
      .toThrow(/^Adagrad\.loadStateDict: parameter 0 \(shape \[2\]\): 'step' must be a non-negative integer, got 1\.5$/);
    expect(() => other.loadStateDict({ ...sd, state: { 0: { ...sd.state['0'], step: '2' as never } } }))
      .toThrow(/^Adagrad\.loadStateDict: parameter 0 \(shape \[2\]\): 'step' must be a non-negative integer, got the string "2"$/);
  });
});

describe('scheduler state dicts: every field is checked, by name', () => {
  const sgd1 = () => new SGD([param([0, 0])], { lr: 0.1, momentum: 0.9 });
  type Sched = { stateDict(): Record<string, unknown>; loadStateDict(sd: never): void; step(m?: number): void };
  const MAKERS: Record<string, (o: SGD) => Sched> = {
    StepLR: (o) => new StepLR(o, 3, { gamma: 0.5 }),
    MultiStepLR: (o) => new MultiStepLR(o, [2, 5], { gamma: 0.5 }),
    ExponentialLR: (o) => new ExponentialLR(o, 0.9),
    CosineAnnealingLR: (o) => new CosineAnnealingLR(o, 10, { etaMin: 0.01 }),
    LinearLR: (o) => new LinearLR(o, { startFactor: 0.5 }),
    OneCycleLR: (o) => new OneCycleLR(o, 0.5, { totalSteps: 20 }),
    ReduceLROnPlateau: (o) => new ReduceLROnPlateau(o, { patience: 0 }) as unknown as Sched,
    SequentialLR: (o) => new SequentialLR(o, [new LinearLR(o), new ExponentialLR(o, 0.9)], [3]) as unknown as Sched,
  };
  const base: [string, unknown, string][] = [
    ['lastEpoch', -2, "'lastEpoch' must be an integer >= -1, got -2"],
    ['stepCount', -1, "'stepCount' must be a non-negative integer, got -1"],
    ['baseLrs', [-1], "'baseLrs'[0] must be in [0, inf), got -1"],
    ['baseLrs', 5, "'baseLrs' must be an array of 1 number(s) (one per param group), got 5"],
    ['lastLr', [0.1, 0.2], "'lastLr' must be an array of 1 number(s) (one per param group), got 2 value(s)"],
    ['lastLr', ['x'], `'lastLr'[0] must be a finite number, got the string "x"`],
    ['lastLr', [-0.5], "'lastLr'[0] must be in [0, inf), got -0.5"],
  ];
  const cases: [string, string, unknown, string][] = [
    ...base.map(([k, v, m]) => ['StepLR', k, v, m] as [string, string, unknown, string]),
    ['StepLR', 'stepSize', 0, "'stepSize' must be a positive integer, got 0"],
    ['StepLR', 'gamma', -1, "'gamma' must be in [0, inf), got -1"],
    ['MultiStepLR', 'milestones', [3, 1], "'milestones' must be increasing (a repeated milestone applies gamma once per repetition), got [3, 1]"],
    ['MultiStepLR', 'milestones', [-1], "'milestones'[0] must be a non-negative integer, got -1"],
    ['MultiStepLR', 'milestones', 5, "'milestones' must be an array of integers, got 5"],
    ['MultiStepLR', 'gamma', NaN, "'gamma' must be a finite number, got NaN"],
    ['ExponentialLR', 'gamma', -1, "'gamma' must be in [0, inf), got -1"],
    ['CosineAnnealingLR', 'tMax', 0, "'tMax' must be a positive integer, got 0"],
    ['CosineAnnealingLR', 'etaMin', -1, "'etaMin' must be in [0, inf), got -1"],
    ['LinearLR', 'startFactor', 0, "'startFactor' must be in (0, 1], got 0"],
    ['LinearLR', 'endFactor', 2, "'endFactor' must be in [0, 1], got 2"],
    ['LinearLR', 'totalIters', 0, "'totalIters' must be a positive integer, got 0"],
    ['OneCycleLR', 'totalSteps', 0, "'totalSteps' must be a positive integer, got 0"],
    ['OneCycleLR', 'pctStart', 2, "'pctStart' must be in [0, 1], got 2"],
    ['OneCycleLR', 'annealStrategy', 'x', `'annealStrategy' must be 'cos' or 'linear', got the string "x"`],
    ['OneCycleLR', 'cycleMomentum', 1, "'cycleMomentum' must be a boolean, got 1"],
    ['OneCycleLR', 'threePhase', 'no', `'threePhase' must be a boolean, got the string "no"`],
    ['ReduceLROnPlateau', 'mode', 'x', `'mode' must be 'min' or 'max', got the string "x"`],
    ['ReduceLROnPlateau', 'factor', 1, "'factor' must be in [0, 1), got 1"],
    ['ReduceLROnPlateau', 'patience', -1, "'patience' must be a non-negative integer, got -1"],
    ['ReduceLROnPlateau', 'threshold', -1, "'threshold' must be in [0, inf), got -1"],
    ['ReduceLROnPlateau', 'thresholdMode', 'x', `'thresholdMode' must be 'rel' or 'abs', got the string "x"`],
    ['ReduceLROnPlateau', 'cooldown', 0.5, "'cooldown' must be a non-negative integer, got 0.5"],
    ['ReduceLROnPlateau', 'minLrs', [-1], "'minLrs'[0] must be in [0, inf), got -1"],
    ['ReduceLROnPlateau', 'eps', -1, "'eps' must be in [0, inf), got -1"],
    ['ReduceLROnPlateau', 'lastEpoch', -1, "'lastEpoch' must be a non-negative integer, got -1"],
    ['ReduceLROnPlateau', 'best', 'x', `'best' must be a finite number, got the string "x"`],
    ['ReduceLROnPlateau', 'best', NaN, "'best' must be a finite number, got NaN"],
    ['ReduceLROnPlateau', 'numBadEpochs', -1, "'numBadEpochs' must be a non-negative integer, got -1"],
    ['ReduceLROnPlateau', 'cooldownCounter', -1, "'cooldownCounter' must be a non-negative integer, got -1"],
    ['ReduceLROnPlateau', 'lastLr', [-1], "'lastLr'[0] must be in [0, inf), got -1"],
    ['SequentialLR', 'lastEpoch', -1, "'lastEpoch' must be a non-negative integer, got -1"],
    ['SequentialLR', 'milestones', [0], "'milestones'[0] must be a positive integer, got 0"],
    ['SequentialLR', 'milestones', 3, "'milestones' must be an array of epochs, got 3"],
    ['SequentialLR', 'lastLr', [-1], "'lastLr'[0] must be in [0, inf), got -1"],
    ['SequentialLR', 'schedulers', 5, "'schedulers' must hold 2 state dict(s), got 5"],
    ['SequentialLR', 'schedulers', [{}], "'schedulers' must hold 2 state dict(s), got 1"],
  ];
  it.each(cases)('%s: %s = %o', (name, key, v, message) => {
    const s = MAKERS[name]!(sgd1());
    s.step(1);
    const before = JSON.stringify(s.stateDict());
    expect(() => s.loadStateDict({ ...s.stateDict(), [key]: v } as never)).toThrow(new Error(`${name}.loadStateDict: ${message}`));
    expect(JSON.stringify(s.stateDict())).toBe(before);
  });

  it.each([
    ['null', null, 'null'],
    ['an array', [], 'an array'],
    ['a number', 5, '5'],
  ])('a state dict that is %s is refused', (_what, sd, shown) => {
    for (const [name, make] of Object.entries(MAKERS)) {
      expect(() => make(sgd1()).loadStateDict(sd as never)).toThrow(new Error(`${name}.loadStateDict: expected a state dict object, got ${shown}`));
    }
  });

  it('OneCycleLR refuses cycleMomentum in a state dict for an optimizer without momentum', () => {
    const opt = new Adagrad([param([0])], { lr: 0.1 });
    const s = new OneCycleLR(opt as never, 0.1, { totalSteps: 10, cycleMomentum: false });
    expect(() => s.loadStateDict({ ...s.stateDict(), cycleMomentum: true }))
      .toThrow(/^OneCycleLR\.loadStateDict: the optimizer has no momentum or betas to cycle; pass cycleMomentum: false$/);
  });

  it('ReduceLROnPlateau loads an infinite best from its string form', () => {
    const s = new ReduceLROnPlateau(sgd1(), { mode: 'min', patience: 0 });
    s.step(3);
    s.loadStateDict({ ...s.stateDict(), best: 'Infinity' });
    expect(s.best).toBe(Infinity);
    s.loadStateDict({ ...s.stateDict(), best: '-Infinity' });
    expect(s.best).toBe(-Infinity);
    s.loadStateDict({ ...s.stateDict(), best: 2.5 });
    expect(s.best).toBe(2.5);
  });
});

describe('schedulers hand out copies', () => {
  const sgd1 = () => new SGD([param([0, 0])], { lr: 0.1 });
  it('LRScheduler: getLastLr, stateDict and a loaded dict do not alias its arrays', () => {
    const s = new MultiStepLR(sgd1(), [1, 3], { gamma: 0.5 });
    s.step();
    s.getLastLr()[0] = 7;
    expect(s.getLastLr()).toEqual([0.05]);
    const sd = s.stateDict() as { baseLrs: number[]; lastLr: number[]; milestones: number[] };
    sd.baseLrs[0] = 7;
    sd.lastLr[0] = 7;
    sd.milestones[0] = 2;
    expect(s.baseLrs).toEqual([0.1]);
    expect(s.milestones).toEqual([1, 3]);
    expect(s.getLastLr()).toEqual([0.05]);
    const fresh = s.stateDict() as { baseLrs: number[]; lastLr: number[]; milestones: number[] };
    s.loadStateDict(fresh as never);
    fresh.baseLrs[0] = 9;
    fresh.lastLr[0] = 9;
    fresh.milestones[1] = 9;
    expect(s.stateDict()).toMatchObject({ baseLrs: [0.1], lastLr: [0.05], milestones: [1, 3] });
  });

  it('ReduceLROnPlateau: getLastLr and stateDict are copies', () => {
    const s = new ReduceLROnPlateau(sgd1(), { minLr: 0.01 });
    s.getLastLr()[0] = 7;
    expect(s.getLastLr()).toEqual([0.1]);
    const sd = s.stateDict() as { minLrs: number[]; lastLr: number[] };
    sd.minLrs[0] = 7;
    sd.lastLr[0] = 7;
    expect(s.minLrs).toEqual([0.01]);
    expect(s.getLastLr()).toEqual([0.1]);
  });

  it('SequentialLR: getLastLr and stateDict are copies', () => {
    const opt = sgd1();
    const s = new SequentialLR(opt, [new ExponentialLR(opt, 0.5), new StepLR(opt, 2)], [2]);
    s.getLastLr()[0] = 7;
    expect(s.getLastLr()).toEqual([0.1]);
    const sd = s.stateDict() as { milestones: number[]; lastLr: number[] };
    sd.milestones[0] = 7;
    sd.lastLr[0] = 7;
    expect(s.milestones).toEqual([2]);
    expect(s.getLastLr()).toEqual([0.1]);
  });
});

describe('schedulers resumed with lastEpoch continue the run', () => {
  const sgd1 = () => new SGD([param([0, 0])], { lr: 0.1, momentum: 0.9 });
  it.each([
    ['MultiStepLR [2, 4], gamma 0.5', (o: SGD, lastEpoch?: number) => new MultiStepLR(o, [2, 4], { gamma: 0.5, lastEpoch }), 0.025],
    ['ExponentialLR 0.5', (o: SGD, lastEpoch?: number) => new ExponentialLR(o, 0.5, { lastEpoch }), 0.1 * 0.5 ** 4],
    ['LinearLR 0.5 → 1 over 4', (o: SGD, lastEpoch?: number) => new LinearLR(o, { startFactor: 0.5, totalIters: 4, lastEpoch }), 0.1],
  ])('%s', (_what, make, lrAt4) => {
    const opt = sgd1();
    const a = make(opt);
    for (let i = 0; i < 3; i++) a.step();
    const opt2 = sgd1();
    opt2.loadStateDict(opt.stateDict());
    const b = make(opt2, 3); // its initial step is epoch 4
    a.step();
    expect(b.lastEpoch).toBe(4);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(b.getLastLr()[0]).toBeCloseTo(lrAt4, 15);
  });

  it('SequentialLR: lastEpoch k makes the next step epoch k + 2 (as PyTorch: its constructor counts one)', () => {
    const opt = sgd1();
    const s = new SequentialLR(opt, [new ExponentialLR(opt, 0.5), new StepLR(opt, 1, { gamma: 0.1 })], [3], { lastEpoch: 1 });
    expect(s.lastEpoch).toBe(2);
    s.step(); // epoch 3, the milestone: StepLR restarts at its epoch 0, base lr 0.1
    expect(s.getLastLr()).toEqual([0.1]);
    s.step();
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 16);
  });
});

describe('scheduler edge cases', () => {
  const sgd1 = (lr = 0.1) => new SGD([param([0, 0])], { lr, momentum: 0.9 });

  it('ReduceLROnPlateau skips a cut of exactly eps (PyTorch: old − new > eps)', () => {
    const opt = sgd1(0.04);
    const s = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, eps: 0.02 });
    s.step(1);
    s.step(2); // a cut from 0.04 to 0.02 changes the lr by exactly eps: skipped
    expect(opt.paramGroups[0]!.lr).toBe(0.04);
    const opt2 = sgd1(0.04);
    const t = new ReduceLROnPlateau(opt2, { patience: 0, factor: 0.5, eps: 0.019 });
    t.step(1);
    t.step(2);
    expect(opt2.paramGroups[0]!.lr).toBe(0.02);
  });

  it('a resumed scheduler checks the initialLr it finds, by group', () => {
    const opt = new SGD([{ params: [param([0])] }, { params: [param([0])] }], { lr: 0.1 });
    (opt.paramGroups[0] as unknown as { initialLr: number }).initialLr = 0.1;
    (opt.paramGroups[1] as unknown as { initialLr: number }).initialLr = -1;
    expect(() => new StepLR(opt, 2, { lastEpoch: 3 })).toThrow(/^StepLR: paramGroups\[1\]\.initialLr must be in \[0, inf\), got -1$/);
  });

  it('OneCycleLR: epochs is checked by name; stepping past the end throws and changes nothing', () => {
    expect(() => new OneCycleLR(sgd1(), 0.1, { epochs: 0, stepsPerEpoch: 5 })).toThrow(/^OneCycleLR: epochs must be a positive integer, got 0$/);
    const opt = sgd1();
    const s = new OneCycleLR(opt, 1, { epochs: 2, stepsPerEpoch: 5, annealStrategy: 'linear' });
    for (let i = 0; i < 10; i++) s.step(); // step numbers 1..10 of a 10-step cycle (PyTorch allows the 10th)
    const lr = opt.paramGroups[0]!.lr;
    expect(() => s.step()).toThrow(/^OneCycleLR: tried to step 12 times; the specified number of total steps is 10$/);
    expect(s.lastEpoch).toBe(10);
    expect(opt.paramGroups[0]!.lr).toBe(lr);
  });

  it('OneCycleLR names a group value it cannot read', () => {
    const opt = sgd1();
    const s = new OneCycleLR(opt, 1, { totalSteps: 10 });
    delete (opt.paramGroups[0] as unknown as { maxLr?: number }).maxLr;
    expect(() => s.step()).toThrow(/^OneCycleLR: paramGroups\[0\]\.maxLr must be a finite number, got undefined$/);
    expect(s.lastEpoch).toBe(0);
  });
});

describe('more optimizer behaviour', () => {
  it('a group with an unknown key, in the constructor or a state dict, is named', () => {
    const w = param([1]);
    expect(() => new SGD([{ params: [w], momentun: 0.9 }] as never))
      .toThrow(/^SGD: parameter group 0: unknown option 'momentun'; accepted options: params, lr, momentum, dampening, weightDecay, nesterov, maximize$/);
    const opt = new SGD([w]);
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, momentun: 0.9 } as never] }))
      .toThrow(/^SGD\.loadStateDict: parameter group 0: unknown option 'momentun'; accepted options: params, lr, momentum, dampening, weightDecay, nesterov, maximize, initialLr, maxLr, minLr, maxMomentum, baseMomentum$/);
  });

  it('reads a non-contiguous gradient at an offset by its elements', () => {
    const base = tensor([[0, 0.1, 0.2], [0.3, 0.4, 0.5]]);
    const g = base.narrow(1, 1, 2); // [[0.1, 0.2], [0.4, 0.5]], strided, at offset 1
    const q = new Tensor(new TensorData(Float64Array.from([1, 1, 1, 1]), [2, 2]), true);
    const opt = new SGD([q], { lr: 1 });
    q.grad = g;
    opt.step();
    expect(values(q)).toEqual([1 - 0.1, 1 - 0.2, 1 - 0.4, 1 - 0.5]);
  });

  it.each([
    ['Adam', (ps: Tensor[], amsgrad: boolean) => new Adam(ps, { lr: 0.1, amsgrad })],
    ['AdamW', (ps: Tensor[], amsgrad: boolean) => new AdamW(ps, { lr: 0.1, amsgrad })],
  ])('%s: amsgrad switched on later starts its maximum from zeros', (_name, make) => {
    const w = param([1, 2]);
    const opt = make([w], false);
    w.grad = tensor([0.5, -1]);
    opt.step();
    expect(Object.keys(stateOf(opt, '0'))).toEqual(['step', 'expAvg', 'expAvgSq']);
    opt.paramGroups[0]!.amsgrad = true;
    opt.step();
    const s = stateOf(opt, '0');
    expect(values(s.maxExpAvgSq)).toEqual(values(s.expAvgSq)); // max(0, v) = v
  });

  it('Adam and RMSprop load saved optional buffers given as null (as absent)', () => {
    const a = param([1, 2]);
    const adam = new Adam([a]);
    const ag = adam.stateDict().paramGroups;
    adam.loadStateDict({ state: { 0: { step: 2, expAvg: tensor([0.1, 0.2]), expAvgSq: tensor([0.01, 0.04]), maxExpAvgSq: null as never } }, paramGroups: ag });
    expect(Object.keys(stateOf(adam, '0'))).toEqual(['step', 'expAvg', 'expAvgSq']);
    const r = param([1, 2]);
    const rms = new RMSprop([r]);
    const rg = rms.stateDict().paramGroups;
    rms.loadStateDict({ state: { 0: { step: 2, squareAvg: tensor([0.01, 0.04]), momentumBuffer: null as never, gradAvg: null as never } }, paramGroups: rg });
    expect(Object.keys(stateOf(rms, '0'))).toEqual(['step', 'squareAvg']);
  });

  it('betas of the wrong length are shown whole', () => {
    expect(() => new Adam([param([1])], { betas: [0.9, 0.99, 0.999] as never })).toThrow(/^Adam: betas must be a pair \[beta1, beta2\], got \[0\.9, 0\.99, 0\.999\]$/);
  });

  it.each([
    ['RMSprop', (ps: Tensor[]) => new RMSprop(ps, { lr: 0.1 })],
    ['Adagrad', (ps: Tensor[]) => new Adagrad(ps, { lr: 0.1 })],
  ])('%s with weightDecay 0 leaves the gradient alone, even next to an infinite parameter', (_name, make) => {
    // PyTorch adds weightDecay·p only when weightDecay != 0; 0·Infinity would be NaN.
    const w = param([Infinity, 1]);
    const opt = make([w]);
    w.grad = tensor([1, 1]);
    opt.step();
    expect(values(w)[0]).toBe(Infinity);
    expect(Number.isFinite(values(w)[1]!)).toBe(true);
  });
});

describe('more clipping behaviour', () => {
  it('checks parameters, maxNorm, normType and clipValue by their full messages', () => {
    const p = param([0]);
    p.grad = tensor([1]);
    expect(() => clipGradNorm(null as never, 1)).toThrow(/^clipGradNorm: parameters must be a Tensor or an iterable of Tensors, got null$/);
    expect(() => clipGradNorm('ab' as never, 1)).toThrow(/^clipGradNorm: parameters must be a Tensor or an iterable of Tensors, got the string "ab"$/);
    expect(() => clipGradNorm([p], '1' as never)).toThrow(/^clipGradNorm: maxNorm must be a number >= 0, got the string "1"$/);
    expect(() => clipGradNorm([p], 1, { normType: NaN })).toThrow(/^clipGradNorm: normType must be a number > 0 or Infinity, got NaN$/);
    expect(() => clipGradValue([p], '1' as never)).toThrow(/^clipGradValue: clipValue must be a number >= 0, got the string "1"$/);
    expect(values(p.grad)).toEqual([1]);
  });

  it('a bound of 0 is allowed: clipGradNorm and clipGradValue zero the gradients', () => {
    const a = param([0, 0]);
    a.grad = tensor([3, -4]);
    expect(clipGradNorm([a], 0)).toBe(5);
    expect(values(a.grad)).toEqual([0, -0]);
    const b = param([0, 0, 0]);
    const c = param([0]); // no gradient: skipped
    b.grad = tensor([3, -4, NaN]);
    clipGradValue([b, c], 0);
    expect(values(b.grad)).toEqual([0, -0, NaN]);
    expect(c.grad).toBeNull();
  });

  it('reads and writes a strided gradient view through its own elements only', () => {
    const p = new Tensor(new TensorData(new Float64Array(4), [2, 2]), true);
    const base = tensor([[3, 0, 99], [4, 0, 99]]);
    p.grad = base.narrow(1, 0, 2); // [[3, 0], [4, 0]], strided
    const c = 1 / (5 + 1e-6);
    expect(clipGradNorm([p], 1)).toBe(5);
    expect(values(base)).toEqual([3 * c, 0, 99, 4 * c, 0, 99]);
    clipGradValue(p, 0.5);
    expect(values(base)).toEqual([0.5, 0, 99, 0.5, 0, 99]);
  });
});

describe('more scheduler behaviour', () => {
  const sgd1 = (lr = 0.1) => new SGD([param([0, 0])], { lr, momentum: 0.9 });

  it('a loaded state dict replaces every hyper-parameter and counter', () => {
    const pairs: [(o: SGD) => { stateDict(): unknown; loadStateDict(sd: never): void; step(m?: number): void }, (o: SGD) => { stateDict(): unknown; loadStateDict(sd: never): void }][] = [
      [(o) => new StepLR(o, 3, { gamma: 0.5 }), (o) => new StepLR(o, 7, { gamma: 0.9 })],
      [(o) => new MultiStepLR(o, [1, 2], { gamma: 0.5 }), (o) => new MultiStepLR(o, [5], { gamma: 0.9 })],
      [(o) => new ExponentialLR(o, 0.5), (o) => new ExponentialLR(o, 0.9)],
      [(o) => new CosineAnnealingLR(o, 5, { etaMin: 0.01 }), (o) => new CosineAnnealingLR(o, 9, { etaMin: 0.02 })],
      [(o) => new LinearLR(o, { startFactor: 0.5, endFactor: 0.9, totalIters: 3 }), (o) => new LinearLR(o)],
      [(o) => new OneCycleLR(o, 0.5, { totalSteps: 20, pctStart: 0.4, annealStrategy: 'linear', threePhase: true }), (o) => new OneCycleLR(o, 0.5, { totalSteps: 30, cycleMomentum: false })],
      [(o) => new ReduceLROnPlateau(o, { mode: 'max', factor: 0.5, patience: 1, threshold: 0.1, thresholdMode: 'abs', cooldown: 2, minLr: 0.01, eps: 0.001 }) as never, (o) => new ReduceLROnPlateau(o) as never],
      [(o) => new SequentialLR(o, [new LinearLR(o), new ExponentialLR(o, 0.5)], [2]) as never, (o) => new SequentialLR(o, [new LinearLR(o), new ExponentialLR(o, 0.9)], [5]) as never],
    ];
    for (const [makeA, makeB] of pairs) {
      const a = makeA(sgd1());
      for (const m of [3, 1, 2, 2]) a.step(m);
      const sd = JSON.parse(JSON.stringify(a.stateDict()));
      const b = makeB(sgd1(0.2));
      b.loadStateDict(JSON.parse(JSON.stringify(sd)) as never);
      expect(b.stateDict()).toEqual(sd);
    }
  });

  it('per-group values are checked by index', () => {
    const opt = new SGD([{ params: [param([0])] }, { params: [param([0])] }], { lr: 0.1 });
    expect(() => new ReduceLROnPlateau(opt, { minLr: [0.1, -1] })).toThrow(/^ReduceLROnPlateau: minLr\[1\] must be in \[0, inf\), got -1$/);
    expect(() => new OneCycleLR(opt, [0.1, NaN], { totalSteps: 10 })).toThrow(/^OneCycleLR: maxLr\[1\] must be a finite number, got NaN$/);
    const r = new ReduceLROnPlateau(opt, { minLr: 0.05 });
    expect(r.minLrs).toEqual([0.05, 0.05]);
  });

  it('OneCycleLR resuming without the keys it wrote names the missing one', () => {
    const opt = sgd1();
    (opt.paramGroups[0] as unknown as { initialLr: number }).initialLr = 0.1;
    expect(() => new OneCycleLR(opt, 1, { totalSteps: 10, lastEpoch: 3 }))
      .toThrow(/^OneCycleLR: paramGroups\[0\] has no 'maxLr', which resuming with lastEpoch = 3 needs \(restore the optimizer's stateDict first\)$/);
  });

  it('SequentialLR names what it got instead of a scheduler', () => {
    const opt = sgd1();
    const a = new LinearLR(opt);
    expect(() => new SequentialLR(opt, 5 as never, [])).toThrow(/^SequentialLR: schedulers must be a non-empty array of schedulers, got 5$/);
    expect(() => new SequentialLR(opt, [a, 5] as never, [2])).toThrow(/^SequentialLR: schedulers\[1\] must be an epoch scheduler \(StepLR, LinearLR, \.\.\.\), got 5$/);
    expect(() => new SequentialLR(opt, [a, null] as never, [2])).toThrow(/^SequentialLR: schedulers\[1\] must be an epoch scheduler \(StepLR, LinearLR, \.\.\.\), got null$/);
    expect(() => new SequentialLR(opt, [a, undefined] as never, [2])).toThrow(/^SequentialLR: schedulers\[1\] must be an epoch scheduler \(StepLR, LinearLR, \.\.\.\), got undefined$/);
    expect(() => new SequentialLR(opt, [a, Object.create(null)] as never, [2])).toThrow(/^SequentialLR: schedulers\[1\] must be an epoch scheduler \(StepLR, LinearLR, \.\.\.\), got /);
    expect(() => new SequentialLR(opt, [a, new ReduceLROnPlateau(opt)] as never, [2]))
      .toThrow(/^SequentialLR: schedulers\[1\] must be an epoch scheduler \(StepLR, LinearLR, \.\.\.\), got a ReduceLROnPlateau, which cannot be chained$/);
  });
});

describe('OneCycleLR length options', () => {
  const sgd1 = () => new SGD([param([0])], { lr: 0.1, momentum: 0.9 });
  it.each([
    [{ totalSteps: 10, stepsPerEpoch: 5 }, /^OneCycleLR: give either totalSteps or epochs and stepsPerEpoch, not both$/],
    [{ totalSteps: 10, epochs: 2 }, /^OneCycleLR: give either totalSteps or epochs and stepsPerEpoch, not both$/],
    [{ stepsPerEpoch: 5 }, /^OneCycleLR: you must define either totalSteps or \(epochs and stepsPerEpoch\)$/],
    [{ epochs: 2 }, /^OneCycleLR: you must define either totalSteps or \(epochs and stepsPerEpoch\)$/],
  ])('%o', (opts, message) => {
    expect(() => new OneCycleLR(sgd1(), 0.1, opts)).toThrow(message);
  });

  it('epochs · stepsPerEpoch is the cycle length', () => {
    expect(new OneCycleLR(sgd1(), 0.1, { epochs: 3, stepsPerEpoch: 4 }).totalSteps).toBe(12);
  });
});

describe('a parameter that is a slice of a larger buffer', () => {
  it.each([
    ['SGD', (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })],
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.1, amsgrad: true })],
    ['AdamW', (ps: Tensor[]) => new AdamW(ps, { lr: 0.1, amsgrad: true })],
    ['RMSprop', (ps: Tensor[]) => new RMSprop(ps, { lr: 0.1, momentum: 0.9, centered: true })],
    ['Adagrad', (ps: Tensor[]) => new Adagrad(ps, { lr: 0.1 })],
  ])('%s updates only its own elements', (_name, make) => {
    const buffer = Float64Array.from([9, 1, 2, 9]);
    const p = new Tensor(new TensorData(buffer, [2], [1], 1), true); // elements 1 and 2
    const opt = make([p]);
    for (let s = 0; s < 2; s++) {
      p.grad = tensor([0.5, -0.5]);
      opt.step();
    }
    expect([buffer[0], buffer[3]]).toEqual([9, 9]);
    expect(values(p).every((v) => Number.isFinite(v))).toBe(true);
    expect(values(p)).not.toEqual([1, 2]);
  });
});

describe('chainable forms and thresholds', () => {
  const sgd1 = (lr = 0.1) => new SGD([param([0])], { lr });

  it('CosineAnnealingLR follows an lr changed by hand between steps (the recursive form)', () => {
    const opt = sgd1(1);
    const s = new CosineAnnealingLR(opt, 4);
    s.step(); // (1 + cos(π/4)) / 2
    opt.paramGroups[0]!.lr = 0.5;
    s.step(); // ratio (1 + cos(π/2)) / (1 + cos(π/4)) applied to the new lr
    expectNear(s.getLastLr(), [(1 + Math.cos(Math.PI * 2 / 4)) / (1 + Math.cos(Math.PI * 1 / 4)) * (0.5 - 0) + 0]);
  });

  // PyTorch's is_better is strict: a metric exactly at the threshold is not an improvement.
  it.each([
    ['min', 'rel', 1, 'best · (1 − threshold)'],
    ['min', 'abs', 1.5, 'best − threshold'],
    ['max', 'rel', 3, 'best · (1 + threshold)'],
    ['max', 'abs', 2.5, 'best + threshold'],
  ] as const)('ReduceLROnPlateau %s/%s: a metric of exactly %s (%s) is no improvement', (mode, thresholdMode, edge, _rule) => {
    const opt = sgd1(1);
    const s = new ReduceLROnPlateau(opt, { mode, thresholdMode, threshold: 0.5, patience: 0, factor: 0.5 });
    s.step(2);
    s.step(edge);
    expect(s.best).toBe(2);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    const better = mode === 'min' ? edge - 0.25 : edge + 0.25;
    s.step(better);
    expect(s.best).toBe(better);
    expect(s.numBadEpochs).toBe(0);
  });
});

describe('option names in messages', () => {
  const sgd1 = () => new SGD([param([0])], { lr: 0.1, momentum: 0.9 });
  // The accepted lists are the options interfaces' fields, in declaration order.
  it.each([
    ['SGD', () => new SGD([param([0])], { weight_decay: 0.1 } as never), 'weight_decay', 'weightDecay', 'lr, momentum, dampening, weightDecay, nesterov, maximize'],
    ['Adam', () => new Adam([param([0])], { weight_decay: 0.1 } as never), 'weight_decay', 'weightDecay', 'lr, betas, eps, weightDecay, amsgrad, maximize'],
    ['RMSprop', () => new RMSprop([param([0])], { weight_decay: 0.1 } as never), 'weight_decay', 'weightDecay', 'lr, alpha, eps, weightDecay, momentum, centered, maximize'],
    ['StepLR', () => new StepLR(sgd1(), 2, { last_epoch: 1 } as never), 'last_epoch', 'lastEpoch', 'gamma, lastEpoch'],
    ['MultiStepLR', () => new MultiStepLR(sgd1(), [2], { last_epoch: 1 } as never), 'last_epoch', 'lastEpoch', 'gamma, lastEpoch'],
    ['ExponentialLR', () => new ExponentialLR(sgd1(), 0.5, { last_epoch: 1 } as never), 'last_epoch', 'lastEpoch', 'lastEpoch'],
    ['CosineAnnealingLR', () => new CosineAnnealingLR(sgd1(), 5, { eta_min: 0 } as never), 'eta_min', 'etaMin', 'etaMin, lastEpoch'],
    ['LinearLR', () => new LinearLR(sgd1(), { total_iters: 3 } as never), 'total_iters', 'totalIters', 'startFactor, endFactor, totalIters, lastEpoch'],
    ['OneCycleLR', () => new OneCycleLR(sgd1(), 0.1, { total_steps: 10 } as never), 'total_steps', 'totalSteps',
      'totalSteps, epochs, stepsPerEpoch, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch'],
    ['ReduceLROnPlateau', () => new ReduceLROnPlateau(sgd1(), { threshold_mode: 'abs' } as never), 'threshold_mode', 'thresholdMode',
      'mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps'],
    ['SequentialLR', () => { const o = sgd1(); return new SequentialLR(o, [new LinearLR(o)], [], { last_epoch: 1 } as never); }, 'last_epoch', 'lastEpoch', 'lastEpoch'],
  ])('%s: an unknown option', (name, make, bad, good, accepted) => {
    expect(make).toThrow(new Error(`${name}: unknown option '${bad}' (did you mean '${good}'?); accepted options: ${accepted}`));
  });

  it.each([
    ['MultiStepLR gamma', () => new MultiStepLR(sgd1(), [2], { gamma: NaN }), 'MultiStepLR: gamma must be a finite number, got NaN'],
    ['OneCycleLR totalSteps', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 0 }), 'OneCycleLR: totalSteps must be a positive integer, got 0'],
    ['OneCycleLR cycleMomentum', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 10, cycleMomentum: 1 as never }), 'OneCycleLR: cycleMomentum must be a boolean, got 1'],
    ['OneCycleLR threePhase', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 10, threePhase: 1 as never }), 'OneCycleLR: threePhase must be a boolean, got 1'],
    ['OneCycleLR baseMomentum', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 10, baseMomentum: -0.5 }), 'OneCycleLR: baseMomentum must be in [0, inf), got -0.5'],
    ['OneCycleLR maxMomentum', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 10, maxMomentum: NaN }), 'OneCycleLR: maxMomentum must be a finite number, got NaN'],
    ['OneCycleLR maxLr', () => new OneCycleLR(sgd1(), -1, { totalSteps: 10 }), 'OneCycleLR: maxLr must be in [0, inf), got -1'],
    ['OneCycleLR pctStart', () => new OneCycleLR(sgd1(), 0.1, { totalSteps: 10, pctStart: -0.1 }), 'OneCycleLR: pctStart must be in [0, 1], got -0.1'],
    ['ReduceLROnPlateau threshold', () => new ReduceLROnPlateau(sgd1(), { threshold: -1 }), 'ReduceLROnPlateau: threshold must be in [0, inf), got -1'],
    ['ReduceLROnPlateau eps', () => new ReduceLROnPlateau(sgd1(), { eps: -1 }), 'ReduceLROnPlateau: eps must be in [0, inf), got -1'],
    ['ReduceLROnPlateau thresholdMode', () => new ReduceLROnPlateau(sgd1(), { thresholdMode: 'x' as never }), `ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got the string "x"`],
    ['ReduceLROnPlateau not an optimizer', () => new ReduceLROnPlateau({} as never), 'ReduceLROnPlateau: optimizer must be an Optimizer (SGD, Adam, ...), got an object'],
    ['SequentialLR lastEpoch', () => { const o = sgd1(); return new SequentialLR(o, [new LinearLR(o)], [], { lastEpoch: -2 }); }, 'SequentialLR: lastEpoch must be an integer >= -1, got -2'],
    ['SequentialLR not an optimizer', () => new SequentialLR(5 as never, [], []), 'SequentialLR: optimizer must be an Optimizer (SGD, Adam, ...), got 5'],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(new Error(message));
  });
});

describe('Adam with amsgrad switched off again', () => {
  it('uses the second moment itself, not the kept maximum', () => {
    const a = param([1, 2]);
    const optA = new Adam([a], { lr: 0.1, amsgrad: true });
    a.grad = tensor([4, -4]);
    optA.step();
    const { maxExpAvgSq: _kept, ...rest } = stateOf(optA, '0');
    const b = param(values(a));
    const optB = new Adam([b], { lr: 0.1 });
    optB.loadStateDict({ state: { 0: rest }, paramGroups: optB.stateDict().paramGroups });
    optA.paramGroups[0]!.amsgrad = false;
    for (const [p, opt] of [[a, optA], [b, optB]] as const) {
      p.grad = tensor([0.1, -0.1]); // v falls below its maximum
      opt.step();
    }
    expect(values(a)).toEqual(values(b));
  });
});

describe('clipGradNorm on float32 gradients', () => {
  it('scales by the float32-rounded coefficient (torch 1.13 gives the same numbers here)', () => {
    // torch: p.grad = torch.tensor([1/7, 2/3]); clip_grad_norm_([p], 0.5) → [0.10476438701152802, 0.48890048265457153]
    // and [3/7, 1/3] → [0.3946753740310669, 0.3069697618484497]
    for (const [a, b] of [[1 / 7, 2 / 3], [3 / 7, 1 / 3]] as const) {
      const p = param([0, 0], 'float32');
      p.grad = tensor([a, b], { dtype: 'float32' });
      const [ga, gb] = [Math.fround(a), Math.fround(b)];
      const c = Math.fround(0.5 / (Math.sqrt(ga * ga + gb * gb) + 1e-6));
      clipGradNorm([p], 0.5);
      expect(values(p.grad)).toEqual([Math.fround(ga * c), Math.fround(gb * c)]);
    }
    const p = param([0, 0], 'float32');
    p.grad = tensor([1 / 7, 2 / 3], { dtype: 'float32' });
    clipGradNorm([p], 0.5);
    expect(values(p.grad)).toEqual([0.10476438701152802, 0.48890048265457153]);
  });
});

describe('boundary hyper-parameters are accepted', () => {
  it('SGD: lr 0 leaves the parameters; dampening 1 (the buffer never takes the gradient after its first step) is allowed', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0 });
    w.grad = tensor([1, 1]);
    opt.step();
    expect(values(w)).toEqual([1, 2]);
    const v = param([1, 2]);
    const damp = new SGD([v], { lr: 0.5, momentum: 0.5, dampening: 1 });
    v.grad = tensor([1, 1]);
    damp.step(); // b = g
    damp.step(); // b = 0.5·b + (1 − 1)·g
    expect(values(v)).toEqual([1 - 0.5 - 0.25, 2 - 0.5 - 0.25]);
  });

  it('Adam: lr 0, eps 0 and betas [0, 0] are allowed', () => {
    expect(() => new Adam([param([1])], { lr: 0, eps: 0, betas: [0, 0], weightDecay: 0 })).not.toThrow();
  });
});

describe('a saved buffer of the wrong shape is named', () => {
  const ok = () => tensor([0, 0]);
  const bad = () => tensor([0, 0, 0]);
  it.each([
    ['Adam', 'expAvg', { step: 1, expAvg: bad(), expAvgSq: ok() }],
    ['Adam', 'expAvgSq', { step: 1, expAvg: ok(), expAvgSq: bad() }],
    ['Adam', 'maxExpAvgSq', { step: 1, expAvg: ok(), expAvgSq: ok(), maxExpAvgSq: bad() }],
    ['RMSprop', 'squareAvg', { step: 1, squareAvg: bad() }],
    ['RMSprop', 'momentumBuffer', { step: 1, squareAvg: ok(), momentumBuffer: bad() }],
    ['RMSprop', 'gradAvg', { step: 1, squareAvg: ok(), gradAvg: bad() }],
  ])('%s %s', (name, key, entry) => {
    const w = param([1, 2]);
    const opt = name === 'Adam' ? new Adam([w]) : new RMSprop([w]);
    const groups = opt.stateDict().paramGroups;
    expect(() => opt.loadStateDict({ state: { 0: entry as never }, paramGroups: groups as never }))
      .toThrow(new Error(`${name}.loadStateDict: parameter 0 (shape [2]): '${key}' has shape [3], the parameter [2]`));
  });
});

describe('schedulers compose on one optimizer', () => {
  it('LinearLR then CosineAnnealingLR: the second starts from the lr the first set, and each step chains', () => {
    // torch 1.13: LinearLR(o, start_factor=0.2, total_iters=5); CosineAnnealingLR(o, 10) → 0.020000000000000004,
    // then after a.step(); b.step() → 0.03511901729331278
    const opt = new SGD([param([0])], { lr: 0.1 });
    const a = new LinearLR(opt, { startFactor: 0.2, totalIters: 5 });
    const b = new CosineAnnealingLR(opt, 10);
    expectNear([opt.paramGroups[0]!.lr], [0.1 * 0.2]);
    a.step();
    b.step();
    const afterLinear = 0.1 * 0.2 * (1 + 0.8 / (5 * 0.2));
    expectNear([opt.paramGroups[0]!.lr], [(1 + Math.cos(Math.PI / 10)) / (1 + Math.cos(0)) * afterLinear]);
  });
});

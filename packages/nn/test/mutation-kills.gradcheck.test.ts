// gradcheckModule on a module without trainable parameters: one input that requires grad is
// enough to have something to check, and a wrong gradient for it is still caught. Then how the
// checked tensors are numbered (inputs first, then each trainable parameter once), the options
// it passes on, and a forward that does not return a Tensor.
import { type Tensor, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Module, Parameter, gradcheckModule } from '../src/index.js';

/** forward(a, b) = a·b·scale, scale a frozen parameter (no parameter to check). */
class Product extends Module {
  scale = new Parameter(tensor([2], { dtype: 'float64' }), false);
  override forward(a: Tensor, b: Tensor): Tensor {
    return a.mul(b).mul(this.scale);
  }
}

/** The same product with d/da scaled by 3 (a detached correction): a wrong gradient for `a`. */
class WrongProduct extends Product {
  override forward(a: Tensor, b: Tensor): Tensor {
    const ab = a.mul(b).mul(this.scale);
    return ab.mul(3).sub(ab.detach().mul(2));
  }
}

describe('gradcheckModule with only some inputs requiring grad', () => {
  const a = () => tensor([0.5, -1.25, 2], { dtype: 'float64', requiresGrad: true });
  const b = () => tensor([1.5, 0.75, -0.5], { dtype: 'float64' });

  it('checks the inputs that require grad when no parameter does', () => {
    expect(gradcheckModule(new Product(), [a(), b()])).toBe(true);
    expect(gradcheckModule(new Product(), [b(), a()])).toBe(true);
  });

  it('still finds a wrong gradient for that input', () => {
    expect(() => gradcheckModule(new WrongProduct(), [a(), b()])).toThrow(/^gradcheck: gradient mismatch for input 0 \(shape \[3\]\)/);
  });

  it('refuses when neither an input nor a parameter requires grad, naming the module', () => {
    expect(() => gradcheckModule(new Product(), [b(), b()])).toThrow(/^gradcheckModule: nothing to check: no input requires grad and Product has no parameter that does$/);
  });
});

/** y = x·a·b with a frozen; d/db is doubled by a detached term (a wrong gradient for b). */
class FrozenThenWrong extends Module {
  a = new Parameter(tensor([1.5, -2], { dtype: 'float64' }), false);
  b = new Parameter(tensor([0.5, 3], { dtype: 'float64' }));
  override forward(x: Tensor): Tensor {
    const y = x.mul(this.a).mul(this.b);
    return y.mul(2).sub(y.detach());
  }
}

/** y = x·w·w·c with w registered twice (tied), c checked after it; d/dc is wrong. */
class TiedThenWrong extends Module {
  w = new Parameter(tensor([1.25, 0.5], { dtype: 'float64' }));
  alias: Parameter;
  c = new Parameter(tensor([2, -1], { dtype: 'float64' }));
  constructor() {
    super();
    this.alias = this.w;
  }
  override forward(x: Tensor): Tensor {
    const y = x.mul(this.w).mul(this.alias).mul(this.c);
    // Zero in value; adds x·w² to d/dc only.
    return y.add(this.c.sub(this.c.detach()).mul(x.mul(this.w.detach()).mul(this.alias.detach())));
  }
}

describe('gradcheckModule numbering and options', () => {
  const x = () => tensor([0.75, -1.5], { dtype: 'float64' });

  it('numbers the inputs, then the parameters that require grad (frozen ones are constants)', () => {
    // Checked: input 0 = x (no grad, still numbered), input 1 = b; the frozen a is not numbered.
    expect(() => gradcheckModule(new FrozenThenWrong(), [x()])).toThrow(/^gradcheck: gradient mismatch for input 1 \(shape \[2\]\)/);
  });

  it('numbers a parameter registered under two names once', () => {
    // Checked: input 0 = x, input 1 = w (also alias), input 2 = c, whose gradient is wrong.
    expect(() => gradcheckModule(new TiedThenWrong(), [x()])).toThrow(/^gradcheck: gradient mismatch for input 2 \(shape \[2\]\)/);
  });

  it('passes eps, atol and rtol on to gradcheck', () => {
    const p = () => tensor([0.5, -1.25, 2], { dtype: 'float64', requiresGrad: true });
    const q = () => tensor([1.5, 0.75, -0.5], { dtype: 'float64' });
    expect(gradcheckModule(new Product(), [p(), q()], { eps: 1e-5, atol: 1e-6, rtol: 1e-4 })).toBe(true);
    // A 3x too large gradient passes only with a tolerance that large.
    expect(gradcheckModule(new WrongProduct(), [p(), q()], { atol: 20, rtol: 5 })).toBe(true);
  });

  it('calls forward with exactly the inputs given (the parameters go into their properties)', () => {
    class CountArgs extends Module {
      w = new Parameter(tensor([0.5, 2], { dtype: 'float64' }));
      calls: number[] = [];
      override forward(...xs: Tensor[]): Tensor {
        this.calls.push(xs.length);
        return xs[0]!.mul(this.w);
      }
    }
    const m = new CountArgs();
    expect(gradcheckModule(m, [tensor([1, -1], { dtype: 'float64', requiresGrad: true })])).toBe(true);
    expect(m.calls.length).toBeGreaterThan(0);
    expect(new Set(m.calls)).toEqual(new Set([1]));
  });

  it('refuses a forward that returns something other than a Tensor', () => {
    class Scalar extends Module {
      override forward(xx: Tensor): Tensor {
        return xx.sum().item() as unknown as Tensor;
      }
    }
    expect(() => gradcheckModule(new Scalar(), [tensor([1, 2], { dtype: 'float64', requiresGrad: true })])).toThrow(/^gradcheckModule: expected Scalar\.forward to return a Tensor, got 3$/);
  });
});

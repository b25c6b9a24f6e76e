// The code of EXTENDING.md, block by block (test/extending.test.ts checks they match).

import { type Op, type Tensor, TensorData, apply, full, gradcheck, randn } from '@kindling/core';
import { Conv1d, Module, MSELoss, Parameter, SGD, Sequential, gradcheckModule } from '@kindling/nn';

/** y[n, c, l] = gamma[c] * x[n, c, l], with gamma learned (starts at `init`). */
export class LayerScale extends Module {
  gamma: Parameter;

  constructor(channels: number, init = 0.1) {
    super();
    // A Parameter assigned to a property: a parameter named 'gamma'. (A plain Tensor would not be.)
    this.gamma = new Parameter(full([channels, 1], init));
  }

  override forward(x: Tensor): Tensor {
    return x.mul(this.gamma); // [C, 1] broadcasts over [N, C, L]
  }
}

/** softplus(x) = log(1 + exp(x)), computed without overflow; d softplus / dx = sigmoid(x). */
export const SoftplusOp: Op = {
  name: 'softplus',
  forward([x]) {
    // copyTo writes the elements densely in row-major order, whatever x's strides are.
    const out = x!.copyTo(x!.dtype === 'float32' ? new Float32Array(x!.size) : new Float64Array(x!.size));
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      out[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }
    return new TensorData(out, x!.shape);
  },
  backward(grad, ctx) {
    return [grad.mul(ctx.inputs[0]!.sigmoid())];
  },
};

export function softplus(x: Tensor): Tensor {
  return apply(SoftplusOp, [x], undefined);
}

/** The op as a layer. */
export class Softplus extends Module {
  override forward(x: Tensor): Tensor {
    return softplus(x);
  }
}

const x = randn([2, 3, 5], { seed: 0, requiresGrad: true });
gradcheck(softplus, [x]);

const scale = new LayerScale(3);
gradcheckModule(scale, [x]); // checks d/dx and d/dgamma; scale.gamma is its own Parameter again afterwards

export const model = new Sequential(new Conv1d(1, 4, 3, { padding: 'same', seed: 1 }), new Softplus(), new LayerScale(4));
// model.namedParameters(): '0.weight', '0.bias', '2.gamma'

export function trainStep(opt: SGD, input: Tensor, target: Tensor): number {
  opt.zeroGrad();
  const loss = new MSELoss().forward(model.forward(input), target);
  loss.backward();
  opt.step();
  return loss.item();
}

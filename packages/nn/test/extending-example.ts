// The code of EXTENDING.md, block by block (test/extending.test.ts checks they match).

import { type Op, type Storage, type Tensor, TensorData, apply, full, getKernel, gradcheck, randn, registerKernel } from '@kindling/core';
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

type SoftsignKernel = (x: Storage, out: Storage) => void;

// softsign(x) = x / (1 + |x|)
registerKernel('softsign', 'js', ((x, out) => {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! / (1 + Math.abs(x[i]!));
}) satisfies SoftsignKernel);
registerKernel('softsign', 'wasm', ((x, out) => {
  let i = 0;
  for (; i + 4 <= x.length; i += 4) {
    out[i] = x[i]! / (1 + Math.abs(x[i]!));
    out[i + 1] = x[i + 1]! / (1 + Math.abs(x[i + 1]!));
    out[i + 2] = x[i + 2]! / (1 + Math.abs(x[i + 2]!));
    out[i + 3] = x[i + 3]! / (1 + Math.abs(x[i + 3]!));
  }
  for (; i < x.length; i++) out[i] = x[i]! / (1 + Math.abs(x[i]!));
}) satisfies SoftsignKernel, { dtypes: ['float32', 'float64'], minWork: 1024 });

export const SoftsignOp: Op = {
  name: 'softsign',
  forward([x]) {
    const out = x!.dtype === 'float32' ? new Float32Array(x!.size) : new Float64Array(x!.size);
    getKernel<SoftsignKernel>('softsign', x!.dtype, out.length)(x!.contiguousStorage(), out);
    return new TensorData(out, x!.shape);
  },
  backward(grad, ctx) {
    const x = ctx.inputs[0]!; // d/dx = 1 / (1 + |x|)²
    return [grad.div(x.abs().add(1).pow(2))];
  },
};

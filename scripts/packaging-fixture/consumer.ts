// Uses the public API with its types, as a TypeScript user would; typechecked (not run) under
// moduleResolution "bundler" and "node16".
import {
  Scalar, Tensor, tensor, zeros, randn, conv1d, noGrad, gradcheck, apply, Context,
  type Op, type DType, type NestedArray, type TensorOptions, type Conv1dOptions,
} from '@kindling/core';
import {
  Module, Conv1d, Linear, ReLU, Flatten, Sequential, MSELoss, SGD, Adam,
  saveSafetensors, loadSafetensors, type SGDOptions,
} from '@kindling/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';
import { trainBlogExample, type BlogResult } from '@kindling/examples';

const s: number = new Scalar(2).mul(-3).tanh().data;
const opts: TensorOptions = { requiresGrad: true, dtype: 'float32' };
const w: Tensor = randn([4, 1, 3], { ...opts, seed: 1 });
const conv: Conv1dOptions = { padding: 'same' };
const y: Tensor = conv1d(zeros([2, 1, 8]), w, null, conv).relu().mean();
y.backward();
const grad: Tensor | null = w.grad;
const values: NestedArray | number = y.toArray();
const dtype: DType = y.dtype;
const ok: boolean = gradcheck((a: Tensor) => a.mul(a), [tensor([1, 2], { requiresGrad: true })]);
const plain: Tensor = noGrad(() => w.mul(2));

class Square extends Module {
  override forward(x: Tensor): Tensor {
    return x.mul(x);
  }
}

const model = new Sequential(new Conv1d(1, 2, 3, { seed: 0 }), new ReLU(), new Flatten(), new Linear(12, 1), new Square());
const sgd: Partial<SGDOptions> = { lr: 0.1, momentum: 0.9 };
const optimizer: SGD | Adam = Math.random() < 0.5 ? new SGD(model.parameters(), sgd) : new Adam(model.parameters(), { lr: 1e-3 });
const loss: Tensor = new MSELoss({ reduction: 'sum' }).forward(model.forward(randn([3, 1, 8])), zeros([3, 1]));
optimizer.zeroGrad();
loss.backward();
optimizer.step();
const bytes: Uint8Array = saveSafetensors(model.stateDict());
model.loadStateDict(loadSafetensors(bytes));
saveSafetensorsFile('model.safetensors', model.stateDict());
const named: [string, Tensor][] = model.namedParameters();
const reloaded: Record<string, Tensor> = loadSafetensorsFile('model.safetensors');
const blog: BlogResult = trainBlogExample({ epochs: 10 });
const first: number = blog.history[0]!.loss;

export { s, grad, values, dtype, ok, plain, named, reloaded, first, apply, Context };
export type { Op };

/**
 * The blog's hand-derived backward pass, kept so it can be compared with real autograd.
 *
 * The blog writes dL/dpred = 2 (pred - y) (it drops the 1/n of the mean) and then
 *   dL/dW[i] = dL/dpred[i] * sum_j x[i + j]
 * which multiplies the i-th *output's* error by the i-th *window sum*: the output index i
 * and the filter index j are mixed up. The true gradient of its own loss is
 *   dL/dW[j] = (2/n) sum_i (pred[i] - y[i]) x[i + j],   dL/dB = (2/n) sum_i (pred[i] - y[i]).
 */
import { type Context, type Op, type Tensor, TensorData, apply, tensor } from '@kindling/core';

/** A gradient of the blog's loss: d/d(filter taps) and d/d(bias). */
export interface Gradient {
  weight: number[];
  bias: number;
}

/** The blog's formula, exactly as its `loss_gradient` computes it. */
export function blogGradient(x: readonly number[], target: readonly number[], pred: readonly number[]): Gradient {
  const n = pred.length;
  const k = x.length - n + 1; // filter length
  if (k !== n) throw new Error(`blogGradient: the blog's formula only type-checks when the filter length (${k}) equals the output length (${n})`);
  const dLdPred = pred.map((p, i) => 2 * (p - target[i]!)); // no 1/n
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    let windowSum = 0;
    for (let j = 0; j < k; j++) windowSum += x[i + j]!; // dconv/dW as the blog derives it
    weight.push(dLdPred[i]! * windowSum); // output index i used as the filter index
  }
  return { weight, bias: dLdPred.reduce((a, b) => a + b, 0) };
}

/** The true gradient of mean((pred - y)^2) for pred = x ⋆ w + b, in plain loops. */
export function trueGradient(x: readonly number[], target: readonly number[], pred: readonly number[]): Gradient {
  const n = pred.length;
  const k = x.length - n + 1;
  const e = pred.map((p, i) => (2 / n) * (p - target[i]!));
  const weight = new Array<number>(k).fill(0);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) weight[j]! += e[i]! * x[i + j]!;
  return { weight, bias: e.reduce((a, b) => a + b, 0) };
}

interface BlogLossParams {
  x: readonly number[];
  target: readonly number[];
}

function values(td: TensorData): number[] {
  return Array.from(td.copyTo(new Float64Array(td.size)));
}

/**
 * The blog's loss as a custom Kindling op: forward is the (correct) MSE of the convolution,
 * backward is the blog's hand-derived formula. Putting it into the graph lets `gradcheck`
 * compare it with finite differences, the same way it checks the built-in ops.
 */
const blogLossOp: Op<BlogLossParams> = {
  name: 'blogLoss',
  forward([w, b], { x, target }, ctx: Context<BlogLossParams>) {
    const weight = values(w!);
    const bias = values(b!)[0]!;
    const n = x.length - weight.length + 1;
    const pred: number[] = [];
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let s = bias;
      for (let j = 0; j < weight.length; j++) s += x[i + j]! * weight[j]!;
      pred.push(s);
      loss += (s - target[i]!) ** 2;
    }
    ctx.saved = pred;
    const out = w!.dtype === 'float32' ? new Float32Array(1) : new Float64Array(1);
    out[0] = loss / n;
    return new TensorData(out, []);
  },
  backward(grad: Tensor, ctx: Context<BlogLossParams>) {
    const [w, b] = ctx.inputs;
    const g = blogGradient(ctx.params.x, ctx.params.target, ctx.saved as number[]);
    return [
      tensor(g.weight, { shape: w!.shape, dtype: w!.dtype }).mul(grad),
      tensor([g.bias], { shape: b!.shape, dtype: b!.dtype }).mul(grad),
    ];
  },
};

/** loss = mean((x ⋆ weight + bias - target)^2) whose backward is the blog's formula. */
export function blogLossWithBlogGradient(weight: Tensor, bias: Tensor, x: readonly number[], target: readonly number[]): Tensor {
  if (weight.size !== x.length - target.length + 1) {
    throw new Error(`blogLossWithBlogGradient: weight has ${weight.size} elements, expected ${x.length - target.length + 1} for an input of ${x.length} and ${target.length} outputs`);
  }
  if (bias.size !== 1) throw new Error(`blogLossWithBlogGradient: bias must have one element, got shape [${bias.shape.join(', ')}]`);
  return apply(blogLossOp, [weight, bias], { x, target });
}

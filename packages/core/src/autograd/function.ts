import type { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { inBackwardPass } from './backward.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * An op in the minitorch style: a forward on raw data and a backward on gradient tensors,
 * side by side. Backward runs with recording off, so it may use any Tensor method; it returns
 * one gradient per tensor input, shaped like the op's output where the op broadcasts (the
 * engine sums it back to the input's shape) or like the input, or null for "no gradient".
 */
export interface Op<P = undefined> {
  readonly name: string;
  /** Computes the output from the inputs' data; may save what backward needs on `ctx`. */
  forward(inputs: readonly TensorData[], params: P, ctx: Context<P>): TensorData;
  /** Given d(loss)/d(output), returns d(loss)/d(input) for each input (null: no gradient), built from tensor ops so that it can itself be differentiated. */
  backward(grad: Tensor, ctx: Context<P>): readonly (Tensor | null)[];
}

/** What an op remembers between forward and backward. */
export class Context<P = undefined> {
  /** Anything else forward wants backward to have (e.g. a geometry it computed). */
  saved: unknown = undefined;
  output!: TensorData;

  constructor(
    readonly inputs: readonly Tensor[],
    readonly params: P,
  ) {}

  /** Whether input i wants a gradient: backward rules skip the work for the others. */
  needsGrad(i: number): boolean {
    return this.inputs[i]!.requiresGrad;
  }

  /** The forward result as a tensor without history, for rules like d tanh = 1 - y². */
  out(): Tensor {
    return new Tensor(this.output);
  }
}

/** Graph node kept on an op's result while recording. */
export interface Node {
  readonly op: Op<any>;
  readonly ctx: Context<any>;
}

/** Runs op forward and, when any input needs a gradient, records how to run it backward. */
export function apply<P>(op: Op<P>, inputs: readonly Tensor[], params: P): Tensor {
  const ctx = new Context(inputs, params);
  const datas = inputs.map((t) => t.tensorData);
  const output = op.forward(datas, params, ctx);
  ctx.output = output;
  let needsGrad = false;
  if (isGradEnabled()) for (const t of inputs) if (t.requiresGrad) needsGrad = true;
  const result = new Tensor(output);
  if (needsGrad) result._setNode({ op, ctx });
  // During a backward pass an op that allocated its result (not a view of an input) made a
  // buffer nobody else holds: a leaf may take it as .grad without copying.
  else if (inBackwardPass() && !datas.some((d) => d.storage === output.storage)) result._fresh = true;
  return result;
}

/** A gradient tensor over a buffer a backward rule just allocated for it (see Tensor._fresh). */
export function freshGrad(data: TensorData): Tensor {
  const t = new Tensor(data);
  t._fresh = true;
  return t;
}

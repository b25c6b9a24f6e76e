import type { Storage } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import { fmt } from '../storage/shape.js';
import { writeEpoch } from '../storage/version.js';
import { Tensor } from '../tensor.js';
import { inBackwardPass } from './backward.js';
import { isGradEnabled } from './grad-mode.js';
import { currentTracer } from './trace.js';

/**
 * An op in the minitorch style: a forward on raw data and a backward on gradient tensors,
 * side by side.
 *
 * Backward rules are written with Tensor ops. The engine runs them with recording off for an
 * ordinary backward pass, and with recording on for `backward({ createGraph: true })` and
 * `grad(..., { createGraph: true })`: then the gradients they return carry their own graph
 * and can be differentiated again. A rule that calls a raw kernel for speed must therefore
 * wrap it in an op with a backward of its own (see conv1d's adjoints), or branch on
 * `isGradEnabled()` to a composed form (see mseLoss).
 *
 * @category Custom ops
 */
export interface Op<P = undefined> {
  readonly name: string;
  /** Computes the output from the inputs' data; may save what backward needs on `ctx`. */
  forward(inputs: readonly TensorData[], params: P, ctx: Context<P>): TensorData;
  /**
   * Given d(loss)/d(output), returns d(loss)/d(input) for each input (null: no gradient), shaped
   * like the input or like the output where the op broadcasts (the engine sums it back). Exactly
   * one entry per input: a shorter list is an error, not a silent "no gradient".
   */
  backward(grad: Tensor, ctx: Context<P>): readonly (Tensor | null)[];
  /**
   * What backward reads besides the incoming gradient: input positions and/or 'output'. The
   * engine refuses to run backward when one of them was modified in place after the forward
   * pass. Omitted: every input and the output (the safe default for custom ops).
   */
  readonly saved?: readonly (number | 'output')[];
}

/**
 * What an op remembers between forward and backward.
 *
 * @category Custom ops
 */
export class Context<P = undefined> {
  /** Anything else forward wants backward to have (e.g. a geometry it computed). */
  saved: unknown = undefined;
  output!: TensorData;
  /** @internal the op's result tensor (so that rules using it are differentiable again). */
  result: Tensor | null = null;
  /** @internal the global in-place write count when forward ran (see storage/version.ts). */
  epoch = 0;

  constructor(
    readonly inputs: readonly Tensor[],
    readonly params: P,
  ) {}

  /** Whether input i wants a gradient: backward rules skip the work for the others. */
  needsGrad(i: number): boolean {
    return this.inputs[i]!.requiresGrad;
  }

  /**
   * The forward result, for rules like d tanh = 1 - y². It is the result tensor itself, so
   * under `createGraph` a rule that uses it stays connected to the inputs (d²tanh needs dy/dx).
   */
  out(): Tensor {
    return this.result ?? new Tensor(this.output);
  }
}

/** Graph node kept on an op's result while recording. */
export interface Node {
  readonly op: Op<any>;
  readonly ctx: Context<any>;
}

/**
 * Runs op forward and, when any input needs a gradient, records how to run it backward.
 *
 * @category Custom ops
 */
export function apply<P>(op: Op<P>, inputs: readonly Tensor[], params: P): Tensor {
  const ctx = new Context(inputs, params);
  // Plain loops on this path: it runs for every op, and on small models it is most of the cost.
  const datas: TensorData[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) datas[i] = inputs[i]!.tensorData;
  let output: TensorData;
  try {
    output = op.forward(datas, params, ctx);
  } catch (e) {
    // TensorData checks its own layout; say which op built the bad one (a custom op, usually).
    if (e instanceof Error && e.message.startsWith('TensorData: ')) throw new Error(`${op.name}: forward built an invalid TensorData: ${e.message.slice(12)}`);
    throw e;
  }
  checkOutput(op, output);
  ctx.output = output;
  let needsGrad = false;
  if (isGradEnabled()) for (const t of inputs) if (t.requiresGrad) needsGrad = true;
  const result = new Tensor(output);
  if (needsGrad) {
    ctx.result = result;
    ctx.epoch = writeEpoch();
    result._setNode({ op, ctx });
  }
  // During a backward pass an op that allocated its result (not a view of an input) made a
  // buffer nobody else holds: a leaf may take it as .grad without copying.
  else if (inBackwardPass() && !sharesStorage(datas, output.storage)) result._fresh = true;
  const tracer = currentTracer();
  if (tracer) tracer({ op, inputs, params, output: result });
  return result;
}

function sharesStorage(datas: readonly TensorData[], storage: Storage): boolean {
  for (const d of datas) if (d.storage === storage) return true;
  return false;
}

/**
 * A custom op's forward may build its TensorData by hand; strides or an offset that reach
 * outside the storage would read `undefined` (NaN) or a neighbour's data silently. Checked
 * here, once per op call in O(ndim), rather than in TensorData's constructor, which every view
 * of every op goes through.
 */
function checkOutput(op: Op<any>, out: unknown): void {
  if (!(out instanceof TensorData)) {
    throw new Error(`${op.name}: forward must return a TensorData, got ${out === null ? 'null' : typeof out}`);
  }
  const { shape, strides, offset, storage } = out;
  if (strides.length !== shape.length) throw new Error(`${op.name}: forward returned a TensorData whose strides ${fmt(strides)} do not match its shape ${fmt(shape)}`);
  if (out.size === 0) return;
  if (!Number.isInteger(offset)) throw new Error(`${op.name}: forward built an invalid TensorData: offset ${offset} must be an integer`);
  let lo = offset;
  let hi = offset;
  for (let i = 0; i < shape.length; i++) {
    // A fractional stride can have whole-number ends and still index between elements (NaN).
    if (!Number.isInteger(strides[i])) throw new Error(`${op.name}: forward built an invalid TensorData: strides ${fmt(strides)} must be integers`);
    const reach = (shape[i]! - 1) * strides[i]!;
    lo += Math.min(reach, 0);
    hi += Math.max(reach, 0);
  }
  // lo <= offset <= hi, and neither is NaN (each dim only adds a reach, at worst ±Infinity, on
  // its own side), so these two bounds also catch any value past the safe integers.
  if (lo < 0 || hi >= storage.length) {
    throw new Error(`${op.name}: forward built an invalid TensorData: shape ${fmt(shape)} with strides ${fmt(strides)} and offset ${offset} reaches elements ${lo}..${hi}, but the storage has ${storage.length}`);
  }
}

/** A gradient tensor over a buffer a backward rule just allocated for it (see Tensor._fresh). */
export function freshGrad(data: TensorData): Tensor {
  const t = new Tensor(data);
  t._fresh = true;
  return t;
}

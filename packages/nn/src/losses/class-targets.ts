import { type NestedArray, Tensor, TensorData, type Op, type Reduction, describeValue, tensor } from '@kindling/core';
import { describeInput, fmtShape, isSafeInteger, sameShape } from '../util.js';

/*
 * What NLLLoss and CrossEntropyLoss share: reading class-index targets (and their ignoreIndex),
 * class weights, and the negative log-likelihood primitive both reduce with.
 *
 * Layout: an input [N, C, d1, ...] is read as outer = N, C classes, inner = d1·d2·...; an
 * unbatched [C] is outer = 1, inner = 1; a 2-d [N, C] is inner = 1. The target holds one class
 * per (outer, inner) position: [N, d1, ...], [N], or 0-d for an unbatched input.
 */

/** One class per output position, checked; -1 marks an ignored position. */
export interface ClassTargets {
  classes: Int32Array;
  /** The shape of the unreduced loss (the target's). */
  outShape: readonly number[];
  classDim: number;
  numClasses: number;
  outer: number;
  inner: number;
}

/** The target as a Tensor: plain (nested) arrays and numbers go through `tensor()`. */
export function targetTensor(op: string, target: unknown): Tensor {
  if (target instanceof Tensor) return target;
  if (typeof target === 'number' || Array.isArray(target)) {
    try {
      return tensor(target as NestedArray);
    } catch (e) {
      throw new Error(`${op}: target must be a Tensor or (nested) arrays of numbers: ${(e as Error).message}`);
    }
  }
  throw new Error(`${op}: target must be a Tensor, a number or (nested) arrays of class indices, got ${describeInput(target)}`);
}

export function checkInput(op: string, input: unknown): asserts input is Tensor {
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describeInput(input)}`);
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dimension ([C], [N, C] or [N, C, d1, ...]), got a 0-d tensor`);
}

/** The target shape that holds class indices for `input`: input's without the class dim. */
export function indexTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
}

/**
 * Checks every target is an integer that is a class (0..C-1) or ignoreIndex, and lays them out.
 * PyTorch checks the same on CPU ("Target 7 is out of bounds"); here the message also says where.
 */
export function classTargets(op: string, input: Tensor, target: Tensor, ignoreIndex: number, alsoProbabilities: boolean): ClassTargets {
  const expected = indexTargetShape(input);
  const ts = target.shape;
  if (!sameShape(ts, expected)) {
    const probs = alsoProbabilities ? `, or class probabilities of the input's shape ${fmtShape(input.shape)}` : '';
    throw new Error(`${op}: for an input of shape ${fmtShape(input.shape)} the target must hold class indices of shape ${fmtShape(expected)}${probs}; got a target of shape ${fmtShape(ts)}`);
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const numClasses = input.shape[classDim]!;
  const outer = input.ndim === 1 ? 1 : input.shape[0]!;
  const inner = input.shape.slice(2).reduce((a, b) => a * b, 1);
  const values = target.tensorData.contiguousStorage();
  const classes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) {
      throw new Error(`${op}: target ${describeValue(v)} at ${position(i, ts)} is not an integer (class indices are integers, given as numbers or in a float tensor)`);
    }
    if (v === ignoreIndex) classes[i] = -1;
    else if (v < 0 || v >= numClasses) {
      throw new Error(`${op}: target ${v} at ${position(i, ts)} is out of range for ${numClasses} classes (valid: 0 to ${numClasses - 1}, or ignoreIndex ${ignoreIndex})`);
    } else classes[i] = v;
  }
  return { classes, outShape: ts, classDim, numClasses, outer, inner };
}

function position(flat: number, shape: readonly number[]): string {
  if (shape.length === 0) return 'the 0-d target';
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `position [${idx.join(', ')}]`;
}

/** The `weight` option: null, or a 1-d tensor (its length is checked against C at forward time). */
export function weightOption(op: string, w: unknown): Tensor | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor)) throw new Error(`${op}: weight must be a 1-d Tensor of per-class weights, got ${describeInput(w)}`);
  if (w.ndim !== 1) throw new Error(`${op}: weight must be a 1-d Tensor of per-class weights, got shape ${fmtShape(w.shape)}`);
  return w.detach();
}

/** The weights' values as the input's dtype would hold them (PyTorch needs the dtypes equal). */
export function weightValues(op: string, w: Tensor | null, numClasses: number, f32: boolean): Float64Array | null {
  if (w === null) return null;
  if (!(w instanceof Tensor) || w.ndim !== 1 || w.shape[0] !== numClasses) {
    throw new Error(`${op}: weight must be a 1-d Tensor with one entry per class (${numClasses}), got ${describeInput(w)}`);
  }
  const src = w.tensorData.contiguousStorage();
  const out = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) out[c] = f32 ? Math.fround(src[c]!) : src[c]!;
  return out;
}

export function ignoreIndexOption(op: string, v: unknown): number {
  if (v === undefined) return -100;
  if (!isSafeInteger(v)) throw new Error(`${op}: ignoreIndex must be an integer, got ${describeValue(v)}`);
  return v;
}

interface NllParams {
  targets: ClassTargets;
  weight: Float64Array | null;
  reduction: Reduction;
}

/**
 * torch.nn.functional.nll_loss on log-probabilities, as one primitive. Forward: -w[t]·x[t] per
 * position (0 where ignored), summed, or divided by Σ w[t] over the positions not ignored for
 * 'mean' (PyTorch's weighted mean; 0/0 = NaN when every target is ignored, as in PyTorch 1.13).
 * Backward writes -w[t]·g (/Σw) at each kept target and 0 everywhere else, as PyTorch's kernel
 * does: a composition through gather and a division would turn the all-ignored case's zero
 * gradient into 0·∞ = NaN. The rule is a constant times g, so it is itself differentiable (with
 * respect to g; the loss is linear in the input, whose second derivative is zero).
 */
export const NllLossOp: Op<NllParams> = {
  name: 'nllLoss',
  saved: [],
  forward: ([x], { targets, weight, reduction }, ctx) => {
    const { classes, outShape, numClasses: C, outer, inner } = targets;
    const src = x!.contiguousStorage();
    const f32 = x!.dtype === 'float32';
    const none = reduction === 'none' ? (f32 ? new Float32Array(classes.length) : new Float64Array(classes.length)) : null;
    let acc = 0;
    let total = 0;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const j = o * inner + k;
        const c = classes[j]!;
        if (c < 0) continue;
        const w = weight ? weight[c]! : 1;
        const v = -w * src[(o * C + c) * inner + k]!;
        if (none) none[j] = v;
        else acc += f32 ? Math.fround(v) : v;
        total += w;
      }
    }
    ctx.saved = f32 ? Math.fround(total) : total;
    if (none) return new TensorData(none, outShape);
    const out = f32 ? new Float32Array(1) : new Float64Array(1);
    out[0] = reduction === 'mean' ? acc / (ctx.saved as number) : acc;
    return new TensorData(out, []);
  },
  backward: (g, ctx) => {
    const x = ctx.inputs[0]!;
    const { targets, weight, reduction } = ctx.params;
    const { classes, classDim, numClasses: C, outer, inner } = targets;
    const total = ctx.saved as number;
    const coef = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const c = classes[o * inner + k]!;
        if (c < 0) continue;
        const w = weight ? weight[c]! : 1;
        coef[(o * C + c) * inner + k] = reduction === 'mean' ? -w / total : -w;
      }
    }
    const scale = new Tensor(new TensorData(coef, x.shape));
    return [scale.mul(reduction === 'none' ? g.unsqueeze(classDim) : g)];
  },
};

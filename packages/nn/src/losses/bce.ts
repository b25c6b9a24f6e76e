import { type Op, Tensor, TensorData, apply, checkOptions } from '@kindling/core';
import { Module } from '../module.js';
import { describeInput, fmtShape } from '../util.js';
import { type Reduction, checkPair, checkReduction } from './reduction.js';

/**
 * Options of {@link BCELoss}, as torch.nn.BCELoss's (camelCase).
 *
 * @category Losses
 */
export interface BCELossOptions {
  /** Rescales each element's loss; broadcast to the input's shape (kept as the buffer `weight`). */
  weight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * Options of {@link BCEWithLogitsLoss}, as torch.nn.BCEWithLogitsLoss's (camelCase).
 *
 * @category Losses
 */
export interface BCEWithLogitsLossOptions {
  /** Rescales each element's loss; broadcast to the input's shape (kept as the buffer `weight`). */
  weight?: Tensor | null;
  /**
   * Weight of the positive term, usually one per class along the last dim (`[C]`); broadcast to
   * the input's shape (kept as the buffer `pos_weight`, PyTorch's state-dict key).
   */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

interface BceParams {
  /** Weights expanded to the input's shape, in its dtype's precision (null: none). */
  weight: Float64Array | null;
  posWeight: Float64Array | null;
  /** The same, as constant tensors for the backward rules. */
  weightT: Tensor | null;
  posWeightT: Tensor | null;
  reduction: Reduction;
}

/** A constant (no grad) tensor of `shape` in the input's dtype, for a backward rule. */
function constant(values: Float64Array, shape: readonly number[], f32: boolean): Tensor {
  return new Tensor(new TensorData(f32 ? Float32Array.from(values) : Float64Array.from(values), shape));
}

/** Sums or averages an elementwise loss buffer into the op's output (float32 sums kept in float64). */
function reduced(loss: Float64Array, shape: readonly number[], reduction: Reduction, f32: boolean): TensorData {
  const alloc = (n: number) => (f32 ? new Float32Array(n) : new Float64Array(n));
  if (reduction === 'none') {
    const out = alloc(loss.length);
    out.set(loss);
    return new TensorData(out, shape);
  }
  let acc = 0;
  for (let i = 0; i < loss.length; i++) acc += loss[i]!;
  const out = alloc(1);
  out[0] = reduction === 'mean' ? acc / loss.length : acc;
  return new TensorData(out, []);
}

/** The upstream gradient as each element sees it: g itself, or g / n for 'mean'. */
function elementGrad(g: Tensor, reduction: Reduction, n: number): Tensor {
  return reduction === 'mean' ? g.div(n) : g;
}

/**
 * torch.nn.functional.binary_cross_entropy, PyTorch 1.13's CPU kernel: per element
 * (t - 1)·max(log1p(-x), -100) - t·max(log x, -100), times the weight. The clamp keeps x = 0 or
 * 1 finite. Backward is PyTorch's formula, g·w·(x - t) / max((1 - x)·x, ε) (ε = float32(1e-12)), not the
 * derivative of the clamped forward (which would be 0 where a log is clamped): at x = 0 with
 * t = 1 that is about -1e12·g, a strong push back, as in PyTorch. The target's gradient is PyTorch's
 * -g·w·logit(x). Both rules are Tensor ops, so they can be differentiated again.
 */
// PyTorch's EPSILON is a C++ float: 1e-12 rounded to float32 (9.99999996e-13), in every dtype.
const EPSILON = Math.fround(1e-12);

const BceOp: Op<BceParams> = {
  name: 'binaryCrossEntropy',
  saved: [0, 1],
  forward: ([x, t], { weight, reduction }) => {
    const xs = x!.contiguousStorage();
    const ts = t!.contiguousStorage();
    const f32 = x!.dtype === 'float32';
    const r = f32 ? Math.fround : (v: number) => v;
    const n = x!.size;
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`BCELoss: every input element must be between 0 and 1 (a probability; use BCEWithLogitsLoss for logits), got ${v} at flat index ${i}`);
    }
    const loss = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      const y = ts[i]!;
      const l = r(r((y - 1) * Math.max(r(Math.log1p(-v)), -100)) - r(y * Math.max(r(Math.log(v)), -100)));
      loss[i] = weight ? r(l * weight[i]!) : l;
    }
    return reduced(loss, x!.shape, reduction, f32);
  },
  backward: (g, ctx) => {
    const [x, t] = ctx.inputs;
    const { weightT, reduction } = ctx.params;
    const ge = elementGrad(g, reduction, x!.size);
    let gx: Tensor | null = null;
    let gt: Tensor | null = null;
    if (ctx.needsGrad(0)) {
      gx = ge.mul(x!.sub(t!)).div(x!.neg().add(1).mul(x!).clamp(EPSILON));
      if (weightT) gx = gx.mul(weightT);
    }
    if (ctx.needsGrad(1)) {
      // PyTorch's logit(x).neg(), logit(x) = log(x / (1 - x)): unclamped, so ±∞ at x = 0 or 1.
      gt = x!.div(x!.neg().add(1)).log().neg().mul(ge);
      if (weightT) gt = gt.mul(weightT);
    }
    return [gx, gt];
  },
};

/**
 * torch.nn.functional.binary_cross_entropy_with_logits in PyTorch 1.13's stable form. With
 * m = max(-x, 0), per element
 *   no posWeight:  (1 - t)·x + m + log(e^-m + e^(-x-m))
 *   posWeight p:   (1 - t)·x + (1 + (p - 1)·t)·(log(e^-m + e^(-x-m)) + m)
 * times the weight: log(1 + e^-x) without overflow for any x. Backward, PyTorch's:
 * d/dx = (σ(x) - t)·g·w, or ((p·t + 1 - t)·σ(x) - p·t)·g·w; d/dt = -x·g·w, or
 * (log σ(-x) - p·log σ(x))·g·w (computed as p·softplus(-x) - softplus(x), which keeps its
 * digits where σ(x) is near 1). Tensor ops again, so second derivatives work.
 */
const BceWithLogitsOp: Op<BceParams> = {
  name: 'binaryCrossEntropyWithLogits',
  saved: [0, 1],
  forward: ([x, t], { weight, posWeight, reduction }) => {
    const xs = x!.contiguousStorage();
    const ts = t!.contiguousStorage();
    const f32 = x!.dtype === 'float32';
    const r = f32 ? Math.fround : (v: number) => v;
    const n = x!.size;
    const loss = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      const y = ts[i]!;
      const m = Math.max(-v, 0);
      const lse = r(Math.log(r(r(Math.exp(-m)) + r(Math.exp(r(-v - m))))));
      let l: number;
      if (posWeight) {
        const logWeight = r(r((posWeight[i]! - 1) * y) + 1);
        l = r(r(r(1 - y) * v) + r(logWeight * r(lse + m)));
      } else {
        l = r(r(r(r(1 - y) * v) + m) + lse);
      }
      loss[i] = weight ? r(l * weight[i]!) : l;
    }
    return reduced(loss, x!.shape, reduction, f32);
  },
  backward: (g, ctx) => {
    const [x, t] = ctx.inputs;
    const { weightT, posWeightT, reduction } = ctx.params;
    const ge = elementGrad(g, reduction, x!.size);
    let gx: Tensor | null = null;
    let gt: Tensor | null = null;
    if (ctx.needsGrad(0)) {
      if (posWeightT) {
        const pt = posWeightT.mul(t!);
        gx = pt.add(1).sub(t!).mul(x!.sigmoid()).sub(pt).mul(ge);
      } else {
        gx = x!.sigmoid().sub(t!).mul(ge);
      }
      if (weightT) gx = gx.mul(weightT);
    }
    if (ctx.needsGrad(1)) {
      gt = posWeightT ? posWeightT.mul(softplus(x!.neg())).sub(softplus(x!)).mul(ge) : x!.neg().mul(ge);
      if (weightT) gt = gt.mul(weightT);
    }
    return [gx, gt];
  },
};

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exactly for every x (core's softplus linearises past a threshold). */
function softplus(x: Tensor): Tensor {
  return x.abs().neg().exp().log1p().add(x.relu());
}

/** Checks an optional weight tensor broadcasts to `shape` without growing it; returns it expanded. */
function expandedWeight(op: string, name: string, w: Tensor | null, shape: readonly number[], f32: boolean): { values: Float64Array; tensor: Tensor } | null {
  if (w === null) return null;
  if (!(w instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describeInput(w)}`);
  const ws = w.shape;
  const ok = ws.length <= shape.length && ws.every((d, i) => d === 1 || d === shape[shape.length - ws.length + i]);
  if (!ok) throw new Error(`${op}: ${name} of shape ${fmtShape(ws)} does not broadcast to the input's shape ${fmtShape(shape)}`);
  const src = w.expand(shape).contiguous().dataSync();
  const values = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) values[i] = f32 ? Math.fround(src[i]!) : src[i]!;
  return { values, tensor: constant(values, shape, f32) };
}

function optionalTensor(op: string, name: string, v: unknown): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describeInput(v)}`);
  return v.detach();
}

function run(op: string, kernel: Op<BceParams>, input: Tensor, target: Tensor, weight: Tensor | null, posWeight: Tensor | null, reduction: Reduction): Tensor {
  checkPair(op, input, target);
  const f32 = input.dtype === 'float32';
  const w = expandedWeight(op, 'weight', weight, input.shape, f32);
  const p = expandedWeight(op, 'posWeight', posWeight, input.shape, f32);
  return apply(kernel, [input, target], {
    weight: w?.values ?? null,
    posWeight: p?.values ?? null,
    weightT: w?.tensor ?? null,
    posWeightT: p?.tensor ?? null,
    reduction,
  });
}

/**
 * torch.nn.BCELoss: binary cross-entropy between probabilities `input` (each in [0, 1], else it
 * throws) and `target` of the same shape: `-weight·(t·log x + (1 - t)·log(1 - x))`, each log
 * clamped at -100 as in PyTorch (so x = 0 or 1 gives a finite loss). Gradients for the input
 * and the target are PyTorch's formulas. For raw scores use {@link BCEWithLogitsLoss}, which is
 * stabler than `sigmoid` followed by this.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { BCELoss } from '@kindling/nn';
 * const p = tensor([0.9, 0.2, 0.6], { requiresGrad: true });
 * const loss = new BCELoss().forward(p, tensor([1, 0, 1]));
 * console.log(loss.item()); // (-log 0.9 - log 0.8 - log 0.6) / 3 ≈ 0.2798
 * loss.backward();
 * ```
 *
 * @category Losses
 */
export class BCELoss extends Module {
  declare readonly weight: Tensor | null;
  readonly reduction: Reduction;

  constructor(opts: BCELossOptions = {}) {
    super();
    const o = checkOptions('BCELoss', opts, ['weight', 'reduction']);
    this.reduction = checkReduction('BCELoss', o.reduction);
    this.registerBuffer('weight', optionalTensor('BCELoss', 'weight', o.weight));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return run('BCELoss', BceOp, input, target, this.weight, null, this.reduction);
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'${this.weight ? ', weight=[...]' : ''}`;
  }
}

/**
 * torch.nn.BCEWithLogitsLoss: a sigmoid and binary cross-entropy in one, on raw scores `input`
 * and a `target` of the same shape (usually 0/1, or probabilities), in PyTorch's overflow-free
 * form; `posWeight` (e.g. one per class, `[C]`, broadcast along the last dim) scales the
 * positive term to trade recall against precision, `weight` scales each element. Gradients for
 * the input and the target are PyTorch's.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { BCEWithLogitsLoss } from '@kindling/nn';
 * const logits = tensor([[1.5, -0.3], [200, -200]], { requiresGrad: true });
 * const loss = new BCEWithLogitsLoss({ posWeight: tensor([2, 1]) }).forward(logits, tensor([[1, 0], [1, 0]]));
 * console.log(loss.item()); // ≈ 0.23930, finite even for logits of ±200
 * loss.backward();
 * ```
 *
 * @category Losses
 */
export class BCEWithLogitsLoss extends Module {
  declare readonly weight: Tensor | null;
  // PyTorch's state-dict key; `posWeight` reads it.
  declare readonly pos_weight: Tensor | null;
  readonly reduction: Reduction;

  constructor(opts: BCEWithLogitsLossOptions = {}) {
    super();
    const o = checkOptions('BCEWithLogitsLoss', opts, ['weight', 'posWeight', 'reduction']);
    this.reduction = checkReduction('BCEWithLogitsLoss', o.reduction);
    this.registerBuffer('weight', optionalTensor('BCEWithLogitsLoss', 'weight', o.weight));
    this.registerBuffer('pos_weight', optionalTensor('BCEWithLogitsLoss', 'posWeight', o.posWeight));
  }

  /** The `posWeight` option (the buffer `pos_weight`), or null. */
  get posWeight(): Tensor | null {
    return this.pos_weight;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return run('BCEWithLogitsLoss', BceWithLogitsOp, input, target, this.weight, this.pos_weight, this.reduction);
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'${this.weight ? ', weight=[...]' : ''}${this.pos_weight ? ', posWeight=[...]' : ''}`;
  }
}

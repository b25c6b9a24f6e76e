import { type NestedArray, Tensor, TensorData, apply, checkOptions, describeValue, logSoftmax, where } from '@kindling/core';
import { Module } from '../module.js';
import { fmtShape } from '../util.js';
import { type Reduction, checkReduction } from './reduction.js';
import { NllLossOp, checkInput, classTargets, ignoreIndexOption, targetTensor, weightOption, weightValues } from './class-targets.js';

/**
 * Options of {@link CrossEntropyLoss}, as torch.nn.CrossEntropyLoss's (camelCase).
 *
 * @category Losses
 */
export interface CrossEntropyLossOptions {
  /** Per-class weights, a 1-d tensor of C entries (kept as the buffer `weight`, as in PyTorch). */
  weight?: Tensor | null;
  /** With class-index targets, a target equal to this contributes nothing (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** In [0, 1]: the target becomes (1 - ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

const CE_OPTIONS = ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'];

/**
 * torch.nn.CrossEntropyLoss on unnormalised scores (logits), PyTorch 1.13's numbers.
 *
 * Input `[N, C]`, `[C]` (unbatched) or `[N, C, d1, ...]`. The target is either
 * - class indices of the input's shape without the class dim (`[N]`, `[]`, `[N, d1, ...]`),
 *   a Tensor holding integers or plain (nested) arrays: each position contributes
 *   `-weight[t] * logSoftmax(input)[t]`; `'mean'` divides by the sum of `weight[t]` over the
 *   positions not ignored (PyTorch's weighted mean); or
 * - class probabilities of the input's own shape (a float Tensor): each position contributes
 *   `-Σ_c weight[c] * target[c] * logSoftmax(input)[c]`; `'mean'` divides by the number of
 *   positions (N·d1·..., not by the weights), as PyTorch does. The target gets a gradient too.
 *
 * With `labelSmoothing` ε, class-index targets add ε/C times the (weighted) sum of
 * `-logSoftmax` over the classes, normalised like the main term, to (1 - ε) times it, exactly as
 * torch 1.13's `cross_entropy` does (ignored positions count in neither); probability targets
 * are mixed with the uniform distribution first. `ignoreIndex` applies to class indices only:
 * with probability targets a non-negative one throws, as in PyTorch.
 *
 * Computed as PyTorch computes it, `nll_loss(log_softmax(input))`: the log-sum-exp is taken
 * after subtracting each row's maximum (logits of ±1000 are fine), and the backward pass is
 * logSoftmax's fused one, `g - softmax · Σg`, fed by the NLL primitive's one-hot `-w[t]·g`:
 * softmax minus one-hot, weighted. Both are ops whose backward rules are Tensor ops, so second
 * derivatives (`gradgradcheck`, Hessian-vector products) work. A single fused op would save one
 * pass over the input but round differently from PyTorch; the composition matches it step by step.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { CrossEntropyLoss } from '@kindling/nn';
 * const logits = tensor([[2, 0, -1], [0.5, 0.5, 3]], { requiresGrad: true });
 * const loss = new CrossEntropyLoss().forward(logits, [0, 2]);
 * loss.backward(); // logits.grad = (softmax(logits) - oneHot) / 2
 * console.log(loss.item()); // ≈ 0.16093 (PyTorch: 0.16092720197371038)
 * const smoothed = new CrossEntropyLoss({ labelSmoothing: 0.1, weight: tensor([1, 1, 2]) });
 * console.log(smoothed.forward(logits, [0, 2]).item()); // ≈ 0.30091
 * ```
 *
 * @category Losses
 */
export class CrossEntropyLoss extends Module {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyLossOptions = {}) {
    super();
    const o = checkOptions('CrossEntropyLoss', opts, CE_OPTIONS);
    this.ignoreIndex = ignoreIndexOption('CrossEntropyLoss', o.ignoreIndex);
    this.reduction = checkReduction('CrossEntropyLoss', o.reduction);
    const ls = o.labelSmoothing ?? 0;
    // PyTorch 1.13 rejects ε > 1 and silently ignores ε < 0; both are mistakes, so both throw here.
    if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be a number between 0.0 and 1.0, got ${describeValue(ls)}`);
    }
    this.labelSmoothing = ls;
    this.registerBuffer('weight', weightOption('CrossEntropyLoss', o.weight));
  }

  override forward(input: Tensor, target: Tensor | NestedArray): Tensor {
    const op = 'CrossEntropyLoss';
    checkInput(op, input);
    const t = targetTensor(op, target);
    const sameShape = t.ndim === input.ndim && t.shape.every((d, i) => d === input.shape[i]);
    return sameShape ? this.probabilities(input, t) : this.classIndices(input, t);
  }

  private classIndices(input: Tensor, target: Tensor): Tensor {
    const op = 'CrossEntropyLoss';
    const targets = classTargets(op, input, target, this.ignoreIndex, true);
    const { classDim, numClasses: C, classes } = targets;
    const f32 = input.dtype === 'float32';
    const w = weightValues(op, this.weight, C, f32);
    const logp = logSoftmax(input, classDim);
    const nll = apply(NllLossOp, [logp], { targets, weight: w, reduction: this.reduction });
    const eps = this.labelSmoothing;
    if (eps === 0) return nll;
    // torch 1.13's cross_entropy_loss_label_smoothing, term by term: smooth = -Σ_c w[c]·logp[c]
    // per position, 0 where ignored; 'mean' divides its sum by Σ w[t] over kept positions (the
    // nll's denominator) or, unweighted, by their count; then (1 - ε)·nll + smooth·(ε / C).
    const weighted = w ? logp.mul(this.weightView(w, input)) : logp;
    const keep = new Float64Array(classes.length);
    let denom = 0;
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i]!;
      if (c < 0) continue;
      keep[i] = 1;
      denom += w ? w[c]! : 1;
    }
    const smooth = where(new Tensor(new TensorData(keep, targets.outShape)), weighted.sum(classDim).neg(), 0);
    const ret = this.reduction === 'none' ? smooth
      : this.reduction === 'sum' ? smooth.sum()
      : smooth.sum().div(denom); // a float32 sum divides by float32(denom), as PyTorch's float kernel
    return nll.mul(1 - eps).add(ret.mul(eps / C));
  }

  private probabilities(input: Tensor, target: Tensor): Tensor {
    const op = 'CrossEntropyLoss';
    if (this.ignoreIndex >= 0) {
      throw new Error(`${op}: ignoreIndex (${this.ignoreIndex}) is not supported for probability targets (a target of the input's shape ${fmtShape(input.shape)}); use a negative ignoreIndex or class-index targets`);
    }
    const classDim = input.ndim === 1 ? 0 : 1;
    const C = input.shape[classDim]!;
    const w = weightValues(op, this.weight, C, input.dtype === 'float32');
    // torch 1.13's cross_entropy_loss_prob_target, in its order of operations.
    const logp = logSoftmax(input, classDim);
    const eps = this.labelSmoothing;
    const t = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
    let prod = logp.mul(t);
    if (w) prod = prod.mul(this.weightView(w, input));
    if (this.reduction === 'none') return prod.sum(classDim).neg();
    if (this.reduction === 'sum') return prod.sum().neg();
    // Divided by the number of positions; NaN for an empty input (0 / 0), as PyTorch.
    return prod.sum().neg().div(input.size / C);
  }

  /** The class weights shaped to broadcast along the class dim ([C], or [C, 1, ...]). */
  private weightView(w: Float64Array, input: Tensor): Tensor {
    const C = w.length;
    const shape = [C, ...input.shape.slice(2).map(() => 1)];
    const data = input.dtype === 'float32' ? Float32Array.from(w) : Float64Array.from(w);
    return new Tensor(new TensorData(data, shape));
  }

  override extraRepr(): string {
    return `ignoreIndex=${this.ignoreIndex}, reduction='${this.reduction}', labelSmoothing=${this.labelSmoothing}${this.weight ? ', weight=[...]' : ''}`;
  }
}

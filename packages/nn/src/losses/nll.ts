import { type NestedArray, type Tensor, apply, checkOptions } from '@kindling/core';
import { Module } from '../module.js';
import { type Reduction, checkReduction } from './reduction.js';
import { NllLossOp, checkInput, classTargets, ignoreIndexOption, targetTensor, weightOption, weightValues } from './class-targets.js';

/**
 * Options of {@link NLLLoss}, as torch.nn.NLLLoss's (camelCase).
 *
 * @category Losses
 */
export interface NLLLossOptions {
  /** Per-class weights, a 1-d tensor of C entries (kept as the buffer `weight`, as in PyTorch). */
  weight?: Tensor | null;
  /** A target equal to this contributes nothing, to the loss or to the mean's denominator (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

const NLL_OPTIONS = ['weight', 'ignoreIndex', 'reduction'];

/**
 * torch.nn.NLLLoss: the negative log-likelihood of class-index targets, for an input that
 * already holds log-probabilities (a {@link CrossEntropyLoss} without the logSoftmax).
 *
 * Input `[N, C]`, `[C]` (unbatched) or `[N, C, d1, ...]`; target of class indices `[N]`, `[]`
 * or `[N, d1, ...]`: a Tensor holding integers, or plain (nested) arrays of them. Each position
 * contributes `-weight[t] * input[t]`; `'mean'` divides the sum by the sum of `weight[t]` over
 * the positions whose target is not `ignoreIndex` (PyTorch's weighted mean; NaN when every
 * target is ignored, as in PyTorch), `'sum'` adds them, `'none'` gives the target's shape with 0
 * at ignored positions. A target that is not an integer, or neither a class nor `ignoreIndex`,
 * throws naming its position.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { NLLLoss } from '@kindling/nn';
 * const logProbs = tensor([[-0.1, -2.4], [-1.6, -0.2]], { requiresGrad: true });
 * const loss = new NLLLoss({ weight: tensor([1, 3]) }).forward(logProbs, [0, 1]);
 * console.log(loss.item()); // (0.1·1 + 0.2·3) / (1 + 3) = 0.175
 * loss.backward();         // logProbs.grad: [[-0.25, 0], [0, -0.75]]
 * ```
 *
 * @category Losses
 */
export class NLLLoss extends Module {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;

  constructor(opts: NLLLossOptions = {}) {
    super();
    const o = checkOptions('NLLLoss', opts, NLL_OPTIONS);
    this.ignoreIndex = ignoreIndexOption('NLLLoss', o.ignoreIndex);
    this.reduction = checkReduction('NLLLoss', o.reduction);
    this.registerBuffer('weight', weightOption('NLLLoss', o.weight));
  }

  override forward(input: Tensor, target: Tensor | NestedArray): Tensor {
    return nllLoss('NLLLoss', input, targetTensor('NLLLoss', target), this.weight, this.ignoreIndex, this.reduction);
  }

  override extraRepr(): string {
    return `ignoreIndex=${this.ignoreIndex}, reduction='${this.reduction}'${this.weight ? ', weight=[...]' : ''}`;
  }
}

/** @internal The checked NLL primitive on log-probabilities with class-index targets. */
export function nllLoss(op: string, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction): Tensor {
  checkInput(op, input);
  const targets = classTargets(op, input, target, ignoreIndex, false);
  const w = weightValues(op, weight, targets.numClasses, input.dtype === 'float32');
  return apply(NllLossOp, [input], { targets, weight: w, reduction });
}

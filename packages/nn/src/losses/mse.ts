import { type Tensor, mseLoss } from '@kindling/core';
import { Module } from '../module.js';
import { type LossOptions, type Reduction, checkPair, reductionOption } from './reduction.js';

/**
 * torch.nn.MSELoss: (prediction - target)², then mean (default), sum or none.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { MSELoss } from '@kindling/nn';
 * const loss = new MSELoss().forward(tensor([2.7, 2.0, 1.4]), tensor([1, 0, 0]));
 * console.log(loss.item()); // 2.95 = mean(2.89, 4, 1.96), up to rounding
 * ```
 *
 * @category Losses
 */
export class MSELoss extends Module {
  readonly reduction: Reduction;

  constructor(opts: LossOptions = {}) {
    super();
    this.reduction = reductionOption('MSELoss', opts);
  }

  override forward(prediction: Tensor, target: Tensor): Tensor {
    checkPair('MSELoss', prediction, target);
    // The fused primitive: one pass forward and one backward, two graph nodes fewer.
    return mseLoss(prediction, target, this.reduction);
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

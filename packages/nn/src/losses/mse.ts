import { type Tensor, mseLoss } from '@kindling/core';
import { Module } from '../module.js';
import { type LossOptions, type Reduction, checkPair, reductionOption } from './reduction.js';

/** torch.nn.MSELoss: (prediction - target)², then mean (default), sum or none. */
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

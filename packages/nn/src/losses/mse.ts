import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { type LossOptions, type Reduction, checkPair, reduce, reductionOption } from './reduction.js';

/** torch.nn.MSELoss: (prediction - target)², then mean (default), sum or none. */
export class MSELoss extends Module {
  readonly reduction: Reduction;

  constructor(opts: LossOptions = {}) {
    super();
    this.reduction = reductionOption('MSELoss', opts);
  }

  override forward(prediction: Tensor, target: Tensor): Tensor {
    checkPair('MSELoss', prediction, target);
    const d = prediction.sub(target);
    return reduce(d.mul(d), this.reduction);
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

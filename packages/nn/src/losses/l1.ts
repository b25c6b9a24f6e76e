import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { type LossOptions, type Reduction, checkPair, reduce, reductionOption } from './reduction.js';

/**
 * torch.nn.L1Loss: |prediction - target|, then mean (default), sum or none.
 *
 * @category Losses
 */
export class L1Loss extends Module {
  readonly reduction: Reduction;

  constructor(opts: LossOptions = {}) {
    super();
    this.reduction = reductionOption('L1Loss', opts);
  }

  override forward(prediction: Tensor, target: Tensor): Tensor {
    checkPair('L1Loss', prediction, target);
    return reduce(prediction.sub(target).abs(), this.reduction);
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

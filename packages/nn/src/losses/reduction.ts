import { type Tensor, checkOptions, describeValue } from '@kindling/core';
import { checkTensor, fmtShape, sameShape } from '../util.js';

/**
 * How a loss combines its elementwise terms: `'mean'` (default) and `'sum'` give a 0-d tensor, `'none'` the per-element tensor.
 *
 * @category Losses
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Options of the losses ({@link MSELoss}, {@link L1Loss}).
 *
 * @category Losses
 */
export interface LossOptions {
  reduction?: Reduction;
}

export function reductionOption(op: string, opts: LossOptions): Reduction {
  return checkReduction(op, checkOptions(op, opts, ['reduction']).reduction);
}

/** The reduction option's value ('mean' when undefined), for losses whose options hold more keys. */
export function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${describeValue(r)}`);
  return r;
}

export function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  checkTensor(op, prediction, 'the prediction to be a Tensor');
  checkTensor(op, target, 'the target to be a Tensor');
  const a = prediction.shape;
  const b = target.shape;
  if (!sameShape(a, b)) {
    throw new Error(`${op}: prediction shape ${fmtShape(a)} and target shape ${fmtShape(b)} must match`);
  }
}

export function reduce(loss: Tensor, r: Reduction): Tensor {
  return r === 'none' ? loss : r === 'sum' ? loss.sum() : loss.mean();
}

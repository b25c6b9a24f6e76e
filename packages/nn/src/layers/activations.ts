import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor } from '../util.js';

/**
 * max(0, x), elementwise.
 *
 * @category Layers
 */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    checkTensor('ReLU', x);
    return x.relu();
  }
}

/**
 * tanh(x), elementwise.
 *
 * @category Layers
 */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    checkTensor('Tanh', x);
    return x.tanh();
  }
}

/**
 * 1 / (1 + exp(-x)), elementwise.
 *
 * @category Layers
 */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    checkTensor('Sigmoid', x);
    return x.sigmoid();
  }
}

/**
 * Passes its input through unchanged (a placeholder, as torch.nn.Identity).
 *
 * @category Layers
 */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    checkTensor('Identity', x);
    return x;
  }
}

import { type Tensor, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor, fmtShape } from '../util.js';

/**
 * torch.nn.Flatten: merges dims startDim..endDim (default: all but the batch dim).
 *
 * @category Layers
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    for (const [name, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(v)) throw new Error(`Flatten: ${name} must be an integer, got ${describeValue(v)}`);
    }
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Flatten', x);
    // A 0-d input flattens to [1] whatever the dims, as in PyTorch.
    const n = Math.max(x.ndim, 1);
    for (const [name, d] of [['startDim', this.startDim], ['endDim', this.endDim]] as const) {
      if (d < -n || d >= n) throw new Error(`Flatten: ${name} ${d} is out of range for an input of shape ${fmtShape(x.shape)}`);
    }
    return x.flatten(this.startDim, this.endDim);
  }

  /** PyTorch's wording: `start_dim=1, end_dim=-1`. */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

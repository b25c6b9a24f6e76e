import { Tensor } from '@kindling/core';
import { bool, checkTensor } from './util.js';

/**
 * A tensor that is a module's parameter, like torch.nn.Parameter. Assigning a `Parameter` to a
 * property of a {@link Module} registers it (it appears in `parameters()` and `stateDict()`);
 * a plain `Tensor` assigned the same way is just a value the module keeps (a cache, a
 * constant), never trained and never saved. Marking parameters explicitly is what lets a module
 * hold other tensors without them leaking into the optimizer.
 *
 * `new Parameter(data)` shares `data`'s storage (no copy) and is always a leaf, even when `data`
 * was computed by an op; it requires grad unless `requiresGrad` is false (a frozen parameter is
 * still a parameter: it is saved and loaded, only not trained).
 *
 * @example
 * ```ts
 * import { full, type Tensor } from '@kindling/core';
 * import { Module, Parameter } from '@kindling/nn';
 * class Scale extends Module {
 *   gamma = new Parameter(full([3], 0.5));   // a parameter named 'gamma'
 *   last: Tensor | null = null;              // a plain tensor: not a parameter, not saved
 *   override forward(x: Tensor): Tensor {
 *     this.last = x;
 *     return x.mul(this.gamma);
 *   }
 * }
 * console.log(new Scale().namedParameters().map(([name]) => name)); // ['gamma']
 * ```
 *
 * @category Module and Parameter
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    checkTensor('Parameter', data, 'data to be a Tensor');
    super(data.tensorData, bool('Parameter', 'requiresGrad', requiresGrad));
  }

  /** PyTorch's printout: `Parameter containing:` and the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

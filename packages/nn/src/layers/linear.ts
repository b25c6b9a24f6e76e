import { type Tensor, checkOptions } from '@kindling/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { bool, checkTensor, fmtShape, positiveInt } from '../util.js';
import { INIT_OPTION_KEYS, type InitOptions, dtypeOption, uniformParameter, uniformSource } from './init.js';

/**
 * Options of {@link Linear}: whether it has a bias, and where its initial weights come from.
 *
 * @category Layers
 */
export interface LinearOptions extends InitOptions {
  bias?: boolean;
}

const LINEAR_OPTIONS = ['bias', ...INIT_OPTION_KEYS];

/**
 * torch.nn.Linear: y = x Wᵀ + b for input [..., inFeatures] (1-d included).
 * weight [out, in] and bias [out] start uniform on ±1/sqrt(inFeatures), as in PyTorch.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Linear } from '@kindling/nn';
 * const fc = new Linear(3, 2, { seed: 0 });
 * console.log(fc.forward(randn([5, 3], { seed: 1 })).shape); // [5, 2]
 * ```
 *
 * @category Layers
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkOptions('Linear', opts, LINEAR_OPTIONS);
    this.inFeatures = positiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = positiveInt('Linear', 'outFeatures', outFeatures);
    const hasBias = bool('Linear', 'bias', opts.bias ?? true);
    const dtype = dtypeOption('Linear', opts);
    const draw = uniformSource('Linear', opts);
    const bound = 1 / Math.sqrt(this.inFeatures);
    this.weight = this.registerParameter('weight', uniformParameter([this.outFeatures, this.inFeatures], bound, dtype, draw));
    this.bias = this.registerParameter('bias', hasBias ? uniformParameter([this.outFeatures], bound, dtype, draw) : null);
  }

  override forward(x: Tensor): Tensor {
    const expected = `a Tensor of shape [..., ${this.inFeatures}]`;
    checkTensor('Linear', x, expected);
    // A 0-d input has no last dim: x.shape[-1] is undefined, which fails the check too.
    if (x.shape[x.ndim - 1] !== this.inFeatures) throw new Error(`Linear: expected ${expected}, got shape ${fmtShape(x.shape)}`);
    const y = x.matmul(this.weight.transpose(0, 1));
    return this.bias ? y.add(this.bias) : y;
  }

  /** PyTorch's wording: `in_features=3, out_features=2, bias=True`. */
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}

import { Tensor, checkOptions, conv1d, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { bool, checkTensor, fmtShape, positiveInt } from '../util.js';
import { isInteger } from './common.js';
import { INIT_OPTION_KEYS, type InitOptions, dtypeOption, uniformParameter, uniformSource } from './init.js';

type IntOr1Tuple = number | readonly [number];

/**
 * Options of {@link Conv1d}: torch.nn.Conv1d's keyword arguments (camelCase) and where its initial weights come from.
 *
 * @category Layers
 */
export interface Conv1dLayerOptions extends InitOptions {
  stride?: IntOr1Tuple;
  /** Zeros added at each end, or 'valid' (none) or 'same' (output length = input length; stride 1 only). */
  padding?: IntOr1Tuple | 'valid' | 'same';
  dilation?: IntOr1Tuple;
  groups?: number;
  bias?: boolean;
  /** Only 'zeros' (PyTorch's default) is supported. */
  paddingMode?: 'zeros';
}

const CONV1D_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', ...INIT_OPTION_KEYS];

function single(name: string, v: IntOr1Tuple, allowZero = false): number {
  const x = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!isInteger(x) || x < (allowZero ? 0 : 1)) {
    throw new Error(`Conv1d: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer (or a 1-tuple of one), got ${Array.isArray(v) ? `[${v.map((e: unknown) => describeValue(e)).join(', ')}]` : describeValue(v)}`);
  }
  return x;
}

/**
 * torch.nn.Conv1d: y = conv1d(x, weight, bias) over input [N, Cin, L] or unbatched [Cin, L].
 * weight [Cout, Cin/groups, K] and bias [Cout] start uniform on ±1/sqrt(fanIn), fanIn = Cin/groups*K,
 * which is PyTorch's kaiming_uniform_(a = sqrt(5)) and its bias rule; the weight is drawn first.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Conv1d } from '@kindling/nn';
 * const conv = new Conv1d(2, 4, 3, { padding: 'same', seed: 0 });
 * const y = conv.forward(randn([8, 2, 16], { seed: 1 })); // [8, 4, 16]
 * console.log(y.shape, conv.weight.shape);                  // [8, 4, 16] [4, 2, 3]
 * ```
 *
 * @category Layers
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'valid' | 'same';
  readonly dilation: number;
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOr1Tuple, opts: Conv1dLayerOptions = {}) {
    super();
    checkOptions('Conv1d', opts, CONV1D_OPTIONS);
    this.inChannels = positiveInt('Conv1d', 'inChannels', inChannels);
    this.outChannels = positiveInt('Conv1d', 'outChannels', outChannels);
    this.kernelSize = single('kernelSize', kernelSize);
    this.stride = single('stride', opts.stride ?? 1);
    this.dilation = single('dilation', opts.dilation ?? 1);
    this.groups = positiveInt('Conv1d', 'groups', opts.groups ?? 1);
    const padding = opts.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride !== 1) throw new Error(`Conv1d: padding 'same' is not supported for strided convolutions (stride ${this.stride})`);
      this.padding = padding;
    } else {
      this.padding = single('padding', padding as IntOr1Tuple, true);
    }
    const mode = opts.paddingMode ?? 'zeros';
    if (mode !== 'zeros') throw new Error(`Conv1d: paddingMode ${describeValue(mode)} is not supported (only 'zeros')`);
    if (this.inChannels % this.groups !== 0) throw new Error(`Conv1d: inChannels ${this.inChannels} must be divisible by groups ${this.groups}`);
    if (this.outChannels % this.groups !== 0) throw new Error(`Conv1d: outChannels ${this.outChannels} must be divisible by groups ${this.groups}`);
    const hasBias = bool('Conv1d', 'bias', opts.bias ?? true);
    const dtype = dtypeOption('Conv1d', opts);
    const draw = uniformSource('Conv1d', opts);
    const fanIn = (this.inChannels / this.groups) * this.kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.registerParameter('weight', uniformParameter([this.outChannels, this.inChannels / this.groups, this.kernelSize], bound, dtype, draw));
    this.bias = this.registerParameter('bias', hasBias ? uniformParameter([this.outChannels], bound, dtype, draw) : null);
  }

  override forward(x: Tensor): Tensor {
    // The message is built only when it is needed: a template with numbers in it costs more than
    // the blog's whole convolution.
    if (!(x instanceof Tensor)) checkTensor('Conv1d', x, this.expectedInput());
    const ch = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : undefined;
    if (ch === undefined) throw new Error(`Conv1d: expected ${this.expectedInput()}, got shape ${fmtShape(x.shape)}`);
    if (ch !== this.inChannels) throw new Error(`Conv1d: expected input with ${this.inChannels} channels, got shape ${fmtShape(x.shape)}`);
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  private expectedInput(): string {
    return `a Tensor of shape [N, ${this.inChannels}, L] or [${this.inChannels}, L]`;
  }

  /** PyTorch's wording, 1-tuples included: `1, 4, kernel_size=(3,), stride=(1,)`, then the non-default settings (`padding=same` unquoted, as PyTorch prints it). */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},), stride=(${this.stride},)`;
    if (this.padding !== 0) s += `, padding=${typeof this.padding === 'string' ? this.padding : `(${this.padding},)`}`;
    if (this.dilation !== 1) s += `, dilation=(${this.dilation},)`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}

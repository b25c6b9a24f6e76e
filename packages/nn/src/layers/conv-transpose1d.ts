import { type Tensor, checkOptions, convTranspose1d, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { bool, checkTensor, fmtShape, positiveInt } from '../util.js';
import { isInteger } from './common.js';
import { INIT_OPTION_KEYS, type InitOptions, dtypeOption, uniformParameter, uniformSource } from './init.js';

type IntOr1Tuple = number | readonly [number];

/**
 * Options of {@link ConvTranspose1d}: torch.nn.ConvTranspose1d's keyword arguments (camelCase) and where its initial weights come from.
 *
 * @category Layers
 */
export interface ConvTranspose1dLayerOptions extends InitOptions {
  stride?: IntOr1Tuple;
  /** dilation·(K − 1) − padding zeros are added at each end of the input (PyTorch's convention): it trims the output. */
  padding?: IntOr1Tuple;
  /** Extra length at the end of the output, below max(stride, dilation): picks which of the input lengths a strided conv1d maps to the same size this layer inverts. */
  outputPadding?: IntOr1Tuple;
  dilation?: IntOr1Tuple;
  groups?: number;
  bias?: boolean;
  /** Only 'zeros' (PyTorch's only choice for transposed convolutions). */
  paddingMode?: 'zeros';
}

const OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'paddingMode', ...INIT_OPTION_KEYS];

function single(name: string, v: IntOr1Tuple, allowZero = false): number {
  const x = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!isInteger(x) || x < (allowZero ? 0 : 1)) {
    throw new Error(`ConvTranspose1d: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer (or a 1-tuple of one), got ${Array.isArray(v) ? `[${v.join(', ')}]` : describeValue(v)}`);
  }
  return x;
}

/**
 * torch.nn.ConvTranspose1d: y = convTranspose1d(x, weight, bias), the gradient of a conv1d with
 * respect to its input, used to upsample. Input [N, Cin, L] or unbatched [Cin, L]; output length
 * (L − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1.
 *
 * weight is [Cin, Cout/groups, K] (transposed against Conv1d's [Cout, Cin/groups, K]) and bias
 * [Cout]. Both start uniform on ±1/sqrt(fanIn), drawn weight first, as PyTorch's
 * reset_parameters does: kaiming_uniform_(a = sqrt(5)) takes fan-in from the weight's dim 1, so
 * here fanIn = (Cout/groups)·K, not Cin·K as for Conv1d.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { ConvTranspose1d } from '@kindling/nn';
 * const up = new ConvTranspose1d(4, 2, 3, { stride: 2, seed: 0 });
 * const y = up.forward(randn([8, 4, 10], { seed: 1 }));
 * console.log(y.shape, up.weight.shape); // [8, 2, 21] [4, 2, 3]
 * console.log(String(up));               // ConvTranspose1d(4, 2, kernel_size=(3,), stride=(2,))
 * ```
 *
 * @category Layers
 */
export class ConvTranspose1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOr1Tuple, opts: ConvTranspose1dLayerOptions = {}) {
    super();
    checkOptions('ConvTranspose1d', opts, OPTIONS);
    this.inChannels = positiveInt('ConvTranspose1d', 'inChannels', inChannels);
    this.outChannels = positiveInt('ConvTranspose1d', 'outChannels', outChannels);
    this.kernelSize = single('kernelSize', kernelSize);
    this.stride = single('stride', opts.stride ?? 1);
    this.padding = single('padding', opts.padding ?? 0, true);
    this.outputPadding = single('outputPadding', opts.outputPadding ?? 0, true);
    this.dilation = single('dilation', opts.dilation ?? 1);
    this.groups = positiveInt('ConvTranspose1d', 'groups', opts.groups ?? 1);
    const mode = opts.paddingMode ?? 'zeros';
    if (mode !== 'zeros') throw new Error(`ConvTranspose1d: paddingMode ${describeValue(mode)} is not supported (only 'zeros', as in PyTorch)`);
    if (this.inChannels % this.groups !== 0) throw new Error(`ConvTranspose1d: inChannels ${this.inChannels} must be divisible by groups ${this.groups}`);
    if (this.outChannels % this.groups !== 0) throw new Error(`ConvTranspose1d: outChannels ${this.outChannels} must be divisible by groups ${this.groups}`);
    // PyTorch only finds this out at the first forward call; it cannot work with any input.
    if (this.outputPadding >= this.stride && this.outputPadding >= this.dilation) {
      throw new Error(`ConvTranspose1d: outputPadding ${this.outputPadding} must be smaller than stride ${this.stride} or dilation ${this.dilation}`);
    }
    const hasBias = bool('ConvTranspose1d', 'bias', opts.bias ?? true);
    const dtype = dtypeOption('ConvTranspose1d', opts);
    const draw = uniformSource('ConvTranspose1d', opts);
    // torch.nn.init._calculate_fan_in_and_fan_out reads fan-in from dim 1 of the weight, which
    // for a transposed convolution holds the *output* channels per group.
    const fanIn = (this.outChannels / this.groups) * this.kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.registerParameter('weight', uniformParameter([this.inChannels, this.outChannels / this.groups, this.kernelSize], bound, dtype, draw));
    this.bias = this.registerParameter('bias', hasBias ? uniformParameter([this.outChannels], bound, dtype, draw) : null);
  }

  override forward(x: Tensor): Tensor {
    const expected = `a Tensor of shape [N, ${this.inChannels}, L] or [${this.inChannels}, L]`;
    checkTensor('ConvTranspose1d', x, expected);
    const ch = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : undefined;
    if (ch === undefined) throw new Error(`ConvTranspose1d: expected ${expected}, got shape ${fmtShape(x.shape)}`);
    if (ch !== this.inChannels) throw new Error(`ConvTranspose1d: expected input with ${this.inChannels} channels, got shape ${fmtShape(x.shape)}`);
    return convTranspose1d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  /** PyTorch's wording, 1-tuples included: `4, 2, kernel_size=(3,), stride=(2,)`, then the non-default settings. */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},), stride=(${this.stride},)`;
    if (this.padding !== 0) s += `, padding=(${this.padding},)`;
    if (this.dilation !== 1) s += `, dilation=(${this.dilation},)`;
    if (this.outputPadding !== 0) s += `, output_padding=(${this.outputPadding},)`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}

import { type Generator, Tensor, TensorData, checkOptions, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor } from '../util.js';
import { type UniformSource, uniformSource } from './init.js';
import { pyFloat } from './repr.js';

/**
 * Options of {@link Dropout}: where its masks come from.
 *
 * @category Layers
 */
export interface DropoutOptions {
  /** Seeds the layer's own generator: the sequence of masks (one per training forward) is reproducible. */
  seed?: number;
  /** Draws the masks from this generator instead (it advances). Without seed or generator: core's default generator (see manualSeed). */
  generator?: Generator;
}

/**
 * torch.nn.Dropout: in training mode, zeroes each element with probability `p` (default 0.5)
 * and scales the others by 1/(1 − p), so the expected output is the input; in evaluation mode
 * (`eval()`) it returns its input unchanged.
 *
 * Each element takes one uniform draw u, row-major, and is kept when u < 1 − p; the kept ones are
 * multiplied by 1/(1 − p) (PyTorch builds the same noise tensor, mask / (1 − p), and multiplies),
 * so the gradient is the same noise times the upstream gradient. `seed` gives the layer its own
 * generator: a fresh mask every call, the same sequence of masks every run. The streams are
 * Kindling's own, so masks differ from PyTorch's for the same seed. `p = 1` gives zeros;
 * `p = 0` keeps everything.
 *
 * @example
 * ```ts
 * import { ones } from '@kindling/core';
 * import { Dropout } from '@kindling/nn';
 * const drop = new Dropout(0.5, { seed: 0 });
 * const y = drop.forward(ones([8]));      // 0s and 2s
 * console.log(Array.from(y.dataSync()).every((v) => v === 0 || v === 2), String(drop)); // true Dropout(p=0.5, inplace=False)
 * drop.eval();
 * console.log(drop.forward(ones([3])).toArray()); // [1, 1, 1]
 * ```
 *
 * @category Layers
 */
export class Dropout extends Module {
  readonly p: number;
  #draw: UniformSource;

  constructor(p = 0.5, opts: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', opts, ['seed', 'generator']);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`Dropout: p (the probability of an element being zeroed) must be between 0 and 1, got ${describeValue(p)}`);
    }
    this.p = p;
    this.#draw = uniformSource('Dropout', opts);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Dropout', x);
    if (!this.training) return x;
    const n = x.size;
    const keep = 1 - this.p;
    const scale = 1 / keep;
    // p = 1 draws nothing (PyTorch's dropout returns zeros without touching the generator):
    // zeros are never below keep = 0.
    const u = this.p < 1 ? this.#draw(n) : new Float64Array(n);
    const mask = (v: number): number => (v < keep ? scale : 0);
    const noise = x.dtype === 'float32' ? Float32Array.from(u, mask) : Float64Array.from(u, mask);
    return x.mul(new Tensor(new TensorData(noise, x.shape.slice())));
  }

  /** `p=0.5, inplace=False`, as PyTorch prints it (p as a Python float). */
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

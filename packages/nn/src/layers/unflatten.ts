import { type Tensor, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor, fmtShape } from '../util.js';
import { isInteger } from './common.js';
import { pyTuple } from './repr.js';

/**
 * torch.nn.Unflatten: splits dim `dim` of the input into `unflattenedSize` (one entry may be
 * −1, inferred), the inverse of {@link Flatten}; a view, so gradients flow back unchanged.
 *
 * @example
 * ```ts
 * import { zeros } from '@kindling/core';
 * import { Unflatten } from '@kindling/nn';
 * const un = new Unflatten(1, [2, 3]);
 * console.log(un.forward(zeros([4, 6])).shape, String(un)); // [4, 2, 3] Unflatten(dim=1, unflattened_size=(2, 3))
 * ```
 *
 * @category Layers
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!isInteger(dim)) throw new Error(`Unflatten: dim must be an integer, got ${describeValue(dim)}`);
    const sizes: unknown = unflattenedSize;
    // A loop rather than every(): every() skips the holes of a sparse array.
    let ok = Array.isArray(sizes) && sizes.length > 0;
    for (let i = 0; ok && i < (sizes as unknown[]).length; i++) {
      const d = (sizes as unknown[])[i];
      ok = isInteger(d) && d >= -1;
    }
    if (!ok) {
      throw new Error(`Unflatten: unflattenedSize must be a non-empty array of non-negative integers (one may be -1), got ${Array.isArray(sizes) ? `[${Array.from(sizes as unknown[], (d) => describeValue(d)).join(', ')}]` : describeValue(sizes)}`);
    }
    if ((sizes as number[]).filter((d) => d === -1).length > 1) throw new Error(`Unflatten: only one entry of unflattenedSize may be -1, got [${(sizes as number[]).join(', ')}]`);
    this.dim = dim;
    this.unflattenedSize = (sizes as number[]).slice();
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Unflatten', x);
    const n = x.ndim;
    if (this.dim < -n || this.dim >= n) throw new Error(`Unflatten: dim ${this.dim} is out of range for an input of shape ${fmtShape(x.shape)}`);
    const d = this.dim < 0 ? this.dim + n : this.dim;
    const size = x.shape[d]!;
    const known = this.unflattenedSize.filter((s) => s !== -1).reduce((p, s) => p * s, 1);
    const inferred = this.unflattenedSize.includes(-1);
    // With a -1 and a 0 among the sizes, size % 0 is NaN: ambiguous, so it fails too.
    if (inferred ? size % known !== 0 : known !== size) {
      throw new Error(`Unflatten: unflattenedSize [${this.unflattenedSize.join(', ')}] does not multiply up to the size of dim ${this.dim} (${size}) of the input of shape ${fmtShape(x.shape)}`);
    }
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? size / known : s));
    return x.reshape([...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }

  /** `dim=1, unflattened_size=(2, 3)`, as PyTorch prints it (a tuple). */
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

import { type DType, type Generator, type NestedArray, Tensor, TensorData, checkOptions, describeValue, tensor, where } from '@kindling/core';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { fmtShape, positiveInt } from '../util.js';
import { isInteger, layerDtype, normalDraws } from './common.js';

/**
 * Options of {@link Embedding}: torch.nn.Embedding's `padding_idx`, and where the initial
 * weights come from.
 *
 * @category Layers
 */
export interface EmbeddingOptions {
  /** A row (negative counts from the end) that starts at zero and never receives a gradient: a padding token's vector. */
  paddingIdx?: number;
  /** Seeds a fresh generator for the initial weights. */
  seed?: number;
  /** Draws the initial weights from this generator instead (it advances). Without seed or generator: core's default generator (see manualSeed). */
  generator?: Generator;
  /** Weight dtype (default: core's default dtype). */
  dtype?: DType;
}

const EMBEDDING_OPTIONS = ['paddingIdx', 'seed', 'generator', 'dtype'];

/**
 * torch.nn.Embedding: a lookup table, `weight` `[numEmbeddings, embeddingDim]` drawn from the
 * standard normal (as PyTorch initialises it). `forward(indices)` takes integers of any shape S —
 * a float tensor of integers or (nested) arrays of them, core's index convention — and returns
 * the rows at those indices, shape `[...S, embeddingDim]`; gradients of repeated indices add
 * up in their row. With `paddingIdx`, that row starts at zero and gets no gradient (its lookups
 * still return whatever the row holds, as in PyTorch).
 *
 * @example
 * ```ts
 * import { Embedding } from '@kindling/nn';
 * const emb = new Embedding(10, 3, { paddingIdx: 0, seed: 0 });
 * const y = emb.forward([[1, 2, 0], [4, 0, 0]]);
 * console.log(y.shape, Array.from(emb.weight.dataSync()).slice(0, 3), String(emb)); // [2, 3, 3] [0, 0, 0] Embedding(10, 3, padding_idx=0)
 * ```
 *
 * @category Layers
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row, normalised to [0, numEmbeddings) (null: none). */
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    const o = checkOptions('Embedding', opts, EMBEDDING_OPTIONS);
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    const n = this.numEmbeddings;
    if (o.paddingIdx === undefined || o.paddingIdx === null) this.paddingIdx = null;
    else {
      const p = o.paddingIdx;
      if (!isInteger(p) || p < -n || p >= n) {
        throw new Error(`Embedding: paddingIdx must be an integer in [${-n}, ${n - 1}] (within numEmbeddings ${n}), got ${describeValue(p)}`);
      }
      this.paddingIdx = p < 0 ? p + n : p;
    }
    const dtype = layerDtype('Embedding', o.dtype);
    const size = n * this.embeddingDim;
    const z = normalDraws('Embedding', o, size);
    const st = dtype === 'float32' ? Float32Array.from(z) : Float64Array.from(z);
    if (this.paddingIdx !== null) st.fill(0, this.paddingIdx * this.embeddingDim, (this.paddingIdx + 1) * this.embeddingDim);
    this.weight = this.registerParameter('weight', new Parameter(new Tensor(new TensorData(st, [n, this.embeddingDim]))));
  }

  override forward(input: Tensor | NestedArray): Tensor {
    const idx = this.indices(input);
    const flat = new Tensor(new TensorData(idx.values, [idx.values.length]));
    let rows = this.weight.indexSelect(0, flat);
    // -1 (no padding row) matches no index: indices() has checked that they are in range.
    const pad = this.paddingIdx ?? -1;
    if (idx.values.includes(pad)) {
      // Lookups of the padding row read it without a path back to it, so its gradient is 0.
      const mask = new Float64Array(idx.values.length);
      for (let i = 0; i < mask.length; i++) mask[i] = idx.values[i] === pad ? 1 : 0;
      const cond = new Tensor(new TensorData(mask, [mask.length, 1]));
      rows = where(cond, this.weight.detach().indexSelect(0, flat), rows);
    }
    return rows.reshape([...idx.shape, this.embeddingDim]);
  }

  /** The indices, flat, checked against the table (PyTorch's "index out of range", naming the index). */
  private indices(input: unknown): { values: Float64Array; shape: number[] } {
    let t: Tensor;
    if (input instanceof Tensor) t = input;
    else if (typeof input === 'number' || Array.isArray(input)) {
      try {
        t = tensor(input as NestedArray);
      } catch (e) {
        throw new Error(`Embedding: indices must be integers in a (nested) array or a Tensor: ${(e as Error).message}`);
      }
    } else throw new Error(`Embedding: expected indices as a Tensor of integers or (nested) arrays of them, got ${describeValue(input)}`);
    const values = Float64Array.from(t.tensorData.contiguousStorage());
    const n = this.numEmbeddings;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw new Error(`Embedding: index ${describeValue(v)} at flat position ${i} of indices of shape ${fmtShape(t.shape)} is ${Number.isInteger(v) ? 'out of range' : 'not an integer'} (valid: integers 0 to ${n - 1} for ${n} embeddings)`);
      }
    }
    return { values, shape: t.shape.slice() };
  }

  /** `10, 3` and `padding_idx=0` when set, as PyTorch prints it. */
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}

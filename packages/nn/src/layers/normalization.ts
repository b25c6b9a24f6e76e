import { type DType, type Tensor, type TensorData, bumpVersion, checkOptions, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkTensor, fmtShape, positiveInt } from '../util.js';
import { boolArg, filled, finiteNumber, isInteger, layerDtype } from './common.js';
import { pyBool, pyFloat, pyTuple } from './repr.js';

/**
 * Options of {@link BatchNorm1d}: torch.nn.BatchNorm1d's keyword arguments, camelCase.
 *
 * @category Layers
 */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running averages (default 0.1); null: a cumulative average over all batches so far. */
  momentum?: number | null;
  /** Learnable per-feature `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep `running_mean` / `running_var` / `num_batches_tracked` and use them in eval mode (default true); false: batch statistics always, no buffers. */
  trackRunningStats?: boolean;
  /** Dtype of the parameters and running statistics (default: core's default dtype). */
  dtype?: DType;
}

const BATCHNORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'];

/**
 * torch.nn.BatchNorm1d over `[N, C]` or `[N, C, L]` inputs, C = `numFeatures`.
 *
 * In training mode (and always with `trackRunningStats: false`) each feature is normalised with
 * the batch's mean and *biased* variance over N (and L): y = (x − mean) / √(var + eps) · weight +
 * bias. Each training forward also updates, without recording a graph and in place, the
 * buffers `running_mean ← (1 − m)·running_mean + m·mean` and `running_var ← (1 − m)·running_var
 * + m·var_unbiased` (the *unbiased* variance, n/(n − 1) times the biased one, as PyTorch does),
 * with m = `momentum`, or 1/`num_batches_tracked` when momentum is null (a cumulative average),
 * and adds 1 to `num_batches_tracked`. In eval mode the running statistics replace the batch's.
 *
 * The buffers are properties named as PyTorch's state-dict keys (`running_mean`, `running_var`,
 * `num_batches_tracked`), because a Module saves a buffer under its property name and a
 * checkpoint must load into `torch.nn.BatchNorm1d` unchanged; `runningMean`, `runningVar` and
 * `numBatchesTracked` read the same tensors. `num_batches_tracked` is int64 in PyTorch: here it
 * is a 0-d float64 tensor registered with `persistentDtype: 'int64'`.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { BatchNorm1d } from '@kindling/nn';
 * const bn = new BatchNorm1d(3);
 * const y = bn.forward(randn([8, 3, 5], { seed: 0 }));              // batch statistics
 * console.log(Object.keys(bn.stateDict()));                          // ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
 * console.log(bn.numBatchesTracked!.item(), String(bn));             // 1 BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
 * bn.eval();
 * const z = bn.forward(randn([2, 3, 5], { seed: 1 }));               // running statistics
 * ```
 *
 * @category Layers
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  // snake_case on purpose: these property names are the state-dict keys (see the class comment).
  running_mean: Tensor | null;
  running_var: Tensor | null;
  num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    const o = checkOptions('BatchNorm1d', opts, BATCHNORM_OPTIONS);
    this.numFeatures = positiveInt('BatchNorm1d', 'numFeatures', numFeatures);
    this.eps = finiteNumber('BatchNorm1d', 'eps', o.eps ?? 1e-5);
    if (this.eps < 0) throw new Error(`BatchNorm1d: eps must be non-negative, got ${this.eps}`);
    const m = o.momentum === undefined ? 0.1 : o.momentum;
    this.momentum = m === null ? null : finiteNumber('BatchNorm1d', 'momentum', m);
    this.affine = boolArg('BatchNorm1d', 'affine', o.affine ?? true);
    this.trackRunningStats = boolArg('BatchNorm1d', 'trackRunningStats', o.trackRunningStats ?? true);
    const dtype = layerDtype('BatchNorm1d', o.dtype);
    const c = this.numFeatures;
    this.weight = this.registerParameter('weight', this.affine ? filled('BatchNorm1d', [c], 1, dtype) : null);
    this.bias = this.registerParameter('bias', this.affine ? filled('BatchNorm1d', [c], 0, dtype) : null);
    const track = this.trackRunningStats;
    this.running_mean = this.registerBuffer('running_mean', track ? filled('BatchNorm1d', [c], 0, dtype) : null);
    this.running_var = this.registerBuffer('running_var', track ? filled('BatchNorm1d', [c], 1, dtype) : null);
    this.num_batches_tracked = this.registerBuffer('num_batches_tracked', track ? filled('BatchNorm1d', [], 0, 'float64') : null, { persistentDtype: 'int64' });
  }

  /** The running mean (the `running_mean` buffer; null without trackRunningStats). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  /** The running (unbiased) variance (the `running_var` buffer; null without trackRunningStats). */
  get runningVar(): Tensor | null {
    return this.running_var;
  }

  /** How many training batches updated the running statistics (the `num_batches_tracked` buffer, 0-d). */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  override forward(x: Tensor): Tensor {
    const c = this.numFeatures;
    checkTensor('BatchNorm1d', x, `a Tensor of shape [N, ${c}] or [N, ${c}, L]`);
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input ([N, ${c}] or [N, ${c}, L]), got ${x.ndim}D input of shape ${fmtShape(x.shape)}`);
    if (x.shape[1] !== c) throw new Error(`BatchNorm1d: expected ${c} features in dim 1, got shape ${fmtShape(x.shape)}`);
    const axes = x.ndim === 3 ? [0, 2] : [0];
    // Per-feature tensors broadcast against the input as [C] ([N, C]) or [C, 1] ([N, C, L]).
    const perFeature = (t: Tensor): Tensor => (x.ndim === 3 ? t.reshape([c, 1]) : t);
    const rm = this.running_mean;
    const rv = this.running_var;
    const useBatch = this.training || rm === null || rv === null;
    let y: Tensor;
    if (useBatch) {
      const n = x.size / c;
      if (n <= 1) throw new Error(`BatchNorm1d: expected more than 1 value per feature when using batch statistics (training), got input of shape ${fmtShape(x.shape)}`);
      const mean = x.mean(axes, true);
      const xc = x.sub(mean);
      const varSum = xc.square().sum(axes, true);
      y = xc.mul(varSum.div(n).add(this.eps).rsqrt());
      if (this.training && this.trackRunningStats) this.updateRunningStats(mean, varSum, n);
    } else {
      y = x.sub(perFeature(rm)).mul(perFeature(rv).add(this.eps).rsqrt());
    }
    if (this.weight) y = y.mul(perFeature(this.weight));
    if (this.bias) y = y.add(perFeature(this.bias));
    return y;
  }

  /**
   * The running-statistics update, in place on the buffers' storage (optimizers and checkpoints
   * keep the same tensors), with each buffer's version bumped: a graph that read the old values
   * (an eval-mode forward) refuses to backpropagate through them afterwards, as in PyTorch.
   * PyTorch's expressions and order: m·mean + (1 − m)·running, var_sum / (n − 1) unbiased.
   */
  private updateRunningStats(mean: Tensor, varSum: Tensor, n: number): void {
    const count = this.num_batches_tracked;
    if (count) {
      writeFlat(count.tensorData, (old) => old + 1);
      bumpVersion(count, 'BatchNorm1d running statistics');
    }
    const m = this.momentum ?? 1 / (count ? count.tensorData.storage[count.tensorData.offset]! : 1);
    const mu = mean.tensorData.contiguousStorage();
    const vs = varSum.tensorData.contiguousStorage();
    const rm = this.running_mean!;
    const rv = this.running_var!;
    writeFlat(rm.tensorData, (old, i) => m * mu[i]! + (1 - m) * old);
    writeFlat(rv.tensorData, (old, i) => m * (vs[i]! / (n - 1)) + (1 - m) * old);
    bumpVersion(rm, 'BatchNorm1d running statistics');
    bumpVersion(rv, 'BatchNorm1d running statistics');
  }

  /** `4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`, as PyTorch prints it. */
  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Rewrites every element of `td` in place, row-major: element i becomes f(old, i). */
function writeFlat(td: TensorData, f: (old: number, i: number) => number): void {
  const st = td.storage;
  for (let i = 0; i < td.size; i++) {
    // One feature per element: few enough that locate() needs no contiguous fast path.
    const at = td.locate(i);
    st[at] = f(st[at]!, i);
  }
}

/**
 * Options of {@link LayerNorm}: torch.nn.LayerNorm's keyword arguments, camelCase.
 *
 * @category Layers
 */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable `weight` (ones) and `bias` (zeros) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether there is a bias (default true; PyTorch 2.1's `bias=False`). */
  bias?: boolean;
  /** Dtype of the parameters (default: core's default dtype). */
  dtype?: DType;
}

const LAYERNORM_OPTIONS = ['eps', 'elementwiseAffine', 'bias', 'dtype'];

/**
 * torch.nn.LayerNorm: normalises over the last dims, `normalizedShape` (a number for the last
 * dim alone), with each sample's own mean and biased variance: y = (x − mean) / √(var + eps) ·
 * weight + bias. Training and eval mode compute the same thing; there are no running statistics.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { LayerNorm } from '@kindling/nn';
 * const ln = new LayerNorm(2, { eps: 0 });
 * console.log(ln.forward(tensor([[1, 3], [5, 5.5]])).toArray(), String(ln)); // [[-1, 1], [-1, 1]] LayerNorm((2,), eps=0.0, elementwise_affine=True)
 * ```
 *
 * @category Layers
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const o = checkOptions('LayerNorm', opts, LAYERNORM_OPTIONS);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    // A loop rather than every(): every() skips the holes of a sparse array.
    let ok = Array.isArray(shape) && shape.length > 0;
    for (let i = 0; ok && i < shape.length; i++) ok = isInteger(shape[i]) && shape[i]! >= 1;
    if (!ok) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got ${Array.isArray(normalizedShape) ? `[${Array.from(normalizedShape as unknown[], (d) => describeValue(d)).join(', ')}]` : describeValue(normalizedShape)}`);
    }
    this.normalizedShape = shape.slice();
    this.eps = finiteNumber('LayerNorm', 'eps', o.eps ?? 1e-5);
    if (this.eps < 0) throw new Error(`LayerNorm: eps must be non-negative, got ${this.eps}`);
    this.elementwiseAffine = boolArg('LayerNorm', 'elementwiseAffine', o.elementwiseAffine ?? true);
    const hasBias = boolArg('LayerNorm', 'bias', o.bias ?? true);
    const dtype = layerDtype('LayerNorm', o.dtype);
    const s = this.normalizedShape;
    this.weight = this.registerParameter('weight', this.elementwiseAffine ? filled('LayerNorm', s, 1, dtype) : null);
    this.bias = this.registerParameter('bias', this.elementwiseAffine && hasBias ? filled('LayerNorm', s, 0, dtype) : null);
  }

  override forward(x: Tensor): Tensor {
    const s = this.normalizedShape;
    const expected = `a Tensor of shape [*, ${s.join(', ')}]`;
    checkTensor('LayerNorm', x, expected);
    const k = s.length;
    // An input with fewer than k dims reads undefined sizes here, so it fails the same check.
    if (!s.every((d, i) => x.shape[x.ndim - k + i] === d)) {
      throw new Error(`LayerNorm: expected ${expected} (normalizedShape ${fmtShape(s)}), got shape ${fmtShape(x.shape)}`);
    }
    const axes = s.map((_, i) => x.ndim - k + i);
    const mean = x.mean(axes, true);
    const xc = x.sub(mean);
    let y = xc.mul(xc.square().mean(axes, true).add(this.eps).rsqrt());
    if (this.weight) y = y.mul(this.weight);
    if (this.bias) y = y.add(this.bias);
    return y;
  }

  /** `(4,), eps=1e-05, elementwise_affine=True`, as PyTorch prints it (it does not show `bias`). */
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

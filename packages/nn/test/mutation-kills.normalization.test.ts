// BatchNorm1d and LayerNorm: every constructor option names the layer and the option in its
// message, LayerNorm keeps its own copy of normalizedShape, and eval mode with running
// statistics uses them (the survivors of the layers mutation run, 2026-11-30).
import { noGrad, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, LayerNorm } from '../src/index.js';

describe('normalization layers: option messages', () => {
  it('BatchNorm1d names itself and the option', () => {
    expect(() => new BatchNorm1d(2, { eps: Number.NaN })).toThrow(/^BatchNorm1d: eps must be a finite number, got NaN$/);
    expect(() => new BatchNorm1d(2, { momentum: Number.POSITIVE_INFINITY })).toThrow(/^BatchNorm1d: momentum must be a finite number, got Infinity$/);
    expect(() => new BatchNorm1d(2, { affine: 'yes' as never })).toThrow(/^BatchNorm1d: affine must be a boolean, got the string "yes"$/);
    expect(() => new BatchNorm1d(2, { trackRunningStats: 1 as never })).toThrow(/^BatchNorm1d: trackRunningStats must be a boolean, got 1$/);
  });

  it('LayerNorm names itself and the option, and keeps its own copy of normalizedShape', () => {
    expect(() => new LayerNorm(3, { eps: Number.NaN })).toThrow(/^LayerNorm: eps must be a finite number, got NaN$/);
    expect(() => new LayerNorm(3, { elementwiseAffine: 'no' as never })).toThrow(/^LayerNorm: elementwiseAffine must be a boolean, got the string "no"$/);
    expect(() => new LayerNorm(3, { bias: 0 as never })).toThrow(/^LayerNorm: bias must be a boolean, got 0$/);
    const shape = [3];
    const ln = new LayerNorm(shape);
    shape[0] = 5;
    expect(ln.normalizedShape).toEqual([3]);
  });

  it('BatchNorm1d in eval mode normalises with the running statistics, not the batch', () => {
    // running_mean 0 and running_var 1 (the initial values): y = x / sqrt(1 + eps). Batch
    // statistics would give (x - 2) / sqrt(2/3 + eps) instead.
    const bn = new BatchNorm1d(1);
    bn.eval();
    const y = noGrad(() => bn.forward(tensor([[1], [2], [3]])));
    const s = Math.sqrt(1 + 1e-5);
    expect(Array.from(y.dataSync())).toEqual([1 / s, 2 / s, 3 / s]);
  });
});

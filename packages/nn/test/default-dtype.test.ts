import { getDefaultDtype, randn, setDefaultDtype, tensor } from '@kindling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Conv1d, Linear } from '../src/index.js';

describe("layers follow core's default dtype", () => {
  afterEach(() => setDefaultDtype('float64'));

  it('setDefaultDtype(float32) makes float32 parameters; an explicit dtype still wins', () => {
    setDefaultDtype('float32');
    expect(getDefaultDtype()).toBe('float32');
    const fc = new Linear(4, 2, { seed: 0 });
    expect(fc.weight.dtype).toBe('float32');
    expect(fc.bias!.dtype).toBe('float32');
    expect(new Conv1d(1, 2, 3, { seed: 0 }).weight.dtype).toBe('float32');
    expect(new Linear(4, 2, { seed: 0, dtype: 'float64' }).weight.dtype).toBe('float64');
    expect(fc.forward(randn([3, 4], { seed: 1 })).dtype).toBe('float32');
  });

  it('a float32 layer fed float64 data throws naming both dtypes instead of running in float64', () => {
    const fc = new Linear(2, 1, { seed: 0, dtype: 'float32' });
    expect(() => fc.forward(tensor([[1, 2]]))).toThrow(/^matmul: expected both operands to have the same dtype, got float64 .* and float32/);
    const conv = new Conv1d(1, 1, 2, { seed: 0, dtype: 'float32' });
    expect(() => conv.forward(tensor([[[1, 2, 3]]]))).toThrow(/^conv1d: input \(float64\), weight \(float32\)/);
    expect(fc.forward(tensor([[1, 2]]).to('float32')).dtype).toBe('float32');
  });

  it('rejects an unknown default dtype', () => {
    expect(() => setDefaultDtype('float16' as never)).toThrow(/^setDefaultDtype: dtype must be 'float64' or 'float32', got 'float16'/);
    expect(getDefaultDtype()).toBe('float64');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Scalar, tensor, zeros } from '../src/index.js';

// PyTorch's own str(tensor) is the reference (scripts/torch-fixtures/printing.py). PyTorch adds
// `dtype=` only for a non-default dtype and Kindling always does, so the values part (everything
// before the suffix) is compared exactly and the suffix separately.
interface PrintCase {
  id: string;
  shape: number[];
  dtype: 'float64' | 'float32';
  data: (number | string)[];
  options: { precision: number; threshold: number; edgeItems: number; lineWidth: number };
  torch: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch/printing.json', import.meta.url), 'utf8')) as { cases: PrintCase[] };
const decode = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

describe('Tensor.toString matches PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.id, () => {
      const t = tensor(c.data.map(decode), { shape: c.shape, dtype: c.dtype });
      const ours = t.toString(c.options);
      const torchBody = c.torch.replace(/, dtype=torch\.float32\)$/, ')');
      expect(ours.replace(/, dtype=float(32|64)\)$/, ')')).toBe(torchBody);
      expect(ours.endsWith(`dtype=${c.dtype})`)).toBe(true);
    });
  }
});

describe('printing', () => {
  it('shows requiresGrad on leaves and the op on computed tensors', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(String(w)).toBe('tensor([1., 2.], dtype=float64, requiresGrad=true)');
    expect(String(w.mul(2))).toBe('tensor([2., 4.], dtype=float64, gradFn=<mul>)');
    expect(String(zeros([0, 3], { dtype: 'float32' }))).toBe('tensor([], size=(0, 3), dtype=float32)');
    expect(String(zeros([0]))).toBe('tensor([], dtype=float64)');
  });

  it('a million elements print in a few lines (no giant string)', () => {
    const s = String(zeros([1000, 1000]));
    expect(s.split('\n')).toHaveLength(7);
    expect(s.length).toBeLessThan(300);
  });

  it('console.log / util.inspect use toString, not the internals', async () => {
    const { inspect } = await import('node:util');
    const t = tensor([1.5]);
    expect(inspect(t)).toBe('tensor([1.5000], dtype=float64)');
    expect(inspect({ t })).toContain('tensor([1.5000], dtype=float64)');
    expect(inspect(new Scalar(2))).toBe('Scalar(data=2, grad=0)');
  });

  it('rejects bad options naming them', () => {
    const t = tensor([1]);
    expect(() => t.toString({ precison: 2 } as never)).toThrow(/^toString: unknown option 'precison'; accepted options: precision, threshold, edgeItems, lineWidth/);
    expect(() => t.toString({ precision: -1 })).toThrow(/^toString: precision must be a non-negative integer, got -1/);
    expect(() => t.toString({ edgeItems: 0 })).toThrow(/^toString: edgeItems must be a positive integer, got 0/);
  });
});

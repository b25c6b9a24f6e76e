import { describe, expect, it } from 'vitest';
import { type PrintOptions, ones, tensor } from '../src/index.js';

// print/format-tensor.ts: signed zeros and non-finite values, against PyTorch 1.13's str().
// Added for mutation testing. The references came from
//   import torch; nan, inf = float('nan'), float('inf')
//   str(torch.tensor(v, dtype=torch.float64))
// with Kindling's `dtype=float64` in place of torch's `dtype=torch.float64` (torch shows the
// dtype only when it is not the default one; Kindling always does).

const cases: [number[] | number, string][] = [
  // The width is the widest nonzero finite value's: nan, inf and -0 stick out instead of padding the rest.
  [[NaN, 1], 'tensor([nan, 1.], dtype=float64)'],
  [[Infinity, 1], 'tensor([inf, 1.], dtype=float64)'],
  [[-Infinity, 2, 3], 'tensor([-inf, 2., 3.], dtype=float64)'],
  [[0, NaN], 'tensor([0., nan], dtype=float64)'],
  [[NaN, Infinity], 'tensor([nan, inf], dtype=float64)'],
  // -0 keeps its sign in every format.
  [[0, -0], 'tensor([0., -0.], dtype=float64)'],
  [[-0, 1], 'tensor([-0., 1.], dtype=float64)'],
  [[-0], 'tensor([-0.], dtype=float64)'],
  [-0, 'tensor(-0., dtype=float64)'],
  [[-0, 0.5], 'tensor([-0.0000, 0.5000], dtype=float64)'],
  [[-0, 1e-5, 1], 'tensor([-0.0000e+00, 1.0000e-05, 1.0000e+00], dtype=float64)'],
  [NaN, 'tensor(nan, dtype=float64)'],
];

describe('Tensor.toString of signed zeros and non-finite values matches PyTorch', () => {
  for (const [v, expected] of cases) {
    it(expected, () => {
      expect(tensor(v).toString()).toBe(expected);
    });
  }
});

describe('Tensor.toString option checks', () => {
  it('names threshold and lineWidth in their messages', () => {
    const t = tensor([1, 2]);
    expect(() => t.toString({ threshold: -1 })).toThrow(/^toString: threshold must be a non-negative integer, got -1$/);
    expect(() => t.toString({ threshold: 1.5 })).toThrow(/^toString: threshold must be a non-negative integer, got 1\.5$/);
    expect(() => t.toString({ lineWidth: 9 })).toThrow(/^toString: lineWidth must be an integer >= 10, got 9$/);
    // torch.set_printoptions(threshold=0, linewidth=10); str(torch.tensor([1., 2.])) -> 'tensor([1.,\n        2.])'
    expect(t.toString({ threshold: 0, lineWidth: 10 })).toBe('tensor([1.,\n        2.], dtype=float64)');
  });
});

describe('Tensor.toString chooses the format as torch does, at the boundaries', () => {
  // str(torch.tensor(v, dtype=torch.float64)) under torch.set_printoptions(**opts), with the
  // default print options otherwise; torch's `dtype=torch.float64` written as Kindling's.
  const cases: [number[], string, PrintOptions?][] = [
    // max/min exactly 1000 stays fixed or integer; more switches to scientific.
    [[1, 1000], 'tensor([   1., 1000.], dtype=float64)'],
    [[1, 1001], 'tensor([1.0000e+00, 1.0010e+03], dtype=float64)'],
    [[1e-4, 0.1], 'tensor([0.0001, 0.1000], dtype=float64)'],
    // min exactly 1e-4 stays fixed; below it scientific, even when the range is narrow.
    [[1e-4, 0.05], 'tensor([0.0001, 0.0500], dtype=float64)'],
    [[1e-5, 2e-5], 'tensor([1.0000e-05, 2.0000e-05], dtype=float64)'],
    // max exactly 1e8 stays integer; above it scientific, even when the range is narrow.
    [[1e8], 'tensor([100000000.], dtype=float64)'],
    [[2e8], 'tensor([2.0000e+08], dtype=float64)'],
    // Exponents of two and three digits are printed as they are (one digit gets a leading 0).
    [[1e10, 2e10], 'tensor([1.0000e+10, 2.0000e+10], dtype=float64)'],
    [[1e-10, 1], 'tensor([1.0000e-10, 1.0000e+00], dtype=float64)'],
    [[3, 1.5e100], 'tensor([ 3.0000e+00, 1.5000e+100], dtype=float64)'],
    // The first element counts for the width like the others.
    [[100, 1, 2], 'tensor([100.,   1.,   2.], dtype=float64)'],
    // The range is max / min, not their product: 250.5 / 0.25 = 1002.
    [[0.25, 250.5], 'tensor([2.5000e-01, 2.5050e+02], dtype=float64)'],
    // Summarised only above the threshold: 7 elements with threshold 7 are all shown.
    [[0, 1, 2, 3, 4, 5, 6], 'tensor([0., 1., 2., 3., 4., 5., 6.], dtype=float64)', { threshold: 7 }],
    [[0, 1, 2, 3, 4, 5, 6], 'tensor([0., 1., 2.,  ..., 4., 5., 6.], dtype=float64)', { threshold: 6 }],
    // A summarised dim of exactly 2 * edgeItems shows everything.
    [[0, 1, 2, 3, 4, 5], 'tensor([0., 1., 2., 3., 4., 5.], dtype=float64)', { threshold: 0 }],
  ];
  for (const [v, expected, opts] of cases) {
    it(`${JSON.stringify(v)} ${opts ? JSON.stringify(opts) : ''}`, () => {
      expect(tensor(v).toString(opts)).toBe(expected);
    });
  }

  it('a hidden element of a summarised tensor does not take part in the format', () => {
    // x = torch.ones(3, 7, dtype=torch.float64); x[1, 6] = 12345
    // torch.set_printoptions(threshold=0, edgeitems=1); str(x)
    const x = Array.from({ length: 3 }, () => new Array<number>(7).fill(1));
    x[1]![6] = 12345;
    expect(tensor(x).toString({ threshold: 0, edgeItems: 1 })).toBe('tensor([[1.,  ..., 1.],\n        ...,\n        [1.,  ..., 1.]], dtype=float64)');
  });

  it('a row that exactly fills the line stays on one line; one more wraps', () => {
    // torch.set_printoptions(linewidth=23): str(torch.tensor([1., 2., 3., 4.])) -> 'tensor([1., 2., 3., 4.])';
    // linewidth=22: 'tensor([1., 2., 3.,\n        4.])'
    expect(tensor([1, 2, 3, 4]).toString({ lineWidth: 23 })).toBe('tensor([1., 2., 3., 4.], dtype=float64)');
    expect(tensor([1, 2, 3, 4]).toString({ lineWidth: 22 })).toBe('tensor([1., 2., 3.,\n        4.], dtype=float64)');
  });
});

describe('Tensor.toString of a big tensor printed in full', () => {
  it('does not pass every value as an argument (which overflowed the stack)', () => {
    // torch.set_printoptions(threshold=200000); str(torch.ones(200000)) lists all 200000 ones.
    const n = 200000;
    const s = ones([n]).toString({ threshold: n });
    expect(s.startsWith('tensor([1., 1., ')).toBe(true);
    expect(s.endsWith(' 1., 1.], dtype=float64)')).toBe(true);
    expect(s.match(/1\./g)).toHaveLength(n);
    expect(s).not.toContain('...');
  });
});

import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { TensorData, zeros } from '../src/index.js';

// storage/shape.ts and storage/tensor-data.ts: the dims a shape may have. Added for mutation
// testing (second run), which showed TensorData's own fast check let through dims that
// checkShape refuses whenever another dim is 0 (the size then stays under the 2^32 bound).

const dimMessage = (op: string, listed: string, i: number, d: string) =>
  `${op}: invalid shape [${listed}]: dimension ${i} is ${d}, but every dimension must be a non-negative integer`;

describe('TensorData: every dim a safe integer, even when the size is 0', () => {
  it('refuses 2^53, 1e300 and Infinity next to a 0, as zeros() does', () => {
    const empty = new Float64Array(0);
    expect(thrownMessage(() => new TensorData(empty, [2 ** 53, 0]))).toBe(dimMessage('TensorData', '9007199254740992, 0', 0, '9007199254740992'));
    expect(thrownMessage(() => new TensorData(empty, [0, 1e300]))).toBe(dimMessage('TensorData', '0, 1e+300', 1, '1e+300'));
    // Infinity · 0 is NaN: the size used to come out NaN, which no bound catches.
    expect(thrownMessage(() => new TensorData(empty, [0, Infinity]))).toBe(dimMessage('TensorData', '0, Infinity', 1, 'Infinity'));
    expect(thrownMessage(() => zeros([0, Infinity]))).toBe(dimMessage('zeros', '0, Infinity', 1, 'Infinity'));
  });

  it('takes the largest safe integer next to a 0, with size 0', () => {
    const t = new TensorData(new Float64Array(0), [2 ** 53 - 1, 0]);
    expect(t.size).toBe(0);
    expect(t.shape).toEqual([2 ** 53 - 1, 0]);
    expect(zeros([0, 2 ** 53 - 1]).size).toBe(0);
  });
});

describe('checkShape: how the refused shape is listed', () => {
  it('numbers as JavaScript prints them (NaN, Infinity, -0.5), strings as written, anything else described', () => {
    expect(thrownMessage(() => zeros([NaN, 2]))).toBe(dimMessage('zeros', 'NaN, 2', 0, 'NaN'));
    expect(thrownMessage(() => zeros([2, -Infinity]))).toBe(dimMessage('zeros', '2, -Infinity', 1, '-Infinity'));
    expect(thrownMessage(() => zeros([-0.5, true, 'a b'] as never))).toBe(dimMessage('zeros', '-0.5, boolean true, a b', 0, '-0.5'));
    expect(thrownMessage(() => zeros([3, undefined, {}] as never))).toBe(dimMessage('zeros', '3, undefined, an object', 1, 'undefined'));
  });
});

describe('TensorData.tryView: only shapes of the same size', () => {
  // A transposed [2, 3] view: its elements in row-major order are 0, 3, 1, 4, 2, 5.
  const t = new TensorData(Float64Array.of(0, 1, 2, 3, 4, 5), [2, 3]).permute([1, 0]);

  it('refuses a shape of another size, contiguous or not, naming both sizes', () => {
    expect(thrownMessage(() => t.tryView([2, 2]))).toBe("tryView: shape [2, 2] has 4 elements, the view's shape [3, 2] has 6");
    const dense = new TensorData(Float64Array.of(0, 1, 2, 3, 4, 5), [6]);
    expect(thrownMessage(() => dense.tryView([5]))).toBe("tryView: shape [5] has 5 elements, the view's shape [6] has 6");
    expect(thrownMessage(() => dense.tryView([7]))).toBe("tryView: shape [7] has 7 elements, the view's shape [6] has 6");
  });

  it('still views or declines shapes of the right size', () => {
    expect(t.tryView([6])).toBeNull(); // merging transposed dims needs a copy
    const v = t.tryView([3, 2, 1])!;
    expect(Array.from({ length: 6 }, (_, i) => v.storage[v.offset + Math.floor(i / 2) * v.strides[0]! + (i % 2) * v.strides[1]!])).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

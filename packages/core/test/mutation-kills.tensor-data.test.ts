import { describe, expect, it } from 'vitest';
import { TensorData } from '../src/index.js';
import { thrownMessage } from './throws.js';

// Direct tests of TensorData's index arithmetic (storage/tensor-data.ts), written against
// hand-computed layouts. Added for mutation testing: most ops reach these methods only along
// their common paths, so a wrong stride or offset in a rarer layout went unnoticed.

const seq = (n: number, start = 0): Float64Array => Float64Array.from({ length: n }, (_, i) => start + i);
/** Reads a view element by element through its (shape, strides, offset), independently of locate(). */
function elements(t: TensorData): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let n = 0; n < t.size; n++) {
    let pos = t.offset;
    for (let d = 0; d < idx.length; d++) pos += idx[d]! * t.strides[d]!;
    out.push(t.storage[pos]!);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe('TensorData constructor', () => {
  it('takes its dtype from the storage and rejects other arrays, naming what it got', () => {
    expect(new TensorData(new Float64Array(2), [2]).dtype).toBe('float64');
    expect(new TensorData(new Float32Array(2), [2]).dtype).toBe('float32');
    expect(() => new TensorData(new Int32Array(2) as never, [2])).toThrow(/^TensorData: storage must be a Float64Array or Float32Array, got an? Int32Array$/);
    expect(() => new TensorData([1, 2] as never, [2])).toThrow(/got an array/);
  });

  it('defaults to row-major strides and offset 0', () => {
    const t = new TensorData(seq(24), [2, 3, 4]);
    expect(t.strides).toEqual([12, 4, 1]);
    expect(t.offset).toBe(0);
  });

  it('size is the product of the dims: 1 for a 0-d tensor, 0 when any dim is 0', () => {
    expect(new TensorData(seq(24), [2, 3, 4]).size).toBe(24);
    expect(new TensorData(seq(1), []).size).toBe(1);
    expect(new TensorData(seq(0), [2, 0, 3]).size).toBe(0);
    expect(new TensorData(seq(0), [0]).size).toBe(0);
    expect(new TensorData(seq(1), [1, 1, 1]).size).toBe(1);
  });

  it('rejects bad dims (negative, fractional, NaN, non-number) and non-array shapes', () => {
    const s = seq(4);
    expect(() => new TensorData(s, [2, -1])).toThrow(/TensorData/);
    expect(() => new TensorData(s, [-2])).toThrow(/TensorData/);
    expect(() => new TensorData(s, [1.5])).toThrow(/TensorData/);
    expect(() => new TensorData(s, [2, 0.5])).toThrow(/TensorData/);
    expect(() => new TensorData(s, [Number.NaN])).toThrow(/TensorData/);
    expect(() => new TensorData(s, ['2'] as never)).toThrow(/TensorData/);
    expect(() => new TensorData(s, '22' as never)).toThrow(/TensorData/);
  });

  it('allows 64 dims and rejects 65', () => {
    expect(new TensorData(seq(1), new Array(64).fill(1)).ndim).toBe(64);
    expect(() => new TensorData(seq(1), new Array(65).fill(1))).toThrow(/64/);
    expect(new TensorData(seq(2), [2, ...new Array(63).fill(1)]).size).toBe(2);
    expect(new TensorData(seq(6), [...new Array(62).fill(1), 2, 3]).size).toBe(6);
  });

  it('words the error for a null, number or BigInt shape instead of failing with a TypeError', () => {
    const s = seq(4);
    expect(thrownMessage(() => new TensorData(s, null as never))).toBe('TensorData: shape must be an array of non-negative integers, got null');
    expect(thrownMessage(() => new TensorData(s, 4 as never))).toBe('TensorData: shape must be an array of non-negative integers, got 4');
    expect(thrownMessage(() => new TensorData(s, [2, 2n] as never))).toBe(
      'TensorData: invalid shape [2, bigint 2]: dimension 1 is bigint 2, but every dimension must be a non-negative integer',
    );
  });

  it('row-major strides unless strides are given (undefined counts as not given)', () => {
    expect(new TensorData(seq(6), [2, 3], undefined, 0).strides).toEqual([3, 1]);
    expect(new TensorData(seq(6), [2, 3], [1, 2]).strides).toEqual([1, 2]);
    expect(new TensorData(seq(1), []).strides).toEqual([]);
  });

  it('allows 2^32 elements in the shape and rejects more', () => {
    // Only the shape is checked here (views over a small storage are checked by apply).
    expect(new TensorData(seq(1), [2 ** 16, 2 ** 16]).size).toBe(2 ** 32);
    expect(() => new TensorData(seq(1), [2 ** 16, 2 ** 16, 2])).toThrow(/2\^32/);
  });
});

describe('TensorData layout queries', () => {
  it('zeros: a dense zero tensor of the dtype', () => {
    const z = TensorData.zeros([2, 3], 'float32');
    expect(z.storage).toBeInstanceOf(Float32Array);
    expect(Array.from(z.storage)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.strides).toEqual([3, 1]);
    expect(TensorData.zeros([4], 'float64').storage).toBeInstanceOf(Float64Array);
  });

  it('ndim is the number of dims', () => {
    expect(new TensorData(seq(1), []).ndim).toBe(0);
    expect(new TensorData(seq(6), [2, 3]).ndim).toBe(2);
  });

  it('isContiguous: row-major strides only, ignoring the strides of size-1 dims', () => {
    const s = seq(12);
    expect(new TensorData(s, [2, 3]).isContiguous()).toBe(true);
    expect(new TensorData(s, []).isContiguous()).toBe(true);
    expect(new TensorData(s, [2, 3], [1, 2]).isContiguous()).toBe(false); // transposed
    expect(new TensorData(s, [2, 3], [4, 1]).isContiguous()).toBe(false); // padded rows
    expect(new TensorData(s, [3], [2]).isContiguous()).toBe(false);
    expect(new TensorData(s, [2, 3], [0, 1]).isContiguous()).toBe(false); // expanded
    expect(new TensorData(s, [1, 3], [99, 1]).isContiguous()).toBe(true);
    expect(new TensorData(s, [3, 1], [1, 7]).isContiguous()).toBe(true);
    expect(new TensorData(s, [2, 1, 3], [3, 5, 1]).isContiguous()).toBe(true);
    expect(new TensorData(s, [2, 1, 3], [4, 5, 1]).isContiguous()).toBe(false);
    expect(new TensorData(s, [2, 2], [2, 1], 5).isContiguous()).toBe(true); // an offset does not matter
  });

  it('locate maps flat row-major positions through strides and offset', () => {
    // shape [2, 3], column-major strides, offset 5: element (i, j) at 5 + i + 2j.
    const t = new TensorData(seq(12), [2, 3], [1, 2], 5);
    expect([0, 1, 2, 3, 4, 5].map((f) => t.locate(f))).toEqual([5, 7, 9, 6, 8, 10]);
    const u = new TensorData(seq(30), [2, 3, 4], [1, 8, 2], 3); // (i, j, k) at 3 + i + 8j + 2k
    expect(u.locate(0)).toBe(3);
    expect(u.locate(1)).toBe(5); // (0, 0, 1)
    expect(u.locate(4)).toBe(11); // (0, 1, 0)
    expect(u.locate(13)).toBe(3 + 1 + 0 + 2); // (1, 0, 1)
    expect(u.locate(23)).toBe(3 + 1 + 16 + 6); // (1, 2, 3)
    expect(new TensorData(seq(4), [], [], 3).locate(0)).toBe(3);
  });

  it('toString names the dtype and shape', () => {
    expect(new TensorData(new Float32Array(6), [2, 3]).toString()).toBe('TensorData(float32, shape [2, 3])');
    expect(String(new TensorData(new Float64Array(1), []))).toBe('TensorData(float64, shape [])');
  });
});

describe('TensorData copies', () => {
  it('contiguousStorage: the storage itself when dense and whole', () => {
    const s = seq(6);
    expect(new TensorData(s, [2, 3]).contiguousStorage()).toBe(s);
  });

  it('contiguousStorage: a window (no copy) when dense with an offset or a longer storage', () => {
    const s = seq(10);
    const w = new TensorData(s, [2, 2], [2, 1], 3).contiguousStorage();
    expect(Array.from(w)).toEqual([3, 4, 5, 6]);
    expect(w.buffer).toBe(s.buffer);
    w[0] = 100;
    expect(s[3]).toBe(100);
    const head = new TensorData(s, [4]).contiguousStorage();
    expect(head.length).toBe(4);
    expect(Array.from(head)).toEqual([0, 1, 2, 100]);
  });

  it('contiguousStorage: a row-major copy of a strided view', () => {
    const s = seq(6);
    const c = new TensorData(s, [3, 2], [1, 3]).contiguousStorage(); // transpose of [[0,1,2],[3,4,5]]
    expect(Array.from(c)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(c).toBeInstanceOf(Float64Array);
    expect(c).not.toBe(s);
    const f = new TensorData(Float32Array.from([1, 2, 3, 4]), [2, 2], [1, 2]).contiguousStorage();
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([1, 3, 2, 4]);
  });

  it('copyTo: row-major order for 1-d to 4-d strided views, with offsets and another dtype', () => {
    const s = seq(200);
    const cases: [number[], number[], number][] = [
      [[5], [3], 2],
      [[2, 3], [1, 2], 1],
      [[3, 2], [-2, 1], 10],
      [[2, 3, 4], [1, 8, 2], 3],
      [[2, 1, 3], [50, 7, 4], 6],
      [[3, 2, 2, 2], [40, 1, 9, 3], 0],
      [[2, 3], [0, 1], 4], // broadcast rows
      [[4, 1], [3, 1], 0],
    ];
    for (const [shape, strides, offset] of cases) {
      const t = new TensorData(s, shape, strides, offset);
      expect(Array.from(t.copyTo(new Float64Array(t.size)))).toEqual(elements(t));
      expect(Array.from(t.copyTo(new Float32Array(t.size)))).toEqual(elements(t));
    }
  });

  it('copyTo: writes exactly size elements; a longer output keeps its tail', () => {
    const cases: [number[], number[], number][] = [[[2, 3], [1, 2], 1], [[3], [2], 0], [[2, 2, 2], [4, 1, 2], 0]];
    for (const [shape, strides, offset] of cases) {
      const t = new TensorData(seq(20), shape, strides, offset);
      const out = new Float64Array(t.size + 3).fill(-1);
      t.copyTo(out);
      expect(Array.from(out)).toEqual([...elements(t), -1, -1, -1]);
    }
  });

  it('copyTo: a 0-d tensor writes its one element from the offset; an empty one writes nothing', () => {
    const out = new Float64Array([7, 7]);
    expect(new TensorData(seq(5), [], [], 4).copyTo(out)).toBe(out);
    expect(Array.from(out)).toEqual([4, 7]);
    const untouched = new Float64Array([9, 9]);
    expect(Array.from(new TensorData(seq(3), [2, 0], [1, 1], 1).copyTo(untouched))).toEqual([9, 9]);
    expect(Array.from(new TensorData(seq(3), [0, 2], [1, 1], 1).copyTo(untouched))).toEqual([9, 9]);
  });

  it('contiguous(): itself when dense, else a dense copy with row-major strides and offset 0', () => {
    const dense = new TensorData(seq(6), [2, 3]);
    expect(dense.contiguous()).toBe(dense);
    const t = new TensorData(seq(10), [3, 2], [1, 3], 2);
    const c = t.contiguous();
    expect(c).not.toBe(t);
    expect(c.shape).toEqual([3, 2]);
    expect(c.strides).toEqual([2, 1]);
    expect(c.offset).toBe(0);
    expect(Array.from(c.storage)).toEqual([2, 5, 3, 6, 4, 7]);
    expect(new TensorData(Float32Array.from([1, 2, 3, 4]), [2, 2], [1, 2]).contiguous().dtype).toBe('float32');
  });
});

describe('TensorData views', () => {
  it('permute reorders shape and strides and keeps storage and offset', () => {
    const s = seq(30);
    const t = new TensorData(s, [2, 3, 4], [12, 4, 1], 5).permute([2, 0, 1]);
    expect(t.shape).toEqual([4, 2, 3]);
    expect(t.strides).toEqual([1, 12, 4]);
    expect(t.offset).toBe(5);
    expect(t.storage).toBe(s);
  });

  it('expand gives broadcast dims and new leading dims stride 0 and keeps the rest', () => {
    const s = seq(10);
    const a = new TensorData(s, [3], [2], 1).expand([2, 3]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.strides).toEqual([0, 2]);
    expect(a.offset).toBe(1);
    expect(elements(a)).toEqual([1, 3, 5, 1, 3, 5]);
    const b = new TensorData(s, [2, 1], [3, 1], 2).expand([2, 4]);
    expect(b.strides).toEqual([3, 0]);
    expect(elements(b)).toEqual([2, 2, 2, 2, 5, 5, 5, 5]);
    const c = new TensorData(s, [1, 3], [5, 1]).expand([2, 2, 3]);
    expect(c.strides).toEqual([0, 0, 1]);
    expect(new TensorData(s, [2], [1]).expand([2]).strides).toEqual([1]);
    expect(c.storage).toBe(s);
  });

  it('narrow keeps strides and moves the offset by start * stride', () => {
    const s = seq(24);
    const t = new TensorData(s, [2, 3, 4], [12, 4, 1], 0);
    const n = t.narrow(1, 1, 2);
    expect(n.shape).toEqual([2, 2, 4]);
    expect(n.strides).toEqual([12, 4, 1]);
    expect(n.offset).toBe(4);
    expect(t.shape).toEqual([2, 3, 4]); // not modified
    const m = new TensorData(s, [3, 2], [1, 3], 2).narrow(0, 2, 1);
    expect(m.offset).toBe(4);
    expect(elements(m)).toEqual([4, 7]);
  });
});

describe('TensorData.tryView', () => {
  const check = (t: TensorData, shape: number[], strides: number[] | null): void => {
    const v = t.tryView(shape);
    if (strides === null) {
      expect(v).toBeNull();
      return;
    }
    expect(v).not.toBeNull();
    expect(v!.shape).toEqual(shape);
    expect(v!.strides).toEqual(strides);
    expect(v!.offset).toBe(t.offset);
    expect(v!.storage).toBe(t.storage);
    expect(elements(v!)).toEqual(elements(t)); // same elements in row-major order
  };

  it('a dense tensor takes any shape with row-major strides, keeping its offset', () => {
    check(new TensorData(seq(10), [2, 3], [3, 1], 2), [3, 2], [2, 1]);
    check(new TensorData(seq(10), [6], [1], 4), [1, 6, 1], [6, 1, 1]);
  });

  it('an empty strided tensor takes any shape', () => {
    const v = new TensorData(seq(4), [0, 3], [1, 2], 1).tryView([3, 0]);
    expect(v!.shape).toEqual([3, 0]);
    expect(v!.strides).toEqual([0, 1]);
    expect(v!.offset).toBe(1);
  });

  it('merges only dims that are contiguous with each other', () => {
    // [2, 3, 4] permuted to [4, 2, 3]: strides [1, 12, 4]; the last two dims merge.
    const t = new TensorData(seq(24), [2, 3, 4]).permute([2, 0, 1]);
    check(t, [4, 6], [1, 4]);
    check(t, [24], null);
    check(t, [2, 12], null);
    check(t, [8, 3], null);
  });

  it('splits a dim within a strided tensor', () => {
    // Columns 1..4 of a [4, 6] tensor: shape [4, 4], strides [6, 1], offset 1.
    const t = new TensorData(seq(24), [4, 6]).narrow(1, 1, 4);
    check(t, [4, 2, 2], [6, 2, 1]);
    check(t, [2, 2, 4], [12, 6, 1]);
    check(t, [2, 2, 2, 2], [12, 6, 2, 1]);
    check(t, [16], null);
    check(t, [2, 8], null);
    check(t, [8, 2], null);
  });

  it('splits and merges in one chunk', () => {
    // [3, 2, 2] with strides [8, 2, 1] (rows of a wider tensor): the last two dims merge to 4.
    const t = new TensorData(seq(40), [3, 2, 2], [8, 2, 1], 1);
    check(t, [3, 4], [8, 1]);
    check(t, [3, 4, 1], [8, 1, 1]);
    check(t, [6, 2], null);
    check(t, [12], null);
  });

  it('size-1 dims are dropped from the old shape and get stride 1 in the new one', () => {
    const t = new TensorData(seq(30), [3, 1, 2], [1, 99, 3]); // a transposed [2, 3] with a 1 in the middle
    check(t, [3, 2], [1, 3]);
    check(t, [1, 3, 2, 1], [1, 1, 3, 1]);
    check(t, [3, 2, 1], [1, 3, 1]);
    check(t, [6], null);
    const u = new TensorData(seq(30), [2, 1, 3], [1, 5, 2]);
    check(u, [1, 2, 3], [1, 1, 2]);
  });

  it('a transposed matrix splits its dims but cannot flatten', () => {
    const t = new TensorData(seq(12), [4, 3]).permute([1, 0]); // shape [3, 4], strides [1, 3]
    check(t, [3, 2, 2], [1, 6, 3]);
    check(t, [3, 4, 1], [1, 3, 1]);
    check(t, [12], null);
    check(t, [6, 2], null);
    check(t, [3, 1, 4], [1, 1, 3]);
  });

  it('a shape with another element count is refused, never a view of a strided tensor', () => {
    const t = new TensorData(seq(12), [3, 4]).permute([1, 0]);
    expect(() => t.tryView([4])).toThrow("tryView: shape [4] has 4 elements, the view's shape [4, 3] has 12");
    expect(() => t.tryView([4, 3, 2])).toThrow("tryView: shape [4, 3, 2] has 24 elements, the view's shape [4, 3] has 12");
    expect(() => t.tryView([4, 6])).toThrow('has 24 elements');
    expect(() => t.tryView([8, 3])).toThrow('has 24 elements');
  });
});

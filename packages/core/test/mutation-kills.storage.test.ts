import { afterEach, describe, expect, it, vi } from 'vitest';
import { thrownMessage } from './throws.js';
import { bumpVersion, eye, getDefaultDtype, setDefaultDtype, split, tensor, zeros } from '../src/index.js';

// storage/dtype.ts, storage/shape.ts and storage/version.ts, behaviour by behaviour. Added for
// mutation testing: core's own tests never set the default dtype (only nn's did), never saw an
// allocation fail, and never wrote one storage twice.

describe('setDefaultDtype', () => {
  afterEach(() => setDefaultDtype('float64'));

  it('changes the dtype factories use when none is given, and back', () => {
    expect(getDefaultDtype()).toBe('float64');
    setDefaultDtype('float32');
    expect(getDefaultDtype()).toBe('float32');
    expect(zeros([2]).dtype).toBe('float32');
    expect(tensor([1, 2]).dtype).toBe('float32');
    expect(zeros([2], { dtype: 'float64' }).dtype).toBe('float64');
    setDefaultDtype('float64');
    expect(getDefaultDtype()).toBe('float64');
    expect(zeros([2]).dtype).toBe('float64');
  });

  it('refuses anything but the two dtype names, quoting a string and naming other values', () => {
    expect(thrownMessage(() => setDefaultDtype('float16' as never))).toBe("setDefaultDtype: dtype must be 'float64' or 'float32', got 'float16'");
    expect(thrownMessage(() => setDefaultDtype('' as never))).toBe("setDefaultDtype: dtype must be 'float64' or 'float32', got ''");
    expect(thrownMessage(() => setDefaultDtype(32 as never))).toBe("setDefaultDtype: dtype must be 'float64' or 'float32', got 32");
    expect(thrownMessage(() => setDefaultDtype(undefined as never))).toBe("setDefaultDtype: dtype must be 'float64' or 'float32', got undefined");
    expect(thrownMessage(() => setDefaultDtype(null as never))).toBe("setDefaultDtype: dtype must be 'float64' or 'float32', got null");
    // A refused value leaves the default as it was.
    expect(getDefaultDtype()).toBe('float64');
  });
});

describe('allocateFor', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("turns the engine's nameless RangeError into a message naming the op, the count, the dtype and the shape", () => {
    vi.stubGlobal(
      'Float32Array',
      class {
        constructor() {
          throw new RangeError('Array buffer allocation failed');
        }
      },
    );
    const msg = thrownMessage(() => eye(2, 3, { dtype: 'float32' }));
    vi.unstubAllGlobals();
    expect(msg).toBe('eye: cannot allocate 6 float32 elements for shape [2, 3] (Array buffer allocation failed)');
  });

  it('counts exactly below a billion, then in short scientific form; 2^32 elements pass the size check', () => {
    const failing = (): void => {
      vi.stubGlobal(
        'Float32Array',
        class {
          constructor() {
            throw new RangeError('Array buffer allocation failed');
          }
        },
      );
    };
    failing();
    const messages = [
      thrownMessage(() => eye(999999999, 1, { dtype: 'float32' })),
      thrownMessage(() => eye(31250, 32000, { dtype: 'float32' })),
      thrownMessage(() => eye(65536, 65536, { dtype: 'float32' })),
    ];
    vi.unstubAllGlobals();
    expect(messages).toEqual([
      'eye: cannot allocate 999999999 float32 elements for shape [999999999, 1] (Array buffer allocation failed)',
      'eye: cannot allocate 1e9 float32 elements for shape [31250, 32000] (Array buffer allocation failed)',
      // 2^32 = 4294967296 is the most one tensor may hold: it gets as far as the allocation.
      'eye: cannot allocate 4.295e9 float32 elements for shape [65536, 65536] (Array buffer allocation failed)',
    ]);
  });

  it('lets any other error through unchanged', () => {
    const boom = new TypeError('not an allocation failure');
    vi.stubGlobal(
      'Float32Array',
      class {
        constructor() {
          throw boom;
        }
      },
    );
    let caught: unknown;
    try {
      eye(2, 3, { dtype: 'float32' });
    } catch (e) {
      caught = e;
    }
    vi.unstubAllGlobals();
    expect(caught).toBe(boom);
  });
});

describe('version counting', () => {
  it('counts every write to a storage, the first and each later one', () => {
    const t = tensor([1, 2, 3]);
    expect(t.version).toBe(0);
    bumpVersion(t, 'a');
    expect(t.version).toBe(1);
    bumpVersion(t, 'b');
    expect(t.version).toBe(2);
    bumpVersion(t.tensorData, 'c');
    expect(t.version).toBe(3);
    // A view shares the storage and so the count; another tensor has its own.
    expect(t.narrow(0, 1, 2).version).toBe(3);
    expect(tensor([1, 2, 3]).version).toBe(0);
  });

  it('a write before the forward pass is not a write after it, even once other storages changed since', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    bumpVersion(w, 'before');
    const loss = w.mul(w).sum();
    bumpVersion(tensor([0]), 'elsewhere'); // the global epoch moves on, so the saved tensors are looked up
    loss.backward();
    expect(w.grad!.toArray()).toEqual([2, 4]); // d/dw sum(w²) = 2w
  });

  it('names the last writer when a saved tensor was written more than once', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const loss = w.mul(w).sum();
    bumpVersion(w, 'first update');
    bumpVersion(w, 'second update');
    expect(thrownMessage(() => loss.backward())).toMatch(/^backward: a tensor saved by mul \(input 0, shape \[2\]\) was modified in place \(second update\) after the forward pass/);
  });
});

describe('resultType', () => {
  it('two 0-d tensors of different dtypes promote to float64, whichever comes first', () => {
    // torch: (torch.tensor(1., dtype=torch.float32) + torch.tensor(1., dtype=torch.float64)).dtype == torch.float64, and in the other order.
    const a32 = tensor(1, { dtype: 'float32' });
    const a64 = tensor(1, { dtype: 'float64' });
    expect(a32.add(a64).dtype).toBe('float64');
    expect(a64.add(a32).dtype).toBe('float64');
    // A 0-d operand does not promote a dimensioned one.
    expect(tensor([1], { dtype: 'float32' }).add(a64).dtype).toBe('float32');
    expect(a64.add(tensor([1], { dtype: 'float32' })).dtype).toBe('float32');
  });
});

describe('shape and axis checks', () => {
  it('checkShape: at most 64 dims; each bad dim named in the listed shape, strings shown as written', () => {
    expect(zeros(new Array(64).fill(1)).ndim).toBe(64);
    expect(thrownMessage(() => zeros(new Array(65).fill(1)))).toBe('zeros: a tensor can have at most 64 dimensions, got 65');
    expect(thrownMessage(() => zeros(['2', -1] as never))).toBe('zeros: invalid shape [2, -1]: dimension 0 is the string "2", but every dimension must be a non-negative integer');
    expect(thrownMessage(() => zeros([2, null, 1.5] as never))).toBe('zeros: invalid shape [2, null, 1.5]: dimension 1 is null, but every dimension must be a non-negative integer');
    expect(thrownMessage(() => zeros([2, -1]))).toBe('zeros: invalid shape [2, -1]: dimension 1 is -1, but every dimension must be a non-negative integer');
    // 2^53 is past the safe integers even though the product is 0.
    expect(thrownMessage(() => zeros([2 ** 53, 0]))).toBe(
      'zeros: invalid shape [9007199254740992, 0]: dimension 0 is 9007199254740992, but every dimension must be a non-negative integer',
    );
    expect(zeros([2, 0]).shape).toEqual([2, 0]);
  });

  it('normalizeAxis: an integer in [-ndim, ndim), negative ones counted from the end', () => {
    const x = zeros([2, 3]);
    expect(split(x, 1, -2)).toHaveLength(2);
    expect(split(x, 1, -1)).toHaveLength(3);
    expect(split(x, 1, 1)).toHaveLength(3);
    expect(thrownMessage(() => split(x, 1, -3))).toBe('split: axis -3 is out of range for a tensor with 2 dimension(s)');
    expect(thrownMessage(() => split(x, 1, 2))).toBe('split: axis 2 is out of range for a tensor with 2 dimension(s)');
    expect(thrownMessage(() => split(x, 1, 1.5))).toBe('split: axis 1.5 is not an integer');
    expect(thrownMessage(() => split(x, 1, '1' as never))).toBe('split: axis must be an integer, got the string "1"');
  });
});

describe('broadcastShapes', () => {
  it('aligns from the right; size-1 and missing dims stretch; a mismatch names the dim from the end', () => {
    // torch.broadcast_shapes((5, 1, 3), (2, 1)) == (5, 2, 3); ((1,), (2, 3)) == (2, 3)
    expect(zeros([5, 1, 3]).mul(zeros([2, 1])).shape).toEqual([5, 2, 3]);
    expect(zeros([2, 1]).mul(zeros([5, 1, 3])).shape).toEqual([5, 2, 3]);
    expect(zeros([1]).add(zeros([2, 3])).shape).toEqual([2, 3]);
    expect(thrownMessage(() => tensor([1, 2, 3]).add(tensor([1, 2])))).toBe('add: shapes [3] and [2] cannot be broadcast together (dim -1 is 3 vs 2)');
    expect(thrownMessage(() => zeros([2, 3]).add(zeros([4, 3])))).toBe('add: shapes [2, 3] and [4, 3] cannot be broadcast together (dim -2 is 2 vs 4)');
    expect(thrownMessage(() => zeros([3]).add(zeros([2, 4])))).toBe('add: shapes [3] and [2, 4] cannot be broadcast together (dim -1 is 3 vs 4)');
  });
});

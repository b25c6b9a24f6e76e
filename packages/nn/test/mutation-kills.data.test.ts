// The data pipeline's edges, pinned down exactly: which datasets, indices and batch sizes are
// refused (whole messages), the bounds of negative indexing, and collate's array (tuple) branch
// with its structure checks, as torch.utils.data's default_collate batches them.
import { Generator, Tensor, arange, manualSeed, randperm, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, Subset, TensorDataset, collate, randomSplit } from '../src/index.js';

const rows = (t: Tensor) => t.toArray();
/** The whole message, anchored: a changed word anywhere fails. */
const exactly = (s: string) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

describe('DataLoader batchSize', () => {
  const ds = new TensorDataset(arange(5));

  it('refuses a batch size that is not a positive safe integer, naming the value', () => {
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow(/^DataLoader: batchSize must be a positive integer, got 2\.5$/);
    expect(() => new DataLoader(ds, { batchSize: 2 ** 53 })).toThrow(/^DataLoader: batchSize must be a positive integer, got 9007199254740992$/);
    expect(() => new DataLoader(ds, { batchSize: '2' as never })).toThrow(/^DataLoader: batchSize must be a positive integer, got the string "2"$/);
    expect(() => new DataLoader(ds, { batchSize: -1 })).toThrow(/^DataLoader: batchSize must be a positive integer, got -1$/);
  });

  it('shuffle and dropLast must be booleans', () => {
    expect(() => new DataLoader(ds, { dropLast: 1 as never })).toThrow(/^DataLoader: dropLast must be a boolean, got 1$/);
    expect(() => new DataLoader(ds, { shuffle: 'yes' as never })).toThrow(/^DataLoader: shuffle must be a boolean, got the string "yes"$/);
    expect(() => new DataLoader(ds, { shuffle: null as never })).toThrow(/^DataLoader: shuffle must be a boolean, got null$/);
  });

  it('a batch size of one is the default; a batch larger than the dataset gives one short batch', () => {
    expect(new DataLoader(ds).batchSize).toBe(1);
    expect([...new DataLoader(ds)].map(([x]) => rows(x!))).toEqual([[0], [1], [2], [3], [4]]);
    const big = [...new DataLoader(ds, { batchSize: 7 })];
    expect(big.map(([x]) => rows(x!))).toEqual([[0, 1, 2, 3, 4]]);
    expect([...new DataLoader(ds, { batchSize: 7, dropLast: true })]).toEqual([]);
  });
});

describe('dataset indices', () => {
  const ds = new TensorDataset(arange(3).mul(10));

  it('negative indices reach back to -length, and no further', () => {
    expect(ds.get(-3)[0]!.item()).toBe(0);
    expect(ds.get(-1)[0]!.item()).toBe(20);
    expect(() => ds.get(-4)).toThrow(/^TensorDataset\.get: index -4 is out of range for a dataset of 3 sample\(s\)$/);
    expect(rows(ds.getBatch([-3, 2, -2])[0]!)).toEqual([0, 20, 10]);
    expect(() => ds.getBatch([0, -4])).toThrow(/^TensorDataset\.getBatch: index -4 is out of range for a dataset of 3 sample\(s\)$/);
  });

  it('indices that are not integers are refused, whatever their type', () => {
    expect(() => ds.get('1' as never)).toThrow(/^TensorDataset\.get: index the string "1" is out of range for a dataset of 3 sample\(s\)$/);
    expect(() => ds.getBatch([0, 0.5])).toThrow(/^TensorDataset\.getBatch: index 0\.5 is out of range for a dataset of 3 sample\(s\)$/);
    expect(() => ds.getBatch([null] as never)).toThrow(/^TensorDataset\.getBatch: index null is out of range for a dataset of 3 sample\(s\)$/);
  });

  it('a batch of indices must be an array', () => {
    expect(() => ds.getBatch(2 as never)).toThrow(/^TensorDataset\.getBatch: indices must be an array of integers, got 2$/);
    expect(() => ds.getBatch('01' as never)).toThrow(/^TensorDataset\.getBatch: indices must be an array of integers, got the string "01"$/);
    expect(() => new Subset(ds, new Set([0]) as never)).toThrow(/^Subset: indices must be an array of integers, got a Set$/);
    const sub = new Subset(ds, [2, 0]);
    expect(() => sub.getBatch(1 as never)).toThrow(/^Subset\.getBatch: indices must be an array of integers, got 1$/);
    expect(rows(sub.getBatch([-1, 0])[0]!)).toEqual([0, 20]);
    expect(sub.get(-2)[0]!.item()).toBe(20);
  });
});

describe('what counts as a dataset', () => {
  const message = (op: string, got: string) => `${op}: dataset must have a non-negative integer length and a get(index) method, got ${got}`;

  it('refuses null, functions, and objects without a get method or a valid length', () => {
    const fn = Object.assign(() => 0, { get: (i: number) => i }); // a function has a length (its arity)
    expect(() => new DataLoader(null as never)).toThrow(exactly(message('DataLoader', 'null')));
    expect(() => new DataLoader(undefined as never)).toThrow(exactly(message('DataLoader', 'undefined')));
    expect(() => new DataLoader(fn as never)).toThrow(exactly(message('DataLoader', 'a function')));
    expect(() => new DataLoader({ length: 2 } as never)).toThrow(exactly(message('DataLoader', 'an object')));
    expect(() => new DataLoader({ length: 2, get: 1 } as never)).toThrow(exactly(message('DataLoader', 'an object')));
    expect(() => new DataLoader({ length: -1, get: (i: number) => i })).toThrow(exactly(message('DataLoader', 'an object')));
    expect(() => new DataLoader({ length: 1.5, get: (i: number) => i })).toThrow(exactly(message('DataLoader', 'an object')));
    expect(() => new DataLoader({ length: '2', get: (i: number) => i } as never)).toThrow(exactly(message('DataLoader', 'an object')));
    expect(() => new Subset(null as never, [])).toThrow(exactly(message('Subset', 'null')));
    expect(() => randomSplit(fn as never, [0])).toThrow(exactly(message('randomSplit', 'a function')));
  });

  it('accepts any object with a get method and a non-negative integer length, an empty one too', () => {
    const empty = { length: 0, get: (i: number) => i };
    const loader = new DataLoader(empty);
    expect(loader.length).toBe(0);
    expect([...loader]).toEqual([]);
    const squares = { length: 3, get: (i: number) => i * i };
    expect([...new DataLoader(squares, { batchSize: 2 })].map(rows)).toEqual([[0, 1], [4]]);
  });
});

describe('collate', () => {
  it('needs a non-empty array of samples', () => {
    for (const bad of ['ab', null, new Set([1]), []]) {
      expect(() => collate(bad as never)).toThrow(/^collate: needs a non-empty array of samples$/);
    }
  });

  it('stacks tensors along a new first dimension, numbers into a float64 vector', () => {
    const t = collate([tensor([[1, 2]]), tensor([[3, 4]])]);
    expect(t.shape).toEqual([2, 1, 2]);
    expect(rows(t)).toEqual([[[1, 2]], [[3, 4]]]);
    const n = collate([1, 2.5, -3]);
    expect(n.dtype).toBe('float64');
    expect(rows(n)).toEqual([1, 2.5, -3]);
  });

  it('collates arrays (tuples) position by position, nested ones too', () => {
    const batch = collate([[tensor([1, 2]), 0, [5, tensor(7)]], [tensor([3, 4]), 1, [6, tensor(8)]]] as const);
    expect(batch.length).toBe(3);
    expect(batch[0].shape).toEqual([2, 2]);
    expect(rows(batch[0])).toEqual([[1, 2], [3, 4]]);
    expect(batch[1].dtype).toBe('float64');
    expect(rows(batch[1])).toEqual([0, 1]);
    expect(rows(batch[2][0])).toEqual([5, 6]);
    expect(rows(batch[2][1])).toEqual([7, 8]);
  });

  it('a dataset of tuples without getBatch batches through collate', () => {
    const pairs = { length: 3, get: (i: number) => [tensor([i, -i]), i * 10] as [Tensor, number] };
    const batches = [...new DataLoader(pairs, { batchSize: 2 })];
    expect(batches.length).toBe(2);
    expect(rows(batches[0]![0])).toEqual([[0, -0], [1, -1]]);
    expect(rows(batches[0]![1])).toEqual([0, 10]);
    expect(rows(batches[1]![0])).toEqual([[2, -2]]);
    expect(rows(batches[1]![1])).toEqual([20]);
  });

  it('refuses samples whose structure differs from the first one, with the whole message', () => {
    const tail = 'samples must have the same structure';
    expect(() => collate([[1, 2], [1]] as never[])).toThrow(exactly(`collate: sample 1 is an array but sample 0 is an array of 2; ${tail}`));
    expect(() => collate([[1, 2], [3, 4], [5, 6, 7]] as never[])).toThrow(exactly(`collate: sample 2 is an array but sample 0 is an array of 2; ${tail}`));
    expect(() => collate([[1, 2], 3] as never[])).toThrow(exactly(`collate: sample 1 is 3 but sample 0 is an array of 2; ${tail}`));
    expect(() => collate([[1], { 0: 2, length: 1 }] as never[])).toThrow(exactly(`collate: sample 1 is an object but sample 0 is an array of 1; ${tail}`));
    expect(() => collate([1, 'x'] as never[])).toThrow(exactly(`collate: sample 1 is the string "x" but sample 0 is a number; ${tail}`));
    expect(() => collate([1, tensor(2)] as never[])).toThrow(exactly(`collate: sample 1 is a Tensor but sample 0 is a number; ${tail}`));
    expect(() => collate([tensor(1), 2] as never[])).toThrow(exactly(`collate: sample 1 is 2 but sample 0 is a Tensor; ${tail}`));
  });

  it('stacks tensors only when their shapes match exactly, rank included', () => {
    const tail = 'tensors stack only when their shapes match';
    expect(() => collate([tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2])])).toThrow(exactly(`collate: sample 1 has shape [2] but sample 0 has shape [2, 3]; ${tail}`));
    expect(() => collate([tensor([1, 2]), tensor([[1, 2, 3], [4, 5, 6]])])).toThrow(exactly(`collate: sample 1 has shape [2, 3] but sample 0 has shape [2]; ${tail}`));
    expect(() => collate([tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2], [3, 4]])])).toThrow(exactly(`collate: sample 1 has shape [2, 2] but sample 0 has shape [2, 3]; ${tail}`));
    expect(() => collate([tensor([[1, 2], [3, 4]]), tensor([[1, 2], [3, 4]]), tensor([[1, 2]])])).toThrow(exactly(`collate: sample 2 has shape [1, 2] but sample 0 has shape [2, 2]; ${tail}`));
  });
});

describe('collate of plain objects', () => {
  const tail = 'samples must have the same structure';

  it('collates key by key, whatever the keys\' order in each sample', () => {
    const batch = collate([{ x: tensor([1, 2]), y: 0 }, { y: 1, x: tensor([3, 4]) }]);
    expect(Object.keys(batch)).toEqual(['x', 'y']);
    expect(rows(batch.x)).toEqual([[1, 2], [3, 4]]);
    expect(rows(batch.y)).toEqual([0, 1]);
  });

  it('refuses samples that are not objects with exactly the first one\'s keys', () => {
    expect(() => collate([{ a: 1 }, null] as never[])).toThrow(exactly(`collate: sample 1 is null but sample 0 is an object with keys a; ${tail}`));
    // A string has own index keys too ('0', '1'), yet it is no object.
    expect(() => collate([{ 0: 1, 1: 2 }, 'ab'] as never[])).toThrow(exactly(`collate: sample 1 is the string "ab" but sample 0 is an object with keys 0, 1; ${tail}`));
    expect(() => collate([{ a: 1 }, { a: 2, b: 3 }] as never[])).toThrow(exactly(`collate: sample 1 is an object but sample 0 is an object with keys a; ${tail}`));
    expect(() => collate([{ a: 1, b: 2 }, { a: 3, c: 4 }] as never[])).toThrow(exactly(`collate: sample 1 is an object but sample 0 is an object with keys a, b; ${tail}`));
    expect(() => collate([{ a: 1, b: 2 }, { a: 3, b: 4 }, { b: 5 }] as never[])).toThrow(exactly(`collate: sample 2 is an object but sample 0 is an object with keys a, b; ${tail}`));
  });

  it('refuses null and objects that are not plain (class instances, Maps, Dates)', () => {
    const tail2 = 'samples must be Tensors, numbers, or arrays / plain objects of them';
    expect(() => collate([null, null])).toThrow(exactly(`collate: cannot batch null; ${tail2}`));
    expect(() => collate([new Map(), new Map()])).toThrow(exactly(`collate: cannot batch a Map; ${tail2}`));
    expect(() => collate([new Date(0), new Date(1)])).toThrow(exactly(`collate: cannot batch a Date; ${tail2}`));
    expect(() => collate([undefined, undefined])).toThrow(exactly(`collate: cannot batch undefined; ${tail2}`));
  });
});

describe('shuffled order', () => {
  // permutation(): core's randperm (float64), seeded with 53 bits from the loader's generator
  // (its next two 32-bit draws, the first as the high 32 bits, the top 21 of the second below
  // them), or drawn from the default generator when the loader has none.
  const n = 12;
  const ds = new TensorDataset(arange(n));
  const epochOrder = (loader: DataLoader<Tensor[]>) => [...loader].flatMap(([x]) => x!.toArray() as number[]);
  const seededPerm = (g: Generator) => {
    const hi = g.nextUint32();
    const lo = g.nextUint32();
    return Array.from(randperm(n, { seed: hi * 2 ** 21 + (lo >>> 11), dtype: 'float64' }).dataSync());
  };

  it('each epoch is randperm seeded from the next 53 bits of the loader\'s generator', () => {
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const g = new Generator(42);
    expect(epochOrder(loader)).toEqual(seededPerm(g));
    expect(epochOrder(loader)).toEqual(seededPerm(g));
    const shared = new Generator(7);
    const twin = new Generator(7);
    expect(epochOrder(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: shared }))).toEqual(seededPerm(twin));
    const [a, b] = randomSplit(ds, [7, 5], { generator: shared });
    const perm = seededPerm(twin);
    expect(a!.indices).toEqual(perm.slice(0, 7));
    expect(b!.indices).toEqual(perm.slice(7));
  });

  it('without a generator, it is the default generator\'s randperm', () => {
    manualSeed(3);
    const expected = randperm(n).toArray();
    manualSeed(3);
    expect(epochOrder(new DataLoader(ds, { batchSize: 5, shuffle: true }))).toEqual(expected);
    manualSeed(3);
    expect(randomSplit(ds, [12]).map((s) => s.indices)).toEqual([expected]);
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => new DataLoader(ds, { seed: '1' as never })).toThrow(/^DataLoader: seed must be a safe integer, got the string "1"$/);
    expect(() => randomSplit(ds, [12], { seed: 2 ** 53 })).toThrow(/^randomSplit: seed must be a safe integer, got 9007199254740992$/);
  });
});

describe('randomSplit lengths', () => {
  const ds = new TensorDataset(arange(3));

  // The results and refusals below are torch 1.13's random_split's (its messages differ).
  it('counts summing to less than one are counts, not fractions', () => {
    expect(() => randomSplit(ds, [0, 0], { seed: 0 })).toThrow(exactly('randomSplit: the lengths sum to 0, but the dataset has 3 sample(s); counts must add up to its length (or fractions to 1)'));
    expect(() => randomSplit(ds, [0.25, 0.25], { seed: 0 })).toThrow(exactly('randomSplit: lengths[0] must be a non-negative integer count (or all lengths fractions summing to 1), got 0.25'));
  });

  it('lengths summing to exactly one are fractions, even when they look like counts', () => {
    // torch 1.13: [len(s) for s in random_split(range(3), [1, 0])] == [3, 0]
    expect(randomSplit(ds, [1, 0], { seed: 0 }).map((s) => s.length)).toEqual([3, 0]);
  });

  it('fractions within 1e-9 below one count as fractions; farther off, or above one, they do not', () => {
    // torch: math.isclose(0.3 + 0.3 + 0.3999999995, 1) is True, so the lengths are fractions:
    // floor(3 * f) = 0, 0, 1, and the remainder 2 goes to the first two splits.
    expect(randomSplit(ds, [0.3, 0.3, 0.3999999995], { seed: 0 }).map((s) => s.length)).toEqual([1, 1, 1]);
    expect(() => randomSplit(ds, [0.3, 0.3, 0.399999998], { seed: 0 })).toThrow(/^randomSplit: lengths\[0\] must be a non-negative integer count \(or all lengths fractions summing to 1\), got 0\.3$/);
    expect(() => randomSplit(ds, [0.5, 0.5000000001], { seed: 0 })).toThrow(/^randomSplit: lengths\[0\] must be a non-negative integer count \(or all lengths fractions summing to 1\), got 0\.5$/);
  });

  it('each fraction must lie in [0, 1], checked in order', () => {
    expect(() => randomSplit(ds, [1.5, -0.5], { seed: 0 })).toThrow(exactly('randomSplit: fraction at index 0 is not between 0 and 1, got 1.5'));
    expect(() => randomSplit(ds, [0.5, -0.5, 1], { seed: 0 })).toThrow(exactly('randomSplit: fraction at index 1 is not between 0 and 1, got -0.5'));
    expect(() => randomSplit(ds, [-1, 1, 1], { seed: 0 })).toThrow(exactly('randomSplit: fraction at index 0 is not between 0 and 1, got -1'));
  });

  it('refuses lengths that are not finite numbers, naming the first', () => {
    expect(() => randomSplit(ds, [1, '2'] as never)).toThrow(exactly('randomSplit: lengths[1] must be a finite number, got the string "2"'));
    expect(() => randomSplit(ds, [1, Infinity])).toThrow(exactly('randomSplit: lengths[1] must be a finite number, got Infinity'));
    // eslint-disable-next-line no-sparse-arrays
    expect(() => randomSplit(ds, [3, , 0] as never)).toThrow(exactly('randomSplit: lengths[1] must be a finite number, got undefined'));
  });
});

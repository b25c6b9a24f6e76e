// TensorDataset, DataLoader and randomSplit. Against PyTorch (fixtures/torch/nn_data.json, from
// scripts/torch-fixtures/nn_data.py): unshuffled batches and len(loader), and the split lengths
// from counts or fractions. Shuffled orders cannot match torch's (Kindling's random streams are
// its own), so their semantics are tested instead: every index once per epoch, a new order each
// epoch, seeds reproducible.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, TensorData, arange, manualSeed, randn, tensor, traceOps } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, Subset, TensorDataset, collate, randomSplit, type Dataset } from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64'; data: number[] }
interface LoaderCase { id: string; kind: 'loader'; n: number; batchSize: number; dropLast: boolean; length: number; batches: { x: Json; y: Json }[] }
interface SplitCase { id: string; kind: 'split'; n: number; lengths: number[]; result: number[] | null; error: string | null }

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_data.json'), 'utf8')) as { cases: (LoaderCase | SplitCase)[] };
const loaderCases = fixture.cases.filter((c): c is LoaderCase => c.kind === 'loader');
const splitCases = fixture.cases.filter((c): c is SplitCase => c.kind === 'split');

/** The fixture's dataset: x[i] = [i, -i], y[i] = 10 i. */
function numbered(n: number): TensorDataset {
  const x = new Tensor(new TensorData(Float64Array.from({ length: 2 * n }, (_, k) => (k % 2 ? -1 : 1) * Math.floor(k / 2)), [n, 2]));
  return new TensorDataset(x, arange(n).mul(10));
}

const ids = (batch: Tensor[]) => (batch[1]!.toArray() as number[]).map((v) => v / 10);

describe('DataLoader against torch.utils.data.DataLoader (unshuffled)', () => {
  it('has the fixture cases', () => expect(loaderCases.length).toBe(11));

  it.each(loaderCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const loader = new DataLoader(numbered(c.n), { batchSize: c.batchSize, dropLast: c.dropLast });
    expect(loader.length).toBe(c.length);
    const batches = [...loader];
    expect(batches.length).toBe(c.batches.length);
    batches.forEach(([x, y], b) => {
      expect(x!.shape).toEqual(c.batches[b]!.x.shape);
      expect(y!.shape).toEqual(c.batches[b]!.y.shape);
      expect(Array.from(x!.dataSync())).toEqual(c.batches[b]!.x.data);
      expect(Array.from(y!.dataSync())).toEqual(c.batches[b]!.y.data);
    });
  });
});

describe('randomSplit lengths against torch.utils.data.random_split', () => {
  it('has the fixture cases', () => expect(splitCases.length).toBe(14));

  it.each(splitCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const ds = new TensorDataset(arange(c.n));
    if (c.error !== null) {
      // PyTorch says "Sum of input lengths does not equal..." also for [0.5, 0.6], which are not
      // counts; Kindling names the non-integer count instead.
      const expected = c.error.startsWith('Fraction')
        ? /randomSplit: fraction at index 0 is not between 0 and 1/
        : /randomSplit: (the lengths sum to \d+, but the dataset has \d+ sample|lengths\[0\] must be a non-negative integer count)/;
      expect(() => randomSplit(ds, c.lengths, { seed: 0 })).toThrow(expected);
      return;
    }
    const parts = randomSplit(ds, c.lengths, { seed: 0 });
    expect(parts.map((p) => p.length)).toEqual(c.result);
    const all = parts.flatMap((p) => p.indices).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: c.n }, (_, i) => i)); // disjoint, and covers everything
  });
});

describe('TensorDataset', () => {
  it('get(i) gives the i-th rows as views; negative indices count from the end', () => {
    const x = randn([5, 3], { seed: 0 });
    const y = arange(5);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(5);
    const [xi, yi] = ds.get(2);
    expect(xi!.shape).toEqual([3]);
    expect(xi!.toArray()).toEqual((x.toArray() as number[][])[2]);
    expect(xi!.tensorData.storage).toBe(x.tensorData.storage); // a view, no copy
    expect(yi!.item()).toBe(2);
    expect(ds.get(-1)[1]!.item()).toBe(4);
  });

  it('checks its tensors and indices', () => {
    expect(() => new TensorDataset()).toThrow(/TensorDataset: needs at least one tensor/);
    expect(() => new TensorDataset(randn([3, 2]), randn([4]))).toThrow(/TensorDataset: size mismatch between tensors: tensor 0 has shape \[3, 2\] \(3 samples\), tensor 1 has shape \[4\]/);
    expect(() => new TensorDataset(tensor(1))).toThrow(/TensorDataset: tensor 0 is 0-d/);
    expect(() => new TensorDataset([1, 2] as never)).toThrow(/TensorDataset: argument 0 is not a Tensor/);
    const ds = new TensorDataset(arange(3));
    expect(() => ds.get(3)).toThrow(/TensorDataset.get: index 3 is out of range for a dataset of 3 sample\(s\)/);
    expect(() => ds.get(-4)).toThrow(/index -4 is out of range/);
    expect(() => ds.get(1.5)).toThrow(/index 1.5 is out of range/);
  });

  it('a batch is one indexSelect per tensor, not row-by-row copies', () => {
    const ds = new TensorDataset(randn([50, 4], { seed: 1 }), randn([50], { seed: 2 }));
    const loader = new DataLoader(ds, { batchSize: 20, shuffle: true, seed: 3 });
    const ops: string[] = [];
    traceOps(() => [...loader], (e) => ops.push(e.op.name));
    expect(ops.length).toBe(3 * 2); // 3 batches x 2 tensors, one gather each
    expect(new Set(ops).size).toBe(1);
  });
});

describe('DataLoader shuffling', () => {
  const n = 23;
  const ds = numbered(n);
  const epoch = (loader: DataLoader<Tensor[]>) => [...loader].map(ids);

  it('visits every sample exactly once per epoch, with a new order each epoch', () => {
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7 });
    const orders: number[][] = [];
    for (let e = 0; e < 4; e++) {
      const batches = epoch(loader);
      expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
      const order = batches.flat();
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      orders.push(order);
    }
    expect(new Set(orders.map((o) => o.join())).size).toBe(4);
    expect(orders[0]).not.toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('the same seed gives the same sequence of epochs; another seed another', () => {
    const a = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1 });
    const b = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1 });
    const c = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 2 });
    const ea = [epoch(a), epoch(a)];
    expect([epoch(b), epoch(b)]).toEqual(ea);
    expect(epoch(c)).not.toEqual(ea[0]);
  });

  it('a shared generator is advanced by each epoch; without one, manualSeed makes runs reproducible', () => {
    const g1 = new Generator(5);
    const g2 = new Generator(5);
    const a = epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: g1 }));
    expect(epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: g2 }))).toEqual(a);
    expect(epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: g1 }))).not.toEqual(a);
    manualSeed(11);
    const d1 = epoch(new DataLoader(ds, { batchSize: 4, shuffle: true }));
    manualSeed(11);
    const d2 = epoch(new DataLoader(ds, { batchSize: 4, shuffle: true }));
    expect(d2).toEqual(d1);
  });

  it('dropLast drops only a short last batch; length counts batches', () => {
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, dropLast: true, seed: 0 });
    expect(loader.length).toBe(4);
    for (let e = 0; e < 3; e++) {
      const batches = epoch(loader);
      expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
      expect(new Set(batches.flat()).size).toBe(20);
    }
    expect(new DataLoader(ds, { batchSize: 23, dropLast: true }).length).toBe(1);
    expect(new DataLoader(ds, { batchSize: 24, dropLast: true }).length).toBe(0);
    expect(new DataLoader(ds).length).toBe(23);
  });

  it('checks its options', () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { batch_size: 2 } as never)).toThrow(/DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/);
    expect(() => new DataLoader(ds, { shuffle: 1 as never })).toThrow(/DataLoader: shuffle must be a boolean, got 1/);
    expect(() => new DataLoader(ds, { seed: 1, generator: new Generator(1) })).toThrow(/DataLoader: pass either generator or seed, not both/);
    expect(() => new DataLoader(ds, { seed: 0.5 })).toThrow(/DataLoader: seed must be a safe integer, got 0.5/);
    expect(() => new DataLoader(ds, { generator: {} as never })).toThrow(/DataLoader: generator must be a Generator/);
    expect(() => new DataLoader([1, 2] as never)).toThrow(/DataLoader: dataset must have a non-negative integer length and a get\(index\) method/);
  });
});

describe('other datasets and collate', () => {
  class Squares implements Dataset<{ x: Tensor; y: number }> {
    readonly length = 6;
    get(i: number) {
      return { x: tensor([i, i * i]), y: i % 2 };
    }
  }

  it('a dataset without getBatch is collated like default_collate', () => {
    const batches = [...new DataLoader(new Squares(), { batchSize: 4 })];
    expect(batches.length).toBe(2);
    expect(batches[0]!.x.toArray()).toEqual([[0, 0], [1, 1], [2, 4], [3, 9]]);
    expect(batches[0]!.y.toArray()).toEqual([0, 1, 0, 1]);
    expect(batches[1]!.x.shape).toEqual([2, 2]);
  });

  it('collate refuses mismatched samples', () => {
    expect(() => collate([])).toThrow(/collate: needs a non-empty array of samples/);
    expect(() => collate([tensor([1]), 2] as never[])).toThrow(/collate: sample 1 is 2 but sample 0 is a Tensor/);
    expect(() => collate([{ a: 1 }, { b: 1 }] as never[])).toThrow(/sample 1 is .* but sample 0 is an object with keys a/);
    expect(() => collate(['a', 'b'])).toThrow(/collate: cannot batch the string "a"/);
    expect(() => collate([tensor([1, 2]), tensor([1])])).toThrow(/collate: sample 1 has shape \[1\] but sample 0 has shape \[2\]/);
  });

  it('Subset batches through its parent and checks its indices', () => {
    const ds = numbered(10);
    const sub = new Subset(ds, [9, 3, 5]);
    expect(sub.length).toBe(3);
    expect(ids(sub.getBatch([2, 0]))).toEqual([5, 9]);
    expect(ids([...new DataLoader(sub, { batchSize: 3 })][0]!)).toEqual([9, 3, 5]);
    expect(() => new Subset(ds, [10])).toThrow(/Subset: index 10 is out of range for a dataset of 10 sample/);
    expect(() => sub.get(3)).toThrow(/Subset.get: index 3 is out of range/);
  });
});

describe('randomSplit', () => {
  const ds = numbered(20);

  it('is reproducible from a seed or a generator, and random otherwise', () => {
    const a = randomSplit(ds, [0.5, 0.5], { seed: 3 }).map((s) => s.indices);
    expect(randomSplit(ds, [10, 10], { seed: 3 }).map((s) => s.indices)).toEqual(a);
    expect(randomSplit(ds, [10, 10], { seed: 4 }).map((s) => s.indices)).not.toEqual(a);
    const g = new Generator(9);
    const b = randomSplit(ds, [15, 5], { generator: g }).map((s) => s.indices);
    expect(randomSplit(ds, [15, 5], { generator: new Generator(9) }).map((s) => s.indices)).toEqual(b);
    expect(randomSplit(ds, [15, 5], { generator: g }).map((s) => s.indices)).not.toEqual(b);
    manualSeed(1);
    const c = randomSplit(ds, [15, 5]).map((s) => s.indices);
    manualSeed(1);
    expect(randomSplit(ds, [15, 5]).map((s) => s.indices)).toEqual(c);
  });

  it('the subsets read the right samples', () => {
    const [train, val] = randomSplit(ds, [0.75, 0.25], { seed: 0 });
    expect(train!.length).toBe(15);
    expect(val!.length).toBe(5);
    val!.indices.forEach((i, k) => expect(val!.get(k)[1]!.item()).toBe(10 * i));
    expect(ids([...new DataLoader(val!, { batchSize: 5 })][0]!)).toEqual(val!.indices);
  });

  it('checks its arguments', () => {
    expect(() => randomSplit(ds, [10, 9])).toThrow(/randomSplit: the lengths sum to 19, but the dataset has 20 sample\(s\)/);
    expect(() => randomSplit(ds, [10.5, 9.5])).toThrow(/randomSplit: lengths\[0\] must be a non-negative integer count/);
    expect(() => randomSplit(ds, [25, -5])).toThrow(/randomSplit: lengths\[1\] must be a non-negative integer count .* got -5/);
    expect(() => randomSplit(ds, [NaN, 20])).toThrow(/randomSplit: lengths\[0\] must be a finite number, got NaN/);
    expect(() => randomSplit(ds, 20 as never)).toThrow(/randomSplit: lengths must be an array/);
    expect(() => randomSplit(ds, [20], { seed: 1, generator: new Generator() })).toThrow(/randomSplit: pass either generator or seed, not both/);
    expect(() => randomSplit(ds, [20], { gen: 1 } as never)).toThrow(/randomSplit: unknown option 'gen'/);
  });
});

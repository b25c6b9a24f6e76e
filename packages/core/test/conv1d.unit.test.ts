/**
 * conv1d on hand-worked numbers: the blog's example (forward and the closed-form gradient of
 * its MSE loss), small cases with stride / padding / dilation / groups worked out by hand, and
 * output lengths from the formula torch documents.
 */
import { describe, expect, it } from 'vitest';
import { conv1d, randn, tensor } from '../src/index.js';
import type { Conv1dOptions } from '../src/index.js';
import { expectClose, flatOf } from './arbitraries.js';

const near = (actual: number[], expected: number[], tol = 1e-12) => expectClose(actual, expected, 0, tol);

describe('the blog example', () => {
  const xv = [1, 0.7, 0.5, 0.3, 0.1];
  const wv = [1, 1, 1];
  const bv = 0.5;
  const target = [1, 0, 0];

  it('forward gives [2.7, 2.0, 1.4]', () => {
    const y = conv1d(tensor([[xv]]), tensor([[wv]]), tensor([bv]));
    expect(y.shape).toEqual([1, 1, 3]);
    near(flatOf(y), [2.7, 2.0, 1.4]);
    // unbatched [Cin, L] gives [Cout, Lout]
    const yu = conv1d(tensor([xv]), tensor([[wv]]), tensor([bv]));
    expect(yu.shape).toEqual([1, 3]);
    near(flatOf(yu), [2.7, 2.0, 1.4]);
  });

  it('the MSE gradient matches the closed form sum_i (2/3)(pred_i - y_i) x[i+j]', () => {
    const x = tensor([[xv]]);
    const w = tensor([[wv]], { requiresGrad: true });
    const b = tensor([bv], { requiresGrad: true });
    const pred = conv1d(x, w, b);
    const loss = pred.sub(tensor([[target]])).pow(2).mean();
    loss.backward();
    const p = flatOf(pred);
    const gw = [0, 1, 2].map((j) => p.reduce((s, pi, i) => s + (2 / 3) * (pi - target[i]!) * xv[i + j]!, 0));
    const gb = p.reduce((s, pi, i) => s + (2 / 3) * (pi - target[i]!), 0);
    near(flatOf(w.grad!), gw);
    near(flatOf(b.grad!), [gb]);
    // The rounded values from the blog.
    near(flatOf(w.grad!), [2.5333333333333, 1.74, 1.06], 1e-9);
    expect(b.grad!.item()).toBeCloseTo(3.4, 12);
    expect(loss.item()).toBeCloseTo((1.7 ** 2 + 2 ** 2 + 1.4 ** 2) / 3, 12);
  });

  it('one SGD step with lr 0.11 moves the weights by -lr * grad', () => {
    const w = tensor([[wv]], { requiresGrad: true });
    const b = tensor([bv], { requiresGrad: true });
    conv1d(tensor([[xv]]), w, b).sub(tensor([[target]])).pow(2).mean().backward();
    const w1 = flatOf(w).map((v, i) => v - 0.11 * flatOf(w.grad!)[i]!);
    near(w1, [1 - 0.11 * (2 / 3) * 3.8, 1 - 0.11 * (2 / 3) * 2.61, 1 - 0.11 * (2 / 3) * 1.59], 1e-12);
  });
});

describe('hand-worked cases', () => {
  const run = (x: number[][], w: number[][][], b: number[] | null, opts: Conv1dOptions) =>
    conv1d(tensor([x]), tensor(w), b ? tensor(b) : null, opts);

  it('stride 2 with an asymmetric kernel', () => {
    // x = 1..5, w = [1, 2, 3]: windows start at 0 and 2.
    const y = run([[1, 2, 3, 4, 5]], [[[1, 2, 3]]], null, { stride: 2 });
    expect(y.shape).toEqual([1, 1, 2]);
    near(flatOf(y), [1 + 4 + 9, 3 + 8 + 15]);
  });

  it('stride 3 drops the incomplete last window', () => {
    // L = 8, K = 2: windows at 0, 3, 6 -> floor((8 - 2) / 3) + 1 = 3
    const y = run([[1, 2, 3, 4, 5, 6, 7, 8]], [[[1, -1]]], null, { stride: 3 });
    near(flatOf(y), [1 - 2, 4 - 5, 7 - 8]);
  });

  it('padding 1 adds one zero at each end', () => {
    // xpad = [0, 1, 2, 3, 0]
    const y = run([[1, 2, 3]], [[[1, 2, 3]]], null, { padding: 1 });
    near(flatOf(y), [0 + 2 + 6, 1 + 4 + 9, 2 + 6 + 0]);
  });

  it('padding 2 with stride 2', () => {
    // xpad = [0, 0, 1, 2, 3, 0, 0], K = 2, windows at 0, 2, 4
    const y = run([[1, 2, 3]], [[[1, 10]]], null, { padding: 2, stride: 2 });
    expect(y.shape).toEqual([1, 1, 3]);
    near(flatOf(y), [0 + 0, 1 + 20, 3 + 0]);
  });

  it('dilation 2 spaces the taps', () => {
    // y[l] = x[l] + 10 x[l + 2]
    const y = run([[1, 2, 3, 4, 5]], [[[1, 10]]], null, { dilation: 2 });
    near(flatOf(y), [31, 42, 53]);
  });

  it('dilation 2 with padding 1 and stride 2', () => {
    // xpad = [0, 1, 2, 3, 4, 0]; taps at 0, 2 (w = [1, 10]); windows at 0, 2 -> [0 + 20, 2 + 40]
    const y = run([[1, 2, 3, 4]], [[[1, 10]]], null, { dilation: 2, padding: 1, stride: 2 });
    near(flatOf(y), [20, 42]);
  });

  it('input channels are summed, each output channel has its own bias', () => {
    const y = run(
      [
        [1, 2, 3],
        [10, 20, 30],
      ],
      [
        [[1], [1]],
        [[1], [-1]],
      ],
      [0.5, -2],
      {},
    );
    expect(y.shape).toEqual([1, 2, 3]);
    near(flatOf(y), [11.5, 22.5, 33.5, -11, -20, -29]);
  });

  it('groups 2: each output channel only sees its group', () => {
    const x = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const y = run(x, [[[1, 1]], [[1, -1]]], null, { groups: 2 });
    expect(y.shape).toEqual([1, 2, 2]);
    near(flatOf(y), [3, 5, -1, -1]);
  });

  it('groups 2 with 2 output channels per group and 2 input channels per group', () => {
    // Cin 4, Cout 4, weight [4, 2, 1]
    const x = [[1], [2], [3], [4]];
    const w = [
      [[1], [10]],
      [[100], [1000]],
      [[1], [10]],
      [[100], [1000]],
    ];
    const y = run(x, w, [0, 0, 0, 1], { groups: 2 });
    near(flatOf(y), [1 + 20, 100 + 2000, 3 + 40, 300 + 4000 + 1]);
  });

  it('depthwise (groups = Cin) with a channel multiplier', () => {
    // Cin 2, Cout 4: outputs 0, 1 read channel 0, outputs 2, 3 read channel 1
    const x = [
      [1, 2],
      [3, 4],
    ];
    const y = run(x, [[[1]], [[2]], [[3]], [[4]]], null, { groups: 2 });
    near(flatOf(y), [1, 2, 2, 4, 9, 12, 12, 16]);
  });

  it("'same' with an even kernel pads the extra zero on the right", () => {
    // K = 2: left 0, right 1 -> y[l] = x[l] + 10 x[l + 1]
    const y = run([[1, 2, 3, 4]], [[[1, 10]]], null, { padding: 'same' });
    near(flatOf(y), [21, 32, 43, 4]);
  });

  it("'same' with K = 4: left 1, right 2", () => {
    // xpad = [0, 1, 2, 3, 0, 0], w = [1, 2, 3, 4]
    const y = run([[1, 2, 3]], [[[1, 2, 3, 4]]], null, { padding: 'same' });
    near(flatOf(y), [0 + 2 + 6 + 12, 1 + 4 + 9 + 0, 2 + 6 + 0 + 0]);
  });

  it("'same' with dilation 3 and K = 2: total 3, left 1, right 2", () => {
    // xpad = [0, 1, 2, 3, 4, 0, 0]; y[l] = xpad[l] + 10 xpad[l + 3]
    const y = run([[1, 2, 3, 4]], [[[1, 10]]], null, { padding: 'same', dilation: 3 });
    near(flatOf(y), [0 + 30, 1 + 40, 2 + 0, 3 + 0]);
  });

  it("'same' with odd K and dilation 2 is symmetric", () => {
    // K = 3, d = 2: total 4, 2 each side; y[l] = xpad[l] + 2 xpad[l + 2] + 3 xpad[l + 4]
    const y = run([[1, 2, 3]], [[[1, 2, 3]]], null, { padding: 'same', dilation: 2 });
    // xpad = [0, 0, 1, 2, 3, 0, 0]
    near(flatOf(y), [0 + 2 + 9, 0 + 4 + 0, 1 + 6 + 0]);
  });

  it("'valid' is padding 0", () => {
    const y = run([[1, 2, 3, 4]], [[[1, 2]]], null, { padding: 'valid' });
    near(flatOf(y), [5, 8, 11]);
  });

  it('batch elements are independent', () => {
    const x = tensor([[[1, 2, 3]], [[-1, 0, 5]]]);
    const y = conv1d(x, tensor([[[2, -1]]]), tensor([1]));
    near(flatOf(y), [1, 2, -1, -4]);
  });

  it('gradients of a strided, padded, dilated case by hand', () => {
    // x = [1, 2, 3, 4], w = [1, 10], padding 1, dilation 2, stride 2: xpad = [0, 1, 2, 3, 4, 0]
    // windows at 0 and 2: y0 = xpad0 + 10 xpad2 = 20, y1 = xpad2 + 10 xpad4 = 42
    const x = tensor([[[1, 2, 3, 4]]], { requiresGrad: true });
    const w = tensor([[[1, 10]]], { requiresGrad: true });
    const y = conv1d(x, w, null, { dilation: 2, padding: 1, stride: 2 });
    near(flatOf(y), [20, 42]);
    y.backward(tensor([[[1, 100]]]));
    // dy/dx: y0 reads x[1] through w1 = 10; y1 reads x[1] through w0 = 1 and x[3] through w1 = 10
    near(flatOf(x.grad!), [0, 10 + 100, 0, 1000]);
    // dy/dw0 = xpad0 * 1 + xpad2 * 100 = 200; dy/dw1 = xpad2 * 1 + xpad4 * 100 = 2 + 400
    near(flatOf(w.grad!), [200, 402]);
  });
});

describe('output length', () => {
  // floor((L + 2p - d(K - 1) - 1) / s) + 1, as torch.nn.Conv1d documents it.
  const formula = (L: number, K: number, p: number, s: number, d: number) => Math.floor((L + 2 * p - d * (K - 1) - 1) / s) + 1;
  const cases: [number, number, number, number, number, number][] = [
    // L, K, padding, stride, dilation, expected
    [5, 3, 0, 1, 1, 3],
    [30, 5, 0, 1, 1, 26], // torch docs: F.conv1d(randn(33, 16, 30), randn(20, 16, 5)) -> [33, 20, 26]
    [50, 3, 0, 2, 1, 24],
    [10, 3, 1, 1, 1, 10],
    [10, 3, 1, 2, 1, 5],
    [10, 3, 0, 3, 1, 3],
    [10, 3, 0, 1, 2, 6],
    [10, 3, 2, 3, 2, 4],
    [7, 4, 0, 1, 1, 4],
    [4, 4, 0, 1, 1, 1],
    [4, 2, 0, 1, 3, 1],
    [1, 3, 1, 1, 1, 1],
    [2, 5, 2, 2, 1, 1],
    [11, 2, 3, 4, 5, 3],
  ];
  it.each(cases)('L=%i K=%i padding=%i stride=%i dilation=%i -> %i', (L, K, p, s, d, expected) => {
    expect(formula(L, K, p, s, d)).toBe(expected);
    const y = conv1d(randn([2, 3, L], { seed: L }), randn([4, 3, K], { seed: K }), null, { padding: p, stride: s, dilation: d });
    expect(y.shape).toEqual([2, 4, expected]);
    const yu = conv1d(randn([3, L], { seed: L }), randn([4, 3, K], { seed: K }), null, { padding: p, stride: s, dilation: d });
    expect(yu.shape).toEqual([4, expected]);
  });

  it('the torch docs example shape: [33, 16, 30] * [20, 16, 5] -> [33, 20, 26]', () => {
    const y = conv1d(randn([33, 16, 30], { seed: 1 }), randn([20, 16, 5], { seed: 2 }));
    expect(y.shape).toEqual([33, 20, 26]);
  });

  it.each([
    [1, 1, 1],
    [5, 2, 1],
    [5, 3, 1],
    [6, 4, 2],
    [7, 5, 3],
    [2, 3, 3],
  ])("'same' keeps L=%i for K=%i dilation=%i", (L, K, d) => {
    const y = conv1d(randn([1, 2, L], { seed: 3 }), randn([3, 2, K], { seed: 4 }), null, { padding: 'same', dilation: d });
    expect(y.shape).toEqual([1, 3, L]);
  });
});

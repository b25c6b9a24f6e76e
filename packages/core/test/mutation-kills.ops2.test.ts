import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import {
  apply,
  argmax,
  argmin,
  cat,
  chunk,
  clamp,
  conv1d,
  convTranspose1d,
  cos,
  cumsum,
  elu,
  erf,
  expm1,
  flip,
  gather,
  gelu,
  grad,
  indexSelect,
  leakyRelu,
  log1p,
  logSoftmax,
  logsumexp,
  maximum,
  min,
  minimum,
  norm,
  mseLoss,
  pad,
  prod,
  reciprocal,
  roll,
  rsqrt,
  scatterAdd,
  sign,
  silu,
  sin,
  slice,
  softmax,
  split,
  softplus,
  square,
  stack,
  std,
  tensor,
  traceOps,
  var as variance,
  where,
  zeros,
} from '../src/index.js';
import { Conv1dBackwardWeight } from '../src/ops/conv1d.js';

// ops/**: paths the first mutation-kill file (mutation-kills.ops.test.ts) left open, found by
// the second mutation run. Added for mutation testing.

describe('activations', () => {
  it('each functional form names itself when the input is not a Tensor', () => {
    expect(thrownMessage(() => softplus(5 as never))).toBe('softplus: expected a Tensor, got 5');
    expect(thrownMessage(() => leakyRelu([1] as never))).toBe('leakyRelu: expected a Tensor, got an array');
    expect(thrownMessage(() => elu(null as never))).toBe('elu: expected a Tensor, got null');
    expect(thrownMessage(() => gelu('x' as never))).toBe('gelu: expected a Tensor, got the string "x"');
    expect(thrownMessage(() => silu(undefined as never))).toBe('silu: expected a Tensor, got undefined');
  });

  it('parameters that are not finite numbers are refused, a string included', () => {
    const x = tensor([1]);
    expect(thrownMessage(() => softplus(x, '2' as never))).toBe('softplus: beta must be a finite positive number, got the string "2"');
    expect(thrownMessage(() => softplus(x, 0))).toBe('softplus: beta must be a finite positive number, got 0');
    expect(thrownMessage(() => softplus(x, 1, Number.NaN))).toBe('softplus: threshold must be a finite number, got NaN');
    expect(thrownMessage(() => leakyRelu(x, Infinity))).toBe('leakyRelu: negativeSlope must be a finite number, got Infinity');
    expect(thrownMessage(() => elu(x, true as never))).toBe('elu: alpha must be a finite number, got boolean true');
    // A slope of 0 or below is fine where positivity is not asked for: leakyRelu(-2, -1) = 2.
    expect(leakyRelu(tensor([-2]), -1).toArray()).toEqual([2]);
  });

  it('softplus with beta 1 runs the one op, without scaling by beta', () => {
    const names: string[] = [];
    const x = tensor([0, 1], { requiresGrad: true });
    const y = traceOps(
      () => softplus(x),
      (e) => names.push(e.op.name),
    );
    expect(names).toEqual(['softplus']);
    // log(1 + e^0) = log 2, log(1 + e) = 1.3132616875182228 (torch.nn.functional.softplus)
    expect(y.toArray()).toEqual([Math.LN2, Math.log1p(Math.E)]);
  });
});

describe('conv1d and convTranspose1d', () => {
  it('convTranspose1d refuses a bias that is not 1-d, even with the right first size', () => {
    // F.conv_transpose1d(torch.zeros(1, 1, 2), torch.zeros(1, 1, 2), torch.zeros(1, 1)) raises
    // "expected bias to be 1-dimensional with 1 elements, but got bias of size [1, 1]"
    expect(thrownMessage(() => convTranspose1d(zeros([1, 1, 2]), zeros([1, 1, 2]), zeros([1, 1])))).toBe(
      'convTranspose1d: bias of shape [1, 1] does not match 1 output channels (expected [1])',
    );
    expect(thrownMessage(() => convTranspose1d(zeros([1, 1, 2]), zeros([1, 1, 2]), zeros([2])))).toBe(
      'convTranspose1d: bias of shape [2] does not match 1 output channels (expected [1])',
    );
  });

  // x [N=1, Cin=2, L=2], w [Cout=2, Cin/groups=1, K=2], groups 2, b [2], upstream gradient [[[2], [3]]]:
  // x = torch.tensor([[[1., 2.], [3., 4.]]], dtype=torch.float64, requires_grad=True)
  // w = torch.tensor([[[1., 10.]], [[100., 1000.]]], dtype=torch.float64, requires_grad=True)
  // b = torch.tensor([0.5, -0.5], dtype=torch.float64, requires_grad=True)
  // y = F.conv1d(x, w, b, groups=2) -> [[[21.5], [4299.5]]]; y.backward(torch.tensor([[[2.], [3.]]], dtype=torch.float64))
  // x.grad -> [[[2, 20], [300, 3000]]], w.grad -> [[[2, 4]], [[9, 12]]], b.grad -> [2, 3]
  const make = () => ({
    x: tensor([[[1, 2], [3, 4]]], { requiresGrad: true }),
    w: tensor([[[1, 10]], [[100, 1000]]], { requiresGrad: true }),
    b: tensor([0.5, -0.5], { requiresGrad: true }),
  });

  it('an ordinary backward pass runs the kernels directly: no ops are recorded for the three gradients', () => {
    const { x, w, b } = make();
    const y = conv1d(x, w, b, { groups: 2 });
    expect(y.toArray()).toEqual([[[21.5], [4299.5]]]);
    const names: string[] = [];
    traceOps(
      () => y.backward(tensor([[[2], [3]]])),
      (e) => names.push(e.op.name),
    );
    expect(names).toEqual([]);
    expect(x.grad!.toArray()).toEqual([[[2, 20], [300, 3000]]]);
    expect(w.grad!.toArray()).toEqual([[[2, 4]], [[9, 12]]]);
    expect(b.grad!.toArray()).toEqual([2, 3]);
  });

  it('under createGraph the same gradients come from recorded ops', () => {
    const { x, w, b } = make();
    const y = conv1d(x, w, b, { groups: 2 });
    const names: string[] = [];
    const [gx, gw, gb] = traceOps(
      () => grad(y, [x, w, b], { gradOutputs: [tensor([[[2], [3]]])], createGraph: true }),
      (e) => names.push(e.op.name),
    );
    expect(names).toContain('conv1dBackwardInput');
    expect(names).toContain('conv1dBackwardWeight');
    expect(names).toContain('sum');
    expect(gx!.toArray()).toEqual([[[2, 20], [300, 3000]]]);
    expect(gw!.toArray()).toEqual([[[2, 4]], [[9, 12]]]);
    expect(gb!.toArray()).toEqual([2, 3]);
  });

  it('conv1d refuses a stride, dilation or groups that is not a positive integer number', () => {
    const x = zeros([1, 1, 4]);
    const w = zeros([1, 1, 2]);
    expect(thrownMessage(() => conv1d(x, w, null, { stride: '2' as never }))).toBe('conv1d: stride must be a positive integer, got 2');
    expect(thrownMessage(() => conv1d(x, w, null, { dilation: 0 }))).toBe('conv1d: dilation must be a positive integer, got 0');
    expect(thrownMessage(() => conv1d(x, w, null, { groups: 1.5 }))).toBe('conv1d: groups must be a positive integer, got 1.5');
    expect(conv1d(x, w, null, { stride: 1, dilation: 1, groups: 1 }).shape).toEqual([1, 1, 3]);
    expect(thrownMessage(() => conv1d(x, w, null, { padding: 'full' as never }))).toBe("conv1d: padding must be a non-negative integer, 'valid' or 'same', got full");
    expect(thrownMessage(() => conv1d(x, w, null, { padding: -1 }))).toBe("conv1d: padding must be a non-negative integer, 'valid' or 'same', got -1");
    expect(thrownMessage(() => conv1d(x, w, null, { padding: 0.5 }))).toBe("conv1d: padding must be a non-negative integer, 'valid' or 'same', got 0.5");
    // torch: F.conv1d(torch.zeros(1, 1, 4), torch.zeros(1, 1, 2), padding=1).shape == (1, 1, 5)
    expect(conv1d(x, w, null, { padding: 1 }).shape).toEqual([1, 1, 5]);
    expect(conv1d(x, w, null, { padding: 0 }).shape).toEqual([1, 1, 3]);
  });

  it('the weight-gradient op allocates exactly its [Cout, Cin/groups, K] output', () => {
    const geometry = { batch: 1, inChannels: 2, outChannels: 2, length: 2, kernelSize: 2, outLength: 1, stride: 1, padLeft: 0, dilation: 1, groups: 2 };
    const gw = apply(Conv1dBackwardWeight, [tensor([[[2], [3]]]), tensor([[[1, 2], [3, 4]]])], geometry);
    expect(gw.shape).toEqual([2, 1, 2]);
    expect(gw.tensorData.storage.length).toBe(4);
    expect(gw.toArray()).toEqual([[[2, 4]], [[9, 12]]]);
  });
});

describe('index ops', () => {
  const m23 = () =>
    tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);

  it('each names itself when the input is not a Tensor or is 0-d', () => {
    expect(thrownMessage(() => indexSelect(5 as never, 0, [0]))).toBe('indexSelect: input must be a Tensor, got 5');
    expect(thrownMessage(() => indexSelect(tensor(5), 0, [0]))).toBe('indexSelect: expected a tensor with at least 1 dimension, got a 0-d tensor');
    expect(thrownMessage(() => gather([1] as never, 0, [0]))).toBe('gather: input must be a Tensor, got an array');
    expect(thrownMessage(() => scatterAdd(null as never, 0, [0], tensor([1])))).toBe('scatterAdd: input must be a Tensor, got null');
    expect(thrownMessage(() => scatterAdd(tensor([1]), 0, [0], [1] as never))).toBe('scatterAdd: src must be a Tensor, got an array');
    expect(thrownMessage(() => flip('x' as never, 0))).toBe('flip: input must be a Tensor, got the string "x"');
    expect(thrownMessage(() => roll(undefined as never, 1))).toBe('roll: input must be a Tensor, got undefined');
  });

  it('the maps a traced gather records have one entry per dim, null where the dim is not re-indexed', () => {
    // IndexMapParams.maps: "one index map per input dim (null: the identity)", which the ONNX
    // exporter turns into one Gather per non-null map.
    const params: unknown[] = [];
    traceOps(
      () => {
        indexSelect(m23(), 1, [2, 0]);
        indexSelect(m23(), 0, [1]);
        flip(m23(), 1);
        flip(m23(), [0]);
      },
      (e) => params.push(e.params),
    );
    expect(params).toEqual([
      { maps: [null, new Uint32Array([2, 0])], inShape: [2, 3] },
      { maps: [new Uint32Array([1]), null], inShape: [2, 3] },
      { maps: [null, new Uint32Array([2, 1, 0])], inShape: [2, 3] },
      { maps: [new Uint32Array([1, 0]), null], inShape: [2, 3] },
    ]);
  });

  it('scatterAdd backward gathers for src only when src needs a gradient, and pads only a larger src', () => {
    const run = (x: ReturnType<typeof tensor>, src: ReturnType<typeof tensor>): string[] => {
      const y = scatterAdd(x, 0, [0, 2, 0], src);
      const names: string[] = [];
      traceOps(
        () => y.backward(tensor([1, 2, 3])),
        (e) => names.push(e.op.name),
      );
      return names;
    };
    // torch: x.scatter_add(0, idx, src).backward(g): x.grad = g, src.grad = g.gather(0, idx) (zero past the index)
    const x1 = tensor([0, 0, 0], { requiresGrad: true });
    expect(run(x1, tensor([1, 2, 3]))).toEqual([]);
    expect(x1.grad!.toArray()).toEqual([1, 2, 3]);
    const s2 = tensor([1, 2, 3], { requiresGrad: true });
    expect(run(zeros([3]), s2)).toEqual(['gather']);
    expect(s2.grad!.toArray()).toEqual([1, 3, 1]);
    const s3 = tensor([1, 2, 3, 4], { requiresGrad: true });
    expect(run(zeros([3]), s3)).toEqual(['gather', 'pad']);
    expect(s3.grad!.toArray()).toEqual([1, 3, 1, 0]);
  });

  it('a no-op flip or roll gives a copy, as PyTorch does (writing into it leaves x alone; the gradient flows)', () => {
    // torch.flip(x, []) and torch.roll(x, 0, 0) / roll(x, 3, 1) return new tensors with their own
    // storage and a grad_fn (FlipBackward0, RollBackward0).
    const x = m23();
    for (const y of [flip(x, []), roll(x, 0, 0), roll(x, 3, 1), roll(x, -6, 1), roll(x, [2, 3], [0, 1]), roll(x, 6)]) {
      expect(y).not.toBe(x);
      expect(y.tensorData.storage).not.toBe(x.tensorData.storage);
      expect(y.toArray()).toEqual(x.toArray());
    }
    const e = zeros([0, 2]);
    expect(roll(e, 3, 0).shape).toEqual([0, 2]);
    const w = tensor([1, 2, 3], { requiresGrad: true });
    flip(w, []).mul(tensor([4, 5, 6])).sum().backward();
    expect(w.grad!.toArray()).toEqual([4, 5, 6]);
    // Only a dim that moves is re-indexed: torch.roll(x, [1, 3], [0, 1]) -> [[4, 5, 6], [1, 2, 3]]
    const params: unknown[] = [];
    const r = traceOps(
      () => roll(x, [1, 3], [0, 1]),
      (ev) => params.push(ev.params),
    );
    expect(r.toArray()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(params).toEqual([{ maps: [new Uint32Array([1, 0]), null], inShape: [2, 3] }]);
  });

  it('roll: null dims roll the flattened tensor; shifts of any sign and size wrap', () => {
    // torch.roll(x, 1) -> [[6, 1, 2], [3, 4, 5]]; torch.roll(x, 4, 1) -> [[3, 1, 2], [6, 4, 5]]; torch.roll(x, -4, 1) -> [[2, 3, 1], [5, 6, 4]]
    const x = m23();
    expect(roll(x, 1, null).toArray()).toEqual([
      [6, 1, 2],
      [3, 4, 5],
    ]);
    expect(roll(x, 4, 1).toArray()).toEqual([
      [3, 1, 2],
      [6, 4, 5],
    ]);
    expect(roll(x, -4, 1).toArray()).toEqual([
      [2, 3, 1],
      [5, 6, 4],
    ]);
  });

  it('roll names bad shifts and mismatched dims in full', () => {
    const x = m23();
    expect(thrownMessage(() => roll(x, ['1'] as never, 0))).toBe('roll: shift the string "1" is not an integer');
    expect(thrownMessage(() => roll(x, [2 ** 53], 0))).toBe('roll: shift 9007199254740992 is not an integer');
    expect(thrownMessage(() => roll(x, [1], [0, 1]))).toBe('roll: shifts [1] and dims [0, 1] must have the same length');
  });
});

describe('cat', () => {
  it('refuses tensors whose sizes differ outside the cat dim', () => {
    // torch.cat([torch.zeros(2, 3), torch.zeros(3, 2)], 0) raises "Sizes of tensors must match except in dimension 0"
    expect(thrownMessage(() => cat([zeros([2, 3]), zeros([3, 2])], 0))).toBe('cat: tensor 1 has shape [3, 2], expected [*, 3] (sizes must match except in dim 0)');
    expect(thrownMessage(() => cat([zeros([2, 3]), zeros([2, 3]), zeros([1, 2])], 1))).toBe(
      'cat: tensor 2 has shape [1, 2], expected [2, *] (sizes must match except in dim 1)',
    );
    expect(cat([zeros([2, 3]), zeros([2, 1])], 1).shape).toEqual([2, 4]);
  });
});

describe('stack', () => {
  it('refuses tensors of another shape with the same number of dims', () => {
    // torch.stack([torch.zeros(2, 3), torch.zeros(3, 2)]) raises "stack expects each tensor to be equal size"
    expect(thrownMessage(() => stack([zeros([2, 3]), zeros([3, 2])]))).toBe('stack: tensor 1 has shape [3, 2], expected [2, 3] (all tensors must have the same shape)');
    expect(thrownMessage(() => stack([zeros([2]), zeros([2]), zeros([3])], 1))).toBe('stack: tensor 2 has shape [3], expected [2] (all tensors must have the same shape)');
  });
});

describe('mseLoss', () => {
  // p = torch.tensor([1., 2., 4.], dtype=torch.float64, requires_grad=True); t = torch.tensor([0., 0., 1.], dtype=torch.float64)
  // F.mse_loss(p, t, reduction='none').backward(torch.tensor([1., 2., 3.])) -> p.grad = 2 (p - t) g = [2, 8, 18]
  const p = () => tensor([1, 2, 4], { requiresGrad: true });
  const t = tensor([0, 0, 1]);

  it('a reduced loss holds its one value in a one-element buffer', () => {
    // (1 + 4 + 9) / 3 and 14
    const mean = mseLoss(tensor([1, 2, 4]), t);
    expect(mean.item()).toBe(14 / 3);
    expect(mean.tensorData.storage.length).toBe(1);
    expect(mseLoss(tensor([1, 2, 4]), t, 'sum').tensorData.storage.length).toBe(1);
  });

  it('an ordinary backward pass runs the fused kernel (no ops recorded)', () => {
    const x = p();
    const y = mseLoss(x, t, 'none');
    const names: string[] = [];
    traceOps(
      () => y.backward(tensor([1, 2, 3])),
      (e) => names.push(e.op.name),
    );
    expect(names).toEqual([]);
    expect(x.grad!.toArray()).toEqual([2, 8, 18]);
  });

  it("under createGraph each reduction's gradient comes from recorded ops", () => {
    // torch.autograd.grad(F.mse_loss(p, t, reduction=r), p, g, create_graph=True) for r = none, sum, mean
    const x = p();
    const [gn] = grad(mseLoss(x, t, 'none'), [x], { gradOutputs: [tensor([1, 2, 3])], createGraph: true });
    expect(gn!.toArray()).toEqual([2, 8, 18]);
    expect(gn!.requiresGrad).toBe(true);
    const [gs] = grad(mseLoss(x, t, 'sum'), [x], { createGraph: true });
    expect(gs!.toArray()).toEqual([2, 4, 6]);
    const [gm] = grad(mseLoss(x, t), [x], { createGraph: true });
    expect(gm!.toArray()).toEqual([2 / 3, 4 / 3, 2]);
  });
});

describe('math ops', () => {
  it('each functional form names itself when the input is not a Tensor', () => {
    const cases: [string, (v: never) => unknown][] = [
      ['minimum', (v) => minimum(v, 1)],
      ['maximum', (v) => maximum(v, 1)],
      ['clamp', (v) => clamp(v, 0, 1)],
      ['square', (v) => square(v)],
      ['rsqrt', (v) => rsqrt(v)],
      ['reciprocal', (v) => reciprocal(v)],
      ['sign', (v) => sign(v)],
      ['sin', (v) => sin(v)],
      ['cos', (v) => cos(v)],
      ['log1p', (v) => log1p(v)],
      ['expm1', (v) => expm1(v)],
      ['erf', (v) => erf(v)],
    ];
    for (const [name, f] of cases) expect(thrownMessage(() => f(5 as never))).toBe(`${name}: expected a Tensor, got 5`);
    expect(thrownMessage(() => maximum(tensor([1]), 'a' as never))).toBe('maximum: expected a Tensor or a number, got the string "a"');
  });

  it('clamp with only a max: gradient 1 up to the bound, bound included', () => {
    // x = torch.tensor([0., 1., 2.], dtype=torch.float64, requires_grad=True); x.clamp(max=1).sum().backward(); x.grad -> [1., 1., 0.]
    const x = tensor([0, 1, 2], { requiresGrad: true });
    clamp(x, null, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 0]);
  });

  it('clamp compares a float32 tensor with its bound rounded to float32', () => {
    // x = torch.tensor([0.1, 2.], dtype=torch.float32, requires_grad=True); x.clamp(max=0.1).sum().backward(); x.grad -> [1., 0.]
    const x = tensor([0.1, 2], { requiresGrad: true, dtype: 'float32' });
    const y = clamp(x, null, 0.1);
    expect(y.toArray()).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0]);
    // The op records the bounds as the tensor's dtype holds them (what an exporter writes out).
    const params: unknown[] = [];
    traceOps(
      () => {
        clamp(tensor([1], { dtype: 'float32' }), 0.1, 0.7);
        clamp(tensor([1]), 0.1, null);
      },
      (e) => params.push(e.params),
    );
    expect(params).toEqual([
      { min: Math.fround(0.1), max: Math.fround(0.7) },
      { min: 0.1, max: undefined },
    ]);
  });
});

describe('pad arguments', () => {
  const x = tensor([[[1, 2, 3]]]);

  it('names an odd-length pad list in full', () => {
    expect(thrownMessage(() => pad(x, [1]))).toBe('pad: pad must be an array with an even number of integers (pairs from the last dim backwards), got [1]');
    expect(thrownMessage(() => pad(x, [1, 2, 3]))).toBe('pad: pad must be an array with an even number of integers (pairs from the last dim backwards), got [1, 2, 3]');
    expect(thrownMessage(() => pad(x, [1, '2'] as never))).toBe('pad: amount 1 is the string "2", expected an integer');
  });

  it('circular padding may not wrap around more than once on either side', () => {
    // F.pad(torch.tensor([[[1., 2, 3]]]), (4, 0), mode='circular') raises
    expect(thrownMessage(() => pad(x, [4, 0], { mode: 'circular' }))).toBe(
      'pad: circular padding [4, 0] of dim 2 may be at most its size 3 (shape [1, 1, 3]): it would wrap around more than once',
    );
    // F.pad(x, (3, 3), mode='circular') -> [[[1, 2, 3, 1, 2, 3, 1, 2, 3]]]
    expect(pad(x, [3, 3], { mode: 'circular' }).toArray()).toEqual([[[1, 2, 3, 1, 2, 3, 1, 2, 3]]]);
  });

  it('names a result too large to allocate', () => {
    expect(thrownMessage(() => pad(x, [0, 2 ** 32]))).toBe('pad: shape [1, 1, 4294967299] has 4.295e9 elements, more than the 2^32 (4294967296) that can be allocated at once');
  });
});

describe('argmax, argmin and prod', () => {
  it('a null dim means the flattened tensor, like an omitted one', () => {
    // torch.argmax(torch.tensor([[1., 5.], [7., 2.]]), dim=None) -> 2; torch.argmin(..., dim=None, keepdim=True) -> [[3]]
    expect(argmax(tensor([[1, 5], [7, 2]]), null as never).item()).toBe(2);
    expect(argmin(tensor([[1, 5], [7, 0]]), null as never, true).toArray()).toEqual([[3]]);
  });

  it('prod of a float32 tensor computes its gradient in float32: no cast is recorded', () => {
    // x = torch.tensor([2., 3., 5.], requires_grad=True); x.prod().backward(); x.grad -> [15., 10., 6.]
    const x = tensor([2, 3, 5], { dtype: 'float32', requiresGrad: true });
    const y = prod(x);
    const names: string[] = [];
    traceOps(
      () => y.backward(),
      (e) => names.push(e.op.name),
    );
    expect(names).not.toContain('to');
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([15, 10, 6]);
  });

  it('an ordinary pass gives each element the product of the others, rounded once', () => {
    // For three elements the product of the other two is one multiplication: 0.2 * 0.3 = 0.06,
    // 0.1 * 0.3 = 0.03, 0.1 * 0.2 = 0.020000000000000004. (torch computes result / input here,
    // which gives [0.060000000000000005, 0.030000000000000002, 0.020000000000000004].)
    const x = tensor([0.1, 0.2, 0.3], { requiresGrad: true });
    prod(x).backward();
    expect(x.grad!.toArray()).toEqual([0.2 * 0.3, 0.1 * 0.3, 0.1 * 0.2]);
  });

  it('under createGraph, with no zero, the gradient is result / input, as torch computes it', () => {
    // x = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
    // torch.autograd.grad(x.prod(), x, create_graph=True) -> [0.060000000000000005, 0.030000000000000002, 0.020000000000000004]
    const x = tensor([0.1, 0.2, 0.3], { requiresGrad: true });
    const [g] = grad(prod(x), [x], { createGraph: true });
    expect(g!.toArray()).toEqual([0.060000000000000005, 0.030000000000000002, 0.020000000000000004]);
    expect(g!.requiresGrad).toBe(true);
  });

  it('under createGraph, with a zero, the gradient is still exact and differentiable', () => {
    // x = torch.tensor([2., 0., 3.], dtype=torch.float64, requires_grad=True)
    // g, = torch.autograd.grad(x.prod(), x, create_graph=True) -> [0, 6, 0]; torch.autograd.grad(g[1], x) -> [3, 0, 2]
    const x = tensor([2, 0, 3], { requiresGrad: true });
    const [g] = grad(prod(x), [x], { createGraph: true });
    expect(g!.toArray()).toEqual([0, 6, 0]);
    const [h] = grad(g!.narrow(0, 1, 1).sum(), [x]);
    expect(h!.toArray()).toEqual([3, 0, 2]);
  });
});

describe('the functional reductions', () => {
  it('each names itself when the input is not a Tensor', () => {
    const cases: [string, (v: never) => unknown][] = [
      ['min', (v) => min(v)],
      ['argmax', (v) => argmax(v)],
      ['argmin', (v) => argmin(v)],
      ['prod', (v) => prod(v)],
      ['logsumexp', (v) => logsumexp(v)],
      ['var', (v) => variance(v)],
      ['std', (v) => std(v)],
      ['norm', (v) => norm(v)],
      ['cumsum', (v) => cumsum(v, 0)],
    ];
    for (const [name, f] of cases) expect(thrownMessage(() => f([1, 2] as never))).toBe(`${name}: expected a Tensor, got an array`);
  });

  it('argmin names itself in its own checks and drops the dim by default', () => {
    // torch.tensor([[1., 5.], [7., 0.]]).argmin(1) -> [0, 1], shape (2,)
    const x = tensor([
      [1, 5],
      [7, 0],
    ]);
    expect(argmin(x, 1).toArray()).toEqual([0, 1]);
    expect(thrownMessage(() => argmin(x, 2))).toBe('argmin: dim 2 is out of range for a tensor with 2 dimension(s)');
    expect(thrownMessage(() => argmin(x, '1' as never))).toBe('argmin: dim must be an integer, got the string "1"');
  });

  it('logsumexp shifts each row by its own maximum, wherever it sits', () => {
    // torch.logsumexp(torch.tensor([[1000., 0.], [0., 1000.]], dtype=torch.float64), 1) -> [1000., 1000.]
    expect(logsumexp(tensor([[1000, 0], [0, 1000]]), 1).toArray()).toEqual([1000, 1000]);
    expect(logsumexp(tensor([-1000, 5, -1000, 0]), 0).item()).toBeCloseTo(5 + Math.log1p(Math.exp(-5)), 12);
    // A NaN anywhere in a row makes it NaN: [[1000., 0.], [nan, 1000.]] -> [1000., nan]
    expect(logsumexp(tensor([[1000, 0], [Number.NaN, 1000]]), 1).toArray()).toEqual([1000, Number.NaN]);
  });

  it('cumsum of a 0-d tensor is the tensor\'s value, 0-d; bad dims are named', () => {
    // torch.cumsum(torch.tensor(3.), 0) -> tensor(3.)
    const c = cumsum(tensor(3), 0);
    expect(c.shape).toEqual([]);
    expect(c.item()).toBe(3);
    expect(cumsum(tensor(3), -1).item()).toBe(3);
    expect(thrownMessage(() => cumsum(tensor([1, 2]), 0.5))).toBe('cumsum: dim must be an integer, got 0.5');
    expect(thrownMessage(() => cumsum(tensor([1, 2]), '0' as never))).toBe('cumsum: dim must be an integer, got the string "0"');
    expect(thrownMessage(() => cumsum(tensor([1, 2]), 1))).toBe('cumsum: dim 1 is out of range for a tensor with 1 dimension(s)');
  });

  it('var refuses a correction that is not a finite non-negative number', () => {
    const x = tensor([1, 2, 3, 4]);
    expect(thrownMessage(() => x.var(0, false, { correction: '1' as never }))).toBe('var: correction must be a finite non-negative number, got the string "1"');
    expect(thrownMessage(() => x.std(0, false, { correction: -1 }))).toBe('std: correction must be a finite non-negative number, got -1');
    // torch.tensor([1., 2, 3, 4]).var(correction=2) -> 5 / 2
    expect(x.var(0, false, { correction: 2 }).item()).toBe(2.5);
  });
});

describe('slice, split and chunk', () => {
  const x = tensor([0, 1, 2, 3, 4]);

  it('each names itself when the input is not a Tensor', () => {
    expect(thrownMessage(() => slice(5 as never, 0))).toBe('slice: input must be a Tensor, got 5');
    expect(thrownMessage(() => split(5 as never, 1))).toBe('split: input must be a Tensor, got 5');
    expect(thrownMessage(() => chunk(5 as never, 1))).toBe('chunk: input must be a Tensor, got 5');
  });

  it('a negative split size is refused by name', () => {
    // torch.split(torch.arange(5.), -1) raises "split expects split_size be non-negative, but got split_size=-1"
    expect(thrownMessage(() => split(x, -1))).toBe('split: splitSizeOrSections must be a non-negative integer or an array of them, got -1');
    expect(thrownMessage(() => split(x, '2' as never))).toBe('split: splitSizeOrSections must be a non-negative integer or an array of them, got the string "2"');
    expect(thrownMessage(() => split(x, [2, '3'] as never))).toBe('split: section 1 is the string "3", expected a non-negative integer');
    expect(thrownMessage(() => chunk(x, '2' as never))).toBe('chunk: chunks must be a positive integer, got the string "2"');
    expect(thrownMessage(() => slice(x, 0, '1' as never))).toBe('slice: start must be an integer (or omitted), got the string "1"');
    expect(thrownMessage(() => slice(x, 0, 0, 3, '1' as never))).toBe('slice: step must be a positive integer, got the string "1"');
  });
});

describe('softmax and logSoftmax', () => {
  it('each names itself when the input is not a Tensor', () => {
    expect(thrownMessage(() => softmax(5 as never, 0))).toBe('softmax: expected a Tensor, got 5');
    expect(thrownMessage(() => logSoftmax(5 as never, 0))).toBe('logSoftmax: expected a Tensor, got 5');
  });

  it('a row holding NaN is NaN, a row with a large spread does not overflow', () => {
    // torch.softmax(torch.tensor([[nan, 0.], [1000., 0.]], dtype=torch.float64), 1) -> [[nan, nan], [1.0, 0.0]]
    expect(softmax(tensor([[Number.NaN, 0], [1000, 0]]), 1).toArray()).toEqual([
      [Number.NaN, Number.NaN],
      [1, 0],
    ]);
    // Each row is shifted by its own maximum: torch.softmax(torch.tensor([[0., 0.], [1000., 0.]], dtype=torch.float64), 1) -> [[0.5, 0.5], [1.0, 0.0]]
    expect(softmax(tensor([[0, 0], [1000, 0]]), 1).toArray()).toEqual([
      [0.5, 0.5],
      [1, 0],
    ]);
    expect(softmax(tensor([[0, 1000], [0, 0]]), 0).toArray()).toEqual([
      [0.5, 1],
      [0.5, 0],
    ]);
    // torch.log_softmax(torch.tensor([0., 1000.], dtype=torch.float64), 0) -> [-1000., 0.]
    expect(logSoftmax(tensor([0, 1000]), 0).toArray()).toEqual([-1000, 0]);
  });
});

describe('where broadcasting', () => {
  it('names itself when the condition and an operand do not broadcast', () => {
    // torch.where(torch.tensor([True, False]), torch.zeros(3), torch.zeros(1)) raises
    expect(thrownMessage(() => where(tensor([1, 0]), zeros([3]), zeros([1])))).toBe('where: shapes [2] and [3] cannot be broadcast together (dim -1 is 2 vs 3)');
    expect(thrownMessage(() => where(tensor([1, 0]), zeros([1]), zeros([3])))).toBe('where: shapes [2] and [3] cannot be broadcast together (dim -1 is 2 vs 3)');
  });
});

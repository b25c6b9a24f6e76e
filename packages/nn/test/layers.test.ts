import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, gradcheck, manualSeed, noGrad, tensor } from '@kindling/core';
import { Conv1d, Flatten, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh } from '@kindling/nn';
import { configureFc, expectClose, flat, randomValues, referenceConv1d, t64 } from './helpers.js';

configureFc(25);

const convConfig = fc
  .record({
    groups: fc.integer({ min: 1, max: 3 }),
    cinG: fc.integer({ min: 1, max: 2 }),
    coutG: fc.integer({ min: 1, max: 2 }),
    K: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 3 }),
    padding: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('valid' as const, 'same' as const)),
    extra: fc.integer({ min: 0, max: 4 }),
    batch: fc.constantFrom(0, 1, 2), // 0: unbatched [C, L]
    bias: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map((c) => ({ ...c, stride: c.padding === 'same' ? 1 : c.stride }));

type ConvConfig = typeof convConfig extends fc.Arbitrary<infer T> ? T : never;

function build(c: ConvConfig) {
  const Cin = c.cinG * c.groups;
  const Cout = c.coutG * c.groups;
  const L = c.dilation * (c.K - 1) + 1 + c.extra;
  const conv = new Conv1d(Cin, Cout, c.K, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: c.bias, seed: c.seed });
  const N = Math.max(c.batch, 1);
  const xShape = c.batch === 0 ? [Cin, L] : [N, Cin, L];
  const x = t64(randomValues(N * Cin * L, c.seed + 1), xShape, true);
  return { conv, x, Cin, Cout, L, N };
}

function pads(c: ConvConfig): { padLeft: number; padTotal: number } {
  if (c.padding === 'valid') return { padLeft: 0, padTotal: 0 };
  if (c.padding === 'same') {
    const total = c.dilation * (c.K - 1);
    return { padLeft: Math.floor(total / 2), padTotal: total };
  }
  return { padLeft: c.padding, padTotal: 2 * c.padding };
}

describe('Conv1d', () => {
  it('forward equals a direct-loop reference for random configurations', () => {
    fc.assert(
      fc.property(convConfig, (c) => {
        const { conv, x, Cin, Cout, L, N } = build(c);
        const y = conv.forward(x);
        const ref = referenceConv1d(flat(x), [N, Cin, L], flat(conv.weight), [Cout, c.cinG, c.K], conv.bias ? flat(conv.bias) : null, {
          stride: c.stride, dilation: c.dilation, groups: c.groups, ...pads(c),
        });
        expect(y.shape).toEqual(c.batch === 0 ? [Cout, ref.Lout] : [N, Cout, ref.Lout]);
        if (c.padding === 'same') expect(ref.Lout).toBe(L);
        expectClose(y.dataSync(), ref.out);
        expect(conv.bias === null).toBe(!c.bias);
        expect(conv.weight.shape).toEqual([Cout, c.cinG, c.K]);
      }),
      { numRuns: 60 },
    );
  });

  it('passes gradcheck on input, weight and bias for random configurations', () => {
    fc.assert(
      fc.property(convConfig, (c) => {
        const { conv, x } = build(c);
        const inputs = conv.bias ? [x, conv.weight, conv.bias] : [x, conv.weight];
        const fn = (xi: Tensor, w: Tensor, b?: Tensor) => {
          conv.weight = w;
          if (b) conv.bias = b;
          return conv.forward(xi).tanh(); // tanh makes every output's gradient differ
        };
        expect(gradcheck(fn, inputs)).toBe(true);
      }),
    );
  });

  it('initialises like PyTorch: U(-sqrt(k), sqrt(k)), k = groups / (Cin * K), weight drawn before bias', () => {
    // https://pytorch.org/docs/stable/generated/torch.nn.Conv1d.html ("Variables": weight and bias
    // are sampled from U(-sqrt(k), sqrt(k)) with k = groups / (C_in * kernel_size)).
    fc.assert(
      fc.property(convConfig, fc.constantFrom('float64' as const, 'float32' as const), (c, dtype) => {
        const Cin = c.cinG * c.groups;
        const Cout = c.coutG * c.groups;
        const conv = new Conv1d(Cin, Cout, c.K, { groups: c.groups, bias: c.bias, seed: c.seed, dtype });
        const bound = Math.sqrt(c.groups / (Cin * c.K));
        const gen = new Generator(c.seed);
        const expected = (n: number) => Array.from({ length: n }, () => -bound + 2 * bound * gen.uniform());
        const round = (v: number[]) => (dtype === 'float32' ? v.map(Math.fround) : v);
        expect(conv.weight.dtype).toBe(dtype);
        expectClose(conv.weight.dataSync(), round(expected(Cout * c.cinG * c.K)), dtype === 'float32' ? 1e-7 : 1e-14);
        if (c.bias) expectClose(conv.bias!.dataSync(), round(expected(Cout)), dtype === 'float32' ? 1e-7 : 1e-14);
        expect(conv.weight.requiresGrad).toBe(true);
      }),
    );
  });

  it('spreads initial weights over the whole ±bound interval', () => {
    const conv = new Conv1d(8, 64, 5, { seed: 3 });
    const w = flat(conv.weight);
    const bound = 1 / Math.sqrt(8 * 5);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w)).toBeGreaterThan(0.98 * bound);
    expect(Math.min(...w)).toBeLessThan(-0.98 * bound);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / w.length)).toBeLessThan(0.05 * bound);
    expect(Math.max(...flat(conv.bias!).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('without a seed draws from core default generator; a generator option advances', () => {
    manualSeed(11);
    const a = new Conv1d(2, 3, 2);
    const gen = new Generator(11);
    const bound = 1 / Math.sqrt(4);
    expectClose(a.weight.dataSync(), Array.from({ length: 12 }, () => -bound + 2 * bound * gen.uniform()), 1e-14);
    expectClose(a.bias!.dataSync(), Array.from({ length: 3 }, () => -bound + 2 * bound * gen.uniform()), 1e-14);
    const b = new Conv1d(2, 3, 2);
    expect(flat(b.weight)).not.toEqual(flat(a.weight));
    const shared = new Generator(5);
    const c1 = new Conv1d(1, 1, 3, { generator: shared });
    const c2 = new Conv1d(1, 1, 3, { generator: shared });
    expect(flat(c1.weight)).not.toEqual(flat(c2.weight));
    expect(flat(new Conv1d(1, 1, 3, { seed: 5 }).weight)).toEqual(flat(c1.weight));
  });

  it('reproduces the blog example numbers: [1, .7, .5, .3, .1] * [1, 1, 1] + .5 = [2.7, 2.0, 1.4]', () => {
    const conv = new Conv1d(1, 1, 3);
    conv.loadStateDict({ weight: [[[1, 1, 1]]], bias: [0.5] });
    const y = conv.forward(tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]));
    expectClose(y.dataSync(), [2.7, 2.0, 1.4], 1e-15);
    expect(conv.call(tensor([[1, 0.7, 0.5, 0.3, 0.1]])).shape).toEqual([1, 3]);
  });

  it('gives the output shape of the PyTorch docs example nn.Conv1d(16, 33, 3, stride=2) on [20, 16, 50]', () => {
    // https://pytorch.org/docs/stable/generated/torch.nn.Conv1d.html: L_out = floor((50 - 3) / 2) + 1 = 24.
    const m = new Conv1d(16, 33, 3, { stride: 2, seed: 0 });
    expect(m.forward(t64(new Float64Array(20 * 16 * 50), [20, 16, 50])).shape).toEqual([20, 33, 24]);
  });

  it('rejects bad arguments like PyTorch, with messages that name them', () => {
    expect(() => new Conv1d(3, 4, 3, { groups: 2 })).toThrow(/inChannels 3 must be divisible by groups 2/);
    expect(() => new Conv1d(4, 3, 3, { groups: 2 })).toThrow(/outChannels 3 must be divisible by groups 2/);
    expect(() => new Conv1d(1, 1, 3, { padding: 'same', stride: 2 })).toThrow(/'same'.*strided/);
    expect(() => new Conv1d(0, 1, 3)).toThrow(/inChannels/);
    expect(() => new Conv1d(1, 1, 0)).toThrow(/kernelSize/);
    expect(() => new Conv1d(1, 1, 2.5)).toThrow(/kernelSize/);
    expect(() => new Conv1d(1, 1, 3, { padding: -1 })).toThrow(/padding/);
    expect(() => new Conv1d(1, 1, 3, { stride: 0 })).toThrow(/stride/);
    expect(() => new Conv1d(1, 1, 3, { dilation: 0 })).toThrow(/dilation/);
    expect(() => new Conv1d(1, 1, 3, { paddingMode: 'reflect' as 'zeros' })).toThrow(/paddingMode/);
    expect(() => new Conv1d(1, 1, 3, { seed: 1, generator: new Generator(1) })).toThrow(/seed or generator/);
    expect(() => new Conv1d(1, 1, 3, { dtype: 'int8' as 'float32' })).toThrow(/dtype/);
    const conv = new Conv1d(2, 1, 3, { seed: 0 });
    expect(() => conv.forward(t64(new Float64Array(15), [1, 3, 5]))).toThrow(/2 channels.*\[1, 3, 5\]/);
    expect(() => conv.forward(t64(new Float64Array(5), [5]))).toThrow(/\[5\]/);
    // 1-tuples are accepted, as torch accepts (3,)
    expect(new Conv1d(1, 1, [3], { stride: [2], padding: [1], dilation: [1] }).stride).toBe(2);
    expect(String(new Conv1d(2, 4, 3, { padding: 'same', groups: 2, bias: false }))).toBe('Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, groups=2, bias=False)');
  });
});

describe('Linear', () => {
  const linConfig = fc.record({
    inF: fc.integer({ min: 1, max: 5 }),
    outF: fc.integer({ min: 1, max: 4 }),
    lead: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    bias: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  });

  it('forward equals x Wᵀ + b computed directly, for 1-d, 2-d and 3-d inputs', () => {
    fc.assert(
      fc.property(linConfig, ({ inF, outF, lead, bias, seed }) => {
        const lin = new Linear(inF, outF, { bias, seed });
        const rows = lead.reduce((a, b) => a * b, 1);
        const xv = randomValues(rows * inF, seed + 7);
        const y = lin.forward(t64(xv, [...lead, inF]));
        expect(y.shape).toEqual([...lead, outF]);
        const W = flat(lin.weight);
        const b = lin.bias ? flat(lin.bias) : null;
        const expected: number[] = [];
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < outF; o++) {
            let acc = b ? b[o]! : 0;
            for (let i = 0; i < inF; i++) acc += xv[r * inF + i]! * W[o * inF + i]!;
            expected.push(acc);
          }
        }
        expectClose(y.dataSync(), expected);
      }),
    );
  });

  it('passes gradcheck on input, weight and bias', () => {
    fc.assert(
      fc.property(linConfig, ({ inF, outF, lead, bias, seed }) => {
        const lin = new Linear(inF, outF, { bias, seed });
        const x = t64(randomValues(lead.reduce((a, b) => a * b, 1) * inF, seed + 3), [...lead, inF], true);
        const inputs = lin.bias ? [x, lin.weight, lin.bias] : [x, lin.weight];
        const fn = (xi: Tensor, w: Tensor, b?: Tensor) => {
          lin.weight = w;
          if (b) lin.bias = b;
          return lin.forward(xi).sigmoid();
        };
        expect(gradcheck(fn, inputs)).toBe(true);
      }),
    );
  });

  it('initialises U(-sqrt(k), sqrt(k)), k = 1 / inFeatures (PyTorch docs), weight then bias', () => {
    // https://pytorch.org/docs/stable/generated/torch.nn.Linear.html ("Variables").
    const lin = new Linear(5, 3, { seed: 42 });
    const gen = new Generator(42);
    const bound = Math.sqrt(1 / 5);
    const draw = (n: number) => Array.from({ length: n }, () => -bound + 2 * bound * gen.uniform());
    expectClose(lin.weight.dataSync(), draw(15), 1e-14);
    expectClose(lin.bias!.dataSync(), draw(3), 1e-14);
    expect(lin.weight.shape).toEqual([3, 5]);
    expect(new Linear(5, 3, { bias: false }).bias).toBeNull();
  });

  it('gives the PyTorch docs example shape: Linear(20, 30) on [128, 20] -> [128, 30]', () => {
    // https://pytorch.org/docs/stable/generated/torch.nn.Linear.html example: output.size() == torch.Size([128, 30]).
    expect(new Linear(20, 30, { seed: 0 }).forward(t64(new Float64Array(128 * 20), [128, 20])).shape).toEqual([128, 30]);
  });

  it('rejects bad input with the shapes in the message', () => {
    const lin = new Linear(3, 2, { seed: 0 });
    expect(() => lin.forward(t64([1, 2], [2]))).toThrow(/\[\.\.\., 3\].*\[2\]/);
    expect(() => new Linear(0, 2)).toThrow(/inFeatures/);
    expect(() => new Linear(2, 2, { bias: 1 as unknown as boolean })).toThrow(/bias/);
  });
});

describe('activations, Flatten, Sequential', () => {
  it('match the PyTorch docs examples for tanh and sigmoid (4 decimals, as printed)', () => {
    // https://pytorch.org/docs/stable/generated/torch.tanh.html
    const a = tensor([0.8986, -0.7279, 1.1745, 0.2611]);
    expectClose(new Tanh().forward(a).dataSync(), [0.7156, -0.6218, 0.8257, 0.2553], 1e-4);
    // https://pytorch.org/docs/1.8.0/generated/torch.sigmoid.html
    const b = tensor([0.9213, 1.0887, -0.8858, -1.7683]);
    expectClose(new Sigmoid().forward(b).dataSync(), [0.7153, 0.7481, 0.292, 0.1458], 1e-4);
    expect(flat(new ReLU().forward(tensor([-1, 0, 2.5])))).toEqual([0, 0, 2.5]);
    const x = tensor([1, 2]);
    expect(new Identity().forward(x)).toBe(x);
  });

  it('Flatten gives the PyTorch docs shapes', () => {
    // https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html: [32, 1, 5, 5] -> [32, 25]; Flatten(0, 2) -> [160, 5].
    const x = t64(new Float64Array(32 * 25), [32, 1, 5, 5]);
    expect(new Flatten().forward(x).shape).toEqual([32, 25]);
    expect(new Flatten(0, 2).forward(x).shape).toEqual([160, 5]);
    expect(() => new Flatten(1.5)).toThrow(/startDim/);
  });

  it('Sequential chains its children in order and gives gradients to all of them', () => {
    const seq = new Sequential(new Conv1d(1, 2, 3, { seed: 1 }), new ReLU(), new Flatten(), new Linear(2 * 4, 1, { seed: 2 }));
    expect(seq.length).toBe(4);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    expect(() => seq.at(4)).toThrow(/out of range/);
    const x = t64(randomValues(2 * 6, 9), [2, 1, 6]);
    const [c, r, f, l] = seq.children();
    const expected = noGrad(() => l!.forward(f!.forward(r!.forward(c!.forward(x)))));
    const y = seq.forward(x);
    expect(flat(y)).toEqual(flat(expected));
    y.sum().backward();
    for (const p of seq.parameters()) expect(p.grad).not.toBeNull();
    expect(() => new Sequential(new ReLU(), 3 as unknown as ReLU)).toThrow(/position 1/);
  });
});

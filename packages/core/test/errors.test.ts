/**
 * Bad input never fails silently: every path API.md promises throws an Error whose message
 * names the operation and the offending shapes or values.
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor, apply, arange, conv1d, full, gradcheck, manualSeed, noGrad, ones, rand, randn, setBackend, tensor, uniform, zeros,
} from '../src/index.js';
import type { Conv1dOptions, Op } from '../src/index.js';
import { throwsWith } from './throws.js';

const r = (shape: number[], opts = {}) => randn(shape, { seed: 7, ...opts });

describe('conv1d', () => {
  const x = r([2, 3, 8]);
  const w = r([4, 3, 3]);

  it('wrong input rank', () => {
    throwsWith(() => conv1d(r([8]), w), /conv1d/, /input/, /\[8\]/);
    throwsWith(() => conv1d(r([1, 2, 3, 8]), w), /conv1d/, /\[1, 2, 3, 8\]/);
    throwsWith(() => conv1d(tensor(1), w), /conv1d/, /got \[\]/);
  });

  it('wrong weight rank', () => {
    throwsWith(() => conv1d(x, r([4, 3])), /conv1d/, /weight/, /\[4, 3\]/);
    throwsWith(() => conv1d(x, r([4, 3, 3, 1])), /conv1d/, /weight/, /\[4, 3, 3, 1\]/);
  });

  it('non-tensor arguments', () => {
    throwsWith(() => conv1d([[1, 2, 3]] as unknown as Tensor, w), /conv1d/, /Tensor/);
    throwsWith(() => conv1d(x, null as unknown as Tensor), /conv1d/, /Tensor/);
    throwsWith(() => conv1d(x, w, [1, 2, 3, 4] as unknown as Tensor), /conv1d/, /bias/);
  });

  it('channel mismatch names both counts and the weight shape', () => {
    throwsWith(() => conv1d(r([1, 4, 10]), r([2, 3, 5])), /^conv1d: input has 4 channels but weight expects 3 \(weight shape \[2, 3, 5\]\)$/);
    throwsWith(() => conv1d(r([4, 10]), r([2, 3, 5])), /conv1d: input has 4 channels but weight expects 3/);
    // with groups: weight [4, 1, 3] and groups 2 expects 2 input channels
    throwsWith(() => conv1d(r([1, 4, 10]), r([4, 1, 3]), null, { groups: 2 }), /conv1d/, /input has 4 channels but weight expects 2/, /\[4, 1, 3\], groups 2\)/);
  });

  it('groups that do not divide the channels', () => {
    throwsWith(() => conv1d(r([1, 3, 10]), r([4, 1, 3]), null, { groups: 2 }), /conv1d/, /input channels 3/, /groups 2/);
    throwsWith(() => conv1d(r([1, 4, 10]), r([3, 2, 3]), null, { groups: 2 }), /conv1d/, /output channels 3/, /\[3, 2, 3\]/, /groups 2/);
  });

  it('bias of the wrong shape', () => {
    throwsWith(() => conv1d(x, w, r([3])), /conv1d/, /bias/, /\[3\]/, /4/);
    throwsWith(() => conv1d(x, w, r([4, 1])), /conv1d/, /bias/, /\[4, 1\]/);
    throwsWith(() => conv1d(x, w, r([1, 4])), /conv1d/, /bias/, /\[1, 4\]/);
  });

  it("'same' with stride > 1", () => {
    throwsWith(() => conv1d(x, w, null, { padding: 'same', stride: 2 }), /conv1d/, /same/, /stride 2/);
  });

  const bad: [keyof Conv1dOptions, unknown][] = [];
  for (const name of ['stride', 'dilation', 'groups'] as const) {
    for (const v of [0, -1, 1.5, NaN, Infinity, -Infinity, '2', true]) bad.push([name, v]);
  }
  for (const v of [-1, 1.5, NaN, Infinity, -Infinity, 'full', '1', true]) bad.push(['padding', v]);

  it.each(bad)('%s = %s is rejected and named', (name, value) => {
    const opts = { [name]: value } as Conv1dOptions;
    const shown = String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    throwsWith(() => conv1d(x, w, null, opts), /conv1d/, new RegExp(name), new RegExp(`got ${shown}`));
  });

  it('valid hyper-parameters at the boundary are accepted', () => {
    expect(conv1d(x, w, null, { stride: 1, padding: 0, dilation: 1, groups: 1 }).shape).toEqual([2, 4, 6]);
    expect(conv1d(x, w, null, { padding: 'valid' }).shape).toEqual([2, 4, 6]);
  });

  it('input shorter than the dilated kernel', () => {
    throwsWith(() => conv1d(r([1, 3, 2]), w), /conv1d/, /input length 2/, /dilated kernel 3/, /\[1, 3, 2\]/, /\[4, 3, 3\]/);
    throwsWith(() => conv1d(r([1, 3, 4]), w, null, { dilation: 2 }), /conv1d/, /input length 4/, /dilated kernel 5/);
    throwsWith(() => conv1d(r([1, 3, 2]), r([4, 3, 7]), null, { padding: 2 }), /conv1d/, /input length 2/, /padding 2/, /dilated kernel 7/);
    // exactly long enough is fine
    expect(conv1d(r([1, 3, 5]), w, null, { dilation: 2 }).shape).toEqual([1, 4, 1]);
    expect(conv1d(r([1, 3, 3]), r([4, 3, 7]), null, { padding: 2 }).shape).toEqual([1, 4, 1]);
  });

  it('a kernel of size 0', () => {
    throwsWith(() => conv1d(x, zeros([4, 3, 0])), /conv1d/, /kernel size/, /\[4, 3, 0\]/);
  });
});

describe('elementwise broadcasting', () => {
  const a = r([2, 3]);
  const b = r([4]);
  it.each(['add', 'sub', 'mul', 'div'] as const)('%s with incompatible shapes', (op) => {
    throwsWith(() => a[op](b), new RegExp(`^${op}:`), /\[2, 3\]/, /\[4\]/, /3 vs 4/);
    throwsWith(() => r([2, 1, 3])[op](r([4, 2])), new RegExp(`^${op}:`), /\[2, 1, 3\]/, /\[4, 2\]/);
  });
  it.each(['add', 'sub', 'mul', 'div'] as const)('%s with a non-tensor, non-number operand', (op) => {
    throwsWith(() => a[op]('1' as unknown as number), new RegExp(`^${op}:`), /string/);
    throwsWith(() => a[op](null as unknown as number), new RegExp(`^${op}:`), /null/);
  });
  it('pow with a non-number exponent', () => {
    throwsWith(() => a.pow('2' as unknown as number), /^pow:/, /string/);
  });
});

describe('matmul', () => {
  it('misaligned inner dims', () => {
    throwsWith(() => r([2, 3]).matmul(r([4, 5])), /matmul/, /\[2, 3\]/, /\[4, 5\]/, /3 vs 4/);
    throwsWith(() => r([3]).matmul(r([4])), /matmul/, /\[3\]/, /\[4\]/);
    throwsWith(() => r([2, 2, 3]).matmul(r([2, 5])), /matmul/, /\[2, 2, 3\]/, /\[2, 5\]/);
  });
  it('0-d operands', () => {
    throwsWith(() => tensor(2).matmul(r([2, 2])), /matmul/, /\[\]/, /\[2, 2\]/);
    throwsWith(() => r([2, 2]).matmul(tensor(2)), /matmul/, /\[2, 2\]/, /\[\]/);
  });
  it('batch dims that do not broadcast', () => {
    throwsWith(() => r([2, 2, 3]).matmul(r([3, 3, 4])), /matmul/, /\[2\]/, /\[3\]/);
  });
  it('a non-tensor argument', () => {
    throwsWith(() => r([2, 2]).matmul([[1, 2]] as unknown as Tensor), /matmul/, /Tensor/);
  });
});

describe('views', () => {
  const t = r([2, 3, 4]);
  it('reshape to the wrong size', () => {
    throwsWith(() => t.reshape([5, 5]), /reshape/, /\[2, 3, 4\]/, /24/, /\[5, 5\]/);
    throwsWith(() => t.reshape([-1, 5]), /reshape/, /\[2, 3, 4\]/, /\[-1, 5\]/);
    throwsWith(() => t.reshape([0, -1]), /reshape/, /\[0, -1\]/);
  });
  it('reshape with two -1', () => {
    throwsWith(() => t.reshape([-1, -1]), /reshape/, /only one/, /\[-1, -1\]/);
  });
  it('reshape with invalid dims', () => {
    throwsWith(() => t.reshape([-2, -12]), /reshape/, /\[-2, -12\]/);
    throwsWith(() => t.reshape([2.5, 2]), /reshape/, /\[2\.5, 2\]/);
    throwsWith(() => t.reshape(24 as unknown as number[]), /reshape/, /24/);
  });
  it('permute that is not a permutation', () => {
    throwsWith(() => t.permute([0, 0, 1]), /permute/, /\[0, 0, 1\]/);
    throwsWith(() => t.permute([0, 1]), /permute/, /\[2, 3, 4\]/, /\[0, 1\]/);
    throwsWith(() => t.permute([0, 1, 3]), /permute/, /axis 3/);
    throwsWith(() => t.permute([0, 1, 2, 3]), /permute/, /\[0, 1, 2, 3\]/);
  });
  it('transpose with bad dims', () => {
    throwsWith(() => t.transpose(0, 3), /transpose/, /axis 3/, /3 dimension/);
    throwsWith(() => t.transpose(-4, 0), /transpose/, /axis -4/);
  });
  it('unsqueeze with bad dims', () => {
    throwsWith(() => t.unsqueeze(4), /unsqueeze/, /axis 4/);
    throwsWith(() => t.unsqueeze(-5), /unsqueeze/, /axis -5/);
    expect(t.unsqueeze(3).shape).toEqual([2, 3, 4, 1]);
    expect(t.unsqueeze(-4).shape).toEqual([1, 2, 3, 4]);
  });
  it('squeeze with bad dims', () => {
    throwsWith(() => t.squeeze(3), /squeeze/, /axis 3/);
    throwsWith(() => t.squeeze(-4), /squeeze/, /axis -4/);
    throwsWith(() => t.squeeze(0.5), /squeeze/, /axis 0\.5/);
  });
  it('expand to an incompatible shape', () => {
    throwsWith(() => r([2, 1]).expand([3, 4]), /expand/, /\[2, 1\]/, /\[3, 4\]/);
    throwsWith(() => r([2, 3]).expand([3]), /expand/, /\[2, 3\]/, /\[3\]/);
    throwsWith(() => r([3]).expand([-1, 3]), /expand/, /\[3\]/, /\[-1, 3\]/);
    throwsWith(() => r([1]).expand([2.5]), /expand/, /\[2\.5\]/);
  });
  it('narrow out of range', () => {
    throwsWith(() => t.narrow(1, 2, 2), /narrow/, /start 2/, /length 2/, /size 3/, /\[2, 3, 4\]/);
    throwsWith(() => t.narrow(1, -1, 1), /narrow/, /start -1/);
    throwsWith(() => t.narrow(1, 0, -1), /narrow/, /length -1/);
    throwsWith(() => t.narrow(1, 0.5, 1), /narrow/, /start 0\.5/);
    throwsWith(() => t.narrow(3, 0, 1), /narrow/, /axis 3/);
    expect(t.narrow(1, 1, 2).shape).toEqual([2, 2, 4]);
    expect(t.narrow(1, 3, 0).shape).toEqual([2, 0, 4]);
  });
  it('flatten with start after end', () => {
    throwsWith(() => t.flatten(2, 1), /flatten/, /2/, /1/, /\[2, 3, 4\]/);
  });
  it('to an unknown dtype', () => {
    throwsWith(() => t.to('int32' as 'float32'), /^to:/, /int32/);
  });
});

describe('reductions', () => {
  const t = r([2, 3, 4]);
  it.each(['sum', 'mean', 'max'] as const)('%s with an axis out of range', (op) => {
    throwsWith(() => t[op](3), new RegExp(`^${op}:`), /axis 3/, /3 dimension/);
    throwsWith(() => t[op](-4), new RegExp(`^${op}:`), /axis -4/);
    throwsWith(() => t[op]([0, 5]), new RegExp(`^${op}:`), /axis 5/);
    throwsWith(() => t[op](1.5), new RegExp(`^${op}:`), /axis 1\.5/);
    throwsWith(() => tensor(3)[op](0), new RegExp(`^${op}:`), /axis 0/, /0 dimension/);
  });
  it.each(['sum', 'mean', 'max'] as const)('%s with a repeated axis', (op) => {
    throwsWith(() => t[op]([1, 1]), new RegExp(`^${op}:`), /\[1, 1\]/, /repeat/);
    throwsWith(() => t[op]([0, -3]), new RegExp(`^${op}:`), /\[0, -3\]/, /repeat/);
  });
  it('max over an empty axis', () => {
    throwsWith(() => zeros([2, 0]).max(1), /^max:/, /axis 1/, /size 0/, /\[2, 0\]/);
    throwsWith(() => zeros([0]).max(), /^max:/, /\[0\]/);
  });
});

describe('item', () => {
  it('on a tensor with size != 1', () => {
    throwsWith(() => r([2]).item(), /item/, /\[2\]/, /2 elements/);
    throwsWith(() => zeros([0]).item(), /item/, /\[0\]/, /0 elements/);
    throwsWith(() => r([2, 3]).item(), /item/, /\[2, 3\]/, /6 elements/);
    expect(tensor([[5]]).item()).toBe(5);
  });
});

describe('backward', () => {
  it('on a non-scalar without a gradient', () => {
    const y = r([2, 3], { requiresGrad: true }).mul(2);
    throwsWith(() => y.backward(), /backward/, /\[2, 3\]/);
  });
  it('on a tensor without a graph', () => {
    throwsWith(() => r([1]).backward(), /backward/, /\[1\]/, /requires? grad/);
    const leaf = r([2], { requiresGrad: true });
    throwsWith(() => noGrad(() => leaf.mul(2)).sum().backward(), /backward/, /\[\]/);
    throwsWith(() => leaf.detach().sum().backward(), /backward/);
  });
  it('with a wrongly shaped gradient', () => {
    const y = r([2, 3], { requiresGrad: true }).mul(2);
    throwsWith(() => y.backward(ones([3])), /backward/, /\[3\]/, /\[2, 3\]/);
    throwsWith(() => y.backward(ones([3, 2])), /backward/, /\[3, 2\]/, /\[2, 3\]/);
    throwsWith(() => y.sum().backward(ones([1])), /backward/, /\[1\]/, /\[\]/);
    throwsWith(() => y.backward([[1, 1, 1], [1, 1, 1]] as unknown as Tensor), /backward/, /Tensor/);
  });
  it.each([[[7]], [[3, 2]], [[6]], [[2, 3, 1]], [[2, 1]]])('a custom op returning a gradient of shape %j for a [2, 3] input is caught', (gshape) => {
    const Bad: Op = {
      name: 'badShape',
      forward: ([x]) => x!,
      backward: () => [ones(gshape)],
    };
    const x = r([2, 3], { requiresGrad: true });
    throwsWith(() => apply(Bad, [x], undefined).sum().backward(), /^backward: badShape/, new RegExp(`\\[${gshape.join(', ')}\\]`), /\[2, 3\]/);
    expect(x.grad).toBeNull();
  });
  it('a custom op returning a broadcast-shaped gradient is summed back', () => {
    const Wide: Op = { name: 'wide', forward: ([x]) => x!, backward: () => [ones([4, 2, 3])] };
    const x = r([2, 3], { requiresGrad: true });
    apply(Wide, [x], undefined).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [4, 4, 4],
      [4, 4, 4],
    ]);
  });
});

describe('requiresGrad', () => {
  it('cannot be turned off on a non-leaf', () => {
    const y = r([2], { requiresGrad: true }).mul(2);
    throwsWith(() => {
      y.requiresGrad = false;
    }, /requiresGrad/, /non-leaf/);
  });
});

describe('factories', () => {
  it('ragged nested arrays', () => {
    throwsWith(() => tensor([[1, 2], [3]]), /tensor/, /ragged/, /\[1\]/, /expected 2/, /got 1/);
    throwsWith(() => tensor([[1, 2], 3] as unknown as number[][]), /tensor/, /ragged/, /\[1\]/);
    throwsWith(() => tensor([[[1], [2]], [[3], [4, 5]]]), /tensor/, /ragged/, /\[1, 1\]/);
    throwsWith(() => tensor([1, [2]] as unknown as number[]), /tensor/, /\[1\]/, /array/);
  });
  it('non-numbers', () => {
    throwsWith(() => tensor([1, 'a'] as unknown as number[]), /tensor/, /\[1\]/, /string/);
    throwsWith(() => tensor([[1, null]] as unknown as number[][]), /tensor/, /\[0, 1\]/, /object/);
    throwsWith(() => tensor('x' as unknown as number), /tensor/, /string/);
    throwsWith(() => tensor(null as unknown as number), /tensor/, /null/);
    throwsWith(() => tensor([1, 'a'] as unknown as number[], { shape: [2] }), /tensor/, /element 1/, /string/);
    throwsWith(() => tensor(new Int32Array(4) as unknown as Float32Array, { shape: [4] }), /tensor/, /Int32Array/);
  });
  it('typed array size vs shape', () => {
    throwsWith(() => tensor(new Float32Array(6), { shape: [4] }), /tensor/, /6 elements/, /\[4\]/, /needs 4/);
    throwsWith(() => tensor(new Float64Array(6), { shape: [2, 2] }), /tensor/, /6 elements/, /\[2, 2\]/);
    throwsWith(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor/, /3 elements/, /\[2, 2\]/);
    throwsWith(() => tensor(new Float64Array(4), { shape: [-4] }), /tensor/, /\[-4\]/);
    expect(tensor(new Float32Array(6), { shape: [2, 3] }).shape).toEqual([2, 3]);
  });
  it.each([
    ['zeros', (s: number[]) => zeros(s)],
    ['ones', (s: number[]) => ones(s)],
    ['full', (s: number[]) => full(s, 1)],
    ['rand', (s: number[]) => rand(s)],
    ['randn', (s: number[]) => randn(s)],
  ] as const)('%s with negative or non-integer dims', (name, make) => {
    throwsWith(() => make([2, -1]), new RegExp(`^${name}:`), /\[2, -1\]/);
    throwsWith(() => make([1.5]), new RegExp(`^${name}:`), /\[1\.5\]/);
    throwsWith(() => make([NaN]), new RegExp(`^${name}:`), /\[NaN\]/);
    throwsWith(() => make(['2'] as unknown as number[]), new RegExp(`^${name}:`), /\[2\]/);
    throwsWith(() => make('3' as unknown as number[]), new RegExp(`^${name}:`), /3/);
  });
  it.each([
    ['tensor', (o: object) => tensor([1, 2], o)],
    ['zeros', (o: object) => zeros([2], o)],
    ['ones', (o: object) => ones([2], o)],
    ['full', (o: object) => full([2], 3, o)],
    ['arange', (o: object) => arange(2, o)],
    ['rand', (o: object) => rand([2], o)],
    ['randn', (o: object) => randn([2], o)],
  ] as const)('%s with a bad dtype', (name, make) => {
    throwsWith(() => make({ dtype: 'int32' }), new RegExp(`^${name}:`), /int32/);
    throwsWith(() => make({ dtype: 'float16' }), new RegExp(`^${name}:`), /float16/);
  });
  it('requiresGrad must be a boolean', () => {
    throwsWith(() => zeros([2], { requiresGrad: 'yes' as unknown as boolean }), /zeros/, /requiresGrad/, /yes/);
  });
  it('other factory arguments', () => {
    throwsWith(() => arange(-1), /arange/, /-1/);
    throwsWith(() => arange(2.5), /arange/, /2\.5/);
    throwsWith(() => full([2], 'a' as unknown as number), /full/, /string/);
    throwsWith(() => rand([2], { seed: NaN }), /rand/, /seed/, /NaN/);
    throwsWith(() => randn([2], { seed: Infinity }), /randn/, /seed/, /Infinity/);
    throwsWith(() => uniform([2], 1, 0), /uniform/, /\[1, 0\)/);
    throwsWith(() => uniform([2], 0, Infinity), /uniform/, /Infinity/);
    throwsWith(() => manualSeed(NaN), /manualSeed/, /NaN/);
    throwsWith(() => setBackend('nope'), /setBackend/, /nope/, /js/);
  });
});

describe('gradcheck options and arguments', () => {
  const x = r([3], { requiresGrad: true });
  const f = (t: Tensor) => t.mul(t);
  it.each([
    ['eps', 0],
    ['eps', -1e-6],
    ['eps', NaN],
    ['eps', Infinity],
    ['atol', -1],
    ['atol', NaN],
    ['rtol', -0.1],
    ['rtol', Infinity],
  ] as const)('%s = %s', (name, value) => {
    throwsWith(() => gradcheck(f, [x], { [name]: value }), /gradcheck/, new RegExp(name), new RegExp(`got ${String(value)}`));
  });
  it('zero tolerances are allowed, zero eps is not', () => {
    expect(() => gradcheck((t) => t.mul(2), [x], { atol: 0, rtol: 1e-6 })).not.toThrow();
    throwsWith(() => gradcheck(f, [x], { eps: 0 }), /gradcheck/, /eps/, /positive/);
  });
  it('bad arguments', () => {
    throwsWith(() => gradcheck(f, [r([3])]), /gradcheck/, /no input requires grad/);
    throwsWith(() => gradcheck(f, [[1, 2, 3] as unknown as Tensor]), /gradcheck/, /input 0/);
    throwsWith(() => gradcheck(f, [x, 3 as unknown as Tensor]), /gradcheck/, /input 1/);
    throwsWith(() => gradcheck('f' as unknown as typeof f, [x]), /gradcheck/, /fn/);
    throwsWith(() => gradcheck(f, x as unknown as Tensor[]), /gradcheck/, /inputs/);
    throwsWith(() => gradcheck(() => 3 as unknown as Tensor, [x]), /gradcheck/, /Tensor/);
  });
});

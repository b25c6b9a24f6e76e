import { describe, expect, it } from 'vitest';
import { adamUpdate, mseBackward, sgdUpdate } from '../src/kernels/js/fused.js';
import { unary } from '../src/kernels/js/elementwise.js';
import { reduce } from '../src/kernels/js/reduce.js';
import type { AdamHyper, Conv1dGeometry, SgdHyper } from '../src/kernels/kernels.js';
import { TensorData, registerBackend } from '../src/index.js';
import { kernelsOf } from '../src/kernels/backend.js';
import { thrownMessage as thrown } from './throws.js';

// More of the reference ('js') kernels (kernels/js/**) at their edges, added for mutation
// testing after mutation-kills.kernels.test.ts: values in the tails where the two algebraic
// forms of a formula part ways (overflow, underflow), and loops that must stop at n even when
// the buffers they write run on past it.

const f64 = (...v: number[]) => Float64Array.from(v);
const sgdHyper = (h: Partial<SgdHyper>): SgdHyper => ({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...h });
const adamHyper = (h: Partial<AdamHyper>): AdamHyper => ({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maximize: false, step: 1, ...h });

describe('softplusGrad: sigmoid(x) below the threshold, by the form that cannot overflow on either side', () => {
  // PyTorch 1.13, float64:
  //   x = torch.tensor([750., -710., -745., 3., -3.], dtype=torch.float64, requires_grad=True)
  //   torch.nn.functional.softplus(x, beta=1, threshold=1000).sum().backward(); x.grad
  //   -> [nan, 4.47628622567513e-309, 5e-324, 0.9525741268224333, 0.04742587317756679]
  // At 750 ATen computes z / (z + 1) with z = exp(750) = inf, so NaN; sigmoid(750) is 1 to
  // double precision (1 - e^-750), which is what Kindling gives. Below 0 the grad is
  // e / (1 + e), e = exp(x): e itself once e is far under 2^-53, where 1 / (1 + exp(-x)) would
  // overflow exp(-x) to Infinity and give 0.
  const run = (xs: number[], k: number) => {
    const out = new Float64Array(xs.length + 1).fill(42);
    unary('softplusGrad', new TensorData(Float64Array.from(xs), [xs.length]), out, k);
    return Array.from(out);
  };

  it('a large positive x under a larger threshold gives 1, not NaN', () => {
    expect(run([750, 709, 710], 1000)).toEqual([1, 1, 1, 42]);
  });

  it('a large negative x gives exp(x) (subnormal), not 0', () => {
    expect(Math.exp(-710)).toBe(4.47628622567513e-309); // the value torch gives, above
    expect(run([-710, -745, -746], 1000)).toEqual([Math.exp(-710), 5e-324, 0, 42]);
    expect(run([-710], 0)).toEqual([Math.exp(-710), 42]);
  });

  it('the two forms on each side of 0: 1 / (1 + e^-x) above, e^x / (1 + e^x) below', () => {
    // x = 3: 1 / (1 + e^-3) = 0.9525741268224334, torch.sigmoid(3.) in float64 (ATen's
    // softplus backward, e^3 / (1 + e^3), is one ulp lower, 0.9525741268224333, see above);
    // x = -3: e^-3 / (1 + e^-3) = 0.04742587317756679 as in the torch grad above (the other
    // form, torch.sigmoid(-3.), is one ulp lower).
    expect(run([3, -3], 1000)).toEqual([0.9525741268224334, 0.04742587317756679, 42]);
    expect(1 / (1 + Math.exp(-3))).toBe(0.9525741268224334);
    expect(Math.exp(-3) / (1 + Math.exp(-3))).toBe(0.04742587317756679);
    // At 0 both forms give 0.5; above the threshold the grad is 1 (not sigmoid(x)).
    expect(run([0, 1001], 1000)).toEqual([0.5, 1, 42]);
    expect(run([2.5, 2], 2)).toEqual([1, 1 / (1 + Math.exp(-2)), 42]);
  });
});

describe('fused kernels stop at n: buffers longer than the call keep their tails', () => {
  it('mseBackward without g writes (p - t)·scale to out[0..n) only', () => {
    const out = new Float64Array(4).fill(-1);
    mseBackward(f64(1, 4, 3, 8), f64(0.5, 1, 0, 2), null, 0.25, 2, out);
    expect(Array.from(out)).toEqual([0.125, 0.75, -1, -1]);
  });

  it('sgdUpdate with momentum updates p[po..po+n) and buf[0..n) only', () => {
    // momentum 0.5, lr 0.1, not the first step: buf = 0.5·buf + g, p -= 0.1·buf.
    const p = f64(9, 1, 2, 9, 9);
    const g = f64(0.5, -1, 3, 3);
    const buf = f64(2, 4, 7, 7);
    sgdUpdate(p, 1, g, 0, 2, buf, false, sgdHyper({ momentum: 0.5 }));
    expect(Array.from(buf)).toEqual([0.5 * 2 + 0.5, 0.5 * 4 - 1, 7, 7]);
    expect(Array.from(p)).toEqual([9, 1 - 0.1 * 1.5, 2 - 0.1 * 1, 9, 9]);
    // The first step copies g into the buffer, again for n elements only.
    const q = f64(1, 9);
    const b2 = f64(5, 5);
    sgdUpdate(q, 0, f64(2, 2), 0, 1, b2, true, sgdHyper({ momentum: 0.5 }));
    expect(Array.from(b2)).toEqual([2, 5]);
    expect(Array.from(q)).toEqual([1 - 0.1 * 2, 9]);
  });

  it('adamUpdate updates p[po..po+n), m, v and vmax [0..n) only', () => {
    for (const amsgrad of [false, true]) {
      const p = f64(9, 1, 9, 9);
      const g = f64(0.5, 0.5, 0.5);
      const m = f64(0, 6, 6);
      const v = f64(0, 6, 6);
      const vmax = amsgrad ? f64(0, 6, 6) : null;
      // beta1 0.5, beta2 0.75, lr 0.1, eps 0, step 1: m = 0.25, v = 0.0625, so the step is
      // lr·(m / 0.5) / (sqrt(v) / sqrt(0.25)) = 0.1·0.5 / 0.5 = 0.1 (lerp at weight 0.5:
      // 0.5 - 0.5·0.5 = 0.25, exact).
      adamUpdate(p, 1, g, 0, 1, m, v, vmax, adamHyper({ lr: 0.1, beta1: 0.5, beta2: 0.75, eps: 0 }));
      expect(Array.from(m)).toEqual([0.25, 6, 6]);
      expect(Array.from(v)).toEqual([0.0625, 6, 6]);
      if (vmax) expect(Array.from(vmax)).toEqual([0.0625, 6, 6]);
      expect(Array.from(p)).toEqual([9, 1 - 0.1, 9, 9]);
    }
  });
});

describe('reduce sums each row of the plan into its output: rows as long as the strides allow', () => {
  // 1 + 2^-24 is a tie between the float32 numbers 1 and 1 + 2^-23, and rounds to 1 (even).
  // Summed as one run, 1 + 2^-24 + 2^-24 = 1 + 2^-23 exactly, stored as is; split into rows
  // whose partial sums are each added into the float32 output, it would stay 1.
  const u = 2 ** -24;
  const whole = 1 + 2 * u;
  const sumInto32 = (x: TensorData, reduced: number, n = 1) => {
    const out = new Float32Array(n);
    reduce('sum', x, reduced, out);
    return Array.from(out);
  };

  it('the rounding the cases below rely on', () => {
    expect(Math.fround(1 + u)).toBe(1);
    expect(Math.fround(whole)).toBe(whole);
  });

  it('a dense 1-d run is one row', () => {
    expect(sumInto32(new TensorData(f64(1, u, u), [3]), 3)).toEqual([whole]);
  });

  it('dense dims merge into one row, however many', () => {
    expect(sumInto32(new TensorData(f64(1, u, 0, u, 0, 0), [2, 3]), 6)).toEqual([whole]);
    expect(sumInto32(new TensorData(f64(1, u, 0, u, 0, 0, 0, 0), [2, 2, 2]), 8)).toEqual([whole]);
    // Two outputs of two merged dims each ([2, 2, 3] reduced over the last two).
    const x = f64(1, u, 0, u, 0, 0, 1, 0, 0, 0, u, u);
    expect(sumInto32(new TensorData(x, [2, 2, 3]), 6, 2)).toEqual([whole, whole]);
  });

  it('a size-1 dim is dropped, whatever its stride', () => {
    // [3, 1] with strides [1, 5]: the size-1 dim cannot merge by its stride, but is dropped.
    expect(sumInto32(new TensorData(f64(1, u, u), [3, 1], [1, 5], 0), 3)).toEqual([whole]);
    expect(sumInto32(new TensorData(f64(1, u, u), [1, 3, 1], [7, 1, 9], 0), 3)).toEqual([whole]);
  });
});

describe('kernelsOf: every kernel of a fixed backend runs', () => {
  // Small cases worked by hand, one per kernel, through kernelsOf('js') (mseBackward and
  // accumulate are in mutation-kills.kernels.test.ts). Each test makes its own table, so that
  // the dispatcher's methods are built while the test runs.
  const g: Conv1dGeometry = { batch: 1, inChannels: 1, outChannels: 1, length: 3, kernelSize: 2, outLength: 2, stride: 1, padLeft: 0, dilation: 1, groups: 1 };

  it('the elementwise kernels, reduce, copy and gemm', () => {
    const k = kernelsOf('js');
    const out = new Float64Array(2);
    k.unary('neg', new TensorData(f64(1, -2), [2]), out, 0);
    expect(Array.from(out)).toEqual([-1, 2]);
    k.binary('add', new TensorData(f64(1, 2), [2]), new TensorData(f64(10, 20), [2]), out);
    expect(Array.from(out)).toEqual([11, 22]);
    k.reduce('sum', new TensorData(f64(1, 2, 3, 4), [2, 2]), 2, out);
    expect(Array.from(out)).toEqual([3, 7]);
    k.copy(new TensorData(f64(5, 6, 7), [2], [1], 1), out);
    expect(Array.from(out)).toEqual([6, 7]);
    // [[1], [2]]·[[3, 4]] = [[3, 4], [6, 8]].
    const c = new Float64Array(4);
    k.gemm(2, 2, 1, f64(1, 2), 0, 1, 1, f64(3, 4), 0, 2, 1, c, 0);
    expect(Array.from(c)).toEqual([3, 4, 6, 8]);
  });

  it('the conv1d kernels: x = [1, 2, 3], w = [1, 10], bias 100', () => {
    const k = kernelsOf('js');
    const y = new Float64Array(2);
    k.conv1dForward(f64(1, 2, 3), f64(1, 10), f64(100), y, g);
    expect(Array.from(y)).toEqual([100 + 1 + 20, 100 + 2 + 30]);
    // gx[p] = sum over l + j = p of w[j]·gy[l], with gy = [1, 2].
    const gx = new Float64Array(3);
    k.conv1dBackwardInput(f64(1, 2), f64(1, 10), gx, g);
    expect(Array.from(gx)).toEqual([1, 10 + 2, 20]);
    // gw[j] = sum over l of gy[l]·x[l + j].
    const gw = new Float64Array(2);
    k.conv1dBackwardWeight(f64(1, 2), f64(1, 2, 3), gw, g);
    expect(Array.from(gw)).toEqual([1 + 4, 2 + 6]);
    const gb = new Float64Array(1);
    k.conv1dBackwardBias(f64(1, 2), gb, g);
    expect(Array.from(gb)).toEqual([3]);
  });

  it('mseForward and the optimizer updates', () => {
    const k = kernelsOf('js');
    const one = new Float64Array(1);
    k.mseForward(f64(3, 1), f64(1, 1), 2, 'sum', one);
    expect(one[0]).toBe(4);
    const p = f64(1);
    k.sgdUpdate(p, 0, f64(1), 0, 1, null, false, sgdHyper({ lr: 0.5 }));
    expect(p[0]).toBe(0.5);
    // As in 'adamUpdate updates ... only' above: the step is exactly lr = 0.1.
    const q = f64(1);
    k.adamUpdate(q, 0, f64(0.5), 0, 1, f64(0), f64(0), null, adamHyper({ lr: 0.1, beta1: 0.5, beta2: 0.75, eps: 0 }));
    expect(q[0]).toBe(0.9);
  });
});

describe('registerBackend and selectDefaultBackend, on a fresh instance of the registry', () => {
  // A new instance of kernels/backend.ts for each test (its own registry, nothing chosen yet):
  // the shared one has had setBackend called by other tests, after which the default never
  // selects itself. The query makes the module a separate one, and unique, so that a rerun in
  // the same module graph (as the mutation runs do) gets a new instance too.
  type Registry = typeof import('../src/kernels/backend.js');
  const freshRegistry = async (tag: string) => {
    const query = `${tag}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    return (await import(/* @vite-ignore */ `../src/kernels/backend.js?instance=${query}`)) as Registry;
  };

  it('a name registers an empty backend: selectable, every kernel runs js', async () => {
    const r = await freshRegistry('named');
    r.registerBackend('mk2Named');
    r.setBackend('mk2Named');
    expect(r.getBackend()).toBe('mk2Named');
    expect(r.kernels.name).toBe('mk2Named');
    const out = new Float64Array(2);
    r.kernels.unary('abs', new TensorData(f64(-1, 2), [2]), out, 0);
    expect(Array.from(out)).toEqual([1, 2]);
  });

  it('an empty name is refused and described', () => {
    expect(thrown(() => registerBackend(''))).toBe('registerBackend: the backend name must be a non-empty string, got the string ""');
  });

  it('the default backend selects itself once registered, unless setBackend came first', async () => {
    const r = await freshRegistry('default');
    expect(r.getBackend()).toBe('js');
    r.selectDefaultBackend('mk2Default'); // not registered (yet): ignored
    expect(r.getBackend()).toBe('js');
    r.registerBackend('mk2Default');
    r.selectDefaultBackend('mk2Default');
    expect(r.getBackend()).toBe('mk2Default');
    r.selectDefaultBackend('js');
    expect(r.getBackend()).toBe('js');
    r.setBackend('js');
    r.selectDefaultBackend('mk2Default');
    expect(r.getBackend()).toBe('js');
  });
});

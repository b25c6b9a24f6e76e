/**
 * The kernel registry: implementations per (kernel, backend), dispatch to the active backend
 * where its implementation takes the call (dtype, size), the 'js' fallback otherwise, custom
 * kernels, and the errors of the registry's functions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, getKernel, jsKernels, registerBackend, registerKernel, setBackend, tensor } from '../src/index.js';
import { kernels, kernelsOf, setMinWorkOverride } from '../src/kernels/backend.js';
import type { Storage } from '../src/storage/dtype.js';
import { throwsWith } from './throws.js';

const before = getBackend();
afterEach(() => {
  setBackend(before);
  setMinWorkOverride(null);
});

type Gemm = typeof jsKernels.gemm;

/** A backend 'probe' whose gemm counts its calls and computes with the reference. */
const calls: string[] = [];
registerBackend('probe');
registerKernel('gemm', 'probe', ((...args: Parameters<Gemm>) => {
  calls.push(args[11] instanceof Float32Array ? 'f32' : 'f64');
  jsKernels.gemm(...args);
}) as Gemm, { dtypes: ['float32'], minWork: 64 });

function gemm(n: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor): Storage {
  const a = new Ctor(n * n).map((_, i) => i % 7);
  const b = new Ctor(n * n).map((_, i) => i % 5);
  const c = new Ctor(n * n);
  kernels.gemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0);
  return c;
}

describe('kernel registry', () => {
  it('dispatches to the active backend only for the dtypes and sizes it registered for', () => {
    setBackend('probe');
    expect(getBackend()).toBe('probe');
    calls.length = 0;
    gemm(4, Float32Array); // 64 multiply-adds: at the minimum
    gemm(3, Float32Array); // 27: below it, 'js'
    gemm(4, Float64Array); // float64: not registered, 'js'
    expect(calls).toEqual(['f32']);
    setMinWorkOverride(0);
    gemm(3, Float32Array);
    expect(calls).toEqual(['f32', 'f32']);
    setBackend('js');
    gemm(4, Float32Array);
    expect(calls).toEqual(['f32', 'f32']);
  });

  it('kernels a backend does not register run the js kernels; results are the same either way', () => {
    setBackend('probe');
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    expect(x.matmul(x).tanh().sum().item()).toBeCloseTo([7, 10, 15, 22].reduce((s, v) => s + Math.tanh(v), 0), 6);
    expect(kernelsOf('probe').name).toBe('probe');
    expect(kernels.name).toBe('probe');
  });

  it('a mixed-dtype call always runs js', () => {
    setBackend('probe');
    calls.length = 0;
    const a = new Float32Array(64);
    const b = new Float64Array(64);
    kernels.gemm(8, 8, 8, a, 0, 8, 1, b, 0, 8, 1, new Float32Array(64), 0);
    expect(calls).toEqual([]);
  });

  it('custom kernels: getKernel picks the active backend implementation, else js', () => {
    const js = (x: Storage, out: Storage): void => void out.set(x.map((v) => v + 1));
    const fast = (x: Storage, out: Storage): void => void out.set(x.map((v) => v + 1));
    registerKernel('plusOne', 'js', js);
    registerKernel('plusOne', 'probe', fast, { dtypes: ['float64'], minWork: 10 });
    expect(getKernel('plusOne', 'float64', 100)).toBe(js);
    setBackend('probe');
    expect(getKernel('plusOne', 'float64', 100)).toBe(fast);
    expect(getKernel('plusOne', 'float64')).toBe(fast);
    expect(getKernel('plusOne', 'float64', 9)).toBe(js);
    expect(getKernel('plusOne', 'float32', 100)).toBe(js);
  });

  it('a kernel with no js implementation throws when the active backend cannot take the call', () => {
    registerKernel('probeOnly', 'probe', () => undefined, { dtypes: ['float32'] });
    setBackend('probe');
    expect(typeof getKernel('probeOnly', 'float32')).toBe('function');
    throwsWith(() => getKernel('probeOnly', 'float64'), /probeOnly/, /registerKernel/);
  });

  it('registerBackend accepts a whole Kernels table (each kernel registered for its name)', () => {
    const seen: string[] = [];
    registerBackend({ ...jsKernels, name: 'table', unary: (...args: Parameters<typeof jsKernels.unary>) => { seen.push(args[0]); jsKernels.unary(...args); } });
    setBackend('table');
    tensor([1, 2]).exp();
    expect(seen).toEqual(['exp']);
  });

  it('errors name the function and the value', () => {
    throwsWith(() => setBackend('nope'), /setBackend/, /'nope'/, /js/);
    throwsWith(() => registerKernel('', 'js', () => undefined), /registerKernel/, /kernel name/);
    throwsWith(() => registerKernel('k', 3 as unknown as string, () => undefined), /registerKernel/, /backend name/, /3/);
    throwsWith(() => registerKernel('k', 'js', 'f' as unknown as () => void), /registerKernel/, /'k'/, /function/);
    throwsWith(() => registerKernel('k', 'js', () => undefined, { dtypes: ['int8' as 'float32'] }), /registerKernel/, /dtypes/);
    throwsWith(() => registerKernel('k', 'js', () => undefined, { minWork: -1 }), /registerKernel/, /minWork/, /-1/);
    throwsWith(() => registerKernel('k', 'js', () => undefined, { minwork: 1 } as object), /registerKernel/, /minwork/);
    throwsWith(() => registerBackend(''), /registerBackend/, /backend name/);
    throwsWith(() => getKernel('nothing', 'float64'), /getKernel/, /'nothing'/);
    throwsWith(() => getKernel('plusOne', 'int8' as 'float64'), /getKernel/, /dtype/, /int8/);
    throwsWith(() => kernelsOf('nope'), /kernelsOf/, /'nope'/);
  });
});

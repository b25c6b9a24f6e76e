import { afterAll, describe, expect, it } from 'vitest';
import { BLOG_STEPS, blogWorkload, castWorkload, makeMlpWorkload, makeWorkload, SPEC_MLP_TINY, SPEC_TINY } from '../src/data.js';
import type { ConvWorkload, DType, TrainState, Workload } from '../src/data.js';
import { compareStates, naiveMlpTrainer, naiveTrainer, referenceState } from '../src/reference.js';
import { createTfjsPeer } from '../src/peers/tfjs.js';
import type { TfjsBackend, TfjsGrad } from '../src/peers/tfjs.js';
import { createNumpyPeer, numpyAvailable, pythonEnv } from '../src/peers/numpy.js';
import { createKindlingPeer } from '../src/peers/kindling.js';
import { createTorchPeer, torchAvailable } from '../src/peers/torch.js';
import { createJaxjsPeer, jaxjsAvailable } from '../src/peers/jaxjs.js';
import type { ProcPeer } from '../src/peers/proc.js';
import { kindlingFactory } from '../src/peer.js';
import { CEILING_VARIANTS, meanCeiling } from '../src/ceiling.js';
import { core } from '../src/kindling.js';

const STEPS = 3;
const RTOL = 1e-3;
const tiny = makeWorkload(SPEC_TINY, 7);
// A second shape: no padding, K=5, odd length; and one with the maximal padding K-1.
const tinyNoPad = makeWorkload({ ...SPEC_TINY, name: 'tiny-nopad', l: 11, k: 5, padding: 0 }, 8);
const tinyFullPad = makeWorkload({ ...SPEC_TINY, name: 'tiny-fullpad', k: 4, padding: 3 }, 9);
const workloads = [tiny, tinyNoPad, tinyFullPad];
/** The MLP workload at a tiny size: Linear 7 -> 6 -> 4 -> 3, batch 5. */
const mlpTiny = makeMlpWorkload(SPEC_MLP_TINY, 3);

function refAfter(wl: ConvWorkload, steps: number): { state: TrainState; dx: Float64Array } {
  const tr = naiveTrainer(wl, 'float64');
  for (let i = 0; i < steps; i++) tr.step();
  return { state: tr.readState(), dx: Float64Array.from(tr.dx) };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number): void {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > rtol * scale) {
      expect.fail(`index ${i}: got ${got[i]}, want ${want[i]} (scale ${scale})`);
    }
  }
}

/** Runs `steps` steps on a child-process peer and checks loss/W/b (and dX for conv) against the reference. */
async function checkProcPeer(peer: ProcPeer, wl: Workload, steps: number, rtol: number): Promise<void> {
  try {
    await peer.sample(steps);
    const st = await peer.readState();
    const cmp = compareStates(st, referenceState(wl, steps), rtol);
    expect(cmp.ok, cmp.detail).toBe(true);
    if (wl.kind !== 'mlp') expectClose(await peer.readDx(), refAfter(wl as ConvWorkload, steps).dx, rtol);
  } finally {
    await peer.close();
  }
}

describe('reference', () => {
  it('matches the hand-computed first step of the blog example', () => {
    // y = [1+.7+.5, .7+.5+.3, .5+.3+.1] + .5 = [2.7, 2.0, 1.4]; diff = [1.7, 2, 1.4]
    const tr = naiveTrainer(blogWorkload());
    tr.step();
    const s = tr.readState();
    expect(s.loss).toBeCloseTo((1.7 ** 2 + 2 ** 2 + 1.4 ** 2) / 3, 12);
    // db = 2/3 * (1.7 + 2 + 1.4) = 3.4
    expect(s.bias[0]).toBeCloseTo(0.5 - 0.11 * 3.4, 12);
    // dW[0] = 2/3 * (1.7*1 + 2*.7 + 1.4*.5)
    expect(s.weight[0]).toBeCloseTo(1 - 0.11 * (2 / 3) * (1.7 + 1.4 + 0.7), 12);
  });
});

describe('MLP reference', () => {
  it('its weight update is lr x the finite-difference gradient of its loss', () => {
    // loss(W) for the initial weights, by running one step of a fresh trainer with W perturbed
    const lossAt = (layer: number, idx: number, delta: number): number => {
      const ws = mlpTiny.weights.map((w) => Float64Array.from(w));
      ws[layer][idx] += delta;
      const tr = naiveMlpTrainer({ ...castWorkload(mlpTiny, 'float64'), weights: ws }, 'float64');
      tr.step();
      return tr.readState().loss;
    };
    const tr = naiveMlpTrainer(mlpTiny, 'float64');
    tr.step();
    const after = tr.readState().weight;
    const h = 1e-6;
    let off = 0;
    for (let layer = 0; layer < mlpTiny.weights.length; layer++) {
      for (const idx of [0, 5, mlpTiny.weights[layer].length - 1]) {
        const fd = (lossAt(layer, idx, h) - lossAt(layer, idx, -h)) / (2 * h);
        const step = (mlpTiny.weights[layer][idx] - after[off + idx]) / mlpTiny.lr;
        expect(step).toBeCloseTo(fd, 6);
      }
      off += mlpTiny.weights[layer].length;
    }
  });

  it('float32 storage agrees with float64', () => {
    const a = naiveMlpTrainer(mlpTiny, 'float32');
    for (let i = 0; i < STEPS; i++) a.step();
    const cmp = compareStates(a.readState(), referenceState(mlpTiny, STEPS), RTOL);
    expect(cmp.ok, cmp.detail).toBe(true);
  });
});

const tfjsVariants: Array<[TfjsBackend, TfjsGrad]> = [
  ['cpu', 'native'],
  ['cpu', 'custom'],
  ['wasm', 'custom'],
];

describe.each(tfjsVariants)('tfjs %s (%s gradient)', (backend, grad) => {
  it.each(workloads.map((w) => [w.name, w] as const))('agrees with the reference after 3 steps on %s', async (_n, wl) => {
    const peer = await createTfjsPeer(wl, { backend, grad });
    try {
      await peer.before?.();
      await peer.sample(STEPS);
      const ref = refAfter(wl, STEPS);
      const st = await peer.readState();
      const cmp = compareStates(st, ref.state, RTOL);
      expect(cmp.ok, cmp.detail).toBe(true);
      expectClose(await peer.readDx(), ref.dx, RTOL);
    } finally {
      await peer.dispose();
    }
  });

  it.skipIf(grad === 'custom' && backend === 'cpu')('agrees with the reference on the tiny MLP', async () => {
    const peer = await createTfjsPeer(mlpTiny, { backend, grad });
    try {
      await peer.before?.();
      await peer.sample(STEPS);
      const cmp = compareStates(await peer.readState(), referenceState(mlpTiny, STEPS), RTOL);
      expect(cmp.ok, cmp.detail).toBe(true);
    } finally {
      await peer.dispose();
    }
  });

  it('agrees on the blog example after 201 steps (float32)', async () => {
    const peer = await createTfjsPeer(castWorkload(blogWorkload(), 'float32'), { backend, grad });
    try {
      await peer.before?.();
      await peer.sample(BLOG_STEPS);
      const cmp = compareStates(await peer.readState(), referenceState(blogWorkload(), BLOG_STEPS), RTOL);
      expect(cmp.ok, cmp.detail).toBe(true);
    } finally {
      await peer.dispose();
    }
  });
});

const np = numpyAvailable();
describe.skipIf(!np.ok)(`numpy (${np.note})`, () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()));
  });

  it.each(workloads.map((w) => [w.name, w] as const))('agrees with the reference after 3 steps on %s', async (_n, wl) => {
    const peer = await createNumpyPeer(wl);
    open.push(peer);
    await peer.sample(STEPS);
    const ref = refAfter(wl, STEPS);
    const cmp = compareStates(await peer.readState(), ref.state, RTOL);
    expect(cmp.ok, cmp.detail).toBe(true);
    expectClose(await peer.readDx(), ref.dx, RTOL);
  });

  it('handles stride 2 (col2im path)', async () => {
    const wl = makeWorkload({ ...SPEC_TINY, name: 'tiny-s2', stride: 2 }, 10);
    const peer = await createNumpyPeer(wl);
    open.push(peer);
    await peer.sample(STEPS);
    const ref = refAfter(wl, STEPS);
    const cmp = compareStates(await peer.readState(), ref.state, RTOL);
    expect(cmp.ok, cmp.detail).toBe(true);
    expectClose(await peer.readDx(), ref.dx, RTOL);
  });

  it('agrees on the tiny MLP (float32, and float64 tightly)', async () => {
    await checkProcPeer(await createNumpyPeer(mlpTiny), mlpTiny, STEPS, RTOL);
    await checkProcPeer(await createNumpyPeer(mlpTiny, { dtype: 'float64' }), mlpTiny, STEPS, 1e-10);
  });

  it('the earlier tensordot formulation agrees too (stride 1 and 2)', async () => {
    await checkProcPeer(await createNumpyPeer(tinyFullPad, { formulation: 'tensordot' }), tinyFullPad, STEPS, RTOL);
    const s2 = makeWorkload({ ...SPEC_TINY, name: 'tiny-s2', stride: 2 }, 10);
    await checkProcPeer(await createNumpyPeer(s2, { formulation: 'tensordot' }), s2, STEPS, RTOL);
  });

  it('runs without the OpenBLAS pins and reports the OpenBLAS core', async () => {
    const saved = { c: process.env.OPENBLAS_CORETYPE, l: process.env.OPENBLAS_L2_SIZE };
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    process.env.OPENBLAS_L2_SIZE = '262144';
    try {
      const { env, unset } = pythonEnv();
      expect(env.OPENBLAS_CORETYPE).toBeUndefined();
      expect(env.OPENBLAS_L2_SIZE).toBeUndefined();
      expect(unset).toEqual({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '262144' });
      const peer = await createNumpyPeer(tiny);
      open.push(peer);
      expect(peer.info.unsetEnv).toEqual(unset);
      expect(Array.isArray(peer.info.openblas)).toBe(true);
    } finally {
      for (const [k, v] of [['OPENBLAS_CORETYPE', saved.c], ['OPENBLAS_L2_SIZE', saved.l]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    // the parent's environment is untouched by the peer
  });

  it('matches the float64 reference tightly on the blog example (201 steps)', async () => {
    const peer = await createNumpyPeer(blogWorkload());
    open.push(peer);
    await peer.sample(BLOG_STEPS);
    const cmp = compareStates(await peer.readState(), referenceState(blogWorkload(), BLOG_STEPS), 1e-10);
    expect(cmp.ok, cmp.detail).toBe(true);
  });
});

describe('naive float32 JS trainer', () => {
  it('agrees with the float64 reference', () => {
    const tr = naiveTrainer(tiny, 'float32');
    for (let i = 0; i < STEPS; i++) tr.step();
    const cmp = compareStates(tr.readState(), referenceState(tiny, STEPS), RTOL);
    expect(cmp.ok, cmp.detail).toBe(true);
  });
});

// Kindling through its public API (nn.Conv1d + MSELoss + SGD), both backends, both dtypes.
const kindlingVariants: Array<['js' | 'wasm', 'float32' | 'float64']> = [
  ['js', 'float32'],
  ['js', 'float64'],
  ['wasm', 'float32'],
  ['wasm', 'float64'],
];

describe.each(kindlingVariants)('kindling %s %s', (backend, dtype) => {
  const wasmOk = backend === 'js' || core.wasmAvailable();
  // float64 runs should match the float64 reference to rounding; float32 ones to float32 accuracy.
  const rtol = dtype === 'float64' ? 1e-10 : RTOL;

  it.skipIf(!wasmOk).each(workloads.map((w) => [w.name, w] as const))('agrees with the reference after 3 steps on %s (dX too)', async (_n, wl) => {
    const before = core.getBackend();
    const peer = await createKindlingPeer(wl, { dtype, backend });
    try {
      expect(peer.backend).toBe(backend);
      peer.before?.();
      await peer.sample(STEPS);
      const ref = refAfter(wl, STEPS);
      const st = await peer.readState();
      expect(st.weight).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
      const cmp = compareStates(st, ref.state, rtol);
      expect(cmp.ok, cmp.detail).toBe(true);
      expectClose(await peer.readDx(), ref.dx, rtol);
    } finally {
      await peer.close();
      core.setBackend(before);
    }
  });

  it.skipIf(!wasmOk)('agrees on the blog example after 201 steps', async () => {
    const before = core.getBackend();
    const peer = await createKindlingPeer(blogWorkload(), { dtype, backend });
    try {
      peer.before?.();
      await peer.sample(BLOG_STEPS);
      const cmp = compareStates(await peer.readState(), referenceState(blogWorkload(), BLOG_STEPS), rtol);
      expect(cmp.ok, cmp.detail).toBe(true);
    } finally {
      await peer.close();
      core.setBackend(before);
    }
  });
});

// PyTorch: Debian's python3-torch through /usr/bin/python3, only where `import torch` works.
const torchOk = torchAvailable();
describe.skipIf(!torchOk.ok)(`torch (${torchOk.note})`, () => {
  const dtypes: DType[] = ['float32', 'float64'];
  // Each case starts a python that imports torch (seconds): two conv shapes between the dtypes.
  it.each(dtypes)('%s agrees with the reference on a tiny conv workload (dX too) and the tiny MLP', async (dtype) => {
    const rtol = dtype === 'float64' ? 1e-10 : RTOL;
    for (const wl of [dtype === 'float32' ? tinyFullPad : tiny, mlpTiny]) {
      await checkProcPeer(await createTorchPeer(wl, { dtype, threads: dtype === 'float32' ? 2 : 1 }), wl, STEPS, rtol);
    }
  });

  it('float64 matches the blog example after 201 steps, reporting its threads', async () => {
    const peer = await createTorchPeer(blogWorkload(), { dtype: 'float64', threads: 2 });
    expect(peer.info.threads).toBe(2);
    await checkProcPeer(peer, blogWorkload(), BLOG_STEPS, 1e-10);
  });
});
if (!torchOk.ok) console.warn(`agree.test: PyTorch cases skipped: ${torchOk.note}`);

// jax-js (npm @jax-js/jax), on its wasm device, jit(valueAndGrad).
const jaxOk = jaxjsAvailable();
describe.skipIf(!jaxOk.ok)(`jax-js (${jaxOk.note})`, () => {
  it('agrees with the reference on the tiny conv workloads (dX too) and the tiny MLP (1 thread)', async () => {
    for (const wl of [...workloads, mlpTiny]) await checkProcPeer(await createJaxjsPeer(wl, { threads: 1 }), wl, STEPS, RTOL);
  });

  it('with the Web Worker shim (2 threads) agrees too', async () => {
    const peer = await createJaxjsPeer(tiny, { threads: 2 });
    expect(peer.info.threads).toBe(2);
    await checkProcPeer(peer, tiny, STEPS, RTOL);
  });

  it('float64 matches the blog example after 201 steps tightly', async () => {
    await checkProcPeer(await createJaxjsPeer(blogWorkload(), { threads: 1, dtype: 'float64' }), blogWorkload(), BLOG_STEPS, 1e-10);
  });
});
if (!jaxOk.ok) console.warn(`agree.test: jax-js cases skipped: ${jaxOk.note}`);

describe('kindling MLP (in process)', () => {
  it.each(['float32', 'float64'] as const)('%s agrees with the reference on the tiny MLP', async (dtype) => {
    const before = core.getBackend();
    const peer = await createKindlingPeer(mlpTiny, { dtype, backend: 'auto' });
    try {
      await peer.sample(STEPS);
      const cmp = compareStates(await peer.readState(), referenceState(mlpTiny, STEPS), dtype === 'float64' ? 1e-10 : RTOL);
      expect(cmp.ok, cmp.detail).toBe(true);
    } finally {
      await peer.close();
      core.setBackend(before);
    }
  });
});

describe('kindling rows in their own process (as pnpm bench runs them)', () => {
  it('kindling-default: no configuration, core defaults; agrees on tiny conv (dX too) and the MLP', async () => {
    const fac = kindlingFactory('default', 'default', 'default');
    expect(fac.name).toBe('kindling-default');
    for (const wl of [tiny, mlpTiny]) {
      const peer = (await fac.create(wl)) as ProcPeer;
      // what the child saw: core's defaults, untouched
      expect(peer.info.config).toEqual({ dtype: 'default', backend: 'default', threads: 'default' });
      expect(peer.info.dtype).toBe(peer.info.defaultDtype);
      // the threads its big calls run on (core's default count on wasm), not the 1 that
      // getThreads() reports before the first big call starts the pool
      expect(peer.info.threads).toBe(String(peer.info.backend).startsWith('wasm') ? core.getNumThreads() : 1);
      await checkProcPeer(peer, wl, STEPS, peer.info.dtype === 'float64' ? 1e-10 : RTOL);
    }
  });

  it('kindling-f32-2t reports 2 threads on wasm and agrees', async () => {
    const peer = (await kindlingFactory('float32', 'auto', 2).create(tiny)) as ProcPeer;
    if (core.wasmAvailable()) expect(peer.info).toMatchObject({ backend: core.wasmRelaxedSimd() ? 'wasm+relaxed' : 'wasm', threads: 2, dtype: 'float32' });
    await checkProcPeer(peer, tiny, STEPS, RTOL);
  });

  it('a row started with relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd) runs the relaxed-SIMD build (wasm+relaxed) and agrees', async () => {
    // Node 20 needs the flag; later versions run relaxed SIMD without it
    const nodeArgs = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
    const fac = kindlingFactory('float32', 'auto', 'default', undefined, { name: 'kindling-f32-relaxed', nodeArgs });
    expect(fac.name).toBe('kindling-f32-relaxed');
    const peer = (await fac.create(tiny)) as ProcPeer;
    expect(peer.info).toMatchObject({ backend: 'wasm+relaxed', dtype: 'float32' });
    await checkProcPeer(peer, tiny, STEPS, RTOL);
  });
});

describe('WASM SIMD ceiling modules', () => {
  it('are valid WebAssembly and compute what they claim: peak(n) sums lane 0 of the accumulators after n steps', () => {
    const peak = (bytes: Uint8Array<ArrayBuffer>) => new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak as (n: number) => number;
    const [chains, tile] = CEILING_VARIANTS;
    expect(chains.name).toBe('chains');
    expect(tile.name).toBe('tile');
    for (const v of CEILING_VARIANTS) expect(WebAssembly.validate(v.bytes()), v.name).toBe(true);
    expect([chains.flopsPerIter, tile.flopsPerIter]).toEqual([12 * 8, 4 * 2 * 8]);
    // chains: acc_i starts at 1 + i/64 and becomes acc * 0.9999 + 0.0001 each step (float32)
    const f = Math.fround;
    let want = 0;
    for (let i = 0; i < 12; i++) {
      let acc = f(1 + i / 64);
      for (let k = 0; k < 3; k++) acc = f(f(acc * f(0.9999)) + f(0.0001));
      want = i === 0 ? acc : f(want + acc);
    }
    expect(peak(chains.bytes())(3)).toBe(want);
    // tile: 8 accumulators from 0, each step + 1.0001 * 0.5 (first vector) or * 0.25 (second)
    const step = [f(f(1.0001) * 0.5), f(f(1.0001) * 0.25)];
    const accs = Array.from({ length: 8 }, (_, k) => [0, 1, 2].reduce((s) => f(s + step[k % 2]!), 0));
    expect(peak(tile.bytes())(3)).toBe(accs.reduce((s, x, k) => (k === 0 ? x : f(s + x)), 0));
  });
  it('the L target uses the mean of the measurements taken around its timed samples, thread count by thread count', () => {
    const c = (one: number, two: number) => ({ gflopsByThreads: { 1: one, 2: two }, byVariant: { tile: { 1: one, 2: two }, chains: { 1: one - 2, 2: two - 4 } }, method: 'm' });
    const m = meanCeiling([c(30, 60), c(34, 50)]);
    expect(m.gflopsByThreads).toEqual({ 1: 32, 2: 55 });
    expect(m.byVariant).toEqual({ tile: { 1: 32, 2: 55 }, chains: { 1: 30, 2: 51 } });
    expect(m.method).toContain('mean of 2 measurements (1t 30.0 2t 60.0 | 1t 34.0 2t 50.0)');
    expect(() => meanCeiling([])).toThrow('meanCeiling: no measurements');
  });
});

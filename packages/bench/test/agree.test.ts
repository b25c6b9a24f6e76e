import { afterAll, describe, expect, it } from 'vitest';
import { BLOG_STEPS, blogWorkload, castWorkload, makeWorkload, SPEC_TINY } from '../src/data.js';
import type { ConvWorkload, TrainState } from '../src/data.js';
import { compareStates, naiveTrainer, referenceState } from '../src/reference.js';
import { createTfjsPeer } from '../src/peers/tfjs.js';
import type { TfjsBackend, TfjsGrad } from '../src/peers/tfjs.js';
import { createNumpyPeer, numpyAvailable } from '../src/peers/numpy.js';
import { createKindlingPeer } from '../src/peers/kindling.js';
import { core } from '../src/kindling.js';

const STEPS = 3;
const RTOL = 1e-3;
const tiny = makeWorkload(SPEC_TINY, 7);
// A second shape: no padding, K=5, odd length; and one with the maximal padding K-1.
const tinyNoPad = makeWorkload({ ...SPEC_TINY, name: 'tiny-nopad', l: 11, k: 5, padding: 0 }, 8);
const tinyFullPad = makeWorkload({ ...SPEC_TINY, name: 'tiny-fullpad', k: 4, padding: 3 }, 9);
const workloads = [tiny, tinyNoPad, tinyFullPad];

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

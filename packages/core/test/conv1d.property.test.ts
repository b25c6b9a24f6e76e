/**
 * conv1d against its definition. Every number here comes from a naive loop written in this
 * file straight from
 *   y[n, co, l] = b[co] + sum_{c < Cin/groups, k} w[co, c, k] * xpad[n, g*Cin/groups + c, l*stride + k*dilation]
 * over an explicitly zero-padded input, or from central differences (gradcheck), or from the
 * adjoint identity <A x, g> = <x, Aᵀ g>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, conv1d, gradcheck, tensor } from '../src/index.js';
import type { DType } from '../src/index.js';
import { expectClose, flatOf, prng } from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 100) });

// ---- a configuration and its reference --------------------------------------------------------

interface Cfg {
  N: number;
  batched: boolean;
  groups: number;
  cinG: number;
  coutG: number;
  K: number;
  stride: number;
  dilation: number;
  padding: number | 'valid' | 'same';
  padL: number;
  padR: number;
  L: number;
  Lout: number;
  bias: boolean;
  dx: DType;
  dw: DType;
  db: DType;
  seed: number;
}

const dtypeArb = fc.constantFrom<DType>('float64', 'float32');

function cfgArb(o: { maxGroups?: number; maxC?: number; maxK?: number; maxExtra?: number; float64Only?: boolean } = {}): fc.Arbitrary<Cfg> {
  const { maxGroups = 3, maxC = 2, maxK = 4, maxExtra = 5, float64Only = false } = o;
  const dt = float64Only ? fc.constant<DType>('float64') : dtypeArb;
  return fc
    .record({
      N: fc.integer({ min: 1, max: 3 }),
      batched: fc.boolean(),
      groups: fc.integer({ min: 1, max: maxGroups }),
      cinG: fc.integer({ min: 1, max: maxC }),
      coutG: fc.integer({ min: 1, max: maxC }),
      K: fc.integer({ min: 1, max: maxK }),
      stride: fc.integer({ min: 1, max: 3 }),
      dilation: fc.integer({ min: 1, max: 3 }),
      padding: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant<'valid'>('valid'), fc.constant<'same'>('same')),
      extra: fc.integer({ min: 0, max: maxExtra }),
      bias: fc.boolean(),
      // One dtype for x, w and b: conv1d refuses mixed dtypes, as PyTorch does (tested below).
      dx: dt,
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map((r0) => {
      const r = { ...r0, dw: r0.dx, db: r0.dx };
      const stride = r.padding === 'same' ? 1 : r.stride;
      const span = r.dilation * (r.K - 1);
      let padL: number;
      let padR: number;
      if (r.padding === 'same') {
        // PyTorch: total d(K-1), floor half on the left, the extra zero on the right.
        padL = Math.floor(span / 2);
        padR = span - padL;
      } else if (r.padding === 'valid') {
        padL = padR = 0;
      } else {
        padL = padR = r.padding;
      }
      const L = Math.max(1, span + 1 - padL - padR) + r.extra;
      const Lout = Math.floor((L + padL + padR - span - 1) / stride) + 1;
      return {
        N: r.batched ? r.N : 1,
        batched: r.batched,
        groups: r.groups,
        cinG: r.cinG,
        coutG: r.coutG,
        K: r.K,
        stride,
        dilation: r.dilation,
        padding: r.padding,
        padL,
        padR,
        L,
        Lout,
        bias: r.bias,
        dx: r.dx,
        dw: r.dw,
        db: r.db,
        seed: r.seed,
      };
    });
}


function values(n: number, rnd: () => number, dtype: DType = 'float64'): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = rnd() * 2 - 1;
    out.push(dtype === 'float32' ? Math.fround(v) : v);
  }
  return out;
}

const cin = (c: Cfg) => c.groups * c.cinG;
const cout = (c: Cfg) => c.groups * c.coutG;
const xShape = (c: Cfg) => (c.batched ? [c.N, cin(c), c.L] : [cin(c), c.L]);
const wShape = (c: Cfg) => [cout(c), c.cinG, c.K];
const yShape = (c: Cfg) => (c.batched ? [c.N, cout(c), c.Lout] : [cout(c), c.Lout]);
const optsOf = (c: Cfg) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });

/** The naive definition over an explicitly zero-padded copy of x. x: [N, Cin, L] flat. */
function refConv(c: Cfg, x: readonly number[], w: readonly number[], b: readonly number[] | null): number[] {
  const Cin = cin(c);
  const Cout = cout(c);
  const Lp = c.padL + c.L + c.padR;
  const xpad: number[][][] = [];
  for (let n = 0; n < c.N; n++) {
    const rows: number[][] = [];
    for (let ci = 0; ci < Cin; ci++) {
      const row = new Array<number>(Lp).fill(0);
      for (let l = 0; l < c.L; l++) row[c.padL + l] = x[(n * Cin + ci) * c.L + l]!;
      rows.push(row);
    }
    xpad.push(rows);
  }
  expect(c.Lout).toBe(Math.floor((c.L + c.padL + c.padR - c.dilation * (c.K - 1) - 1) / c.stride) + 1);
  const y: number[] = [];
  for (let n = 0; n < c.N; n++) {
    for (let co = 0; co < Cout; co++) {
      const g = Math.floor(co / c.coutG);
      for (let l = 0; l < c.Lout; l++) {
        let acc = b ? b[co]! : 0;
        for (let ci = 0; ci < c.cinG; ci++) {
          for (let k = 0; k < c.K; k++) {
            const pos = l * c.stride + k * c.dilation;
            expect(pos).toBeLessThan(Lp); // the padded input always covers the last window
            acc += w[(co * c.cinG + ci) * c.K + k]! * xpad[n]![g * c.cinG + ci]![pos]!;
          }
        }
        y.push(acc);
      }
    }
  }
  return y;
}

interface Data {
  x: number[];
  w: number[];
  b: number[] | null;
}

function dataFor(c: Cfg): Data {
  const rnd = prng(c.seed);
  return {
    x: values(c.N * cin(c) * c.L, rnd, c.dx),
    w: values(cout(c) * c.cinG * c.K, rnd, c.dw),
    b: c.bias ? values(cout(c), rnd, c.db) : null,
  };
}

function tensorsFor(c: Cfg, d: Data, rg: { x?: boolean; w?: boolean; b?: boolean } = {}) {
  const x = tensor(d.x, { shape: xShape(c), dtype: c.dx, requiresGrad: rg.x ?? false });
  const w = tensor(d.w, { shape: wShape(c), dtype: c.dw, requiresGrad: rg.w ?? false });
  const b = d.b ? tensor(d.b, { shape: [cout(c)], dtype: c.db, requiresGrad: rg.b ?? false }) : null;
  return { x, w, b };
}

const dot = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const sumAbs = (a: readonly number[]) => a.reduce((s, v) => s + Math.abs(v), 0);

function outDtype(c: Cfg): DType {
  const ds = [c.dx, c.dw, ...(c.bias ? [c.db] : [])];
  return ds.every((d) => d === 'float32') ? 'float32' : 'float64';
}

// ---- (a) forward ------------------------------------------------------------------------------

describe('conv1d dtypes', () => {
  it('mixed input / weight / bias dtypes throw naming all three, as in PyTorch', () => {
    const x = tensor([[[1, 2, 3]]]);
    const w32 = tensor([[[1, 1]]], { dtype: 'float32' });
    expect(() => conv1d(x, w32)).toThrow(/^conv1d: input \(float64\), weight \(float32\) must have the same dtype; convert with \.to\('float32'\)$/);
    expect(() => conv1d(x.to('float32'), w32, tensor([0]))).toThrow(/^conv1d: input \(float32\), weight \(float32\), bias \(float64\) must have the same dtype/);
    expect(conv1d(x.to('float32'), w32, tensor([0], { dtype: 'float32' })).dtype).toBe('float32');
  });
});

describe('conv1d forward = naive definition', () => {
  it('matches the zero-padded double loop for random configurations, dtypes and layouts', () => {
    fc.assert(
      fc.property(cfgArb(), (c) => {
        const d = dataFor(c);
        const { x, w, b } = tensorsFor(c, d);
        const y = conv1d(x, w, b, optsOf(c));
        expect(y.shape).toEqual(yShape(c));
        expect(y.dtype).toBe(outDtype(c));
        expect(y.requiresGrad).toBe(false);
        const ref = refConv(c, d.x, d.w, d.b);
        const tol = y.dtype === 'float32' ? 2e-6 : 1e-13;
        expectClose(flatOf(y), ref, 0, tol * (1 + c.cinG * c.K), 'conv1d forward');
      }),
    );
  });

  it("'same' keeps the length for every K and dilation (extra zero on the right for odd totals)", () => {
    fc.assert(
      fc.property(cfgArb({ maxGroups: 2 }).map((c) => ({ ...c })), (c0) => {
        const span = c0.dilation * (c0.K - 1);
        const c: Cfg = { ...c0, padding: 'same', stride: 1, padL: Math.floor(span / 2), padR: span - Math.floor(span / 2), Lout: c0.L };
        const d = dataFor(c);
        const { x, w, b } = tensorsFor(c, d);
        const y = conv1d(x, w, b, { padding: 'same', dilation: c.dilation, groups: c.groups });
        expect(y.shape[y.ndim - 1]).toBe(c.L);
        expectClose(flatOf(y), refConv(c, d.x, d.w, d.b), 0, 1e-5, "conv1d 'same'");
      }),
    );
  });

  it('a numeric padding equals convolving an explicitly zero-padded input', () => {
    fc.assert(
      fc.property(cfgArb({ float64Only: true }), fc.integer({ min: 1, max: 3 }), (c0, p) => {
        const c: Cfg = { ...c0, padding: p, padL: p, padR: p };
        c.L = Math.max(c.L, c.dilation * (c.K - 1) + 1);
        c.Lout = Math.floor((c.L + 2 * p - c.dilation * (c.K - 1) - 1) / c.stride) + 1;
        const d = dataFor(c);
        const { x, w, b } = tensorsFor(c, d);
        const y = conv1d(x, w, b, { ...optsOf(c), padding: p });
        // Pad by hand in the test and run with padding 0.
        const Cin = cin(c);
        const padded: number[] = [];
        for (let r = 0; r < c.N * Cin; r++) {
          for (let i = 0; i < p; i++) padded.push(0);
          for (let l = 0; l < c.L; l++) padded.push(d.x[r * c.L + l]!);
          for (let i = 0; i < p; i++) padded.push(0);
        }
        const xp = tensor(padded, { shape: c.batched ? [c.N, Cin, c.L + 2 * p] : [Cin, c.L + 2 * p] });
        const y0 = conv1d(xp, w, b, { ...optsOf(c), padding: 0 });
        expect(y.shape).toEqual(y0.shape);
        expectClose(flatOf(y), flatOf(y0), 0, 1e-12, 'padding vs explicit zeros');
      }),
    );
  });
});

// ---- (b) gradcheck ----------------------------------------------------------------------------

describe('conv1d gradients pass gradcheck', () => {
  it('x, w and b against central differences (full Jacobian)', () => {
    fc.assert(
      fc.property(cfgArb({ maxGroups: 2, maxC: 2, maxK: 3, maxExtra: 3 }), fc.boolean(), fc.boolean(), (c, gx, gw) => {
        const d = dataFor(c);
        const { x, w, b } = tensorsFor(c, d, { x: gx || !gw, w: gw, b: true });
        const inputs = b ? [x, w, b] : [x, w];
        const opts = optsOf(c);
        expect(gradcheck((xx, ww, bb) => conv1d(xx!, ww!, bb ?? null, opts), inputs)).toBe(true);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 40) },
    );
  });
});

// ---- (c) adjoint identities -------------------------------------------------------------------

describe('conv1d backward is the adjoint of forward', () => {
  it('<conv(x, w), g> = <x, x.grad> = <w, w.grad>, and with bias <y, g> = <x, x.grad> + <b, b.grad>', () => {
    fc.assert(
      fc.property(cfgArb(), fc.constantFrom('x', 'w', 'both'), (c, which) => {
        const d = dataFor(c);
        const rgx = which !== 'w';
        const rgw = which !== 'x';
        const { x, w, b } = tensorsFor(c, d, { x: rgx, w: rgw, b: true });
        const y = conv1d(x, w, b, optsOf(c));
        expect(y.requiresGrad).toBe(true);
        const rnd = prng(c.seed ^ 0x5bd1e995);
        const gv = values(y.size, rnd);
        const g = tensor(gv, { shape: y.shape, dtype: y.dtype });
        y.backward(g);
        const yv = flatOf(y);
        const lhs = dot(yv, gv);
        const bTerm = b ? dot(d.b!, flatOf(b.grad!)) : 0;
        const scale = sumAbs(yv.map((v, i) => v * gv[i]!)) + 1;
        // Gradients are stored in each leaf's own dtype, so any float32 leaf loosens the check.
        const anyF32 = [c.dx, c.dw, ...(c.bias ? [c.db] : [])].includes('float32');
        const tol = (anyF32 ? 1e-5 : 1e-12) * scale;
        if (rgx) {
          expect(x.grad).not.toBeNull();
          expect(x.grad!.shape).toEqual(x.shape);
          expect(x.grad!.dtype).toBe(x.dtype);
          expect(Math.abs(lhs - (dot(d.x, flatOf(x.grad!)) + bTerm))).toBeLessThanOrEqual(tol);
        } else {
          expect(x.grad).toBeNull();
        }
        if (rgw) {
          expect(w.grad).not.toBeNull();
          expect(w.grad!.shape).toEqual(w.shape);
          expect(Math.abs(lhs - (dot(d.w, flatOf(w.grad!)) + bTerm))).toBeLessThanOrEqual(tol);
        } else {
          expect(w.grad).toBeNull();
        }
        if (b) {
          // b.grad[co] = sum over n, l of g[n, co, l].
          const Cout = cout(c);
          const expected = new Array<number>(Cout).fill(0);
          gv.forEach((v, i) => (expected[Math.floor(i / c.Lout) % Cout]! += v));
          expectClose(flatOf(b.grad!), expected, 0, (anyF32 ? 1e-5 : 1e-12) * (1 + c.N * c.Lout), 'bias grad');
        }
      }),
    );
  });

  it('without bias: <conv(x, w), g> = <x, x.grad> and = <w, w.grad> (float64, tight)', () => {
    fc.assert(
      fc.property(cfgArb({ float64Only: true }), (c0) => {
        const c = { ...c0, bias: false };
        const d = dataFor(c);
        const { x, w } = tensorsFor(c, d, { x: true, w: true });
        const y = conv1d(x, w, null, optsOf(c));
        const gv = values(y.size, prng(c.seed + 17));
        y.backward(tensor(gv, { shape: y.shape }));
        const lhs = dot(flatOf(y), gv);
        const scale = 1e-12 * (1 + sumAbs(flatOf(y)));
        expect(Math.abs(lhs - dot(d.x, flatOf(x.grad!)))).toBeLessThanOrEqual(scale);
        expect(Math.abs(lhs - dot(d.w, flatOf(w.grad!)))).toBeLessThanOrEqual(scale);
        // And elementwise: x.grad[n, ci, p] = sum over taps that read p of w * g (scatter form).
        const Cin = cin(c);
        const Cout = cout(c);
        const gx = new Array<number>(d.x.length).fill(0);
        for (let n = 0; n < c.N; n++)
          for (let co = 0; co < Cout; co++)
            for (let l = 0; l < c.Lout; l++)
              for (let ci = 0; ci < c.cinG; ci++)
                for (let k = 0; k < c.K; k++) {
                  const p = l * c.stride + k * c.dilation - c.padL;
                  if (p < 0 || p >= c.L) continue;
                  const chan = Math.floor(co / c.coutG) * c.cinG + ci;
                  gx[(n * Cin + chan) * c.L + p]! += d.w[(co * c.cinG + ci) * c.K + k]! * gv[(n * Cout + co) * c.Lout + l]!;
                }
        expectClose(flatOf(x.grad!), gx, 0, 1e-12, 'x.grad scatter');
      }),
    );
  });
});

// ---- (d) non-contiguous inputs ----------------------------------------------------------------

type ViewKind = 'transpose' | 'narrow' | 'expandBatch' | 'expandChannels';

/**
 * Builds x as a view of a dense base and returns, for each element of x (row-major, [N, Cin, L]
 * or [Cin, L]), the flat index of the base element it reads.
 */
function makeView(c: Cfg, kind: ViewKind, rnd: () => number, dtype: DType) {
  const Cin = cin(c);
  const N = c.N;
  let baseShape: number[];
  let src: (n: number, ci: number, l: number) => number;
  let build: (base: Tensor) => Tensor;
  if (kind === 'transpose') {
    // base [N, L, Cin] (or [L, Cin]); x = base.transpose(-1, -2)
    baseShape = c.batched ? [N, c.L, Cin] : [c.L, Cin];
    src = (n, ci, l) => (n * c.L + l) * Cin + ci;
    build = (t) => t.transpose(-1, -2);
  } else if (kind === 'narrow') {
    // base [N, Cin + 2, L + 3]; x = channels 1.., positions 2..
    baseShape = c.batched ? [N, Cin + 2, c.L + 3] : [Cin + 2, c.L + 3];
    src = (n, ci, l) => (n * (Cin + 2) + ci + 1) * (c.L + 3) + l + 2;
    const off = c.batched ? 1 : 0;
    build = (t) => t.narrow(off, 1, Cin).narrow(off + 1, 2, c.L);
  } else if (kind === 'expandBatch') {
    baseShape = c.batched ? [1, Cin, c.L] : [Cin, c.L];
    src = (_n, ci, l) => ci * c.L + l;
    build = (t) => (c.batched ? t.expand([N, Cin, c.L]) : t.expand([Cin, c.L]));
  } else {
    // one channel broadcast to all Cin
    baseShape = c.batched ? [N, 1, c.L] : [1, c.L];
    src = (n, _ci, l) => n * c.L + l;
    build = (t) => t.expand(c.batched ? [N, Cin, c.L] : [Cin, c.L]);
  }
  const baseSize = baseShape.reduce((p, v) => p * v, 1);
  const baseFlat = values(baseSize, rnd, dtype);
  const sources: number[] = [];
  for (let n = 0; n < N; n++) for (let ci = 0; ci < Cin; ci++) for (let l = 0; l < c.L; l++) sources.push(src(n, ci, l));
  return { baseShape, baseFlat, sources, build };
}

describe('conv1d on non-contiguous views', () => {
  it('transpose / narrow / expand of x and a permuted weight give the contiguous result and the right base gradients', () => {
    fc.assert(
      fc.property(
        cfgArb({ maxExtra: 4 }),
        fc.constantFrom<ViewKind>('transpose', 'narrow', 'expandBatch', 'expandChannels'),
        fc.boolean(),
        (c, kind, permuteW) => {
          const rnd = prng(c.seed);
          const v = makeView(c, kind, rnd, c.dx);
          const base = tensor(v.baseFlat, { shape: v.baseShape, dtype: c.dx, requiresGrad: true });
          const x = v.build(base);
          expect(x.shape).toEqual(xShape(c));
          const xFlat = v.sources.map((s) => v.baseFlat[s]!);
          const Cout = cout(c);
          const wFlat = values(Cout * c.cinG * c.K, rnd, c.dw);
          // A weight stored as [K, Cin/g, Cout] and permuted to [Cout, Cin/g, K].
          let wLeaf: Tensor;
          let w: Tensor;
          if (permuteW) {
            const stored: number[] = [];
            for (let k = 0; k < c.K; k++) for (let ci = 0; ci < c.cinG; ci++) for (let co = 0; co < Cout; co++) stored.push(wFlat[(co * c.cinG + ci) * c.K + k]!);
            wLeaf = tensor(stored, { shape: [c.K, c.cinG, Cout], dtype: c.dw, requiresGrad: true });
            w = wLeaf.permute([2, 1, 0]);
          } else {
            wLeaf = w = tensor(wFlat, { shape: wShape(c), dtype: c.dw, requiresGrad: true });
          }
          const b = c.bias ? tensor(values(Cout, rnd, c.db), { shape: [Cout], dtype: c.db }) : null;
          const y = conv1d(x, w, b, optsOf(c));
          const ref = refConv(c, xFlat, wFlat, b ? flatOf(b) : null);
          const anyF32 = [c.dx, c.dw, ...(c.bias ? [c.db] : [])].includes('float32');
          const tol = anyF32 ? 1e-5 : 1e-12;
          expectClose(flatOf(y), ref, 0, tol, `conv1d of a ${kind} view`);

          // The same computation on dense copies.
          const xc = tensor(xFlat, { shape: xShape(c), dtype: c.dx, requiresGrad: true });
          const wc = tensor(wFlat, { shape: wShape(c), dtype: c.dw, requiresGrad: true });
          const yc = conv1d(xc, wc, b, optsOf(c));
          expectClose(flatOf(y), flatOf(yc), 0, tol, 'view vs contiguous copy');

          const gv = values(y.size, rnd);
          y.backward(tensor(gv, { shape: y.shape, dtype: y.dtype }));
          yc.backward(tensor(gv, { shape: yc.shape, dtype: yc.dtype }));
          // base.grad = scatter-add of the copy's gradient through the view's index map.
          const gCopy = flatOf(xc.grad!);
          const expectedBase = new Array<number>(v.baseFlat.length).fill(0);
          v.sources.forEach((s, i) => (expectedBase[s]! += gCopy[i]!));
          expect(base.grad!.shape).toEqual(v.baseShape);
          expectClose(flatOf(base.grad!), expectedBase, 0, tol * 10, `base grad through ${kind}`);
          const gw = flatOf(wc.grad!);
          if (permuteW) {
            const expectedW: number[] = [];
            for (let k = 0; k < c.K; k++) for (let ci = 0; ci < c.cinG; ci++) for (let co = 0; co < Cout; co++) expectedW.push(gw[(co * c.cinG + ci) * c.K + k]!);
            expectClose(flatOf(wLeaf.grad!), expectedW, 0, tol * 10, 'weight grad through permute');
          } else {
            expectClose(flatOf(wLeaf.grad!), gw, 0, tol * 10, 'weight grad');
          }
        },
      ),
    );
  });
});

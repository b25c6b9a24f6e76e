/**
 * Plain-JS reference of one conv1d training step (naive loops), plus the
 * agreement check used by the demo and the tests.
 *
 *   y[n,o,t]  = b[o] + sum_{c,k} w[o,c,k] * x[n, c, t*s + k - p]   (zero outside [0, L))
 *   loss      = mean((y - target)^2)
 *   dy        = 2 (y - target) / numel(y)
 *   db[o]     = sum_{n,t} dy[n,o,t]
 *   dW[o,c,k] = sum_{n,t} dy[n,o,t] * x[n, c, t*s + k - p]
 *   dX[n,c,i] = sum_{o,k,t: t*s+k-p = i} dy[n,o,t] * w[o,c,k]
 *   W -= lr dW;  b -= lr db
 */
import { castWorkload, isMlp } from './data.js';
import type { ConvWorkload, DType, FloatArray, MlpWorkload, TrainState, Workload } from './data.js';

export interface NaiveTrainer {
  step(): void;
  readState(): TrainState;
  /** dX of the most recent step ([N, Cin, L]); computed every step. */
  readonly dx: FloatArray;
  steps(): number;
}

/**
 * Naive-loop trainer. Storage dtype follows `dtype` (arithmetic is JS doubles
 * either way); `float64` is the reference, `float32` the "naive JS" peer.
 */
export function naiveTrainer(workload: ConvWorkload, dtype: DType = 'float64'): NaiveTrainer {
  const wl = castWorkload(workload, dtype);
  const { n: N, cin: C, cout: O, l: L, k: K, padding: P, stride: S, lout: T, lr } = wl;
  const mk = (len: number): FloatArray => (dtype === 'float64' ? new Float64Array(len) : new Float32Array(len));
  const x = wl.x;
  const target = wl.target;
  const w = mk(O * C * K);
  w.set(wl.w);
  const b = mk(O);
  b.set(wl.b);
  const y = mk(N * O * T);
  const dy = mk(N * O * T);
  const dw = mk(O * C * K);
  const db = mk(O);
  const dx = mk(N * C * L);
  let loss = NaN;
  let count = 0;

  function step(): void {
    // forward
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const yo = (n * O + o) * T;
        for (let t = 0; t < T; t++) y[yo + t] = b[o];
        for (let c = 0; c < C; c++) {
          const xo = (n * C + c) * L;
          const wo = (o * C + c) * K;
          for (let k = 0; k < K; k++) {
            const wv = w[wo + k];
            for (let t = 0; t < T; t++) {
              const i = t * S + k - P;
              if (i >= 0 && i < L) y[yo + t] += wv * x[xo + i];
            }
          }
        }
      }
    }
    // loss and dy
    const numel = N * O * T;
    let acc = 0;
    for (let i = 0; i < numel; i++) {
      const d = y[i] - target[i];
      acc += d * d;
      dy[i] = (2 * d) / numel;
    }
    loss = acc / numel;
    // db, dW, dX
    db.fill(0);
    dw.fill(0);
    dx.fill(0);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const yo = (n * O + o) * T;
        let s = 0;
        for (let t = 0; t < T; t++) s += dy[yo + t];
        db[o] += s;
        for (let c = 0; c < C; c++) {
          const xo = (n * C + c) * L;
          const wo = (o * C + c) * K;
          for (let k = 0; k < K; k++) {
            const wv = w[wo + k];
            let g = 0;
            for (let t = 0; t < T; t++) {
              const i = t * S + k - P;
              if (i >= 0 && i < L) {
                const g0 = dy[yo + t];
                g += g0 * x[xo + i];
                dx[xo + i] += g0 * wv;
              }
            }
            dw[wo + k] += g;
          }
        }
      }
    }
    // SGD
    for (let i = 0; i < w.length; i++) w[i] -= lr * dw[i];
    for (let i = 0; i < b.length; i++) b[i] -= lr * db[i];
    count++;
  }

  return {
    step,
    dx,
    steps: () => count,
    readState: () => ({ loss, weight: w.slice(), bias: b.slice() }),
  };
}

/**
 * Naive-loop MLP trainer (the MLP workload's reference): for layers i = 0..n-1
 *
 *   h_i = a_{i-1} W_i^T + b_i   (a_{-1} = x),   a_i = relu(h_i) except for the last layer
 *   loss = mean((h_{n-1} - target)^2),   dh_{n-1} = 2 (h_{n-1} - target) / numel
 *   dW_i = dh_i^T a_{i-1},  db_i = sum over the batch of dh_i,
 *   da_{i-1} = dh_i W_i,  dh_{i-1} = da_{i-1} * (h_{i-1} > 0)      (not for i = 0: x needs no grad)
 *   W -= lr dW;  b -= lr db
 */
export function naiveMlpTrainer(workload: MlpWorkload, dtype: DType = 'float64'): { step(): void; readState(): TrainState; steps(): number } {
  const wl = castWorkload(workload, dtype);
  const mk = (len: number): FloatArray => (dtype === 'float64' ? new Float64Array(len) : new Float32Array(len));
  const { batch: B, sizes, lr } = wl;
  const nl = sizes.length - 1;
  const W = wl.weights.map((w) => w.slice());
  const b = wl.biases.map((v) => v.slice());
  const h = sizes.slice(1).map((n) => mk(B * n)); // pre-activations
  const a = sizes.slice(1).map((n) => mk(B * n)); // activations (relu(h); last = h)
  const dh = sizes.slice(1).map((n) => mk(B * n));
  const dW = W.map((w) => mk(w.length));
  const db = b.map((v) => mk(v.length));
  let loss = NaN;
  let count = 0;
  function step(): void {
    for (let i = 0; i < nl; i++) {
      const nin = sizes[i];
      const nout = sizes[i + 1];
      const inp = i === 0 ? wl.x : a[i - 1];
      const w = W[i];
      for (let r = 0; r < B; r++) {
        for (let o = 0; o < nout; o++) {
          let acc = b[i][o];
          const wo = o * nin;
          const io = r * nin;
          for (let k = 0; k < nin; k++) acc += inp[io + k] * w[wo + k];
          h[i][r * nout + o] = acc;
          a[i][r * nout + o] = i === nl - 1 ? acc : acc > 0 ? acc : 0;
        }
      }
    }
    const out = h[nl - 1];
    const g = dh[nl - 1];
    let acc = 0;
    for (let j = 0; j < out.length; j++) {
      const d = out[j] - wl.target[j];
      acc += d * d;
      g[j] = (2 * d) / out.length;
    }
    loss = acc / out.length;
    for (let i = nl - 1; i >= 0; i--) {
      const nin = sizes[i];
      const nout = sizes[i + 1];
      const inp = i === 0 ? wl.x : a[i - 1];
      const gi = dh[i];
      dW[i].fill(0);
      db[i].fill(0);
      for (let r = 0; r < B; r++) {
        for (let o = 0; o < nout; o++) {
          const gv = gi[r * nout + o];
          db[i][o] += gv;
          const wo = o * nin;
          const io = r * nin;
          for (let k = 0; k < nin; k++) dW[i][wo + k] += gv * inp[io + k];
        }
      }
      if (i > 0) {
        const prev = dh[i - 1];
        const hp = h[i - 1];
        for (let r = 0; r < B; r++) {
          for (let k = 0; k < nin; k++) {
            let s = 0;
            for (let o = 0; o < nout; o++) s += gi[r * nout + o] * W[i][o * nin + k];
            prev[r * nin + k] = hp[r * nin + k] > 0 ? s : 0;
          }
        }
      }
    }
    for (let i = 0; i < nl; i++) {
      for (let j = 0; j < W[i].length; j++) W[i][j] -= lr * dW[i][j];
      for (let j = 0; j < b[i].length; j++) b[i][j] -= lr * db[i][j];
    }
    count++;
  }
  const cat = (xs: FloatArray[]): FloatArray => {
    const out = mk(xs.reduce((t, v) => t + v.length, 0));
    let off = 0;
    for (const v of xs) {
      out.set(v, off);
      off += v.length;
    }
    return out;
  };
  return { step, steps: () => count, readState: () => ({ loss, weight: cat(W), bias: cat(b) }) };
}

/** Either workload's naive trainer (storage `dtype`, JS double arithmetic). */
export function anyNaiveTrainer(wl: Workload, dtype: DType = 'float64'): { step(): void; readState(): TrainState } {
  return isMlp(wl) ? naiveMlpTrainer(wl, dtype) : naiveTrainer(wl, dtype);
}

/** Float64 reference state after `steps` steps (from the workload's initial numbers). */
export function referenceState(wl: Workload, steps: number): TrainState {
  const tr = anyNaiveTrainer(wl, 'float64');
  for (let i = 0; i < steps; i++) tr.step();
  return tr.readState();
}

export interface Agreement {
  ok: boolean;
  /** Worst relative error over loss, weight, bias (see `relErr`). */
  maxRel: number;
  detail: string;
}

/**
 * Relative error of `got` vs `want`, normalised by the larger of |want| and the
 * RMS of the whole array (so near-zero entries don't blow up).
 */
function relErrArray(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let rms = 0;
  for (let i = 0; i < want.length; i++) rms += want[i] * want[i];
  rms = Math.sqrt(rms / Math.max(1, want.length));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const scale = Math.max(Math.abs(want[i]), rms, 1e-30);
    const e = Math.abs(got[i] - want[i]) / scale;
    if (Number.isNaN(e)) return Infinity;
    if (e > worst) worst = e;
  }
  return worst;
}

/**
 * `lossAtol`: loss differences up to this count as agreement. A run that fits its targets
 * exactly (the blog's, after 10^5 epochs) drives the loss to ~1e-18, where relative error is
 * rounding noise: two float64 runs that agree in W and b to 4e-15 differ there by 4e-4.
 */
export function compareStates(got: TrainState, want: TrainState, rtol = 1e-3, lossAtol = 0): Agreement {
  const eLoss = Math.abs(got.loss - want.loss) <= lossAtol ? 0 : relErrArray([got.loss], [want.loss]);
  const eW = relErrArray(got.weight, want.weight);
  const eB = relErrArray(got.bias, want.bias);
  const maxRel = Math.max(eLoss, eW, eB);
  return {
    ok: maxRel <= rtol,
    maxRel,
    detail: `loss ${eLoss.toExponential(1)}, W ${eW.toExponential(1)}, b ${eB.toExponential(1)}`,
  };
}

/** A loss difference too small to mean anything next to the targets' scale: 1e-12 mean(target^2). */
export function negligibleLoss(target: ArrayLike<number>): number {
  let ss = 0;
  for (let i = 0; i < target.length; i++) ss += target[i] * target[i];
  return (1e-12 * ss) / Math.max(1, target.length);
}

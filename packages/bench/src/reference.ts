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
import { castWorkload } from './data.js';
import type { ConvWorkload, DType, FloatArray, TrainState } from './data.js';

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

/** Float64 reference state after `steps` steps (from the workload's initial numbers). */
export function referenceState(wl: ConvWorkload, steps: number): TrainState {
  const tr = naiveTrainer(wl, 'float64');
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

export function compareStates(got: TrainState, want: TrainState, rtol = 1e-3): Agreement {
  const eLoss = relErrArray([got.loss], [want.loss]);
  const eW = relErrArray(got.weight, want.weight);
  const eB = relErrArray(got.bias, want.bias);
  const maxRel = Math.max(eLoss, eW, eB);
  return {
    ok: maxRel <= rtol,
    maxRel,
    detail: `loss ${eLoss.toExponential(1)}, W ${eW.toExponential(1)}, b ${eB.toExponential(1)}`,
  };
}

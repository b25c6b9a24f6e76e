import { describe, expect, it } from 'vitest';
import { analyzeHessian, blogRecipes, checkBlogGradients, compareRecipes, epochsToLoss, trainBlogExample } from '../src/index.js';

// ---- An independent reference: the blog's problem in plain loops, written from BLOG.md. ----
const X = [1.0, 0.7, 0.5, 0.3, 0.1];
const Y = [1, 0, 0];

function predict(w: number[], b: number): number[] {
  const p: number[] = [];
  for (let i = 0; i < 3; i++) p.push(X[i]! * w[0]! + X[i + 1]! * w[1]! + X[i + 2]! * w[2]! + b);
  return p;
}
function mse(p: number[]): number {
  return ((p[0]! - Y[0]!) ** 2 + (p[1]! - Y[1]!) ** 2 + (p[2]! - Y[2]!) ** 2) / 3;
}
/** Closed form: dL/dW[j] = sum_i (2/3)(p_i - y_i) x_{i+j}, dL/dB = sum_i (2/3)(p_i - y_i). */
function closedFormGradient(p: number[]): number[] {
  const g = [0, 0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const e = (2 / 3) * (p[i]! - Y[i]!);
    for (let j = 0; j < 3; j++) g[j]! += e * X[i + j]!;
    g[3]! += e;
  }
  return g;
}
/** The blog's loss_gradient, transcribed from its Python. */
function blogFormula(p: number[]): number[] {
  const d = p.map((v, i) => 2 * (v - Y[i]!));
  const g = [0, 1, 2].map((i) => d[i]! * (X[i]! + X[i + 1]! + X[i + 2]!));
  return [...g, d[0]! + d[1]! + d[2]!];
}
interface RefOpts { lr: number; epochs: number; momentum?: number; nesterov?: boolean; adam?: boolean; blog?: boolean }
/** torch.optim.SGD (momentum, nesterov) and torch.optim.Adam, on θ = (w0, w1, w2, b). */
function reference(o: RefOpts) {
  const th = [1, 1, 1, 0.5];
  let buf: number[] | null = null;
  const m = [0, 0, 0, 0], v = [0, 0, 0, 0];
  const history: { loss: number; prediction: number[] }[] = [];
  for (let e = 0; e <= o.epochs; e++) {
    const p = predict(th.slice(0, 3), th[3]!);
    history.push({ loss: mse(p), prediction: p });
    let g = o.blog ? blogFormula(p) : closedFormGradient(p);
    if (o.adam) {
      const t = e + 1;
      for (let k = 0; k < 4; k++) {
        m[k] = 0.9 * m[k]! + 0.1 * g[k]!;
        v[k] = 0.999 * v[k]! + 0.001 * g[k]! ** 2;
        th[k]! -= (o.lr * (m[k]! / (1 - 0.9 ** t))) / (Math.sqrt(v[k]! / (1 - 0.999 ** t)) + 1e-8);
      }
      continue;
    }
    const mom = o.momentum ?? 0;
    if (mom) {
      buf = buf === null ? g.slice() : buf.map((b, k) => mom * b + g[k]!);
      g = o.nesterov ? g.map((gk, k) => gk + mom * buf![k]!) : buf;
    }
    for (let k = 0; k < 4; k++) th[k]! -= o.lr * g[k]!;
  }
  return { history, weight: th.slice(0, 3), bias: th[3]! };
}

function expectMatches(run: ReturnType<typeof trainBlogExample>, ref: ReturnType<typeof reference>, tol: number) {
  expect(run.history.length).toBe(ref.history.length);
  run.history.forEach((h, i) => {
    expect(h.epoch).toBe(i);
    expect(Math.abs(h.loss - ref.history[i]!.loss)).toBeLessThan(tol);
    h.prediction.forEach((p, k) => expect(Math.abs(p - ref.history[i]!.prediction[k]!)).toBeLessThan(tol));
  });
  run.weight.forEach((w, k) => expect(Math.abs(w - ref.weight[k]!)).toBeLessThan(tol));
  expect(Math.abs(run.bias - ref.bias)).toBeLessThan(tol);
}

describe('trainBlogExample', () => {
  it('follows gradient descent with the closed-form gradient, epoch by epoch (blog settings)', () => {
    const run = trainBlogExample();
    const ref = reference({ lr: 0.11, epochs: 200 });
    expect(run.history).toHaveLength(201);
    expect(run.history[0]!.prediction.map((p) => Number(p.toFixed(12)))).toEqual([2.7, 2.0, 1.4]);
    expectMatches(run, ref, 1e-12);
    expect(run.stoppedAt).toBeNull();
    expect(run.diverged).toBe(false);
  });

  it('ends where BLOG.md says the true gradient ends: loss ≈ 0.048, W ≈ [0.6878, 0.6761, 0.9334], B ≈ -0.7863', () => {
    const run = trainBlogExample();
    expect(mse(predict(run.weight, run.bias))).toBeCloseTo(0.048, 3);
    expect(run.weight[0]).toBeCloseTo(0.6878, 4);
    expect(run.weight[1]).toBeCloseTo(0.6761, 4);
    expect(run.weight[2]).toBeCloseTo(0.9334, 4);
    expect(run.bias).toBeCloseTo(-0.7863, 4);
  });

  it("replays the blog's own update with gradient: 'blog'", () => {
    const run = trainBlogExample({ gradient: 'blog' });
    expectMatches(run, reference({ lr: 0.11, epochs: 200, blog: true }), 1e-9);
    // The blog's first step: dL/dW = [7.48, 6, 2.52] (its printed numbers), so W1 = 1 - 0.11 * g.
    const one = trainBlogExample({ gradient: 'blog', epochs: 0 });
    [7.48, 6.0, 2.52].forEach((g, k) => expect(one.weight[k]).toBeCloseTo(1 - 0.11 * g, 12));
  });

  it('matches SGD with momentum, Nesterov momentum and Adam step for step', () => {
    expectMatches(trainBlogExample({ epochs: 60, lr: 0.05, momentum: 0.9 }), reference({ epochs: 60, lr: 0.05, momentum: 0.9 }), 1e-10);
    expectMatches(trainBlogExample({ epochs: 60, lr: 0.05, momentum: 0.9, nesterov: true }), reference({ epochs: 60, lr: 0.05, momentum: 0.9, nesterov: true }), 1e-10);
    expectMatches(trainBlogExample({ epochs: 60, lr: 0.1, optimizer: 'adam' }), reference({ epochs: 60, lr: 0.1, adam: true }), 1e-10);
  });

  it('runs in float32 close to float64', () => {
    const run = trainBlogExample({ dtype: 'float32', epochs: 50 });
    expectMatches(run, reference({ lr: 0.11, epochs: 50 }), 1e-4);
  });

  it('honours epochs and stopBelow, and stops when the loss blows up', () => {
    expect(trainBlogExample({ epochs: 5 }).history).toHaveLength(6);
    const stop = trainBlogExample({ lr: 0.49, epochs: 100_000, stopBelow: 1e-3 });
    const last = stop.history.at(-1)!;
    expect(last.loss).toBeLessThan(1e-3);
    expect(stop.history.at(-2)!.loss).toBeGreaterThanOrEqual(1e-3);
    expect(stop.stoppedAt).toBe(last.epoch);
    const boom = trainBlogExample({ lr: 0.6, epochs: 100_000 });
    expect(boom.diverged).toBe(true);
    expect(boom.history.length).toBeLessThan(5000);
  });

  it('rejects bad options with a clear message', () => {
    expect(() => trainBlogExample({ lr: -1 })).toThrow(/lr must be a positive number/);
    expect(() => trainBlogExample({ epochs: 1.5 })).toThrow(/epochs/);
    expect(() => trainBlogExample({ momentum: 1 })).toThrow(/momentum/);
    expect(() => trainBlogExample({ optimizer: 'rmsprop' as 'sgd' })).toThrow(/optimizer/);
    expect(() => trainBlogExample({ gradient: 'numeric' as 'blog' })).toThrow(/gradient/);
    expect(() => trainBlogExample({ nesterov: true })).toThrow(/nesterov/);
  });
});

describe("gradcheck's verdict", () => {
  it("passes Kindling's autograd and catches the blog's formula at dL/dW[0] with both values", () => {
    const v = checkBlogGradients();
    expect(v.autograd.passed).toBe(true);
    expect(v.blog.passed).toBe(false);
    expect(v.blog.input).toBe(0);
    expect(v.blog.element).toBe('[0, 0, 0]');
    expect(v.blog.analytic).toBeCloseTo(7.48, 10);
    expect(v.blog.numeric).toBeCloseTo(closedFormGradient([2.7, 2.0, 1.4])[0]!, 5); // 2.5333
  });
});

describe('the Hessian', () => {
  const h = analyzeHessian();
  // H = (2/3) AᵀA with rows [x_i, x_i+1, x_i+2, 1], built here independently.
  const A = [0, 1, 2].map((i) => [X[i]!, X[i + 1]!, X[i + 2]!, 1]);
  const H = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (2 / 3) * A.reduce((s, a) => s + a[r]! * a[c]!, 0)));

  it('has the right eigenvalues: trace, Frobenius norm, power iteration, and a zero one', () => {
    const sum = h.eigenvalues.reduce((s, l) => s + l, 0);
    const sq = h.eigenvalues.reduce((s, l) => s + l * l, 0);
    expect(sum).toBeCloseTo(H.reduce((s, row, i) => s + row[i]!, 0), 10);
    expect(sq).toBeCloseTo(H.flat().reduce((s, v) => s + v * v, 0), 10);
    let v = [1, 1, 1, 1], lambda = 0;
    for (let it = 0; it < 500; it++) {
      const hv = H.map((row) => row.reduce((s, x, k) => s + x * v[k]!, 0));
      lambda = Math.hypot(...hv);
      v = hv.map((x) => x / lambda);
    }
    expect(h.lambdaMax).toBeCloseTo(lambda, 10);
    expect(h.eigenvalues.at(-1)).toBe(0); // 4 parameters, 3 equations
    expect(h.maxStableLr).toBeCloseTo(2 / lambda, 10);
  });

  it('predicts the stability limit of plain gradient descent', () => {
    expect(trainBlogExample({ lr: 0.99 * h.maxStableLr, epochs: 3000 }).diverged).toBe(false);
    const below = reference({ lr: 0.99 * h.maxStableLr, epochs: 3000 });
    expect(below.history.at(-1)!.loss).toBeLessThan(0.01);
    expect(trainBlogExample({ lr: 1.01 * h.maxStableLr, epochs: 20_000 }).diverged).toBe(true);
  });
});

describe('epochs to loss < 1e-3', () => {
  const firstBelow = (o: RefOpts) => reference(o).history.findIndex((e) => e.loss < 1e-3);

  it('counts the same updates as the plain-loop reference', () => {
    const h = analyzeHessian();
    const nesterov = { lr: h.nesterov.lr, momentum: h.nesterov.momentum, nesterov: true };
    expect(epochsToLoss(nesterov).epochs).toBe(firstBelow({ ...nesterov, epochs: 1000 }));
    const hb = { lr: h.heavyBall.lr, momentum: h.heavyBall.momentum };
    expect(epochsToLoss(hb).epochs).toBe(firstBelow({ ...hb, epochs: 1000 }));
  });

  it('ranks the recipes as the README says', () => {
    const results = compareRecipes({ recipes: blogRecipes() });
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    const e = (name: string) => by[name]!.epochs!;
    expect(e("SGD, the blog's lr")).toBeGreaterThan(200); // the blog's 201 updates are not enough
    expect(e('SGD, lr = 1.9/λmax')).toBeLessThan(e('SGD, lr = 1/λmax'));
    expect(e('SGD, lr = 1/λmax')).toBeLessThan(e("SGD, the blog's lr"));
    expect(by['SGD, lr = 2.1/λmax']!.diverged).toBe(true);
    expect(e('SGD + Nesterov')).toBeLessThan(1000);
    expect(e('SGD + heavy ball')).toBeLessThan(1000);
    expect(e('Adam, lr 0.1')).toBeLessThan(e('SGD, lr = 1.9/λmax'));
    expect(e("the blog's formula")).toBe(firstBelow({ lr: 0.11, epochs: 5000, blog: true }));
    for (const r of results) if (r.epochs !== null) expect(r.loss).toBeLessThan(1e-3);
  });
});

describe("why the blog's run still reaches [1, 0, 0]", () => {
  // Both updates are linear in the residual r = pred - y: r ← (I - lr·M) r, with M = (2/3)AAᵀ
  // for gradient descent and M = 2·A·[diag(window sums); 1 1 1] for the blog's formula. Late in
  // training the residual shrinks by 1 - lr·λ_min(M) per step: 1 - 0.11·0.000604557 for the
  // true gradient, 1 - 0.11·0.0366880 for the blog's formula (eigenvalues from the README).
  const rate = (gradient: 'autograd' | 'blog') => {
    const h = trainBlogExample({ gradient, epochs: 4000 }).history;
    const norm = (i: number) => Math.hypot(...h[i]!.prediction.map((p, k) => p - Y[k]!));
    return norm(4000) / norm(3999);
  };
  it('shrinks the residual at the rates the README gives', () => {
    expect(rate('autograd')).toBeCloseTo(1 - 0.11 * 0.000604557, 6);
    expect(rate('blog')).toBeCloseTo(1 - 0.11 * 0.036688, 6);
  });
});

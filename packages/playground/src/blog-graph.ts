/**
 * The blog's forward pass recorded twice for the graph view, and the hand formulas each node's
 * gradient is compared with.
 *
 * - Tensor mode records what the trainer runs: `Conv1d(1, 1, 3)` from @kindling/nn set to the
 *   current W, b, then `MSELoss`, so the graph is x, W, b → conv1d → pred, y → mseLoss → loss.
 * - Scalar mode records the same numbers with core's micrograd-style `Scalar`, one multiply
 *   and add at a time: pred[i] = x[i]·W₀ + x[i+1]·W₁ + x[i+2]·W₂ + b, loss = Σ(pred − y)² / n.
 *
 * Both graphs are then read back from core by graph-model.ts; nothing here draws them.
 */
import { Scalar, tensor } from '@kindling/core';
import { blogForward, blogGradient, trueGradient } from '@kindling/examples';
import { Conv1d, MSELoss } from '@kindling/nn';
import { type GraphModel, type GraphNode, scalarGraph, tensorGraph } from './graph-model.js';

/** Where the graph is drawn: the problem and the parameters the next epoch starts from. */
export interface BlogPoint {
  input: readonly number[];
  target: readonly number[];
  weight: readonly number[];
  bias: number;
}

/**
 * Scalar mode draws one box per multiply and add: about 9 per output plus the leaves. Past a
 * few outputs the picture is a wall of boxes, so the page asks for a shorter input instead.
 */
export const SCALAR_MAX_OUTPUTS = 6;

const SUB = '₀₁₂₃₄₅₆₇₈₉';
export const sub = (i: number): string => String(i).replace(/\d/g, (d) => SUB[Number(d)]!);
const unsub = (s: string): number => Number(s.replace(/[₀-₉]/g, (c) => String(SUB.indexOf(c))));

/** x, W, b → conv1d → pred; pred, y → mseLoss → loss, with nn's layers as the trainer uses them. */
export function blogTensorGraph(p: BlogPoint): GraphModel {
  const x = tensor([[p.input.slice()]]);
  const y = tensor([[p.target.slice()]]);
  const conv = new Conv1d(1, 1, p.weight.length);
  conv.loadStateDict({ weight: [[p.weight.slice()]], bias: [p.bias] });
  const pred = conv.forward(x);
  const loss = new MSELoss().forward(pred, y);
  const names = new Map([[x, 'x'], [y, 'y'], [conv.weight, 'W'], [conv.bias!, 'b'], [pred, 'pred'], [loss, 'loss']]);
  return tensorGraph(loss, names);
}

/** The same forward pass with one Scalar per number; x[i] is shared between the windows that read it. */
export function blogScalarGraph(p: BlogPoint): GraphModel {
  const k = p.weight.length;
  const n = p.input.length - k + 1;
  if (n > SCALAR_MAX_OUTPUTS) throw new Error(`scalar mode draws at most ${SCALAR_MAX_OUTPUTS} outputs (an input of ${SCALAR_MAX_OUTPUTS + k - 1}), got ${n}`);
  const names = new Map<Scalar, string>();
  const named = (s: Scalar, name: string) => (names.set(s, name), s);
  const x = p.input.map((v, i) => named(new Scalar(v), `x${sub(i)}`));
  const w = p.weight.map((v, j) => named(new Scalar(v), `W${sub(j)}`));
  const b = named(new Scalar(p.bias), 'b');
  const y = p.target.map((v, i) => named(new Scalar(v), `y${sub(i)}`));
  let total: Scalar | null = null;
  for (let i = 0; i < n; i++) {
    let s = x[i]!.mul(w[0]!);
    for (let j = 1; j < k; j++) s = s.add(x[i + j]!.mul(w[j]!));
    const pred = named(s.add(b), `pred${sub(i)}`);
    const sq = pred.sub(y[i]!).pow(2);
    total = total ? total.add(sq) : sq;
  }
  const loss = named(total!.div(named(new Scalar(n), 'n')), 'loss');
  return scalarGraph(loss, names, new Set([...w, b]));
}

// ---- hand formulas ------------------------------------------------------------------------------

/** A formula for one node's gradient and what it gives at this point. */
export interface Formula {
  text: string;
  /** Flattened like the node's gradient; null where the formula is undefined (the blog's W with n ≠ k). */
  values: number[] | null;
}

export interface NodeFormulas {
  /** The gradient worked out by hand from the loss's definition (what the engine should match). */
  hand: Formula;
  /** The blog's formula for the same node, as its loss_gradient() computes it. */
  blog: Formula;
  /** Why the blog's differs, when it does. */
  why: string;
}

/**
 * The hand formulas for a named node of either graph: loss, pred, W and b (or one element of
 * them in Scalar mode). Other nodes have none: the blog derives only these.
 */
export function formulasFor(node: GraphNode, p: BlogPoint): NodeFormulas | null {
  const m = /^(loss|pred|W|b)([₀-₉]*)$/.exec(node.label);
  if (!m || node.kind !== 'value') return null;
  const what = m[1]!;
  const at = m[2] ? unsub(m[2]) : null;
  const pick = (v: number[] | null): number[] | null => (v === null ? null : at === null ? v : [v[at]!]);
  const pred = blogForward(p.weight, p.bias, p.input);
  const n = pred.length;
  const k = p.weight.length;
  const truth = trueGradient(p.input, p.target, pred);
  const blogDy = pred.map((v, i) => 2 * (v - p.target[i]!));
  let blogW: number[] | null = null;
  try {
    blogW = blogGradient(p.input, p.target, pred).weight;
  } catch {
    // The blog's W formula pairs output i with tap i; with n ≠ k outputs it has no meaning.
  }
  const i = at === null ? 'i' : String(at);
  const j = at === null ? 'j' : String(at);
  const el = (name: string, idx: string) => (at === null ? `${name}[${idx}]` : `${name}${sub(at)}`);
  switch (what) {
    case 'loss':
      return { hand: { text: '∂L/∂L = 1', values: [1] }, blog: { text: 'the start of every backward pass: 1', values: [1] }, why: '' };
    case 'pred':
      return {
        hand: { text: `∂L/∂${el('pred', i)} = (2/n)·(${el('pred', i)} − ${el('y', i)}), n = ${n}`, values: pick(pred.map((v, q) => (2 / n) * (v - p.target[q]!))) },
        blog: { text: 'dL_dY = 2*(pred - target)', values: pick(blogDy) },
        why: `it drops the 1/n of the mean, so it is n = ${n} times too large`,
      };
    case 'b':
      return {
        hand: { text: '∂L/∂b = Σᵢ ∂L/∂pred[i]', values: [truth.bias] },
        blog: { text: 'dL_dB = np.sum(dL_dY)', values: [blogDy.reduce((a, c) => a + c, 0)] },
        why: `the right sum, but of dL_dY, which is n = ${n} times too large`,
      };
    default:
      return {
        hand: { text: `∂L/∂${el('W', j)} = Σᵢ ∂L/∂pred[i] · x[i + ${j}]`, values: pick(truth.weight) },
        blog: {
          text: at === null ? 'dL_dW[i] = dL_dY[i] · Σⱼ x[i + j]' : `dL_dW[${at}] = dL_dY[${at}] · Σⱼ x[${at} + j]`,
          values: pick(blogW),
        },
        why: blogW === null
          ? `undefined here: it pairs output i with tap i, so it needs as many outputs as taps (n = ${n}, ${k} taps)`
          : "it multiplies output i's error by window i's sum: the output index i is used as the filter index",
      };
  }
}

/** Whether two gradients agree to rounding (relative 1e-9). */
export function same(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((v, i) => Math.abs(v - b[i]!) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(b[i]!)));
}

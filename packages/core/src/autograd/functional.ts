import { fmt } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { allocate } from '../storage/dtype.js';
import { Tensor } from '../tensor.js';
import { checkOptions } from '../util/options.js';
import { oneHot, stack } from '../ops/join.js';
import { grad } from './grad.js';
import { apply } from './function.js';
import { Reshape } from '../ops/movement.js';

/*
 * torch.autograd.functional in camelCase: each helper calls fn on fresh leaves that share the
 * inputs' storage (or on the inputs themselves when they already require grad and a graph is
 * wanted), and is built from grad() alone. Results are plain values unless createGraph asks
 * for a graph through them.
 */

/**
 * Options shared by the functional helpers.
 *
 * @category Autograd
 */
export interface FunctionalOptions {
  /** Compute the result with a graph, so it can be differentiated again. */
  createGraph?: boolean;
}

type Inputs = Tensor | readonly Tensor[];
type Fn = (...xs: Tensor[]) => Tensor;

function prepare(op: string, fn: unknown, inputs: Inputs, opts: FunctionalOptions | undefined): { xs: Tensor[]; single: boolean; createGraph: boolean } {
  const o = checkOptions(op, opts, ['createGraph']);
  const createGraph = o.createGraph ?? false;
  if (typeof createGraph !== 'boolean') throw new Error(`${op}: createGraph must be a boolean, got ${String(createGraph)}`);
  if (typeof fn !== 'function') throw new Error(`${op}: fn must be a function`);
  const single = inputs instanceof Tensor;
  const list = single ? [inputs] : inputs;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${op}: inputs must be a Tensor or a non-empty array of Tensors`);
  const xs = list.map((x, i) => {
    if (!(x instanceof Tensor)) throw new Error(`${op}: input ${i} is not a Tensor`);
    // Each position gets its own tensor, so fn(x, x) differentiates each argument separately
    // (torch's view_as); with createGraph a view keeps the result connected to the caller's x.
    // Stryker disable next-line LogicalOperator: without createGraph a view of x and a fresh leaf give the same (detached) results
    return createGraph && x.requiresGrad ? apply(Reshape, [x], x.shape) : new Tensor(x.tensorData, true);
  });
  return { xs, single, createGraph };
}

function callFn(op: string, fn: Fn, xs: Tensor[]): Tensor {
  const y = fn(...xs);
  if (!(y instanceof Tensor)) throw new Error(`${op}: fn must return a Tensor, got ${y === null ? 'null' : typeof y}`);
  return y;
}

function vectors(op: string, v: Inputs | undefined, like: readonly Tensor[], what: string): Tensor[] {
  const list = v instanceof Tensor ? [v] : v;
  if (!Array.isArray(list) || list.length !== like.length) throw new Error(`${op}: v must match the ${what}: ${like.length} Tensor(s)`);
  return list.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: v ${i} is not a Tensor`);
    if (t.shape.length !== like[i]!.shape.length || t.shape.some((d, k) => d !== like[i]!.shape[k])) {
      throw new Error(`${op}: v ${i} has shape ${fmt(t.shape)}, the ${what} ${fmt(like[i]!.shape)}`);
    }
    return t;
  });
}

/** Zeros for an input the output does not depend on (torch.autograd.functional's convention). */
function orZeros(g: Tensor | null, like: Tensor): Tensor {
  return g ?? new Tensor(TensorData.zeros(like.shape, like.dtype));
}

const finish = (t: Tensor, createGraph: boolean): Tensor => (createGraph ? t : t.detach());

/**
 * Vector-Jacobian product vᵀ·J of fn at inputs (torch.autograd.functional.vjp): returns
 * `[fn(inputs), vjp]`, vjp shaped like the inputs (a list for a list of inputs). `v` may be
 * omitted when fn returns one element.
 *
 * @example
 * ```ts
 * import { tensor, vjp } from '@kindling/core';
 * const [y, g] = vjp((x) => x.pow(2), tensor([1, 2]), tensor([1, 1]));
 * console.log(y.toArray(), (g as any).toArray()); // [1, 4] [2, 4]
 * ```
 *
 * @category Autograd
 */
export function vjp(fn: Fn, inputs: Inputs, v?: Tensor | null, opts?: FunctionalOptions): [Tensor, Tensor | Tensor[]] {
  const { xs, single, createGraph } = prepare('vjp', fn, inputs, opts);
  const y = callFn('vjp', fn, xs);
  if (v !== undefined && v !== null) vectors('vjp', v, [y], 'output');
  // Stryker disable next-line ArrowFunction: orZeros reads undefined as null, so () => undefined is the same
  const gs = y.requiresGrad ? grad(y, xs, { gradOutputs: v ?? null, createGraph, allowUnused: true }) : xs.map(() => null);
  const out = gs.map((g, i) => finish(orZeros(g, xs[i]!), createGraph));
  return [finish(y, createGraph), single ? out[0]! : out];
}

/**
 * Jacobian-vector product J·v of fn at inputs (torch.autograd.functional.jvp), by the double-vjp
 * trick: u ↦ Jᵀu is linear in u, and its vjp with v is J·v. Returns `[fn(inputs), jvp]`.
 *
 * @example
 * ```ts
 * import { jvp, tensor } from '@kindling/core';
 * const [, t] = jvp((x) => x.pow(2).sum(), tensor([1, 2]), tensor([1, 0]));
 * console.log(t.item()); // 2 (the derivative along the first axis)
 * ```
 *
 * @category Autograd
 */
export function jvp(fn: Fn, inputs: Inputs, v: Inputs, opts?: FunctionalOptions): [Tensor, Tensor] {
  const { xs, createGraph } = prepare('jvp', fn, inputs, opts);
  const vs = vectors('jvp', v, xs, 'inputs');
  const y = callFn('jvp', fn, xs);
  if (!y.requiresGrad) return [finish(y, createGraph), new Tensor(TensorData.zeros(y.shape, y.dtype))];
  const u = new Tensor(TensorData.zeros(y.shape, y.dtype), true);
  const gs = grad(y, xs, { gradOutputs: u, createGraph: true, allowUnused: true });
  // Σ_i <Jᵢᵀu, vᵢ> as one scalar function of u; its gradient in u is Σ_i Jᵢ vᵢ.
  let acc: Tensor | null = null;
  gs.forEach((g, i) => {
    if (g === null || !g.requiresGrad) return;
    const term = g.mul(vs[i]!).sum();
    acc = acc === null ? term : acc.add(term);
  });
  if (acc === null) return [finish(y, createGraph), new Tensor(TensorData.zeros(y.shape, y.dtype))];
  const [jv] = grad(acc, u, { createGraph, allowUnused: true });
  return [finish(y, createGraph), finish(orZeros(jv ?? null, y), createGraph)];
}

/**
 * The Jacobian of fn at inputs (torch.autograd.functional.jacobian): shape
 * `[...output.shape, ...input.shape]`, one backward pass per output element; a list of them for a
 * list of inputs.
 *
 * @example
 * ```ts
 * import { jacobian, tensor } from '@kindling/core';
 * const J = jacobian((x) => x.mul(tensor([2, 3])), tensor([1, 1])) as any;
 * console.log(J.toArray()); // [[2, 0], [0, 3]]
 * ```
 *
 * @category Autograd
 */
export function jacobian(fn: Fn, inputs: Inputs, opts?: FunctionalOptions): Tensor | Tensor[] {
  const { xs, single, createGraph } = prepare('jacobian', fn, inputs, opts);
  const y = callFn('jacobian', fn, xs);
  const out = jacobianOf(y, xs, createGraph);
  return single ? out[0]! : out;
}

/** Rows of ∂y/∂x for each x, stacked to [...y.shape, ...x.shape]. */
function jacobianOf(y: Tensor, xs: readonly Tensor[], createGraph: boolean): Tensor[] {
  if (!y.requiresGrad) {
    return xs.map((x) => new Tensor(TensorData.zeros([...y.shape, ...x.shape], x.dtype)));
  }
  const rows: Tensor[][] = xs.map(() => []);
  for (let j = 0; j < y.size; j++) {
    const gs = grad(y, xs, { gradOutputs: oneHot(y.shape, j, y.dtype), createGraph, allowUnused: true });
    gs.forEach((g, i) => rows[i]!.push(orZeros(g, xs[i]!)));
  }
  return xs.map((x, i) => {
    const shape = [...y.shape, ...x.shape];
    // Stryker disable next-line ConditionalExpression: without createGraph the rows carry no graph, so stack gives the same values; the copy below only skips its bookkeeping
    if (createGraph) return y.size === 0 ? new Tensor(TensorData.zeros(shape, x.dtype)) : stack(rows[i]!, 0).reshape(shape);
    // No graph wanted: copy the rows into one buffer, skipping stack's graph bookkeeping.
    const st = allocate(x.dtype, y.size * x.size);
    rows[i]!.forEach((r, j) => r.tensorData.copyTo(st.subarray(j * x.size, (j + 1) * x.size)));
    return new Tensor(new TensorData(st, shape));
  });
}

/**
 * The Hessian of a scalar fn at inputs (torch.autograd.functional.hessian): the Jacobian of its
 * gradient, shape `[...x.shape, ...x.shape]` for one input; `H[i][j]` blocks for a list.
 *
 * @example
 * ```ts
 * import { hessian, tensor } from '@kindling/core';
 * const H = hessian((x) => x.pow(3).sum(), tensor([1, 2])) as any;
 * console.log(H.toArray()); // [[6, 0], [0, 12]]
 * ```
 *
 * @category Autograd
 */
export function hessian(fn: Fn, inputs: Inputs, opts?: FunctionalOptions): Tensor | Tensor[][] {
  const { xs, single, createGraph } = prepare('hessian', fn, inputs, opts);
  const y = callFn('hessian', fn, xs);
  if (y.size !== 1) throw new Error(`hessian: fn must return a tensor with one element, got shape ${fmt(y.shape)}`);
  const blocks: Tensor[][] = xs.map((xi) => {
    if (!y.requiresGrad) return xs.map((xj) => new Tensor(TensorData.zeros([...xi.shape, ...xj.shape], xi.dtype)));
    const [gi] = grad(y, [xi], { createGraph: true, allowUnused: true });
    if (!gi?.requiresGrad) return xs.map((xj) => new Tensor(TensorData.zeros([...xi.shape, ...xj.shape], xi.dtype)));
    return jacobianOf(gi, xs, createGraph);
  });
  return single ? blocks[0]![0]! : blocks;
}

/**
 * Hessian-vector product H·v of a scalar fn at inputs without forming H
 * (torch.autograd.functional.hvp): returns `[fn(inputs), hvp]`.
 *
 * @example
 * ```ts
 * import { hvp, tensor } from '@kindling/core';
 * const [, hv] = hvp((x) => x.pow(3).sum(), tensor([1, 2]), tensor([1, 1]));
 * console.log((hv as any).toArray()); // [6, 12]
 * ```
 *
 * @category Autograd
 */
export function hvp(fn: Fn, inputs: Inputs, v: Inputs, opts?: FunctionalOptions): [Tensor, Tensor | Tensor[]] {
  const { xs, single, createGraph } = prepare('hvp', fn, inputs, opts);
  const vs = vectors('hvp', v, xs, 'inputs');
  const y = callFn('hvp', fn, xs);
  if (y.size !== 1) throw new Error(`hvp: fn must return a tensor with one element, got shape ${fmt(y.shape)}`);
  const zeros = () => xs.map((x) => new Tensor(TensorData.zeros(x.shape, x.dtype)));
  if (!y.requiresGrad) return [finish(y, createGraph), single ? zeros()[0]! : zeros()];
  const gs = grad(y, xs, { createGraph: true, allowUnused: true });
  let acc: Tensor | null = null;
  gs.forEach((g, i) => {
    if (g === null || !g.requiresGrad) return;
    const term = g.mul(vs[i]!).sum();
    acc = acc === null ? term : acc.add(term);
  });
  if (acc === null) return [finish(y, createGraph), single ? zeros()[0]! : zeros()];
  const hv = grad(acc, xs, { createGraph, allowUnused: true }).map((g, i) => finish(orZeros(g, xs[i]!), createGraph));
  return [finish(y, createGraph), single ? hv[0]! : hv];
}

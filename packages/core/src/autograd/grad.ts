import { fmt } from '../storage/shape.js';
import { Tensor, seedFor } from '../tensor.js';
import { checkOptions } from '../util/options.js';
import { runBackward } from './backward.js';

/**
 * Options of {@link grad}, as torch.autograd.grad's keyword arguments (camelCase).
 *
 * @category Autograd
 */
export interface GradOptions {
  /** d(loss)/d(output) for each output (PyTorch's grad_outputs); null or omitted for a one-element output (seed 1). */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Record the backward pass, so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Accepted for PyTorch compatibility; Kindling's graphs can always be walked again. */
  retainGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const GRAD_KEYS = ['gradOutputs', 'createGraph', 'retainGraph', 'allowUnused'] as const;

function asList(op: string, what: string, v: Tensor | readonly Tensor[]): Tensor[] {
  const list = v instanceof Tensor ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${op}: ${what} must be a Tensor or a non-empty array of Tensors`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} ${i} is not a Tensor`);
  });
  return list;
}

function flag(op: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/**
 * The gradients of `outputs` with respect to `inputs` (torch.autograd.grad), returned in a list
 * (one per input) instead of accumulated into `.grad`: no `.grad` changes. Inputs may be leaves
 * or intermediate tensors. With `createGraph: true` the gradients carry a graph, so they can be
 * differentiated again: that is how second derivatives, Hessian-vector products and gradient
 * penalties are computed.
 *
 * @example
 * ```ts
 * import { grad, tensor } from '@kindling/core';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = x.pow(3).sum();
 * const [dy] = grad(y, x, { createGraph: true });      // 3x² = [3, 12, 27]
 * const [d2y] = grad(dy!.sum(), x);                     // 6x  = [6, 12, 18]
 * console.log(dy!.toArray(), d2y!.toArray());
 * ```
 *
 * @category Autograd
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradOptions): (Tensor | null)[] {
  const o = checkOptions('grad', opts, GRAD_KEYS);
  const createGraph = flag('grad', 'createGraph', o.createGraph);
  flag('grad', 'retainGraph', o.retainGraph);
  const allowUnused = flag('grad', 'allowUnused', o.allowUnused);
  const outs = asList('grad', 'output', outputs);
  const ins = asList('grad', 'input', inputs);
  outs.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: output ${i} (shape ${fmt(t.shape)}) does not require grad and has no graph`);
  });
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} (shape ${fmt(t.shape)}) does not require grad, so no gradient can flow to it`);
  });
  let gos: readonly (Tensor | null)[];
  // Stryker disable next-line ArrowFunction: seedFor reads undefined as null, so () => undefined is the same
  if (o.gradOutputs === undefined || o.gradOutputs === null) gos = outs.map(() => null);
  else if (o.gradOutputs instanceof Tensor) gos = [o.gradOutputs];
  else if (Array.isArray(o.gradOutputs)) gos = o.gradOutputs;
  else throw new Error(`grad: gradOutputs must be a Tensor, an array of Tensors (or nulls), or null`);
  if (gos.length !== outs.length) throw new Error(`grad: got ${gos.length} gradOutputs for ${outs.length} outputs`);
  const seeds = outs.map((t, i) => seedFor(`grad: gradOutputs ${i}`, t, gos[i], createGraph));
  const found = runBackward(outs, seeds, { createGraph, capture: ins });
  return found.map((g, i) => {
    if (g === null && !allowUnused) {
      throw new Error(`grad: input ${i} (shape ${fmt(ins[i]!.shape)}) was not used to compute the outputs; pass allowUnused: true to get null for it`);
    }
    return g;
  });
}

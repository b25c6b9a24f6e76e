import { shapesEqual, fmt } from '../storage/shape.js';
import { writtenSince, writeEpoch } from '../storage/version.js';
import type { Tensor } from '../tensor.js';
import type { Context, Node } from './function.js';
import { setGradEnabled } from './grad-mode.js';

/** Sums a gradient over the dims that broadcasting expanded, back to `shape` (which it must broadcast from). */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const axes: number[] = [];
  // The leading dims broadcasting added, and the dims it stretched from 1 (summing one that is
  // still 1 changes nothing, so those are not told apart).
  grad.shape.forEach((_d, i) => {
    if (i < lead || shape[i - lead] === 1) axes.push(i);
  });
  // axes is not empty: grad's shape broadcasts from `shape` (checked by the caller) and differs.
  return grad.sum(axes).reshape(shape);
}

/** True while a backward pass runs its rules: results of ops made then are the pass's own buffers. */
let sweeping = false;

export function inBackwardPass(): boolean {
  return sweeping;
}

/** Numbers the passes; a tensor whose `_mark` equals the current pass has been visited. */
let passes = 0;

/** How a pass runs: with `createGraph` the rules record a graph, so the gradients can be differentiated again. */
export interface PassOptions {
  createGraph: boolean;
  /**
   * Tensors whose gradients the caller wants returned (torch.autograd.grad). When given, no
   * leaf's `.grad` changes, and only the part of the graph that leads to them is walked.
   */
  capture?: readonly Tensor[];
}

/**
 * Reverse-mode sweep from `roots` seeded with `seeds`: order the graph topologically with an
 * explicit stack (a recursive walk overflows on deep graphs such as long RNN unrolls), then
 * hand each node's gradient to its op's backward in reverse order. Intermediate gradients live
 * only for this pass, parked on the tensors themselves (`_pending`) rather than in a map: on
 * small models the hashing showed.
 *
 * All or nothing: leaves' `.grad` are updated only after every rule has run, so a rule that
 * throws half-way leaves every `.grad` as it was (and running the pass again does not double
 * count). Returns the captured gradients (null where a captured tensor was not reached).
 */
export function runBackward(roots: readonly Tensor[], seeds: readonly Tensor[], opts: PassOptions): (Tensor | null)[] {
  if (sweeping) throw new Error('backward: cannot start a backward pass inside another one');
  const capture = opts.capture;
  const reachable = topoSort(roots);
  let order = reachable;
  // A tensor may be asked for at several positions (grad(y, [x, x])): each gets its gradient.
  let captureIndex: Map<Tensor, number[]> | null = null;
  if (capture) {
    captureIndex = new Map();
    capture.forEach((t, i) => {
      const at = captureIndex!.get(t);
      if (at) at.push(i);
      else captureIndex!.set(t, [i]);
    });
    order = prune(reachable.slice(), captureIndex);
  }
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    r._pending = r._pending ? r._pending.add(seeds[i]!) : seeds[i]!;
  }
  // Stryker disable next-line ArrayDeclaration: without capture (Tensor.backward) the caller ignores the returned list
  const captured: (Tensor | null)[] = capture ? capture.map(() => null) : [];
  // Leaves and their gradients side by side (no pair arrays: this runs every training step).
  const leaves: Tensor[] = [];
  const leafGrads: Tensor[] = [];
  sweeping = true;
  try {
    const prev = setGradEnabled(opts.createGraph);
    try {
      sweep(order, captureIndex, captured, leaves, leafGrads);
    } finally {
      setGradEnabled(prev);
    }
  } finally {
    sweeping = false;
    // Every reachable tensor, not just the pruned order: a rule also hands gradients to inputs
    // that lead to no captured tensor, and one left parked there would be added into the next
    // pass that reaches that tensor (a wrong Hessian block after an unrelated grad() call).
    for (const t of reachable) t._pending = null;
  }
  // Every rule succeeded: now, and only now, gradients reach the leaves.
  for (let i = 0; i < leaves.length; i++) leaves[i]!._accumulateGrad(leafGrads[i]!, opts.createGraph);
  return captured;
}

function sweep(order: Tensor[], captureIndex: Map<Tensor, number[]> | null, captured: (Tensor | null)[], leaves: Tensor[], leafGrads: Tensor[]): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = t._pending;
    if (!g) continue;
    t._pending = null; // frees intermediate gradients as soon as they are consumed
    if (captureIndex) {
      const at = captureIndex.get(t);
      if (at) for (const k of at) captured[k] = g;
    }
    const node = t._node;
    if (!node) {
      if (!captureIndex) {
        leaves.push(t);
        leafGrads.push(g);
      }
      continue;
    }
    checkSaved(node);
    const inputGrads = node.op.backward(g, node.ctx);
    const inputs = node.ctx.inputs;
    if (!Array.isArray(inputGrads) || inputGrads.length !== inputs.length) {
      const got = Array.isArray(inputGrads) ? `${inputGrads.length} gradient(s)` : inputGrads === null ? 'null' : typeof inputGrads;
      throw new Error(`backward: ${node.op.name}'s backward returned ${got} for ${inputs.length} input(s); return one entry per input (null for no gradient)`);
    }
    // Stryker disable next-line EqualityOperator: one step more reads inputGrads[inputs.length], undefined as the lengths are equal, and skips it
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      let ig = inputGrads[k];
      if (ig === null || ig === undefined || !input.requiresGrad) continue;
      if (typeof (ig as Tensor).tensorData !== 'object') {
        throw new Error(`backward: ${node.op.name}'s backward returned ${typeof ig} for input ${k}; expected a Tensor or null`);
      }
      // Checked before summing: sumToShape ends in a reshape, which would silently accept a
      // gradient of the right size but the wrong shape (e.g. [3, 2] or [6] for a [2, 3] input).
      if (!reducesTo(ig.shape, input.shape)) {
        throw new Error(`backward: ${node.op.name} produced a gradient of shape ${fmt(ig.shape)} for an input of shape ${fmt(input.shape)}`);
      }
      ig = sumToShape(ig, input.shape);
      // A gradient has its input's dtype (PyTorch casts in validate_outputs), so float32
      // parameters get float32 gradients even when a rule mixed in a float64 constant.
      // Stryker disable next-line ConditionalExpression: to() returns the tensor itself when the dtype already matches
      if (ig.dtype !== input.dtype) ig = ig.to(input.dtype);
      const prev = input._pending;
      input._pending = prev ? prev.add(ig) : ig;
    }
  }
}

/** Throws when a tensor the op's backward reads was modified in place after its forward pass. */
function checkSaved(node: Node): void {
  const ctx: Context<unknown> = node.ctx;
  // Stryker disable next-line ConditionalExpression: a fast path; without it writtenSince finds nothing written either
  if (writeEpoch() === ctx.epoch) return; // nothing written anywhere since: the common case
  const which = node.op.saved;
  const check = (t: Tensor | null, what: string): void => {
    if (!t) return;
    const by = writtenSince(t.tensorData.storage, ctx.epoch);
    if (by !== null) {
      throw new Error(`backward: a tensor saved by ${node.op.name} (${what}, shape ${fmt(t.shape)}) was modified in place (${by}) after the forward pass; compute the loss again after modifying it`);
    }
  };
  if (which === undefined) {
    ctx.inputs.forEach((t, i) => check(t, `input ${i}`));
    check(ctx.result, 'its output');
    return;
  }
  for (const w of which) {
    if (w === 'output') check(ctx.result, 'its output');
    else check(ctx.inputs[w] ?? null, `input ${w}`);
  }
}

/** Whether a gradient of shape `from` is the input's shape `to` broadcast (so summing recovers it). */
function reducesTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = from.length - to.length;
  if (lead < 0) return false;
  // Stryker disable next-line EqualityOperator: one step more compares to[to.length] with from[from.length], both undefined, so it returns nothing
  for (let i = 0; i < to.length; i++) if (to[i] !== 1 && to[i] !== from[lead + i]) return false;
  return true;
}

/**
 * The tensors a backward pass from `root` hands a gradient to, in the pass's order: `root`
 * first, each tensor before the inputs it was computed from; only tensors that require grad
 * (topoSort's post-order, reversed). The pass itself does not call this; it is exported for
 * tools that show the walk (the playground's graph view).
 */
export function backwardOrder(root: Tensor): Tensor[] {
  return topoSort([root]).reverse();
}

/** Post-order of everything reachable from the roots through tensors that require grad (inputs before their consumers). */
function topoSort(roots: readonly Tensor[]): Tensor[] {
  // Stryker disable next-line UpdateOperator: counting down numbers the passes -1, -2, ...: still distinct, and none is a new tensor's _mark (0)
  const pass = ++passes;
  const order: Tensor[] = [];
  // Parallel stacks: a tensor and how many of its inputs were already pushed.
  const stack: Tensor[] = [];
  const next: number[] = [];
  for (const root of roots) {
    if (root._mark === pass) continue;
    root._mark = pass;
    stack.push(root);
    next.push(0);
    while (stack.length) {
      const top = stack.length - 1;
      const t = stack[top]!;
      const inputs = t._node?.ctx.inputs;
      if (inputs && next[top]! < inputs.length) {
        const input = inputs[next[top]!++]!;
        if (input.requiresGrad && input._mark !== pass) {
          input._mark = pass;
          stack.push(input);
          next.push(0);
        }
      } else {
        order.push(t);
        stack.pop();
        next.pop();
      }
    }
  }
  return order;
}

/**
 * Drops from `order` every tensor that does not lead to a captured one: torch.autograd.grad
 * computes only what its inputs need, which also keeps an unrelated custom op's backward from
 * running (and failing) when a Hessian is taken of a small part of a big graph.
 */
function prune(order: Tensor[], captureIndex: Map<Tensor, number[]>): Tensor[] {
  const needed = new Set<Tensor>();
  for (const t of order) {
    if (captureIndex.has(t)) {
      needed.add(t);
      continue;
    }
    const inputs = t._node?.ctx.inputs;
    if (inputs) for (const i of inputs) if (needed.has(i)) { needed.add(t); break; }
  }
  let w = 0;
  for (const t of order) if (needed.has(t)) order[w++] = t;
  order.length = w;
  return order;
}

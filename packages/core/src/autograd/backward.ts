import { shapesEqual, fmt } from '../storage/shape.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';

/** Sums a gradient over the dims that broadcasting expanded, back to `shape`. */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? grad.sum(axes, true) : grad;
  return summed.reshape(shape);
}

/** True while a backward pass runs its rules: results of ops made then are the pass's own buffers. */
let sweeping = false;

export function inBackwardPass(): boolean {
  return sweeping;
}

/** Numbers the passes; a tensor whose `_mark` equals the current pass has been visited. */
let passes = 0;

/**
 * Reverse-mode sweep from `root`: order the graph topologically with an explicit stack
 * (a recursive walk overflows on deep graphs such as long RNN unrolls), then hand each
 * node's gradient to its op's backward in reverse order. Gradients of leaves that require
 * them are added into `.grad`; intermediate gradients live only for this pass, parked on the
 * tensors themselves (`_pending`) rather than in a map: on small models the hashing showed.
 */
export function runBackward(root: Tensor, seed: Tensor): void {
  if (sweeping) throw new Error('backward: cannot start a backward pass inside another one');
  const order = topoSort(root);
  root._pending = seed;
  sweeping = true;
  try {
    noGrad(() => sweep(order));
  } finally {
    sweeping = false;
    for (const t of order) t._pending = null;
  }
}

function sweep(order: Tensor[]): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = t._pending;
    if (!g) continue;
    t._pending = null; // frees intermediate gradients as soon as they are consumed
    const node = t._node;
    if (!node) {
      t._accumulateGrad(g);
      continue;
    }
    const inputGrads = node.op.backward(g, node.ctx);
    const inputs = node.ctx.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      let ig = inputGrads[k];
      if (!input.requiresGrad || !ig) continue;
      // Checked before summing: sumToShape ends in a reshape, which would silently accept a
      // gradient of the right size but the wrong shape (e.g. [3, 2] or [6] for a [2, 3] input).
      if (!reducesTo(ig.shape, input.shape)) {
        throw new Error(`backward: ${node.op.name} produced a gradient of shape ${fmt(ig.shape)} for an input of shape ${fmt(input.shape)}`);
      }
      ig = sumToShape(ig, input.shape);
      const prev = input._pending;
      input._pending = prev ? prev.add(ig) : ig;
    }
  }
}

/** Whether a gradient of shape `from` is the input's shape `to` broadcast (so summing recovers it). */
function reducesTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = from.length - to.length;
  if (lead < 0) return false;
  for (let i = 0; i < to.length; i++) if (to[i] !== 1 && to[i] !== from[lead + i]) return false;
  return true;
}

function topoSort(root: Tensor): Tensor[] {
  const pass = ++passes;
  const order: Tensor[] = [];
  // Parallel stacks: a tensor and how many of its inputs were already pushed.
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  root._mark = pass;
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
  return order;
}

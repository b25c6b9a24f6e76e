import { type Storage, recordAllocations } from '../storage/dtype.js';
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

/**
 * Reverse-mode sweep from `root`: order the graph topologically with an explicit stack
 * (a recursive walk overflows on deep graphs such as long RNN unrolls), then hand each
 * node's gradient to its op's backward in reverse order. Gradients of leaves that require
 * them are added into `.grad`; intermediate gradients live only for this pass.
 */
export function runBackward(root: Tensor, seed: Tensor): void {
  const order = topoSort(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  // Buffers allocated by this pass's backward rules belong to it alone: a leaf may take one as
  // its .grad instead of copying it (taking it removes it from the set, so no two leaves share).
  const own = new WeakSet<Storage>();
  recordAllocations(own);
  try {
    sweep(order, grads, own);
  } finally {
    recordAllocations(null);
  }
}

function sweep(order: Tensor[], grads: Map<Tensor, Tensor>, own: WeakSet<Storage>): void {
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t); // frees intermediate gradients as soon as they are consumed
      const node = t._node;
      if (!node) {
        t._accumulateGrad(g, own);
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
        const prev = grads.get(input);
        grads.set(input, prev ? prev.add(ig) : ig);
      }
    }
  });
}

/** Whether a gradient of shape `from` is the input's shape `to` broadcast (so summing recovers it). */
function reducesTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = from.length - to.length;
  if (lead < 0) return false;
  for (let i = 0; i < to.length; i++) if (to[i] !== 1 && to[i] !== from[lead + i]) return false;
  return true;
}

function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Each stack entry is a tensor and how many of its inputs were already pushed.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const inputs = top[0]._node?.ctx.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++]!;
      if (next.requiresGrad && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/**
 * Reverse-mode autograd on single numbers, in the spirit of micrograd. Each op computes its
 * value and, side by side, its local derivatives d(out)/d(input); backward() chains them.
 *
 * @example
 * ```ts
 * import { Scalar } from '@kindling/core';
 * const a = new Scalar(2), b = new Scalar(-3);
 * const c = a.mul(b).add(a.pow(2)).tanh(); // tanh(-2)
 * c.backward();
 * console.log(a.grad, b.grad);             // 0.0707 0.1413 (up to rounding)
 * ```
 *
 * @category Scalar
 */
export class Scalar {
  /** Accumulated d(root)/d(this) over every backward() call since the last zeroGrad(). */
  grad = 0;

  constructor(
    public data: number,
    /** @internal the inputs this value was computed from */
    readonly _prev: readonly Scalar[] = [],
    /** @internal d(this)/d(_prev[i]) at the forward values */
    readonly _local: readonly number[] = [],
    readonly op = '',
  ) {
    if (typeof data !== 'number') throw new Error(`Scalar: data must be a number, got ${typeof data}`);
  }

  /** `this + other`; d/dthis = 1, d/dother = 1. */
  add(other: Scalar | number): Scalar {
    const o = lift('add', other);
    return new Scalar(this.data + o.data, [this, o], [1, 1], 'add');
  }
  /** `this - other`. */
  sub(other: Scalar | number): Scalar {
    const o = lift('sub', other);
    return new Scalar(this.data - o.data, [this, o], [1, -1], 'sub');
  }
  /** `this * other`; d/dthis = other, d/dother = this. */
  mul(other: Scalar | number): Scalar {
    const o = lift('mul', other);
    return new Scalar(this.data * o.data, [this, o], [o.data, this.data], 'mul');
  }
  /** `this / other`. */
  div(other: Scalar | number): Scalar {
    const o = lift('div', other);
    return new Scalar(this.data / o.data, [this, o], [1 / o.data, -this.data / (o.data * o.data)], 'div');
  }
  /** `-this`. */
  neg(): Scalar {
    return new Scalar(-this.data, [this], [-1], 'neg');
  }
  /** `this ** k` for a constant exponent k; d/dthis = k * this ** (k - 1). */
  pow(k: number): Scalar {
    if (typeof k !== 'number') throw new Error(`pow: exponent must be a number, got ${typeof k}`);
    return new Scalar(this.data ** k, [this], [k === 0 ? 0 : k * this.data ** (k - 1)], 'pow');
  }
  /** `e ** this`. */
  exp(): Scalar {
    const e = Math.exp(this.data);
    return new Scalar(e, [this], [e], 'exp');
  }
  /** Natural logarithm; d/dthis = 1 / this. */
  log(): Scalar {
    return new Scalar(Math.log(this.data), [this], [1 / this.data], 'log');
  }
  /** Hyperbolic tangent; d/dthis = 1 - tanh(this)². */
  tanh(): Scalar {
    const t = Math.tanh(this.data);
    return new Scalar(t, [this], [1 - t * t], 'tanh');
  }
  /** `max(this, 0)`; the derivative at 0 is 0, as in PyTorch. */
  relu(): Scalar {
    const x = this.data;
    // Stryker disable next-line EqualityOperator: at x = 0 both give 0 (only the sign of a -0 input would differ)
    const y = x < 0 ? 0 : x;
    return new Scalar(y, [this], [x > 0 ? 1 : 0], 'relu');
  }
  /** `1 / (1 + e ** -this)`, computed without overflow for large |this|. */
  sigmoid(): Scalar {
    const x = this.data;
    // Stryker disable next-line EqualityOperator: at x = 0 both forms give exactly 0.5
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return new Scalar(s, [this], [s * (1 - s)], 'sigmoid');
  }

  /**
   * The values backward() visits, in its order: this value first, then every value it was
   * computed from, each one after all the values computed from it (a reversed post-order over
   * `_prev`, built with an explicit stack so deep chains do not overflow). backward() uses this
   * order; it is exported for tools that show the walk (the playground's graph view).
   */
  backwardOrder(): Scalar[] {
    const order: Scalar[] = [];
    const seen = new Set<Scalar>(); // marks the inputs pushed: the root is no one's input
    const stack: [Scalar, number][] = [[this, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node._prev.length) {
        top[1]++;
        const child = node._prev[i]!;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        order.push(node);
        stack.pop();
      }
    }
    return order.reverse();
  }

  /**
   * Adds d(this)/d(node) into node.grad for this value and every ancestor, in backwardOrder().
   * Adjoints are summed per call in a fresh map first, so repeated calls accumulate exactly
   * like PyTorch's .grad.
   */
  backward(): void {
    const order = this.backwardOrder();
    const adj = new Map<Scalar, number>([[this, 1]]);
    for (const node of order) {
      const g = adj.get(node) ?? 0;
      node.grad += g;
      node._prev.forEach((p, j) => adj.set(p, (adj.get(p) ?? 0) + g * node._local[j]!));
    }
  }

  /** Sets `grad` back to 0 (gradients accumulate across backward() calls until then). */
  zeroGrad(): void {
    this.grad = 0;
  }

  /** `Scalar(data=…, grad=…)`. */
  toString(): string {
    return `Scalar(data=${this.data}, grad=${this.grad})`;
  }

  /** What Node's console.log shows: the same as toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function lift(op: string, x: Scalar | number): Scalar {
  if (x instanceof Scalar) return x;
  if (typeof x !== 'number') throw new Error(`${op}: expected a Scalar or a number, got ${x === null ? 'null' : typeof x}`);
  return new Scalar(x);
}

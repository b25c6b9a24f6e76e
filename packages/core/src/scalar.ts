/**
 * Reverse-mode autograd on single numbers, in the spirit of micrograd. Each op computes its
 * value and, side by side, its local derivatives d(out)/d(input); backward() chains them.
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

  add(other: Scalar | number): Scalar {
    const o = lift('add', other);
    return new Scalar(this.data + o.data, [this, o], [1, 1], 'add');
  }
  sub(other: Scalar | number): Scalar {
    const o = lift('sub', other);
    return new Scalar(this.data - o.data, [this, o], [1, -1], 'sub');
  }
  mul(other: Scalar | number): Scalar {
    const o = lift('mul', other);
    return new Scalar(this.data * o.data, [this, o], [o.data, this.data], 'mul');
  }
  div(other: Scalar | number): Scalar {
    const o = lift('div', other);
    return new Scalar(this.data / o.data, [this, o], [1 / o.data, -this.data / (o.data * o.data)], 'div');
  }
  neg(): Scalar {
    return new Scalar(-this.data, [this], [-1], 'neg');
  }
  pow(k: number): Scalar {
    if (typeof k !== 'number') throw new Error(`pow: exponent must be a number, got ${typeof k}`);
    return new Scalar(this.data ** k, [this], [k === 0 ? 0 : k * this.data ** (k - 1)], 'pow');
  }
  exp(): Scalar {
    const e = Math.exp(this.data);
    return new Scalar(e, [this], [e], 'exp');
  }
  log(): Scalar {
    return new Scalar(Math.log(this.data), [this], [1 / this.data], 'log');
  }
  tanh(): Scalar {
    const t = Math.tanh(this.data);
    return new Scalar(t, [this], [1 - t * t], 'tanh');
  }
  relu(): Scalar {
    const x = this.data;
    return new Scalar(x < 0 ? 0 : x, [this], [x > 0 ? 1 : 0], 'relu');
  }
  sigmoid(): Scalar {
    const x = this.data;
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return new Scalar(s, [this], [s * (1 - s)], 'sigmoid');
  }

  /**
   * Adds d(this)/d(node) into node.grad for this value and every ancestor. Adjoints are summed
   * per call in a fresh map first, so repeated calls accumulate exactly like PyTorch's .grad.
   * The topological order is built with an explicit stack: deep chains do not overflow.
   */
  backward(): void {
    const order: Scalar[] = [];
    const seen = new Set<Scalar>([this]);
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
    const adj = new Map<Scalar, number>([[this, 1]]);
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      const g = adj.get(node) ?? 0;
      node.grad += g;
      node._prev.forEach((p, j) => adj.set(p, (adj.get(p) ?? 0) + g * node._local[j]!));
    }
  }

  zeroGrad(): void {
    this.grad = 0;
  }

  toString(): string {
    return `Scalar(data=${this.data}, grad=${this.grad})`;
  }
}

function lift(op: string, x: Scalar | number): Scalar {
  if (x instanceof Scalar) return x;
  if (typeof x !== 'number') throw new Error(`${op}: expected a Scalar or a number, got ${x === null ? 'null' : typeof x}`);
  return new Scalar(x);
}

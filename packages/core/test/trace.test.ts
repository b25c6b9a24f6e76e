import { describe, expect, it } from 'vitest';
import { conv1d, tensor, traceOps } from '../src/index.js';

describe('traceOps', () => {
  it('reports each primitive in order with its inputs, params and output', () => {
    const x = tensor([[[1, 2, 3, 4]]]);
    const w = tensor([[[1, -1]]]);
    const seen: { name: string; inputs: number; out: readonly number[] }[] = [];
    const y = traceOps(
      () => conv1d(x, w, null, { stride: 2 }).relu().mean(),
      (e) => seen.push({ name: e.op.name, inputs: e.inputs.length, out: e.output.shape }),
    );
    expect(y.item()).toBe(0); // relu([-1, -1]) averaged
    expect(seen).toEqual([
      { name: 'conv1d', inputs: 2, out: [1, 1, 2] },
      { name: 'relu', inputs: 1, out: [1, 1, 2] },
      { name: 'sum', inputs: 1, out: [] },
      { name: 'div', inputs: 2, out: [] },
    ]);
  });

  it('stops reporting when fn returns or throws, and refuses to nest', () => {
    let n = 0;
    expect(() => traceOps(() => { tensor([1]).neg(); throw new Error('inner'); }, () => n++)).toThrow('inner');
    tensor([1]).neg();
    expect(n).toBe(1);
    expect(() => traceOps(() => traceOps(() => 0, () => 0), () => 0)).toThrow(/^traceOps: a trace is already running/);
    expect(() => traceOps(null as never, () => 0)).toThrow(/^traceOps: expected two functions/);
  });
});

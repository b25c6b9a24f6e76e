/**
 * The graph view's model: the graph comes from core (the same one toDot prints), the backward
 * walk fills one gradient per step in the engine's order, and its numbers are the engine's.
 */
import { Scalar, grad, tensor, toDot } from '@kindling/core';
import { Conv1d, MSELoss } from '@kindling/nn';
import { describe, expect, it } from 'vitest';
import { SCALAR_MAX_OUTPUTS, blogScalarGraph, blogTensorGraph, formulasFor } from '../src/blog-graph.js';
import { compareWithEngine, maxDifference, scalarGraph, tensorGraph } from '../src/graph-model.js';
import { graphSvg, num } from '../src/graph-view.js';

const blog = { input: [1, 0.7, 0.5, 0.3, 0.1], target: [1, 0, 0], weight: [1, 1, 1], bias: 0.5 };
const r4 = (v: readonly number[]) => v.map((x) => Number(x.toFixed(4)));

describe('tensor mode', () => {
  it('has the nodes and edges toDot prints for the same loss', () => {
    const x = tensor([[blog.input]]);
    const y = tensor([[blog.target]]);
    const conv = new Conv1d(1, 1, 3);
    conv.loadStateDict({ weight: [[blog.weight]], bias: [blog.bias] });
    const loss = new MSELoss().forward(conv.forward(x), y);
    const model = tensorGraph(loss, new Map());
    const dot = toDot(loss);
    const dotOps = [...dot.matchAll(/shape=ellipse, label="([^"]+)"/g)].map((m) => m[1]).sort();
    const dotBoxes = dot.match(/shape=record/g)!.length;
    const dotEdges = dot.match(/ -> /g)!.length;
    expect(model.nodes.filter((n) => n.kind === 'op').map((n) => n.label).sort()).toEqual(dotOps);
    expect(model.nodes.filter((n) => n.kind === 'value')).toHaveLength(dotBoxes);
    expect(model.edges).toHaveLength(dotEdges);
  });

  it("walks loss, pred, b, W (the engine's order), one more gradient per step, ending on the engine's numbers", () => {
    const model = blogTensorGraph(blog);
    const label = (id: string) => model.nodes.find((n) => n.id === id)!.label;
    expect(model.nodes.filter((n) => n.kind === 'value').map((n) => n.label).sort()).toEqual(['W', 'b', 'loss', 'pred', 'x', 'y']);
    const walk = model.walk();
    expect(walk.order.map(label)).toEqual(['loss', 'pred', 'b', 'W']);
    const seen: string[] = [];
    for (let s = walk.next(); s; s = walk.next()) {
      seen.push(label(s.id));
      expect(walk.steps).toHaveLength(seen.length);
    }
    expect(walk.finished).toBe(true);
    expect(walk.next()).toBeNull();
    const grads = Object.fromEntries(walk.steps.map((s) => [label(s.id), s.grad]));
    expect(grads.loss).toEqual([1]);
    expect(r4(grads.pred!)).toEqual([1.1333, 1.3333, 0.9333]); // (2/3)(pred − y)
    expect(r4(grads.W!)).toEqual([2.5333, 1.74, 1.06]);
    expect(grads.b![0]).toBeCloseTo(3.4, 12);
    // Where each came from: mseLoss's rule for pred, conv1d's for W and b.
    expect(walk.steps.map((s) => s.contributions.map((c) => c.op).join())).toEqual(['', 'mseLoss', 'conv1d', 'conv1d']);
    const checks = compareWithEngine(walk);
    expect(checks.map((c) => c.label).sort()).toEqual(['W', 'b', 'loss', 'pred']);
    expect(maxDifference(checks)).toBe(0);
  });

  it("a second walk over the same graph compares against the same engine pass (backward runs once; .grad would double)", () => {
    const model = blogTensorGraph(blog);
    const first = model.walk();
    while (first.next());
    const a = compareWithEngine(first);
    const second = model.walk();
    while (second.next());
    expect(compareWithEngine(second)).toEqual(a);
    expect(maxDifference(compareWithEngine(second))).toBe(0);
  });

  it("each step's gradient is core's grad() for that tensor", () => {
    const x = tensor([[[1, -2, 0.5, 3, 0.25, 1]]]);
    const y = tensor([[[0.5, 1, -1, 2]]]);
    const conv = new Conv1d(1, 1, 3);
    conv.loadStateDict({ weight: [[[0.3, -0.7, 1.1]]], bias: [0.2] });
    const pred = conv.forward(x);
    const loss = new MSELoss().forward(pred, y);
    const model = tensorGraph(loss, new Map([[pred, 'pred'], [conv.weight, 'W'], [conv.bias!, 'b']]));
    const walk = model.walk();
    while (walk.next());
    const byLabel = (l: string) => walk.steps.find((s) => model.nodes.find((n) => n.id === s.id)!.label === l)!.grad;
    const [gp, gw, gb] = grad(loss, [pred, conv.weight, conv.bias!]);
    expect(byLabel('pred')).toEqual(Array.from(gp!.dataSync()));
    expect(byLabel('W')).toEqual(Array.from(gw!.dataSync()));
    expect(byLabel('b')).toEqual(Array.from(gb!.dataSync()));
  });
});

describe('scalar mode', () => {
  it("records the blog's forward one multiply and add at a time, and the walk ends on Scalar.backward()'s gradients", () => {
    const model = blogScalarGraph(blog);
    const byLabel = new Map(model.nodes.filter((n) => n.label).map((n) => [n.label, n]));
    expect([...byLabel.keys()].sort()).toEqual(['W₀', 'W₁', 'W₂', 'b', 'loss', 'n', 'pred₀', 'pred₁', 'pred₂', 'x₀', 'x₁', 'x₂', 'x₃', 'x₄', 'y₀', 'y₁', 'y₂']);
    expect(r4(['pred₀', 'pred₁', 'pred₂'].map((l) => byLabel.get(l)!.data[0]!))).toEqual([2.7, 2, 1.4]);
    expect(byLabel.get('loss')!.data[0]).toBeCloseTo(2.95, 12);
    // 5 x, 3 W, b, 3 y, n, and per output 3 mul + 3 add + sub + pow, then 2 adds and a div.
    expect(model.nodes).toHaveLength(13 + 3 * 8 + 3);
    expect(model.nodes.filter((n) => n.role === 'param').map((n) => n.label).sort()).toEqual(['W₀', 'W₁', 'W₂', 'b']);
    const walk = model.walk();
    expect(walk.order).toHaveLength(model.nodes.length); // every Scalar gets a gradient
    for (let i = 1; walk.next(); i++) expect(walk.steps).toHaveLength(i);
    const g = (l: string) => walk.steps.find((s) => s.id === byLabel.get(l)!.id)!.grad[0]!;
    expect(r4(['W₀', 'W₁', 'W₂'].map(g))).toEqual([2.5333, 1.74, 1.06]);
    expect(g('b')).toBeCloseTo(3.4, 12);
    // x₁ feeds two windows: its gradient is the sum of two terms.
    const x1 = walk.steps.find((s) => s.id === byLabel.get('x₁')!.id)!;
    expect(x1.contributions).toHaveLength(2);
    expect(x1.contributions.every((c) => c.op === 'mul' && c.local === 1)).toBe(true);
    expect(maxDifference(compareWithEngine(walk))).toBe(0);
  });

  it('visits values in the order Scalar.backward() does', () => {
    const a = new Scalar(2);
    const b = new Scalar(-3);
    const c = a.mul(b).add(a.pow(2)).tanh();
    const model = scalarGraph(c, new Map([[a, 'a'], [b, 'b']]));
    const walk = model.walk();
    while (walk.next());
    const grads = new Map(walk.steps.map((s) => [model.nodes.find((n) => n.id === s.id)!.label, s.grad[0]]));
    c.backward();
    expect(grads.get('a')).toBe(a.grad);
    expect(grads.get('b')).toBe(b.grad);
  });

  it(`refuses more than ${SCALAR_MAX_OUTPUTS} outputs (the page says why)`, () => {
    const input = Array.from({ length: SCALAR_MAX_OUTPUTS + 3 }, (_, i) => i);
    expect(() => blogScalarGraph({ ...blog, input, target: input.slice(2) })).toThrow(/at most 6 outputs/);
    expect(() => blogScalarGraph({ ...blog, input: input.slice(0, -1), target: input.slice(3) })).not.toThrow();
  });
});

describe("the blog's hand formulas", () => {
  const node = (label: string) => ({ id: '', kind: 'value' as const, label, op: '', shape: [], data: [], getsGrad: true, role: 'param' as const });
  it("W: the blog prints [7.48, 6, 2.52]; by hand (and autograd) [2.5333, 1.74, 1.06]", () => {
    const f = formulasFor(node('W'), blog)!;
    expect(r4(f.blog.values!)).toEqual([7.48, 6, 2.52]);
    expect(r4(f.hand.values!)).toEqual([2.5333, 1.74, 1.06]);
    expect(f.why).toMatch(/output index/);
    expect(formulasFor(node('W₁'), blog)!.blog.values).toEqual([f.blog.values![1]]);
  });
  it('pred and b: the blog drops the 1/n of the mean', () => {
    expect(r4(formulasFor(node('pred'), blog)!.blog.values!)).toEqual([3.4, 4, 2.8]);
    expect(formulasFor(node('b'), blog)!.blog.values![0]).toBeCloseTo(10.2, 12);
    expect(formulasFor(node('b'), blog)!.hand.values![0]).toBeCloseTo(3.4, 12);
  });
  it("the blog's W formula is undefined when outputs ≠ taps; unnamed nodes have none", () => {
    const long = { ...blog, input: [1, 2, 3, 4, 5, 6], target: [1, 0, 0, 1] };
    const f = formulasFor(node('W'), long)!;
    expect(f.blog.values).toBeNull();
    expect(f.why).toMatch(/undefined/);
    expect(formulasFor(node(''), blog)).toBeNull();
    expect(formulasFor(node('x'), blog)).toBeNull();
  });
});

describe('drawing', () => {
  it('draws every node of both graphs, with data attributes the browser test reads', () => {
    for (const model of [blogTensorGraph(blog), blogScalarGraph(blog)]) {
      const walk = model.walk();
      walk.next();
      const filled = new Map(walk.steps.map((s) => [s.id, s.grad]));
      const { svg, layout } = graphSvg(model, blog, { filled, current: walk.steps[0]!.id }, 'LR');
      expect(svg.match(/<g class="node value/g)).toHaveLength(model.nodes.filter((n) => n.kind === 'value').length);
      expect(svg.match(/data-grad=/g)).toHaveLength(1);
      expect(layout.nodes.size).toBe(model.nodes.length);
      for (const b of layout.nodes.values()) {
        expect(b.x - b.width / 2).toBeGreaterThanOrEqual(0);
        expect(b.y + b.height / 2).toBeLessThanOrEqual(layout.height);
      }
    }
  });
  it('numbers in boxes take at most 7 characters, so boxes keep their size while training', () => {
    for (const v of [0, 1, -1, 2.5333333, -0.00123, 0.0009, 12.3456, -123.456, 999.99, 9999.4, 12345, -2e153, 1e-300]) {
      expect(num(v).length, `${v} -> ${num(v)}`).toBeLessThanOrEqual(7);
      expect(Math.abs(Number(num(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 0.05 + 1e-4);
    }
  });
});

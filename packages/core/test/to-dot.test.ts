import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Scalar, conv1d, mseLoss, tensor, toDot } from '../src/index.js';

// Graphviz renders what toDot writes; `dot -Tplain` lists one "node" and one "edge" line per
// element, which is counted against the graph built by hand below. CI installs graphviz.
const DOT = '/usr/bin/dot';
const hasDot = existsSync(DOT);

function plainCounts(dot: string): { nodes: number; edges: number } {
  const out = execFileSync(DOT, ['-Tplain'], { input: dot, encoding: 'utf8' });
  const lines = out.split('\n');
  return { nodes: lines.filter((l) => l.startsWith('node ')).length, edges: lines.filter((l) => l.startsWith('edge ')).length };
}

function blogGraph() {
  const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);
  const w = tensor([[[1, 1, 1]]], { requiresGrad: true });
  const b = tensor([0.5], { requiresGrad: true });
  const loss = mseLoss(conv1d(x, w, b), tensor([[[1, 0, 0]]]));
  loss.backward();
  return { x, w, b, loss };
}

describe('toDot', () => {
  it("the blog model: x, W, b -> conv1d -> mseLoss -> loss, with names, values and gradients", () => {
    const { w, b, loss } = blogGraph();
    const dot = toDot(loss, { names: [['W', w], ['b', b]] });
    expect(dot).toMatch(/^digraph kindling \{\n {2}rankdir=LR;/);
    // 6 values (x, W, b, prediction, target, loss) as records, 2 ops as ellipses.
    expect(dot.match(/shape=record/g)).toHaveLength(6);
    expect(dot.match(/shape=ellipse/g)).toHaveLength(2);
    expect(dot).toContain('label="conv1d"');
    expect(dot).toContain('label="mseLoss"');
    expect(dot).toContain('{ W | shape [1, 1, 3] | data [1, 1, 1] | grad [2.5333, 1.7400, 1.0600] }');
    expect(dot).toContain('{ b | shape [1] | data [0.5000] | grad [3.4000] }');
    // loss = ((2.7-1)² + 2² + 1.4²) / 3 = 2.95
    expect(dot).toContain('{ output | shape [] | data [2.9500] }');
  });

  it.runIf(hasDot)('renders with Graphviz: 8 nodes and 7 edges for the blog model', () => {
    const { w, b, loss } = blogGraph();
    // conv1d: 3 inputs in, 1 out; mseLoss: 2 in, 1 out.
    expect(plainCounts(toDot(loss, { names: [['W', w], ['b', b]] }))).toEqual({ nodes: 8, edges: 7 });
  });

  it.runIf(hasDot)('a Scalar graph: the blog-style three-term sum', () => {
    const a = new Scalar(2);
    const c = a.mul(3).add(a.pow(2)).tanh();
    c.backward();
    const dot = toDot(c);
    // values: a, 3, a*3, a^2, sum, tanh = 6; ops: mul, pow, add, tanh = 4; edges: 2+1+2+1 in, 4 out.
    expect(plainCounts(dot)).toEqual({ nodes: 10, edges: 10 });
    expect(dot).toContain('label="tanh"');
  });

  it('hides values and grads on request, summarises long tensors, escapes record syntax', () => {
    const w = tensor([1, 2, 3, 4, 5, 6, 7, 8], { requiresGrad: true });
    const loss = w.mul(2).sum();
    loss.backward();
    const dot = toDot(loss, { maxElements: 3, names: [['w|x', w]] });
    expect(dot).toContain('{ w\\|x | shape [8] | data [1, 2, 3, …] | grad [2, 2, 2, …] }');
    const bare = toDot(loss, { showValues: false, showGrads: false });
    expect(bare).not.toContain('data [');
    expect(bare).not.toContain('grad [');
  });

  it('walks a 12,000-op chain without overflowing the stack', () => {
    let y = tensor([1], { requiresGrad: true });
    for (let i = 0; i < 12_000; i++) y = y.mul(1);
    expect(toDot(y, { showValues: false }).match(/shape=ellipse/g)).toHaveLength(12_000);
  });

  it('rejects bad input naming the function', () => {
    const t = tensor([1]);
    expect(() => toDot([1] as never)).toThrow(/^toDot: expected a Tensor or a Scalar, got an array/);
    expect(() => toDot(t, { show_values: true } as never)).toThrow(/^toDot: unknown option 'show_values' \(did you mean 'showValues'\?\)/);
    expect(() => toDot(t, { maxElements: 0 })).toThrow(/^toDot: maxElements must be a positive integer, got 0/);
    expect(() => toDot(t, { names: [['x', 1]] as never })).toThrow(/^toDot: names must be an iterable of \[name, Tensor\] pairs/);
    expect(() => toDot(t, { rankdir: 'RL' as never })).toThrow(/^toDot: rankdir must be 'LR' or 'TB'/);
  });
});

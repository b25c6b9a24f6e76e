import { describe, expect, it } from 'vitest';
import { thrownMessage, throwsWith } from './throws.js';
import { Scalar, tensor, toDot } from '../src/index.js';

// toDot's exact output and its option checks (graph/to-dot.ts). Added for mutation testing; the
// expected DOT text is written out by hand from the format toDot documents.

const header = (rankdir: string) => ['digraph kindling {', `  rankdir=${rankdir};`, '  node [fontname="Helvetica", fontsize=10];'];

describe('toDot: the whole text', () => {
  it('a lone constant tensor: header, one grey record, closing brace and a final newline', () => {
    const dot = toDot(tensor([1, 2.5]));
    expect(dot).toBe(
      [...header('LR'), '  t0 [shape=record, label="{ output | shape [2] | data [1, 2.5000] }", style=filled, fillcolor="#eeeeee"];', '}'].join('\n') + '\n',
    );
  });

  it("rankdir 'TB' is accepted and written", () => {
    const dot = toDot(tensor([3]), { rankdir: 'TB' });
    expect(dot.split('\n').slice(0, 3)).toEqual(header('TB'));
    expect(toDot(tensor([3]), { rankdir: 'LR' }).split('\n')[1]).toBe('  rankdir=LR;');
  });

  it('a Scalar graph with values and grads hidden labels each value "value"', () => {
    const a = new Scalar(2);
    const c = a.mul(3);
    const dot = toDot(c, { showValues: false, showGrads: false });
    // c = s0 (made by mul from a = s1 and the constant 3 = s2); the walk pops s2 before s1.
    expect(dot).toBe(
      [
        ...header('LR'),
        '  s0 [shape=record, label="{ value }"];',
        '  s0_op [shape=ellipse, label="mul"];',
        '  s0_op -> s0;',
        '  s1 -> s0_op;',
        '  s2 -> s0_op;',
        '  s2 [shape=record, label="{ value }"];',
        '  s1 [shape=record, label="{ value }"];',
        '}',
      ].join('\n') + '\n',
    );
  });

  it('a Scalar graph with values and grads: c = 2·3 = 6, dc/da = 3, dc/d3 = 2', () => {
    const a = new Scalar(2);
    const c = a.mul(3);
    c.backward();
    const dot = toDot(c);
    expect(dot).toContain('  s0 [shape=record, label="{ data 6 | grad 1 }"];');
    expect(dot).toContain('  s1 [shape=record, label="{ data 2 | grad 3 }"];');
    expect(dot).toContain('  s2 [shape=record, label="{ data 3 | grad 2 }"];');
    expect(toDot(c, { showGrads: false })).toContain('  s1 [shape=record, label="{ data 2 }"];');
    expect(toDot(c, { showValues: false })).toContain('  s1 [shape=record, label="{ grad 3 }"];');
  });
});

describe('toDot: option checks', () => {
  const t = tensor([1]);

  it('showValues and showGrads must be booleans, each named', () => {
    expect(thrownMessage(() => toDot(t, { showValues: 1 as never }))).toBe('toDot: showValues must be a boolean, got 1');
    expect(thrownMessage(() => toDot(t, { showGrads: 'yes' as never }))).toBe('toDot: showGrads must be a boolean, got the string "yes"');
    expect(thrownMessage(() => toDot(new Scalar(1), { showGrads: null as never }))).toBe('toDot: showGrads must be a boolean, got null');
  });

  it('names must be iterable: null, a number and a plain object are refused with a plain Error', () => {
    const msg = /^toDot: names must be an iterable of \[name, Tensor\] pairs$/;
    throwsWith(() => toDot(t, { names: null as never }), msg);
    throwsWith(() => toDot(t, { names: 5 as never }), msg);
    throwsWith(() => toDot(t, { names: { w: t } as never }), msg);
  });

  it('each entry must be a real [string, Tensor] array', () => {
    const msg = /^toDot: names must be an iterable of \[name, Tensor\] pairs$/;
    // Array-like but not an array.
    throwsWith(() => toDot(t, { names: [{ 0: 'w', 1: t, length: 2 }] as never }), msg);
    // A non-string name.
    throwsWith(() => toDot(t, { names: [[1, t]] as never }), msg);
    throwsWith(() => toDot(t, { names: [['w', [1]]] as never }), msg);
  });

  it('names from any iterable (a Map) label the tensors', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const dot = toDot(w.mul(2), { names: new Map([['weight', w]]), showValues: false });
    expect(dot).toContain('label="{ weight | shape [2] }", style=filled, fillcolor="#fff3c4"];');
  });
});

describe('toDot: tensor graphs, line by line', () => {
  it('loss = sum(x·x·c): an output, an unnamed intermediate, a leaf used twice, a constant', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 1]);
    const sq = x.mul(x);
    const loss = sq.mul(c).sum();
    loss.backward();
    // loss = 1·3 + 4·1 = 7; dloss/dx = 2x·c = [6, 4]. The walk pops the last pushed input
    // first: loss, then mul's inputs (c pushed after sq, so c comes first), then x.
    expect(toDot(loss)).toBe(
      [
        ...header('LR'),
        '  t0 [shape=record, label="{ output | shape [] | data [7] }"];',
        '  t0_op [shape=ellipse, label="sum"];',
        '  t0_op -> t0;',
        '  t1 -> t0_op;',
        '  t1 [shape=record, label="{ shape [2] | data [3, 4] }"];',
        '  t1_op [shape=ellipse, label="mul"];',
        '  t1_op -> t1;',
        '  t2 -> t1_op;',
        '  t3 -> t1_op;',
        '  t3 [shape=record, label="{ const | shape [2] | data [3, 1] }", style=filled, fillcolor="#eeeeee"];',
        '  t2 [shape=record, label="{ shape [2] | data [1, 4] }"];',
        '  t2_op [shape=ellipse, label="mul"];',
        '  t2_op -> t2;',
        '  t4 -> t2_op;',
        '  t4 -> t2_op;',
        '  t4 [shape=record, label="{ leaf | shape [2] | data [1, 2] | grad [6, 4] }", style=filled, fillcolor="#fff3c4"];',
        '}',
      ].join('\n') + '\n',
    );
  });

  it('numbers: integers below 1e6 as they are, 1e-3 <= |v| < 1e6 with 4 decimals, the rest in exponent form', () => {
    const t = tensor([1e6, 999999, 0.001, 1e-4, -0.5, 2.5e7, 0]);
    expect(toDot(t, { maxElements: 7 })).toContain('data [1.000e+6, 999999, 0.0010, 1.000e-4, -0.5000, 2.500e+7, 0]');
  });

  it('maxElements: exactly that many values show no ellipsis; one more shows it', () => {
    expect(toDot(tensor([1, 2, 3]), { maxElements: 3 })).toContain('data [1, 2, 3] }');
    expect(toDot(tensor([1, 2, 3, 4]), { maxElements: 3 })).toContain('data [1, 2, 3, …] }');
    // The default is 6.
    expect(toDot(tensor([1, 2, 3, 4, 5, 6]))).toContain('data [1, 2, 3, 4, 5, 6] }');
    expect(toDot(tensor([1, 2, 3, 4, 5, 6, 7]))).toContain('data [1, 2, 3, 4, 5, 6, …] }');
  });
});

describe('toDot: Scalar graphs, line by line', () => {
  it('c = a·a: the input appears once as a value and twice as an edge', () => {
    const a = new Scalar(3);
    const c = a.mul(a);
    c.backward();
    // dc/da = 2a = 6.
    expect(toDot(c, { rankdir: 'TB' })).toBe(
      [
        ...header('TB'),
        '  s0 [shape=record, label="{ data 9 | grad 1 }"];',
        '  s0_op [shape=ellipse, label="mul"];',
        '  s0_op -> s0;',
        '  s1 -> s0_op;',
        '  s1 -> s0_op;',
        '  s1 [shape=record, label="{ data 3 | grad 6 }"];',
        '}',
      ].join('\n') + '\n',
    );
  });
});

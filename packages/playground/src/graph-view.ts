/**
 * The graph view: the blog's computation graph as SVG, laid out by dagre, and a backward walk
 * that fills in one gradient per click next to the blog's hand formula for the same node.
 *
 * Layout: `@dagrejs/dagre` (MIT, no dependencies besides its own graphlib, about 50 kB
 * minified). The Scalar graph has about 40 boxes with crossing edges where x[i] feeds several
 * windows; a hand-rolled layered layout would need dagre's crossing reduction to stay readable.
 * Layouts are cached by the graph's structure and box sizes, so redrawing during training (new
 * numbers, same graph) only rebuilds the markup.
 */
import dagre from '@dagrejs/dagre';
import { type BlogPoint, type NodeFormulas, SCALAR_MAX_OUTPUTS, blogScalarGraph, blogTensorGraph, formulasFor, same } from './blog-graph.js';
import { type BackwardWalk, type GraphModel, type GraphNode, type WalkStep, compareWithEngine, maxDifference } from './graph-model.js';

export type GraphMode = 'tensor' | 'scalar';

/** Width of one character of the boxes' monospace font (11 px DejaVu Sans Mono is 6.6 px). */
const CW = 6.7;
const LINE = 14;
const PADX = 8;
const PADY = 6;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** At most 7 characters, so a box keeps its size while training changes the digits. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  const digits = a < 10 ? 4 : a < 100 ? 3 : a < 1000 ? 2 : 1;
  return String(Number(v.toFixed(digits)));
}

/** A tensor's numbers as toDot prints them: the first 6, then "…". */
export function vec(v: readonly number[], scalar = false): string {
  if (scalar) return num(v[0]!);
  const shown = v.slice(0, 6).map(num);
  return `[${shown.join(', ')}${v.length > 6 ? ', …' : ''}]`;
}

const SYMBOL: Record<string, string> = { add: '+', sub: '−', mul: '×', div: '÷', pow: '(·)²', neg: '−', exp: 'exp', log: 'log', tanh: 'tanh', relu: 'relu' };

/** What one value box says, line by line (the first line is its title). */
function boxLines(model: GraphModel, n: GraphNode, grad: readonly number[] | undefined, f: NodeFormulas | null): { cls: string; text: string }[] {
  const scalar = model.kind === 'scalar';
  const op = n.op ? SYMBOL[n.op] ?? n.op : '';
  const title = scalar
    ? (n.label ? `${n.label}${op ? ` (${op})` : ''}` : op)
    : `${n.label || 'value'}  [${n.shape.join(', ')}]`;
  const lines = [{ cls: 'title', text: title }, { cls: 'data', text: scalar ? `= ${num(n.data[0]!)}` : `data ${vec(n.data)}` }];
  const g = scalar ? '∇' : 'grad';
  if (!n.getsGrad) lines.push({ cls: 'nograd', text: 'no grad (data)' });
  else if (grad) lines.push({ cls: 'grad', text: `${g} ${vec(grad, scalar)}` });
  else lines.push({ cls: 'pending', text: `${g} ${scalar ? '?' : '…'}` });
  // The blog's number under the engine's, where the blog derives one (reserved before it fills,
  // so the box does not change size mid-walk).
  if (f && !same(f.blog.values, f.hand.values)) {
    const blogText = f.blog.values ? vec(f.blog.values, scalar) : 'undefined';
    lines.push(grad ? { cls: 'blog', text: `blog ${blogText}` } : { cls: 'pending', text: '' });
  }
  return lines;
}

function boxSize(lines: readonly { text: string }[]): { width: number; height: number } {
  const chars = Math.max(...lines.map((l) => [...l.text].length), 4);
  // Rounded up to 8 px so small changes in the digits do not move the layout.
  return { width: Math.ceil((chars * CW + 2 * PADX) / 8) * 8, height: lines.length * LINE + 2 * PADY };
}

const OP_H = 26;
const opSize = (name: string) => ({ width: Math.ceil(name.length * CW + 26), height: OP_H });

export interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Placed>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

const layoutCache = new Map<string, Layout>();

/** dagre's layered layout of the graph with these box sizes (cached: training changes numbers, not structure). */
export function layoutGraph(model: GraphModel, sizes: ReadonlyMap<string, { width: number; height: number }>, rankdir: 'LR' | 'TB'): Layout {
  const key = `${rankdir}|${model.nodes.map((n) => `${n.id}:${sizes.get(n.id)!.width}x${sizes.get(n.id)!.height}`).join(',')}|${model.edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
  const hit = layoutCache.get(key);
  if (hit) return hit;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir, nodesep: model.kind === 'scalar' ? 10 : 22, ranksep: model.kind === 'scalar' ? 22 : 30, marginx: 6, marginy: 6 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of model.nodes) g.setNode(n.id, { ...sizes.get(n.id)! });
  for (const e of model.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = new Map<string, Placed>();
  for (const n of model.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    nodes.set(n.id, { x: p.x, y: p.y, width: p.width, height: p.height });
  }
  const edges = model.edges.map((e) => ({ ...e, points: ((g.edge(e.from, e.to) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })) }));
  const label = g.graph() as { width?: number; height?: number };
  const layout = { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), nodes, edges };
  if (layoutCache.size > 50) layoutCache.clear();
  layoutCache.set(key, layout);
  return layout;
}

/** The widest each box has been, per graph structure and node (boxes only grow; see graphSvg). */
const widest = new Map<string, number>();

/** What the walk has done so far, for drawing. */
export interface WalkState {
  filled: ReadonlyMap<string, readonly number[]>;
  /** The node the last step reached. */
  current: string | null;
}

/** The SVG markup of the graph at this point of the walk. */
export function graphSvg(model: GraphModel, p: BlogPoint, state: WalkState, rankdir: 'LR' | 'TB'): { svg: string; layout: Layout } {
  const lines = new Map<string, { cls: string; text: string }[]>();
  const sizes = new Map<string, { width: number; height: number }>();
  const formulas = new Map<string, NodeFormulas | null>();
  const structure = `${model.nodes.map((n) => `${n.id}:${n.label}:${n.op}:${n.shape.join('x')}`).join(',')}|${model.edges.length}`;
  if (widest.size > 500) widest.clear();
  for (const n of model.nodes) {
    if (n.kind === 'op') {
      sizes.set(n.id, opSize(n.label));
      continue;
    }
    const f = formulasFor(n, p);
    formulas.set(n.id, f);
    const l = boxLines(model, n, state.filled.get(n.id), f);
    lines.set(n.id, l);
    // Sized as if filled, so the layout stays put during the walk; and a box never shrinks for
    // the same graph, so training (new digits every frame) does not re-run the layout each time.
    const size = boxSize(boxLines(model, n, n.getsGrad ? n.data.map(() => -0.1234) : undefined, f));
    const key = `${model.kind}|${structure}|${n.id}`;
    size.width = Math.max(size.width, widest.get(key) ?? 0);
    widest.set(key, size.width);
    sizes.set(n.id, size);
  }
  const layout = layoutGraph(model, sizes, rankdir);
  const out: string[] = [];
  out.push(`<svg class="graph" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-label="computation graph (${model.kind} mode)">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker>');
  out.push('<marker id="arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead back"/></marker></defs>');
  // An edge has carried the gradient back once the value at its far end was reached: for an op
  // (tensor mode) that is the op's result, whose rule then ran; for a Scalar, the value itself.
  const kinds = new Map(model.nodes.map((n) => [n.id, n.kind]));
  const resultOf = new Map(model.edges.filter((e) => kinds.get(e.from) === 'op').map((e) => [e.from, e.to]));
  const reached = (id: string) => state.filled.has(resultOf.get(id) ?? id);
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const back = reached(e.to);
    const d = e.points.map((pt, i) => `${i ? 'L' : 'M'}${pt.x.toFixed(1)},${pt.y.toFixed(1)}`).join('');
    out.push(`<path class="edge${back ? ' back' : ''}" d="${d}" marker-end="url(#${back ? 'arrow-back' : 'arrow'})"/>`);
  }
  for (const n of model.nodes) {
    const b = layout.nodes.get(n.id)!;
    const x0 = b.x - b.width / 2;
    const y0 = b.y - b.height / 2;
    if (n.kind === 'op') {
      const ran = reached(n.id);
      out.push(`<g class="node op${ran ? ' ran' : ''}" data-op="${esc(n.label)}"><ellipse cx="${b.x}" cy="${b.y}" rx="${b.width / 2}" ry="${b.height / 2}"/>`);
      out.push(`<text x="${b.x}" y="${b.y + 4}" text-anchor="middle">${esc(n.label)}</text><title>${esc(n.label)}: its backward rule hands the gradient to its inputs</title></g>`);
      continue;
    }
    const grad = state.filled.get(n.id);
    const f = formulas.get(n.id) ?? null;
    const attrs = [
      `data-id="${n.id}"`, `data-name="${esc(n.label)}"`, `data-role="${n.role}"`, `data-value="${esc(JSON.stringify(n.data))}"`,
      ...(grad ? [`data-grad="${esc(JSON.stringify(grad))}"`] : []),
      ...(f && grad ? [`data-blog="${esc(JSON.stringify(f.blog.values))}"`] : []),
    ];
    const cls = `node value ${n.role}${grad ? ' filled' : ''}${state.current === n.id ? ' current' : ''}${n.getsGrad ? '' : ' nograd'}`;
    out.push(`<g class="${cls}" ${attrs.join(' ')}><rect x="${x0}" y="${y0}" width="${b.width}" height="${b.height}" rx="5"/>`);
    lines.get(n.id)!.forEach((l, i) => {
      if (l.text) out.push(`<text class="${l.cls}" x="${x0 + PADX}" y="${y0 + PADY + LINE * i + 11}">${esc(l.text)}</text>`);
    });
    const title = `${n.label || n.op}: value ${n.data.join(', ')}${grad ? `; gradient ${grad.join(', ')}` : ''}`;
    out.push(`<title>${esc(title)}</title></g>`);
  }
  out.push('</svg>');
  return { svg: out.join(''), layout };
}

/** What a Scalar op's local derivative is, for input `position` (0: a, 1: b). */
function localRule(op: string, position: number): string {
  switch (op) {
    case 'add': return 'add: ∂(a + b)/∂' + (position ? 'b' : 'a') + ' = 1';
    case 'sub': return position ? 'sub: ∂(a − b)/∂b = −1' : 'sub: ∂(a − b)/∂a = 1';
    case 'mul': return 'mul: the other factor';
    case 'pow': return 'pow: ∂(a²)/∂a = 2a';
    case 'div': return position ? 'div: ∂(a / b)/∂b = −a / b²' : 'div: ∂(a / b)/∂a = 1 / b';
    default: return op;
  }
}

// ---- the panel ----------------------------------------------------------------------------------

export interface GraphViewElements {
  container: HTMLElement;
  explain: HTMLElement;
  status: HTMLElement;
  check: HTMLElement;
  step: HTMLButtonElement;
  finish: HTMLButtonElement;
  clear: HTMLButtonElement;
  modes: HTMLInputElement[];
}

const samePoint = (a: BlogPoint | null, b: BlogPoint) =>
  a !== null && a.bias === b.bias && [[a.input, b.input], [a.target, b.target], [a.weight, b.weight]].every(([u, v]) => u!.length === v!.length && u!.every((x, i) => x === v![i]));

export class GraphView {
  private point: BlogPoint | null = null;
  private caption = '';
  private model: GraphModel | null = null;
  private walk: BackwardWalk | null = null;
  private error = '';
  private busy = false;
  /** Whether the graph is wider than the card (it scrolls sideways then). */
  private overflow = false;
  /** The newest point while training, drawn when the throttle allows or training stops. */
  private pending: BlogPoint | null = null;
  private lastBuild = -Infinity;
  /** The container's width in CSS px (from the ResizeObserver; 0 until it reports). */
  private width = 0;

  constructor(private readonly el: GraphViewElements) {
    el.step.addEventListener('click', () => this.stepOnce());
    el.finish.addEventListener('click', () => {
      while (this.walk && !this.walk.finished) this.walk.next();
      this.draw();
    });
    el.clear.addEventListener('click', () => this.rebuild());
    for (const m of el.modes) m.addEventListener('change', () => this.rebuild());
    // LR or TB depends on the width; redraw when the phone turns or the window is resized.
    // Redrawn in the next frame, not inside the observer's callback: drawing changes the
    // container's size, which inside the callback is a "ResizeObserver loop" error.
    // The width is kept from the observer rather than read in draw(): reading clientWidth right
    // after the charts' markup changed forces a layout of the whole page, every frame.
    let queued = false;
    new ResizeObserver((entries) => {
      const w = entries.at(-1)!.contentRect.width;
      if (Math.abs(w - this.width) <= 8 || queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.width = w;
        this.draw();
      });
    }).observe(el.container);
  }

  get mode(): GraphMode {
    return this.el.modes.find((m) => m.checked)?.value === 'scalar' ? 'scalar' : 'tensor';
  }

  /**
   * The forward pass to draw; a new point starts a new walk, the same point keeps the walk.
   * While training runs, the graph is redrawn at most every 250 ms: rebuilding it (a Conv1d,
   * or 40 Scalars, and the SVG) each animation frame would slow training down several times.
   */
  setPoint(p: BlogPoint, caption: string): void {
    this.caption = caption;
    if (samePoint(this.point, p)) {
      this.drawStatus();
      return;
    }
    const point = { input: p.input.slice(), target: p.target.slice(), weight: p.weight.slice(), bias: p.bias };
    if (this.busy && performance.now() - this.lastBuild < 250) {
      this.pending = point;
      return;
    }
    this.pending = null;
    this.point = point;
    this.lastBuild = performance.now();
    this.rebuild();
  }

  /** While training runs the graph follows the parameters, so walking it would be reset each frame. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    if (!busy && this.pending) {
      this.point = this.pending;
      this.pending = null;
      this.rebuild();
      return;
    }
    this.drawStatus();
  }

  stepOnce(): WalkStep | null {
    const s = this.walk?.next() ?? null;
    this.draw();
    return s;
  }

  private rebuild(): void {
    this.model = null;
    this.walk = null;
    this.error = '';
    const p = this.point;
    if (!p) return this.draw();
    const outputs = p.input.length - p.weight.length + 1;
    if (this.mode === 'scalar' && outputs > SCALAR_MAX_OUTPUTS) {
      this.error = `Scalar mode draws one box per multiply and add, about ${9 * outputs + p.input.length} boxes for ${outputs} outputs: shorten input x to at most ${SCALAR_MAX_OUTPUTS + p.weight.length - 1} values, or use tensor mode.`;
    } else {
      this.model = this.mode === 'scalar' ? blogScalarGraph(p) : blogTensorGraph(p);
      this.walk = this.model.walk();
    }
    this.draw();
  }

  private draw(): void {
    const { container } = this.el;
    const model = this.model;
    const walk = this.walk;
    const p = this.point;
    if (!model || !walk || !p) {
      container.innerHTML = this.error ? `<p class="graph-error">${esc(this.error)}</p>` : '';
      this.el.explain.innerHTML = '';
      this.el.check.textContent = '';
      this.drawStatus();
      return;
    }
    const filled = new Map(walk.steps.map((s) => [s.id, s.grad]));
    const current = walk.steps.at(-1)?.id ?? null;
    const width = this.width || 900;
    // Tensor mode is a short chain: left to right where that fits the card, else top to bottom
    // (phones, or beside the explanation). Scalar mode is wide either way; top to bottom keeps
    // it nearest the card's width.
    const state = { filled, current };
    let drawn = graphSvg(model, p, state, 'LR');
    if (model.kind === 'tensor' && drawn.layout.width > width) drawn = graphSvg(model, p, state, 'TB');
    const { svg, layout } = drawn;
    container.innerHTML = svg;
    const el = container.firstElementChild as SVGSVGElement;
    // Shrink to the card when that keeps the text readable; otherwise the card scrolls sideways
    // (the page itself never does), and follows the walk to the node it just reached.
    const scale = Math.min(1, width / layout.width);
    const shrink = scale < 1 && scale >= 0.8;
    if (shrink) {
      el.setAttribute('width', String(Math.floor(layout.width * scale)));
      el.setAttribute('height', String(Math.floor(layout.height * scale)));
    }
    this.overflow = scale < 0.8;
    container.dataset.overflow = String(this.overflow);
    const at = current ? layout.nodes.get(current) : null;
    if (at && scale < 0.8) container.scrollLeft = Math.max(0, at.x - width / 2);
    container.dataset.mode = model.kind;
    (container.parentElement as HTMLElement).dataset.mode = model.kind;
    container.dataset.steps = String(walk.steps.length);
    container.dataset.total = String(walk.order.length);
    this.drawExplain(model, walk, p);
    this.drawCheck(model, walk);
    this.drawStatus();
  }

  private drawStatus(): void {
    const walk = this.walk;
    const { status, step, finish, clear } = this.el;
    const done = !walk || walk.finished;
    step.disabled = finish.disabled = done || this.busy;
    clear.disabled = !walk || walk.steps.length === 0 || this.busy;
    if (!walk) {
      status.textContent = this.error ? '' : this.caption;
      return;
    }
    const n = walk.steps.length;
    status.textContent = this.busy
      ? `${this.caption}. Training: the graph follows each epoch; pause to walk it backward.`
      : `${this.caption}. ${n === 0 ? `Backward: ${walk.order.length} nodes to visit.` : `Backward: ${n} of ${walk.order.length} nodes visited.`}${this.overflow ? ' The graph scrolls sideways.' : ''}`;
  }

  private drawExplain(model: GraphModel, walk: BackwardWalk, p: BlogPoint): void {
    const last = walk.steps.at(-1);
    const ex = this.el.explain;
    if (!last) {
      ex.innerHTML = model.kind === 'tensor'
        ? '<p>Each box is a tensor the forward pass recorded, with its values; the ellipses are the ops (<code>conv1d</code>, <code>mseLoss</code>). <b>Step backward</b> visits the tensors in the order <code>loss.backward()</code> does and fills in each gradient as the engine computes it: the op that made a tensor runs its backward rule and hands each input its share. x and y are data (no gradient).</p>'
        : `<p>The same forward pass with one <code>Scalar</code> per number, as in micrograd: ${p.target.length} outputs, each a sum of ${p.weight.length} products plus b; an x that several windows read feeds several products, and its gradient sums over them. <b>Step backward</b> visits every value in <code>loss.backward()</code>'s order; each gets the sum over its uses of (that use's gradient × the local derivative the op recorded).</p>`;
      return;
    }
    const node = model.nodes.find((n) => n.id === last.id)!;
    const boxName = (n: GraphNode) => n.label || `a ${SYMBOL[n.op] ?? n.op} box`;
    const name = boxName(node);
    const scalar = model.kind === 'scalar';
    const parts: string[] = [];
    parts.push(`<p class="step-head"><b>Step ${last.index} of ${walk.order.length}: ${esc(name)}</b> = ${esc(vec(node.data, scalar))}</p>`);
    if (last.contributions.length === 0) {
      parts.push('<p>The walk starts at the loss: <code>backward()</code> seeds ∂L/∂L = 1.</p>');
    } else if (scalar) {
      // The chain rule, one term per use: the user's gradient × the local derivative its op recorded.
      const terms = last.contributions.map((c) => {
        const from = model.nodes.find((n) => n.id === c.from)!;
        return `${esc(boxName(from))} (gradient ${num(c.fromGrad!)}) × ${num(c.local!)} <span class="hint">(${esc(localRule(c.op, c.position!))})</span> = ${num(c.value[0]!)}`;
      });
      parts.push(terms.length === 1
        ? `<p>It feeds one box: ${terms[0]}.</p>`
        : `<p>It feeds ${terms.length} boxes; its gradient is the sum of each one's gradient × the local derivative: ${terms.map((t) => `<br>+ ${t}`).join('')}<br>= ${num(last.grad[0]!)}</p>`);
    } else {
      const terms = last.contributions.map((c) => {
        const from = model.nodes.find((n) => n.id === c.from)!;
        return `<code>${esc(c.op)}</code>'s backward rule, given ∂L/∂${esc(boxName(from))}, returns ${esc(vec(c.value))}`;
      });
      parts.push(`<p>${terms.join('; ')}: ∂L/∂${esc(name)} = ${esc(vec(last.grad))}.</p>`);
    }
    if (last.ran && !scalar) parts.push(`<p>Then <code>${esc(last.ran)}</code>'s backward rule runs on it and hands gradients to its inputs.</p>`);
    if (!node.getsGrad) parts.push('<p>No gradient: data.</p>');
    const f = formulasFor(node, p);
    if (f) {
      const hand = same(f.hand.values, last.grad);
      parts.push(`<p class="formula hand"><span class="who">by hand</span> <code>${esc(f.hand.text)}</code> = ${esc(f.hand.values ? vec(f.hand.values, scalar) : 'undefined')} <span class="${hand ? 'ok' : 'bad'}">${hand ? '✓ the engine agrees' : '✗ differs from the engine'}</span></p>`);
      const blogSame = same(f.blog.values, last.grad);
      parts.push(`<p class="formula blog"><span class="who">the blog</span> <code>${esc(f.blog.text)}</code> = ${esc(f.blog.values ? vec(f.blog.values, scalar) : 'undefined')} <span class="${blogSame ? 'ok' : 'bad'}">${blogSame ? '✓ the same' : `✗ not the gradient: ${esc(f.why)}`}</span></p>`);
    } else if (scalar && /^[xy]/.test(node.label)) {
      parts.push('<p class="hint">Data, not a parameter: the blog derives no formula for it. Core\'s <code>Scalar</code> computes every gradient anyway, as micrograd does; in tensor mode x and y do not require grad, so backward skips them.</p>');
    }
    ex.innerHTML = parts.join('');
  }

  private drawCheck(model: GraphModel, walk: BackwardWalk): void {
    const check = this.el.check;
    if (!walk.finished) {
      check.textContent = '';
      delete check.dataset.maxDiff;
      return;
    }
    const rows = compareWithEngine(walk);
    const diff = maxDifference(rows);
    // W's elements in tap order: one tensor in tensor mode, W₀, W₁, … in scalar mode.
    const w = rows.filter((r) => /^W/.test(r.label)).sort((a, b) => a.label.localeCompare(b.label)).flatMap((r) => r.engine);
    const b = rows.filter((r) => r.label === 'b').flatMap((r) => r.engine);
    check.dataset.maxDiff = String(diff);
    check.dataset.weightGrad = JSON.stringify(w);
    check.dataset.biasGrad = JSON.stringify(b);
    const how = model.kind === 'tensor' ? 'loss.backward() on the same graph' : 'loss.backward() on the Scalar graph';
    check.innerHTML = `Walk finished. ${how} gives W.grad = ${esc(vec(w))}, b.grad = ${esc(vec(b, true))}: `
      + (diff === 0 ? `<span class="ok">the walk matches it exactly, at all ${rows.length} nodes</span>` : `<span class="${diff < 1e-12 ? 'ok' : 'bad'}">largest difference ${diff.toExponential(1)}</span>`);
  }
}

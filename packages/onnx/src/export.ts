import { type DType, Generator, type Tensor, type TraceEvent, checkOptions, describeValue, noGrad, tensor, traceOps } from '@kindling/core';
import type { Module } from '@kindling/nn';
import { AttributeType, DataType, type AttributeMessage, type DimensionMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage, encodeModel } from './proto.js';
import { type OnnxAttribute, type OpExportContext, type TracedProducer, type TracedValue, onnxOpExporter } from './registry.js';

/** The package's version, written as the model's producer_version (a test keeps it equal to package.json's). */
export const ONNX_EXPORTER_VERSION = '0.1.0';

/** The lowest opset {@link exportOnnx} writes: 13 (ReduceSum with its axes as an input, Slice with steps, Clip with tensor bounds). */
export const MIN_OPSET = 13;
/** The highest opset {@link exportOnnx} writes (ONNX Runtime 1.30 reads it). */
export const MAX_OPSET = 21;
/** The default opset: 17, the newest that Debian's python3-onnx 1.12 (and ONNX Runtime since 1.13) reads. */
export const DEFAULT_OPSET = 17;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** The ONNX opset the graph uses, 13 to 21. Default 17. */
  opset?: number;
  /** Names of the graph inputs, one per example input. Default `input` (one input) or `input_0`, `input_1`, ... */
  inputNames?: readonly string[];
  /** Names of the graph outputs. Default `output` (one output) or `output_0`, `output_1`, ... */
  outputNames?: readonly string[];
  /**
   * Makes dim 0 of every input (and every output dim that follows it) the symbolic size
   * `batch`, so the model runs on any batch size. Default false: the example inputs' shapes.
   */
  dynamicBatch?: boolean;
  /**
   * The float type of the exported graph: every float64 or float32 tensor (inputs, weights,
   * intermediate values, outputs) is written as this one. Default: each tensor's own dtype.
   * ONNX Runtime's CPU kernels for Conv and ConvTranspose take float32 only, so a float64
   * Kindling model is usually exported with `dtype: 'float32'`.
   */
  dtype?: DType;
  /** The graph's name. Default: the model's class name, or 'kindling' for a function. */
  graphName?: string;
  /** A description stored in the model (ModelProto.doc_string). */
  docString?: string;
}

const OPTION_KEYS = ['opset', 'inputNames', 'outputNames', 'dynamicBatch', 'dtype', 'graphName', 'docString'];

/** A Module (its `forward` is traced in eval mode) or a plain function of tensors. */
export type Exportable = Pick<Module, 'forward'> | ((...inputs: Tensor[]) => Tensor | readonly Tensor[]);

// ---- tracing -------------------------------------------------------------------------------

/** Where a tensor seen in a trace comes from. */
type Ref =
  | { kind: 'input'; index: number }
  | { kind: 'param'; name: string; tensor: Tensor }
  | { kind: 'event'; index: number }
  | { kind: 'const'; tensor: Tensor };

interface Trace {
  events: TraceEvent[];
  /** Per event, where each of its inputs comes from. */
  refs: Ref[][];
  outputs: Ref[];
  outputTensors: Tensor[];
}

const describeRef = (r: Ref): string =>
  r.kind === 'input' ? `input ${r.index}` : r.kind === 'param' ? `parameter '${r.name}'` : r.kind === 'event' ? `the output of op #${r.index}` : 'a constant';

function runForward(model: Exportable, inputs: readonly Tensor[]): Tensor[] {
  const out = typeof model === 'function' ? model(...inputs) : model.forward(...inputs);
  const list = Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
  list.forEach((t, i) => {
    if (!isTensor(t)) throw new Error(`exportOnnx: the model returned ${describeValue(t)}${list.length > 1 ? ` as output ${i}` : ''}; expected a Tensor or an array of Tensors`);
  });
  if (list.length === 0) throw new Error('exportOnnx: the model returned no tensors');
  return list;
}

function isTensor(t: unknown): t is Tensor {
  return typeof t === 'object' && t !== null && 'tensorData' in t && 'shape' in t && typeof (t as Tensor).reshape === 'function';
}

function sameLayout(a: Tensor, b: Tensor): boolean {
  const x = a.tensorData;
  const y = b.tensorData;
  return x.offset === y.offset && x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i] && x.strides[i] === y.strides[i]);
}

/**
 * Runs the model once under traceOps and tells, for every tensor an op reads, whether it is a
 * graph input, a named parameter or buffer, an earlier op's output or a constant.
 */
function trace(model: Exportable, inputs: readonly Tensor[], named: ReadonlyMap<Tensor, string>): Trace {
  const events: TraceEvent[] = [];
  const outputTensors = noGrad(() => traceOps(() => runForward(model, inputs), (e) => events.push(e)));
  const known = new Map<Tensor, Ref>();
  // By storage, for tensors that alias a known one without an op in between (detach()).
  const byStorage = new Map<unknown, [Tensor, Ref][]>();
  const remember = (t: Tensor, r: Ref) => {
    if (!known.has(t)) known.set(t, r);
    const list = byStorage.get(t.tensorData.storage) ?? [];
    list.push([t, r]);
    byStorage.set(t.tensorData.storage, list);
  };
  inputs.forEach((t, index) => remember(t, { kind: 'input', index }));
  for (const [t, name] of named) remember(t, { kind: 'param', name, tensor: t });
  const resolve = (t: Tensor, where: string): Ref => {
    const r = known.get(t);
    if (r) return r;
    const aliases = byStorage.get(t.tensorData.storage);
    if (aliases) {
      const same = aliases.find(([k]) => sameLayout(k, t));
      if (same) return same[1];
      throw new Error(`exportOnnx: ${where} reads a view of ${describeRef(aliases[0]![1])} that no traced op made (a TensorData view?); build it with Tensor ops so it can be exported`);
    }
    return { kind: 'const', tensor: t };
  };
  const refs = events.map((e, i) => {
    const r = e.inputs.map((t) => resolve(t, `op '${e.op.name}' (#${i})`));
    remember(e.output, { kind: 'event', index: i });
    return r;
  });
  const outputs = outputTensors.map((t, i) => resolve(t, `output ${i}`));
  return { events, refs, outputs, outputTensors };
}

/** Deep equality of op parameters: numbers (NaN equals NaN), arrays, typed arrays, TensorData, plain objects. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return sameValue(Array.from(a as unknown as ArrayLike<number>), Array.from(b as unknown as ArrayLike<number>));
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if ('contiguousStorage' in a && 'contiguousStorage' in b) {
    const x = a as Tensor['tensorData'];
    const y = b as Tensor['tensorData'];
    return sameValue(x.shape, y.shape) && sameValue(x.contiguousStorage(), y.contiguousStorage());
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function sameConst(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && sameValue(a.shape, b.shape) && sameValue(a.dataSync(), b.dataSync());
}

/**
 * Compares the trace made with the example inputs with one made with other values (and, under
 * dynamicBatch, one more row): the graph may only hard-code what both agree on.
 */
function compareTraces(a: Trace, b: Trace, dynamicBatch: boolean): void {
  const how = dynamicBatch ? 'other input values and a batch one larger' : 'other input values';
  const why = `when the model was traced again with ${how}`;
  const hint = 'the exported graph would hard-code it (does the forward pass read tensor values in JavaScript, e.g. with item() or dataSync(), or depend on the batch size?)';
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const ea = a.events[i]!;
    const eb = b.events[i]!;
    if (ea.op.name !== eb.op.name || ea.inputs.length !== eb.inputs.length) {
      throw new Error(`exportOnnx: op #${i} was '${ea.op.name}' but became '${eb.op.name}' ${why}: the sequence of ops depends on the input; ${hint}`);
    }
    a.refs[i]!.forEach((ra, k) => {
      const rb = b.refs[i]![k]!;
      const same =
        ra.kind === rb.kind &&
        (ra.kind === 'const' ? sameConst(ra.tensor, (rb as typeof ra).tensor) : ra.kind === 'param' ? ra.name === (rb as typeof ra).name : ra.index === (rb as typeof ra).index);
      if (same) return;
      if (ra.kind === 'const' && rb.kind === 'const') {
        const what = sameValue(ra.tensor.shape, rb.tensor.shape) ? 'value' : 'shape';
        throw new Error(`exportOnnx: input ${k} of op '${ea.op.name}' (#${i}) is a constant whose ${what} changed ${why}; ${hint}`);
      }
      throw new Error(`exportOnnx: input ${k} of op '${ea.op.name}' (#${i}) was ${describeRef(ra)} but became ${describeRef(rb)} ${why}; ${hint}`);
    });
    if (!sameValue(ea.params, eb.params)) {
      const accepts = onnxOpExporter(ea.op.name)?.acceptsParamChange;
      if (!accepts?.(ea.params, eb.params)) {
        throw new Error(`exportOnnx: the parameters of op '${ea.op.name}' (#${i}) changed ${why} (${brief(ea.params)} became ${brief(eb.params)}); ${hint}`);
      }
    }
  }
  if (a.events.length !== b.events.length) throw new Error(`exportOnnx: the model ran ${a.events.length} ops, then ${b.events.length} ${why}; ${hint}`);
  a.outputs.forEach((ra, i) => {
    const rb = b.outputs[i];
    if (!rb || ra.kind !== rb.kind || (ra.kind === 'event' && ra.index !== (rb as typeof ra).index)) {
      throw new Error(`exportOnnx: output ${i} changed ${why}; ${hint}`);
    }
  });
  if (a.outputs.length !== b.outputs.length) throw new Error(`exportOnnx: the model returned ${a.outputs.length} outputs, then ${b.outputs.length} ${why}`);
}

function brief(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? `[${Array.from(x as unknown as ArrayLike<number>).slice(0, 8).join(', ')}${(x as unknown as ArrayLike<number>).length > 8 ? ', ...' : ''}]` : x));
    return s.length > 200 ? `${s.slice(0, 200)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * Inputs for the second trace: each example input's elements shuffled (so a value-dependent
 * branch or mask changes, while the values stay in the input's own domain: positive stays
 * positive, whole numbers stay whole), with one more row drawn from them under dynamicBatch.
 */
function otherInputs(inputs: readonly Tensor[], dynamicBatch: boolean): Tensor[] {
  const gen = new Generator(20250101);
  return inputs.map((t) => {
    const src = t.dataSync();
    const shape = t.shape.slice();
    if (dynamicBatch) shape[0] = shape[0]! + 1;
    const n = shape.reduce((p, d) => p * d, 1);
    const out = t.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = src.length ? src[i < src.length ? i : Math.floor(gen.uniform() * src.length)]! : 0;
    for (let i = Math.min(n, src.length) - 1; i > 0; i--) {
      const j = Math.floor(gen.uniform() * (i + 1));
      const x = out[i]!;
      out[i] = out[j]!;
      out[j] = x;
    }
    return tensor(out, { shape, dtype: t.dtype });
  });
}

// ---- writing the graph ---------------------------------------------------------------------

function floatBytes(values: ArrayLike<number>, elem: number): Uint8Array {
  const width = elem === DataType.DOUBLE || elem === DataType.INT64 ? 8 : elem === DataType.BOOL ? 1 : 4;
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // DataView with littleEndian = true: ONNX's raw_data is little-endian on every machine.
    if (elem === DataType.DOUBLE) view.setFloat64(i * 8, v, true);
    else if (elem === DataType.FLOAT) view.setFloat32(i * 4, v, true);
    else if (elem === DataType.INT64) view.setBigInt64(i * 8, BigInt(v), true);
    else bytes[i] = v ? 1 : 0;
  }
  return bytes;
}

function attribute(name: string, v: OnnxAttribute, op: string): AttributeMessage {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`exportOnnx: attribute '${name}' of ${op} must be an integer, got ${v} (write { float: ${v} } for a float)`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    v.forEach((x) => {
      if (!Number.isSafeInteger(x)) throw new Error(`exportOnnx: attribute '${name}' of ${op} must hold integers, got ${x}`);
    });
    return { name, type: AttributeType.INTS, ints: [...(v as number[])] };
  }
  if ('float' in (v as object)) return { name, type: AttributeType.FLOAT, f: (v as { float: number }).float };
  return { name, type: AttributeType.FLOATS, floats: [...(v as { floats: readonly number[] }).floats] };
}

function irVersion(opset: number): number {
  // The IR version each ONNX release paired with its newest opset: 8 up to opset 18, 9 for 19-20, 10 for 21.
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

class GraphWriter {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(
    readonly forced: DType | undefined,
    reserved: Iterable<string>,
  ) {
    for (const n of reserved) this.used.add(n);
  }

  elemType(dtype: DType): number {
    return (this.forced ?? dtype) === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  }

  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  initializer(name: string, values: ArrayLike<number>, dims: readonly number[], elem: number): string {
    this.initializers.push({ name, dims: [...dims], data_type: elem, raw_data: floatBytes(values, elem) });
    return name;
  }

  node(op: string, opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Readonly<Record<string, OnnxAttribute>> = {}): void {
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v, opType));
    this.nodes.push({ name: this.fresh(`${op}/${opType}`), op_type: opType, input: [...inputs], output: [...outputs], attribute: attribute_ });
  }
}

/**
 * Drops the nodes no output depends on (what a fused pattern left behind, or a forward pass's
 * unused side computations) and the initializers nothing reads.
 */
function prune(w: GraphWriter, outputs: readonly string[]): void {
  const needed = new Set(outputs);
  const keep = new Set<NodeMessage>();
  for (let i = w.nodes.length - 1; i >= 0; i--) {
    const n = w.nodes[i]!;
    if (!n.output.some((o) => needed.has(o))) continue;
    keep.add(n);
    for (const x of n.input) needed.add(x);
  }
  const nodes = w.nodes.filter((n) => keep.has(n));
  w.nodes.splice(0, w.nodes.length, ...nodes);
  const inits = w.initializers.filter((t) => needed.has(t.name!));
  w.initializers.splice(0, w.initializers.length, ...inits);
}

function valueInfo(name: string, elem: number, shape: readonly number[], alt: readonly number[] | null, batch: [number, number]): ValueInfoMessage {
  const dim: DimensionMessage[] = shape.map((d, i) => {
    if (!alt || alt[i] === d) return { dim_value: d };
    return { dim_param: d === batch[0] && alt[i] === batch[1] ? 'batch' : `${name}_dim${i}` };
  });
  return { name, type: { tensor_type: { elem_type: elem, shape: { dim } } } };
}

function checkNames(key: string, v: unknown, count: number, what: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== count || v.some((s) => typeof s !== 'string' || s === '')) {
    throw new Error(`exportOnnx: ${key} must be an array of ${count} non-empty strings (one per ${what}), got ${describeValue(v)}`);
  }
  if (new Set(v).size !== v.length) throw new Error(`exportOnnx: ${key} must not repeat a name, got [${v.join(', ')}]`);
  return v as string[];
}

/**
 * Exports a model to ONNX: traces one forward pass (a Module in eval mode, restored afterwards)
 * with `exampleInputs`, maps each traced op to ONNX nodes through the op registry
 * ({@link registerOnnxOp}) and returns the serialised ModelProto. Parameters and buffers become
 * initializers named as in `namedParameters()` / `namedBuffers()`; other tensors the ops read
 * become constants.
 *
 * The model is traced a second time with the example values shuffled (and one more row under
 * `dynamicBatch`): anything that differs between the two traces, such as a branch on a tensor's
 * value or a batch-sized constant, would be hard-coded by a graph, so the export refuses it
 * with a message naming the op. An op without an exporter also throws, naming the op.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Conv1d, Flatten, Linear, ReLU, Sequential } from '@kindling/nn';
 * import { exportOnnx } from '@kindling/onnx';
 * const model = new Sequential(new Conv1d(1, 4, 3, { seed: 0 }), new ReLU(), new Flatten(), new Linear(4 * 6, 2, { seed: 1 }));
 * const bytes = exportOnnx(model, randn([1, 1, 8], { seed: 2 }), { dynamicBatch: true, dtype: 'float32' });
 * console.log(bytes.length > 0); // true: write it to a .onnx file, or hand it to onnxruntime-web
 * ```
 */
export function exportOnnx(model: Exportable, exampleInputs: Tensor | readonly Tensor[], opts?: ExportOnnxOptions): Uint8Array {
  const isModule = typeof model === 'object' && model !== null && typeof (model as Module).forward === 'function';
  if (typeof model !== 'function' && !isModule) throw new Error(`exportOnnx: model must be a Module or a function of tensors, got ${describeValue(model)}`);
  const o = checkOptions('exportOnnx', opts, OPTION_KEYS) as ExportOnnxOptions;
  const inputs = Array.isArray(exampleInputs) ? [...(exampleInputs as Tensor[])] : [exampleInputs as Tensor];
  if (inputs.length === 0) throw new Error('exportOnnx: exampleInputs must hold at least one Tensor');
  inputs.forEach((t, i) => {
    if (!isTensor(t)) throw new Error(`exportOnnx: example input ${i} must be a Tensor, got ${describeValue(t)}`);
  });
  if (new Set(inputs).size !== inputs.length) throw new Error('exportOnnx: exampleInputs holds the same Tensor twice; pass distinct tensors (graph inputs are distinct values)');
  const opset = o.opset ?? DEFAULT_OPSET;
  if (typeof opset !== 'number' || !Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Error(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${describeValue(opset)}`);
  }
  const dynamicBatch = o.dynamicBatch ?? false;
  if (typeof dynamicBatch !== 'boolean') throw new Error(`exportOnnx: dynamicBatch must be a boolean, got ${describeValue(dynamicBatch)}`);
  if (o.dtype !== undefined && o.dtype !== 'float32' && o.dtype !== 'float64') throw new Error(`exportOnnx: dtype must be 'float32' or 'float64', got ${describeValue(o.dtype)}`);
  for (const k of ['graphName', 'docString'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new Error(`exportOnnx: ${k} must be a string, got ${describeValue(o[k])}`);
  }
  const inputNames = checkNames('inputNames', o.inputNames, inputs.length, 'example input') ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`));
  let batch: [number, number] = [0, 0];
  if (dynamicBatch) {
    inputs.forEach((t, i) => {
      if (t.ndim === 0) throw new Error(`exportOnnx: dynamicBatch makes dim 0 of every input the batch, but input ${i} is 0-d`);
      if (t.shape[0] !== inputs[0]!.shape[0]) throw new Error(`exportOnnx: dynamicBatch needs one batch size, but input 0 has ${inputs[0]!.shape[0]} rows and input ${i} has ${t.shape[0]} (shapes [${inputs[0]!.shape.join(', ')}] and [${t.shape.join(', ')}])`);
    });
    batch = [inputs[0]!.shape[0]!, inputs[0]!.shape[0]! + 1];
  }

  // Parameters and buffers by identity, with their state-dict names.
  const named = new Map<Tensor, string>();
  if (isModule) {
    const m = model as Partial<Module>;
    for (const [name, p] of m.namedParameters?.() ?? []) named.set(p, name);
    for (const [name, b] of m.namedBuffers?.() ?? []) if (!named.has(b)) named.set(b, name);
  }

  // Trace in eval mode (Dropout off, BatchNorm on running statistics), then restore each module's mode.
  const modules = isModule && typeof (model as Module).modules === 'function' ? (model as Module).modules() : [];
  const modes = modules.map((m) => m.training);
  let a: Trace;
  let b: Trace;
  try {
    for (const m of modules) m.training = false;
    a = trace(model, inputs, named);
    const other = otherInputs(inputs, dynamicBatch);
    try {
      b = trace(model, other, named);
    } catch (e) {
      const shapes = other.map((t) => `[${t.shape.join(', ')}]`).join(', ');
      throw new Error(`exportOnnx: the model failed when traced again with other input values${dynamicBatch ? ' and a batch one larger' : ''} (shapes ${shapes}): ${(e as Error)?.message ?? String(e)}${dynamicBatch ? '; does it only work at the example batch size?' : ''}`);
    }
  } finally {
    modules.forEach((m, i) => (m.training = modes[i]!));
  }
  compareTraces(a, b, dynamicBatch);

  const outputNames = checkNames('outputNames', o.outputNames, a.outputs.length, 'model output') ?? (a.outputs.length === 1 ? ['output'] : a.outputs.map((_, i) => `output_${i}`));
  for (const n of outputNames) {
    if (inputNames.includes(n)) throw new Error(`exportOnnx: '${n}' names both an input and an output`);
    if ([...named.values()].includes(n)) throw new Error(`exportOnnx: output name '${n}' is also the name of a parameter`);
  }
  for (const n of inputNames) if ([...named.values()].includes(n)) throw new Error(`exportOnnx: input name '${n}' is also the name of a parameter`);

  const w = new GraphWriter(o.dtype, [...inputNames, ...outputNames, ...named.values()]);
  const valueName = new Map<string, string>(); // ref key -> ONNX name
  const constCache = new Map<Tensor, Map<number, string>>();
  const castCache = new Map<string, string>();
  const refKey = (r: Ref) => (r.kind === 'input' ? `i${r.index}` : r.kind === 'param' ? `p${r.name}` : r.kind === 'event' ? `e${r.index}` : '');
  const traced = (t: Tensor, alt: Tensor): TracedValue => ({ shape: t.shape, altShape: alt.shape, dtype: t.dtype });
  let batchName: string | null = null;

  /** The ONNX name holding ref r, in element type `elem` (constants are written in it; values get a Cast). */
  const nameOf = (r: Ref, own: DType, elem: number, op: string): string => {
    if (r.kind === 'const') {
      let byType = constCache.get(r.tensor);
      if (!byType) constCache.set(r.tensor, (byType = new Map()));
      let n = byType.get(elem);
      if (!n) byType.set(elem, (n = w.initializer(w.fresh('const'), r.tensor.dataSync(), r.tensor.shape, elem)));
      return n;
    }
    let n = valueName.get(refKey(r));
    if (n === undefined) {
      if (r.kind !== 'param') throw new Error(`exportOnnx: internal error: ${describeRef(r)} has no value`);
      // A parameter becomes an initializer the first time an op reads it.
      n = w.initializer(r.name, r.tensor.dataSync(), r.tensor.shape, w.elemType(r.tensor.dtype));
      valueName.set(refKey(r), n);
    }
    if (w.elemType(own) === elem) return n;
    const key = `${n}:${elem}`;
    let c = castCache.get(key);
    if (!c) {
      c = w.fresh(`${n}_cast`);
      w.node(op, 'Cast', [n], [c], { to: elem });
      castCache.set(key, c);
    }
    return c;
  };
  inputs.forEach((_, i) => valueName.set(`i${i}`, inputNames[i]!));
  /** The op behind ref r (an earlier event), seen from the exporter of event `at`. */
  const producerOf = (r: Ref | undefined, at: string): TracedProducer | null => {
    if (!r || r.kind !== 'event') return null;
    const e = a.events[r.index]!;
    const eb = b.events[r.index]!;
    return {
      op: e.op.name,
      params: e.params,
      inputs: e.inputs.map((t, k) => traced(t, eb.inputs[k]!)),
      output: traced(e.output, eb.output),
      input: (k, dtype) => nameOf(a.refs[r.index]![k]!, e.inputs[k]!.dtype, w.elemType(dtype ?? e.inputs[k]!.dtype), at),
      producer: (k) => producerOf(a.refs[r.index]![k], at),
    };
  };

  a.events.forEach((e, i) => {
    const name = e.op.name;
    const exporter = onnxOpExporter(name);
    const eb = b.events[i]!;
    const where = `op '${name}' (#${i}, output shape [${e.output.shape.join(', ')}])`;
    if (!exporter) throw new Error(`exportOnnx: no ONNX exporter for ${where}; register one with registerOnnxOp('${name}', ...)`);
    const tag = `${name}_${i}`;
    let outputs = 0;
    const newOutput = () => w.fresh(outputs++ === 0 ? tag : `${tag}_${outputs - 1}`);
    const ctx: OpExportContext = {
      op: name,
      params: e.params,
      altParams: eb.params,
      inputs: e.inputs.map((t, k) => traced(t, eb.inputs[k]!)),
      output: traced(e.output, eb.output),
      opset,
      dynamicBatch,
      input: (k, dtype) => {
        const r = a.refs[i]![k];
        if (!r) throw new Error(`exportOnnx: the exporter of ${where} asked for input ${k}, but the op has ${e.inputs.length}`);
        return nameOf(r, e.inputs[k]!.dtype, w.elemType(dtype ?? e.output.dtype), tag);
      },
      producer: (k) => producerOf(a.refs[i]![k], tag),
      node: (opType, ins, attrs) => {
        const out = newOutput();
        w.node(tag, opType, ins, [out], attrs);
        return out;
      },
      nodeOutputs: (opType, ins, count, attrs) => {
        const outs = Array.from({ length: count }, newOutput);
        w.node(tag, opType, ins, outs, attrs);
        return outs;
      },
      int64s: (values) => w.initializer(w.fresh(`${tag}_const`), values, [values.length], DataType.INT64),
      constant: (values, shape, dtype) => w.initializer(w.fresh(`${tag}_const`), values, shape, w.elemType(dtype ?? e.output.dtype)),
      bools: (values, shape) => w.initializer(w.fresh(`${tag}_mask`), values, shape, DataType.BOOL),
      elemType: (dtype) => w.elemType(dtype),
      reshapeTarget: (shape, alt) => shapeTarget(shape, alt, null),
      expandTarget: (k, shape, alt) => shapeTarget(shape, alt, { shape: e.inputs[k]!.shape, alt: eb.inputs[k]!.shape }),
      fail: (reason) => {
        throw new Error(`exportOnnx: cannot export ${where}: ${reason}`);
      },
    };

    /** A shape operand: static where the traces agree, else -1 (one dim of a Reshape) or a multiple of the run-time batch size. */
    function shapeTarget(shape: readonly number[], alt: readonly number[], expandFrom: { shape: readonly number[]; alt: readonly number[] } | null): string {
      const lead = expandFrom ? shape.length - expandFrom.shape.length : 0;
      const keep = (d: number) => expandFrom !== null && d >= lead && expandFrom.shape[d - lead] === shape[d] && expandFrom.alt[d - lead] === alt[d];
      const varying = shape.map((_, d) => shape[d] !== alt[d] && !keep(d));
      const count = varying.filter(Boolean).length;
      const fixed = shape.map((s, d) => (keep(d) ? 1 : s));
      if (count === 0) return ctx.int64s(fixed);
      if (count === 1 && !expandFrom && !shape.includes(0)) return ctx.int64s(fixed.map((s, d) => (varying[d] ? -1 : s)));
      // Sizes linear in the batch: k·N with the same k in both traces.
      const parts: string[] = [];
      let run: number[] = [];
      shape.forEach((s, d) => {
        if (!varying[d]) return void run.push(fixed[d]!);
        const k = s / batch[0];
        if (!Number.isInteger(k) || alt[d] !== k * batch[1]) ctx.fail(`dim ${d} of the target shape [${shape.join(', ')}] is ${s} at batch size ${batch[0]} and ${alt[d]} at ${batch[1]}: not a multiple of the batch size`);
        if (run.length) parts.push(ctx.int64s(run));
        run = [];
        batchName ??= batchSize();
        parts.push(k === 1 ? batchName : ctx.node('Mul', [batchName, ctx.int64s([k])]));
      });
      if (run.length) parts.push(ctx.int64s(run));
      return parts.length === 1 ? parts[0]! : ctx.node('Concat', parts, { axis: 0 });
    }
    function batchSize(): string {
      const shape = w.fresh('batch_shape');
      w.node('batch', 'Shape', [inputNames[0]!], [shape]);
      const n = w.fresh('batch_size');
      w.node('batch', 'Gather', [shape, w.initializer(w.fresh('batch_index'), [0], [1], DataType.INT64)], [n], { axis: 0 });
      return n;
    }

    const out = exporter.export(ctx);
    if (typeof out !== 'string') throw new Error(`exportOnnx: the exporter of ${where} returned ${describeValue(out)} instead of a value name`);
    valueName.set(`e${i}`, out);
  });

  // Graph outputs: rename the node output that computes each (so the graph reads naturally),
  // or add an Identity where the value is an input, an initializer or already an output.
  const produced = new Map<string, NodeMessage>();
  for (const n of w.nodes) for (const out of n.output) produced.set(out, n);
  const taken = new Set<string>();
  const renamed = new Map<string, string>();
  const outputs: ValueInfoMessage[] = a.outputs.map((r, k) => {
    const t = a.outputTensors[k]!;
    const elem = w.elemType(t.dtype);
    const first = nameOf(r, t.dtype, elem, 'output');
    const src = renamed.get(first) ?? first;
    const want = outputNames[k]!;
    if (produced.has(src) && !taken.has(src)) {
      for (const n of w.nodes) {
        n.input = n.input.map((x) => (x === src ? want : x));
        n.output = n.output.map((x) => (x === src ? want : x));
      }
      renamed.set(first, want);
    } else {
      w.node('output', 'Identity', [src], [want]);
    }
    taken.add(want);
    return valueInfo(want, elem, t.shape, dynamicBatch ? b.outputTensors[k]!.shape : null, batch);
  });

  prune(w, outputs.map((o) => o.name));
  const graphInputs = inputs.map((t, i) => valueInfo(inputNames[i]!, w.elemType(t.dtype), t.shape, dynamicBatch ? [batch[1], ...t.shape.slice(1)] : null, batch));
  const graphName = o.graphName ?? (isModule ? (model as object).constructor.name : 'kindling');
  return encodeModel({
    ir_version: irVersion(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'kindling',
    producer_version: ONNX_EXPORTER_VERSION,
    ...(o.docString !== undefined ? { doc_string: o.docString } : {}),
    graph: { name: graphName, node: w.nodes, initializer: w.initializers, input: graphInputs, output: outputs },
  });
}

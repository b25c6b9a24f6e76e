import type { DType } from '@kindling/core';

/**
 * An ONNX attribute value: an integer (INT), a list of integers (INTS), a string (STRING), or
 * `{ float }` / `{ floats }` (FLOAT / FLOATS, spelled out because `1` would otherwise be an INT).
 */
export type OnnxAttribute = number | readonly number[] | string | { readonly float: number } | { readonly floats: readonly number[] };

/** What the exporter knows about one tensor of the traced graph. */
export interface TracedValue {
  /** The shape in the trace made with the example inputs. */
  readonly shape: readonly number[];
  /**
   * The shape in the second trace (made with other input values and, under `dynamicBatch`, a
   * batch one larger): dims that differ from `shape` scale with the batch size.
   */
  readonly altShape: readonly number[];
  readonly dtype: DType;
}

/**
 * The traced op that computed an input, for exporters that fuse a pattern (Linear's
 * `matmul(x, permute(W))` then `add(b)` becomes one Gemm). Its own nodes were emitted already;
 * nodes nothing reads are dropped from the graph at the end.
 */
export interface TracedProducer {
  readonly op: string;
  readonly params: unknown;
  readonly inputs: readonly TracedValue[];
  readonly output: TracedValue;
  /** The name of the producer's input `k`, cast to `dtype` (default: its own dtype) when needed. */
  input(k: number, dtype?: DType): string;
  /** The op that computed the producer's input `k`; null for graph inputs, parameters and constants. */
  producer(k: number): TracedProducer | null;
}

/**
 * Everything an op exporter gets: the traced op's parameters and tensors, and the means to add
 * ONNX nodes and constants to the graph. Value names are plain strings, as in ONNX.
 */
export interface OpExportContext<P = unknown> {
  /** The Kindling op's name (`TraceEvent.op.name`). */
  readonly op: string;
  /** The op's parameters as traced with the example inputs. */
  readonly params: P;
  /** The same op's parameters in the second trace (see {@link TracedValue.altShape}). */
  readonly altParams: P;
  readonly inputs: readonly TracedValue[];
  readonly output: TracedValue;
  /** The opset the model declares (13 to 21). */
  readonly opset: number;
  /** Whether the batch dimension (dim 0 of every input) is symbolic. */
  readonly dynamicBatch: boolean;
  /** The name of input `i`, cast to `dtype` (default: the output's dtype) when it holds another. */
  input(i: number, dtype?: DType): string;
  /** The traced op that computed input `i`; null for graph inputs, parameters and constants. */
  producer(i: number): TracedProducer | null;
  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** Adds a node with `outputs` outputs and returns their names. */
  nodeOutputs(opType: string, inputs: readonly string[], outputs: number, attributes?: Readonly<Record<string, OnnxAttribute>>): string[];
  /** A 1-d int64 constant (axes, shapes, starts...). */
  int64s(values: readonly number[]): string;
  /** A constant of the given shape in the graph's float type for `dtype` (default: the output's). */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype?: DType): string;
  /** A bool constant of the given shape (nonzero values are true). */
  bools(values: ArrayLike<number>, shape: readonly number[]): string;
  /** The ONNX element type (TensorProto.DataType) that a Kindling dtype is written as. */
  elemType(dtype: DType): number;
  /**
   * The target of a Reshape: `shape` where both traces agree; where they differ (batch-sized
   * dims under `dynamicBatch`) -1 for a single such dim, else the size computed from the
   * runtime batch size.
   */
  reshapeTarget(shape: readonly number[], altShape: readonly number[]): string;
  /**
   * The target of an Expand of input `i`: 1 wherever the input already has the target's size
   * (ONNX's Expand broadcasts both ways, so that dim keeps whatever size it has at run time),
   * `shape` elsewhere, with batch-sized dims computed at run time.
   */
  expandTarget(i: number, shape: readonly number[], altShape: readonly number[]): string;
  /** Throws `exportOnnx: cannot export op '<op>' (#<n>): <reason>`. */
  fail(reason: string): never;
}

/** Maps one traced Kindling op to ONNX nodes. */
export interface OnnxOpExporter<P = any> {
  /** Adds the nodes computing the op's output and returns the name of the value holding it. */
  export(ctx: OpExportContext<P>): string;
  /**
   * Called when the op's parameters differ between the two traces (batch sizes N and N + 1
   * under `dynamicBatch`; the values are otherwise the same): true when `export` handles the
   * difference itself (as reshape does, through `reshapeTarget`), false to refuse the export.
   * Without it, any difference refuses: the graph would hard-code a batch-dependent value.
   */
  acceptsParamChange?(params: P, altParams: P): boolean;
}

const registry = new Map<string, OnnxOpExporter>();

/**
 * Registers how a Kindling op (by its `Op.name`, as `traceOps` reports it) becomes ONNX nodes.
 * Registering a name again replaces the exporter, so a project can override a built-in one.
 *
 * @example
 * ```ts
 * import { registerOnnxOp } from '@kindling/onnx';
 * // A custom op named 'myDouble' (2·x, written with apply), exported as ONNX Add(x, x).
 * registerOnnxOp('myDouble', { export: (ctx) => ctx.node('Add', [ctx.input(0), ctx.input(0)]) });
 * ```
 */
export function registerOnnxOp<P = any>(name: string, exporter: OnnxOpExporter<P>): void {
  if (typeof name !== 'string' || name === '') throw new Error(`registerOnnxOp: name must be a non-empty string, got ${String(name)}`);
  if (!exporter || typeof exporter.export !== 'function') throw new Error(`registerOnnxOp: the exporter of '${name}' must have an export(ctx) function`);
  registry.set(name, exporter as OnnxOpExporter);
}

/** The exporter registered for op `name`, if any. */
export function onnxOpExporter(name: string): OnnxOpExporter | undefined {
  return registry.get(name);
}

/** The names of every op with a registered exporter, sorted. */
export function onnxOps(): string[] {
  return [...registry.keys()].sort();
}

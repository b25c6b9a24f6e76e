import type { Tensor } from '../tensor.js';
import type { Op } from './function.js';

/**
 * One primitive op call seen while tracing: what ran, on what, with which parameters.
 *
 * @category Checking and debugging
 */
export interface TraceEvent {
  readonly op: Op<any>;
  readonly inputs: readonly Tensor[];
  readonly params: unknown;
  readonly output: Tensor;
}

let tracer: ((e: TraceEvent) => void) | null = null;

/** @internal Called by apply for every op while a trace is running. */
export function currentTracer(): ((e: TraceEvent) => void) | null {
  return tracer;
}

/**
 * Runs fn and reports every primitive op it applies, in order (what an exporter such as
 * `@kindling/onnx` records a graph from). Composite methods show up as their primitives
 * (`mean` as sum then div, `transpose` as permute). Traces do not nest.
 *
 * @example
 * ```ts
 * import { tensor, traceOps } from '@kindling/core';
 * const names: string[] = [];
 * traceOps(() => tensor([1, 2]).mul(3).sum(), (e) => names.push(e.op.name));
 * console.log(names); // ['mul', 'sum']
 * ```
 *
 * @category Checking and debugging
 */
export function traceOps<T>(fn: () => T, onOp: (e: TraceEvent) => void): T {
  if (typeof fn !== 'function' || typeof onOp !== 'function') throw new Error('traceOps: expected two functions (fn, onOp)');
  if (tracer) throw new Error('traceOps: a trace is already running; traces do not nest');
  tracer = onOp;
  try {
    return fn();
  } finally {
    tracer = null;
  }
}

import type { Storage } from '../../storage/dtype.js';
import type { TensorData } from '../../storage/tensor-data.js';
import type { ReduceOp } from '../kernels.js';
import { forEachRow, plan } from './iterate.js';

/** See Kernels.reduce: consecutive runs of `reduced` row-major elements fold into one output. */
export function reduce(op: ReduceOp, x: TensorData, reduced: number, out: Storage): void {
  if (op === 'sum') out.fill(0);
  else out.fill(-Infinity);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a fast path; an empty x has a zero-length inner row or no rows, so the loop below does nothing either
  if (reduced === 0 || x.size === 0) return;
  const p = plan(x.shape, [x.strides]);
  const last = p.shape.length - 1;
  const inner = p.shape[last]!;
  const sx = p.strides[0]![last]!;
  const src = x.storage;
  // Rows may be longer than one reduction run when dims merged across it: split them.
  const chunk = Math.min(inner, reduced);
  forEachRow(p, [x.offset], (r, [base]) => {
    for (let start = 0; start < inner; start += chunk) {
      const o = Math.floor((r * inner + start) / reduced); // < out.length, as out.length·reduced = x.size
      let p0 = base! + start * sx;
      if (op === 'sum') {
        let acc = 0;
        for (let i = 0; i < chunk; i++, p0 += sx) acc += src[p0]!;
        out[o] += acc;
      } else {
        let m = out[o]!;
        for (let i = 0; i < chunk; i++, p0 += sx) {
          const v = src[p0]!;
          // NaN wins, as in PyTorch: once m is NaN no comparison replaces it.
          if (v !== v) { m = v; continue; }
          // Stryker disable next-line EqualityOperator: >= would only replace m by an equal value (±0 aside: PyTorch's amax keeps the first of equal zeros, its max() the last)
          if (v > m) m = v;
        }
        out[o] = m;
      }
    }
  });
}

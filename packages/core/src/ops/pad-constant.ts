import { type Op, apply } from '../autograd/function.js';
import { allocate } from '../storage/dtype.js';
import { sizeOf } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';

/** Elements added before and after each dim (negative: removed), for every dim of the input. */
export interface PadConstantParams {
  pads: readonly (readonly [number, number])[];
  value: number;
}

/**
 * Constant padding of every dim (negative amounts crop). Its backward is the same op with the
 * amounts negated and value 0: the gradient is cropped where the forward padded and padded with
 * zeros where the forward cropped. That op's backward negates them back, so every order of
 * derivative stays a pad.
 */
export const PadConstant: Op<PadConstantParams> = {
  name: 'pad',
  saved: [],
  forward: ([x], { pads, value }) => {
    const shape = x!.shape.map((n, d) => n + pads[d]![0] + pads[d]![1]);
    const out = new TensorData(allocate(x!.dtype, sizeOf(shape)).fill(value), shape);
    // The part of the input that survives, and where it lands in the output.
    let src = x!;
    let dst = out;
    for (let d = 0; d < shape.length; d++) {
      const [before, after] = pads[d]!;
      const n = x!.shape[d]!;
      const from = Math.max(0, -before);
      const len = Math.max(0, Math.min(n, n + after) - from);
      src = src.narrow(d, from, len);
      dst = dst.narrow(d, Math.max(0, before), len);
    }
    // (Nothing survives when the input is cropped away: vals is empty then.)
    const vals = src.contiguousStorage();
    for (let i = 0; i < vals.length; i++) out.storage[dst.locate(i)] = vals[i]!;
    return out;
  },
  backward: (g, { params: { pads } }) => [apply(PadConstant, [g], { pads: pads.map(([b, a]) => [-b, -a] as const), value: 0 })],
};

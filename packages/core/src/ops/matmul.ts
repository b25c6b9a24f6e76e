import { type Op } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import { allocate } from '../storage/dtype.js';
import { broadcastShapes, fmt, sizeOf } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import type { Tensor } from '../tensor.js';

/** Whether x's last two dims are stored column-major (the transpose of a dense matrix). For a row or column vector either answer computes the same gradient. */
function columnMajor(x: Tensor): boolean {
  const { strides, shape } = x.tensorData;
  const n = shape.length;
  return strides[n - 2] === 1 && strides[n - 1] === shape[n - 2];
}

/**
 * Batched matrix product of a [..., M, K] and b [..., K, N] (both at least 2-d; the Tensor
 * method lifts 1-d operands). Leading dims broadcast. Operands are passed to the gemm kernel
 * by strides, so transposed views (as in the backward pass) are never copied.
 */
export const Matmul: Op = {
  name: 'matmul',
  saved: [0, 1],
  forward: ([a0, b0]) => {
    const a = a0!;
    const b = b0!;
    const M = a.shape[a.ndim - 2]!;
    const K = a.shape[a.ndim - 1]!;
    const N = b.shape[b.ndim - 1]!;
    if (b.shape[b.ndim - 2] !== K) {
      throw new Error(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} are not aligned (${K} columns vs ${b.shape[b.ndim - 2]} rows)`);
    }
    // As PyTorch: no silent promotion (a float32 model fed float64 data would run in float64).
    if (a.dtype !== b.dtype) throw new Error(`matmul: expected both operands to have the same dtype, got ${a.dtype} (shape ${fmt(a.shape)}) and ${b.dtype} (shape ${fmt(b.shape)})`);
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const ae = a.expand([...batch, M, K]);
    const be = b.expand([...batch, K, N]);
    const nb = sizeOf(batch);
    const out = allocate(a.dtype, nb * M * N);
    const nd = batch.length;
    const idx = new Array<number>(nd).fill(0);
    let aOff = ae.offset;
    let bOff = be.offset;
    for (let i = 0; i < nb; i++) {
      kernels.gemm(M, N, K, ae.storage, aOff, ae.strides[nd]!, ae.strides[nd + 1]!, be.storage, bOff, be.strides[nd]!, be.strides[nd + 1]!, out, i * M * N);
      // Odometer over the batch dims.
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        aOff += ae.strides[d]!;
        bOff += be.strides[d]!;
        if (idx[d]! < batch[d]!) break;
        aOff -= idx[d]! * ae.strides[d]!;
        bOff -= idx[d]! * be.strides[d]!;
        idx[d] = 0;
      }
    }
    return new TensorData(out, [...batch, M, N]);
  },
  // dA = G Bᵀ and dB = Aᵀ G; broadcast batch dims are summed away by the engine. As PyTorch's
  // mm backward, an operand stored column-major (a transposed view, as nn.Linear's weightᵀ)
  // gets its gradient computed transposed, dB = (Gᵀ A)ᵀ and dA = (B Gᵀ)ᵀ, so it comes out in
  // the operand's own layout: the gradient of the weight under the view is then dense and is accumulated
  // without a gather. Same products, summed in the same order.
  backward: (g, ctx) => {
    const [a, b] = ctx.inputs;
    const t = (x: Tensor): Tensor => x.transpose(-1, -2);
    const dA = ctx.needsGrad(0) ? (columnMajor(a!) ? t(b!.matmul(t(g))) : g.matmul(t(b!))) : null;
    const dB = ctx.needsGrad(1) ? (columnMajor(b!) ? t(t(g).matmul(a!)) : t(a!).matmul(g)) : null;
    return [dA, dB];
  },
};

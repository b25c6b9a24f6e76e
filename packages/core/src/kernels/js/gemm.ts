import type { Storage } from '../../storage/dtype.js';

/** See Kernels.gemm. Loop order is picked so the innermost loop walks memory with stride 1. */
export function gemm(
  M: number, N: number, K: number,
  a: Storage, aOff: number, aRow: number, aCol: number,
  b: Storage, bOff: number, bRow: number, bCol: number,
  c: Storage, cOff: number,
): void {
  // Stryker disable next-line ConditionalExpression,BlockStatement: with bCol 1 the dot-product loop below gives the same k-ordered sums; this order is for memory access
  if (bCol === 1) {
    // i-k-j: scale rows of B into a row of C (both dense along j).
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * N;
      c.fill(0, ci, ci + N);
      for (let k = 0; k < K; k++) {
        const av = a[aOff + i * aRow + k * aCol]!;
        const bk = bOff + k * bRow;
        for (let j = 0; j < N; j++) c[ci + j] += av * b[bk + j]!;
      }
    }
    return;
  }
  // B is column-major (a transposed view): dot products along k.
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * aRow;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * bCol;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += a[ai + k * aCol]! * b[bj + k * bRow]!;
      c[cOff + i * N + j] = acc;
    }
  }
}

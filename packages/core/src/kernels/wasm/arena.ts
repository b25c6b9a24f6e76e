/** What kernels.wat exports (addresses, strides in bytes; see the comments there). Its memory is imported. */
export interface WasmExports {
  gemm_nn_f32(M: number, N: number, R: number, a: number, b: number, tab: number, c: number, ldc: number, accum: number): void;
  gemm_nn_f64(M: number, N: number, R: number, a: number, b: number, tab: number, c: number, ldc: number, accum: number): void;
  mse_sq_f32(p: number, t: number, out: number, n: number): void;
  mse_sum_f32(p: number, t: number, n: number): number;
  mse_grad_f32(p: number, t: number, g: number, out: number, n: number, scale: number, withG: number): void;
  sum_f32(x: number, n: number): number;
  mse_sq_f64(p: number, t: number, out: number, n: number): void;
  mse_sum_f64(p: number, t: number, n: number): number;
  mse_grad_f64(p: number, t: number, g: number, out: number, n: number, scale: number, withG: number): void;
  sum_f64(x: number, n: number): number;
  gather_f32(src: number, sRow: number, sCol: number, dst: number, dRow: number, dCol: number, R: number, C: number): void;
  gather_f64(src: number, sRow: number, sCol: number, dst: number, dRow: number, dCol: number, R: number, C: number): void;
  add_f32(a: number, b: number, out: number, n: number, period: number): void;
  sub_f32(a: number, b: number, out: number, n: number, period: number): void;
  mul_f32(a: number, b: number, out: number, n: number, period: number): void;
  reluBackward_f32(a: number, b: number, out: number, n: number, period: number): void;
  relu_f32(x: number, out: number, n: number): void;
  sgd_f32(p: number, g: number, n: number, lr: number, wd: number, sign: number): void;
  sgdm_f32(p: number, g: number, buf: number, n: number, lr: number, wd: number, sign: number, momentum: number, keep: number, first: number, nesterov: number): void;
  colsum_f32(src: number, acc: number, rows: number, cols: number): void;
  adam_f32(p: number, g: number, m: number, v: number, vmax: number, n: number, sign: number, wd: number, w: number, small: number, beta2: number, c2: number, bc2Sqrt: number, eps: number, stepSize: number): void;
  add_f64(a: number, b: number, out: number, n: number, period: number): void;
  sub_f64(a: number, b: number, out: number, n: number, period: number): void;
  mul_f64(a: number, b: number, out: number, n: number, period: number): void;
  reluBackward_f64(a: number, b: number, out: number, n: number, period: number): void;
  relu_f64(x: number, out: number, n: number): void;
  sgd_f64(p: number, g: number, n: number, lr: number, wd: number, sign: number): void;
  sgdm_f64(p: number, g: number, buf: number, n: number, lr: number, wd: number, sign: number, momentum: number, keep: number, first: number, nesterov: number): void;
  colsum_f64(src: number, acc: number, rows: number, cols: number): void;
  adam_f64(p: number, g: number, m: number, v: number, vmax: number, n: number, sign: number, wd: number, w: number, small: number, beta2: number, c2: number, bc2Sqrt: number, eps: number, stepSize: number): void;
}

/**
 * Scratch space in the module's memory (imported: ordinary for the single-threaded instance,
 * shared with the workers for the threaded one). Every kernel call lays its buffers out from
 * address 0 again (reset, alloc..., commit), so memory only grows to the largest call seen and
 * repeated calls of one size never grow it. `f32`/`f64`/`i32` are views of the whole memory,
 * refreshed whenever it grows (growing detaches an ordinary ArrayBuffer; a shared one keeps
 * its old length).
 */
export class Arena {
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  private top = 0;

  constructor(readonly exports: WasmExports, readonly memory: WebAssembly.Memory) {
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  reset(): void {
    this.top = 0;
  }

  /** Reserves `floats` 4-byte words, 64-byte aligned (plus 64 bytes of slack for over-reads); returns the word index. */
  alloc(floats: number): number {
    const at = this.top;
    this.top = (at + floats * 4 + 64 + 63) & ~63;
    return at >> 2;
  }

  /** Makes sure everything allocated since reset() exists. */
  commit(): void {
    const memory = this.memory;
    const missing = this.top - memory.buffer.byteLength;
    if (missing > 0) {
      memory.grow(Math.ceil(missing / 65536));
      this.f32 = new Float32Array(memory.buffer);
      this.f64 = new Float64Array(memory.buffer);
      this.i32 = new Int32Array(memory.buffer);
    }
  }
}

import type { Storage } from '../../storage/dtype.js';
import type { Conv1dGeometry } from '../kernels.js';

/*
 * Direct loops over (n, output channel, input channel of its group, tap). For a tap k the
 * output positions l that read inside the input are a contiguous range [lo, hi): computing
 * it once per tap removes the padding test from the innermost loop, which then walks the
 * output row (and, at stride 1, the input row) with unit stride.
 *
 * Definition (cross-correlation, as torch.nn.functional.conv1d):
 *   y[n, co, l] = bias[co] + sum_{ci in group(co), k} w[co, ci', k] * x[n, ci, l*stride + k*dilation - padLeft]
 */

/** First output position l with l*stride + offset >= 0. */
function firstValid(offset: number, stride: number): number {
  return Math.max(0, Math.ceil(-offset / stride));
}

/** One past the last output position l with l*stride + offset < length (at least `lo`). */
function endValid(offset: number, g: Conv1dGeometry, lo: number): number {
  return Math.max(lo, Math.min(g.outLength, Math.floor((g.length - 1 - offset) / g.stride) + 1));
}

export function conv1dForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: Conv1dGeometry): void {
  const { batch, inChannels, outChannels, length, kernelSize: K, outLength, stride, padLeft, dilation, groups } = g;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const yRow = (n * outChannels + co) * outLength;
      y.fill(bias ? bias[co]! : 0, yRow, yRow + outLength);
      const ciStart = Math.floor(co / coutG) * cinG;
      for (let c = 0; c < cinG; c++) {
        const xRow = (n * inChannels + ciStart + c) * length;
        const wRow = (co * cinG + c) * K;
        for (let k = 0; k < K; k++) {
          const wv = w[wRow + k]!;
          const off = k * dilation - padLeft;
          const lo = firstValid(off, stride);
          const hi = endValid(off, g, lo);
          for (let l = lo, p = xRow + lo * stride + off; l < hi; l++, p += stride) y[yRow + l] += wv * x[p]!;
        }
      }
    }
  }
}

export function conv1dBackwardInput(gy: Storage, w: Storage, gx: Storage, g: Conv1dGeometry): void {
  const { batch, inChannels, outChannels, length, kernelSize: K, outLength, stride, padLeft, dilation, groups } = g;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  gx.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const gyRow = (n * outChannels + co) * outLength;
      const ciStart = Math.floor(co / coutG) * cinG;
      for (let c = 0; c < cinG; c++) {
        const xRow = (n * inChannels + ciStart + c) * length;
        const wRow = (co * cinG + c) * K;
        for (let k = 0; k < K; k++) {
          const wv = w[wRow + k]!;
          const off = k * dilation - padLeft;
          const lo = firstValid(off, stride);
          const hi = endValid(off, g, lo);
          for (let l = lo, p = xRow + lo * stride + off; l < hi; l++, p += stride) gx[p] += wv * gy[gyRow + l]!;
        }
      }
    }
  }
}

export function conv1dBackwardWeight(gy: Storage, x: Storage, gw: Storage, g: Conv1dGeometry): void {
  const { batch, inChannels, outChannels, length, kernelSize: K, outLength, stride, padLeft, dilation, groups } = g;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  gw.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const gyRow = (n * outChannels + co) * outLength;
      const ciStart = Math.floor(co / coutG) * cinG;
      for (let c = 0; c < cinG; c++) {
        const xRow = (n * inChannels + ciStart + c) * length;
        const wRow = (co * cinG + c) * K;
        for (let k = 0; k < K; k++) {
          const off = k * dilation - padLeft;
          const lo = firstValid(off, stride);
          const hi = endValid(off, g, lo);
          let acc = 0;
          for (let l = lo, p = xRow + lo * stride + off; l < hi; l++, p += stride) acc += gy[gyRow + l]! * x[p]!;
          gw[wRow + k] += acc;
        }
      }
    }
  }
}

export function conv1dBackwardBias(gy: Storage, gb: Storage, g: Conv1dGeometry): void {
  const { batch, outChannels, outLength } = g;
  gb.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      let acc = 0;
      for (let l = 0, p = (n * outChannels + co) * outLength; l < outLength; l++, p++) acc += gy[p]!;
      gb[co] += acc;
    }
  }
}

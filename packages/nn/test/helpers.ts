import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';

/** Seeded so failures reproduce; override with FC_SEED / FC_NUM_RUNS. */
export function configureFc(defaultRuns: number): void {
  fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? defaultRuns) });
}

export function t64(values: ArrayLike<number>, shape: readonly number[], requiresGrad = false): Tensor {
  return new Tensor(new TensorData(Float64Array.from(values), shape.slice()), requiresGrad);
}

export const flat = (t: Tensor): number[] => Array.from(t.dataSync());

/** A deterministic float stream for test data (independent of the code under test). */
export function lcg(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 * 2 - 1;
  };
}

export function randomValues(n: number, seed: number, scale = 1): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => r() * scale);
}

/**
 * Direct-loop cross-correlation, written from torch.nn.Conv1d's documented formula:
 * out[n, co, t] = b[co] + sum_{c, k} w[co, c, k] * x[n, g*Cin/groups + c, t*stride + k*dilation - padLeft].
 */
export function referenceConv1d(
  x: number[], [N, Cin, L]: [number, number, number],
  w: number[], [Cout, CinG, K]: [number, number, number],
  b: number[] | null,
  o: { stride: number; padLeft: number; padTotal: number; dilation: number; groups: number },
): { out: number[]; Lout: number } {
  const Lout = Math.floor((L + o.padTotal - o.dilation * (K - 1) - 1) / o.stride) + 1;
  const out: number[] = [];
  const CoutG = Cout / o.groups;
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Cout; co++) {
      const g = Math.floor(co / CoutG);
      for (let t = 0; t < Lout; t++) {
        let acc = b ? b[co]! : 0;
        for (let c = 0; c < CinG; c++) {
          for (let k = 0; k < K; k++) {
            const pos = t * o.stride + k * o.dilation - o.padLeft;
            if (pos < 0 || pos >= L) continue;
            acc += w[(co * CinG + c) * K + k]! * x[(n * Cin + g * CinG + c) * L + pos]!;
          }
        }
        out.push(acc);
      }
    }
  }
  return { out, Lout };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) throw new Error(`element ${i}: ${a} vs expected ${e}`);
  }
}

/** u64 little-endian header length, the header text as UTF-8 (not padded), then `data`. */
export function safetensorsFile(header: string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

import type { Shape } from '../../storage/shape.js';

/**
 * Strided iteration shared by the elementwise and reduction kernels. Operands are visited in
 * row-major order of `shape`; adjacent dims that every operand (and a dense output) steps
 * through evenly are merged first, so the common cases (dense, or a broadcast bias) become
 * one long inner row instead of many short ones.
 */
export interface Plan {
  shape: number[]; // merged dims, last one is the inner row
  strides: number[][]; // per operand, per merged dim
}

export function plan(shape: Shape, strides: readonly (readonly number[])[]): Plan {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    // Dropping size-1 dims and merging dims make rows longer and fewer. A plan that kept or
    // merged less would visit the same elements in the same order, but not give the same
    // results: reduce adds each row's partial sum into its output on its own, and a float32
    // output rounds each time.
    if (d === 1) continue;
    const last = dims.length - 1;
    // A dense output merges any two dims, so only the inputs' strides decide. Before the first
    // dim is kept, last is -1 and st[k][-1] undefined: nothing to merge with (there is always
    // at least one operand, so `every` is not vacuously true).
    if (strides.every((s, k) => st[k]![last] === s[i]! * d)) {
      dims[last] = dims[last]! * d;
      strides.forEach((s, k) => (st[k]![last] = s[i]!));
    } else {
      dims.push(d);
      strides.forEach((s, k) => st[k]!.push(s[i]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    st.forEach((s) => s.push(0));
  }
  return { shape: dims, strides: st };
}

/**
 * Calls row(rowIndex, base0, base1, ...) for every inner row; bases are storage offsets of
 * each operand's first element in that row. Written without recursion or per-element calls.
 */
export function forEachRow(p: Plan, offsets: readonly number[], row: (r: number, bases: number[]) => void): void {
  const nd = p.shape.length;
  const nOps = offsets.length;
  const bases = [...offsets];
  const idx = new Array<number>(nd).fill(0);
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= p.shape[d]!;
  for (let r = 0; r < rows; r++) {
    row(r, bases);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < nOps; k++) bases[k]! += p.strides[k]![d]!;
      if (idx[d]! < p.shape[d]!) break;
      for (let k = 0; k < nOps; k++) bases[k]! -= idx[d]! * p.strides[k]![d]!;
      idx[d] = 0;
    }
  }
}

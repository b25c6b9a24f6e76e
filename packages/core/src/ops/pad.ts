import { apply } from '../autograd/function.js';
import { checkSize, fmt } from '../storage/shape.js';
import { Tensor } from '../tensor.js';
import { checkOptions, describeValue } from '../util/options.js';
import { PadMapOps } from './index-ops.js';
import { PadConstant } from './pad-constant.js';

/**
 * How {@link pad} fills the new elements (torch.nn.functional.pad's modes).
 *
 * @category Indexing and joining
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Options of {@link pad}: torch.nn.functional.pad's `mode` and `value`.
 *
 * @category Indexing and joining
 */
export interface PadOptions {
  /** 'constant' (default): `value`; 'reflect': mirror without repeating the edge; 'replicate': repeat the edge; 'circular': wrap around. */
  mode?: PadMode;
  /** The fill value of 'constant' mode (default 0); the other modes take none. */
  value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/**
 * Pads the last dims of `input` (torch.nn.functional.pad). `pad` lists amounts in pairs from the
 * last dim backwards: `[left, right]` pads the last dim, `[left, right, top, bottom]` the last
 * two, and so on, up to every dim. Negative amounts remove elements instead.
 *
 * - `'constant'`: new elements are `value` (default 0); pads may be negative (cropping).
 * - `'reflect'`: mirrored about the edge element, which is not repeated; each amount must be
 *   less than that dim's size.
 * - `'replicate'`: the edge element repeated; the dim must not be empty.
 * - `'circular'`: wrapped from the other end; each amount must be at most that dim's size.
 *
 * PyTorch takes the non-constant modes only for batched inputs (2 to 5 dims, padding all but
 * the first one or two); Kindling pads any input with at least as many dims as pairs, with the
 * same numbers. Gradients of every order flow: constant padding's backward is a crop (a pad by
 * the negated amounts), the other modes' backward adds each gradient back to the element it
 * was copied from.
 *
 * @example
 * ```ts
 * import { pad, tensor } from '@kindling/core';
 * const x = tensor([[[1, 2, 3]]]);
 * pad(x, [2, 1]).toArray();                       // [[[0, 0, 1, 2, 3, 0]]]
 * pad(x, [2, 1], { mode: 'reflect' }).toArray();  // [[[3, 2, 1, 2, 3, 2]]]
 * pad(x, [1, 1], { mode: 'circular' }).toArray(); // [[[3, 1, 2, 3, 1]]]
 * pad(x, [-1, 0], { value: 9 }).toArray();        // [[[2, 3]]]
 * ```
 *
 * @category Indexing and joining
 */
export function pad(input: Tensor, pad: readonly number[], opts?: PadOptions): Tensor {
  const o = checkOptions('pad', opts, ['mode', 'value']);
  if (!(input instanceof Tensor)) throw new Error(`pad: input must be a Tensor, got ${describeValue(input)}`);
  const x = input;
  const mode = o.mode ?? 'constant';
  if (!MODES.includes(mode)) throw new Error(`pad: unknown mode ${describeValue(mode)} (expected one of ${MODES.map((m) => `'${m}'`).join(', ')})`);
  if (mode !== 'constant' && o.value !== undefined) throw new Error(`pad: mode '${mode}' takes no value (value ${describeValue(o.value)} applies to 'constant' only)`);
  const value = o.value ?? 0;
  if (typeof value !== 'number') throw new Error(`pad: value must be a number, got ${describeValue(value)}`);
  if (!Array.isArray(pad) || pad.length % 2 !== 0) {
    throw new Error(`pad: pad must be an array with an even number of integers (pairs from the last dim backwards), got ${Array.isArray(pad) ? `[${pad.join(', ')}]` : describeValue(pad)}`);
  }
  pad.forEach((p: unknown, i) => {
    if (!Number.isSafeInteger(p)) throw new Error(`pad: amount ${i} is ${describeValue(p)}, expected an integer`);
  });
  const k = pad.length / 2;
  if (k > x.ndim) throw new Error(`pad: ${pad.length} amounts pad ${k} dims, but the input has only ${x.ndim} (shape ${fmt(x.shape)})`);
  // pads[d] = [before, after] for every dim of the input.
  const pads = x.shape.map((): [number, number] => [0, 0]);
  for (let i = 0; i < k; i++) pads[x.ndim - 1 - i] = [pad[2 * i]!, pad[2 * i + 1]!];
  const shape = x.shape.map((n, d) => n + pads[d]![0] + pads[d]![1]);
  shape.forEach((s, d) => {
    if (s < 0) throw new Error(`pad: dim ${d} of size ${x.shape[d]} padded by [${pads[d]!.join(', ')}] would have size ${s}`);
  });
  checkSize('pad', shape);
  if (pads.every(([b, a]) => b === 0 && a === 0)) return x;
  if (mode === 'constant') return apply(PadConstant, [x], { pads, value });
  const maps = pads.map(([before, after], d) => {
    if (before === 0 && after === 0) return null;
    const n = x.shape[d]!;
    if (mode === 'reflect' && (before >= n || after >= n)) {
      throw new Error(`pad: reflect padding [${before}, ${after}] of dim ${d} must be less than its size ${n} (shape ${fmt(x.shape)})`);
    }
    if (mode === 'circular' && (before > n || after > n)) {
      throw new Error(`pad: circular padding [${before}, ${after}] of dim ${d} may be at most its size ${n} (shape ${fmt(x.shape)}): it would wrap around more than once`);
    }
    if (n === 0) throw new Error(`pad: ${mode} padding needs a non-empty dim, but dim ${d} has size 0 (shape ${fmt(x.shape)})`);
    const m = new Uint32Array(shape[d]!);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let j = 0; j < m.length; j++) {
      const i = j - before; // the position in the input, maybe outside it
      let src: number;
      if (mode === 'reflect') src = i >= n ? 2 * (n - 1) - i : Math.abs(i); // before < n, so -i < n
      else if (mode === 'replicate') src = Math.min(Math.max(i, 0), n - 1);
      else src = ((i % n) + n) % n;
      m[j] = src;
    }
    return m;
  });
  return apply(PadMapOps.gather, [x], { maps, inShape: x.shape });
}

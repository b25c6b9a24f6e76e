/*
 * Python's spelling of values, for layers whose toString() must read exactly like PyTorch's
 * str(module): `eps=1e-05`, `momentum=0.1`, `affine=True`, `kernel_size=(3,)`, `momentum=None`.
 */

/**
 * Python's `repr(float)`: the shortest digits that round-trip (the same digits as JavaScript's),
 * in fixed notation with a trailing `.0` when the decimal exponent is in [-4, 16), else as
 * `1e-05` / `1.5e+16` (at least two exponent digits, signed).
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 16) {
    // JavaScript prints fixed notation for exponents from -7 to 20, so this range is fixed too.
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  // exp is toExponential's signed exponent ('-5', '+16'): keep the sign, pad the digits.
  return `${mantissa}e${exp[0]}${exp.slice(1).padStart(2, '0')}`;
}

/**
 * A number PyTorch keeps as whatever type the caller passed, with an integer default (Softplus's
 * `beta=1, threshold=20`): integers print as Python ints, anything else as a float.
 */
export function pyNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : pyFloat(x);
}

/** `True` / `False`. */
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A Python tuple of ints: `(3,)`, `(2, 3)`, `()`. */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}

/*
 * The error function and its complement in float64, after W. J. Cody, "Rational Chebyshev
 * approximations for the error function", Math. Comp. 23 (1969) 631-637, as in his SPECFUN
 * routine CALERF (netlib.org/specfun/erf): three intervals of |x|, each a rational function
 * whose maximal relative error is below 1e-18 in exact arithmetic, so in float64 the result is
 * within a few ulps. erfc is computed directly (never as 1 - erf) in the outer intervals, which
 * keeps its relative accuracy down to the underflow threshold; exp(-x²) is split as
 * exp(-r²)·exp(-(x-r)(x+r)) with r = x rounded down to 1/16, so x² is never rounded first.
 */

// erf on |x| <= 0.46875: x · A(x²) / B(x²).
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
// erfc on 0.46875 < |x| <= 4: exp(-x²) · C(x) / D(x).
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.952221241769090,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
// erfc on |x| > 4: exp(-x²)/x · (1/√π - P(1/x²) / (x² Q(1/x²))).
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 2.33520497626869185e-3];

const SQRPI = 0.56418958354775628695; // 1/√π
const THRESH = 0.46875;
const XBIG = 26.543; // erfc(x) underflows to 0 beyond this

/** erf(|x|) for |x| <= THRESH, with the sign of x. */
function erfSmall(x: number): number {
  const y = Math.abs(x);
  // For tiny y, x² (even if it underflows to 0) is far below an ulp of the coefficients it is
  // added to, so the quotient is x · A[3] / B[3] exactly, as Cody gets by skipping x² there.
  const ysq = y * y;
  let num = A[4]! * ysq;
  let den = ysq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]!) * ysq;
    den = (den + B[i]!) * ysq;
  }
  return (x * (num + A[3]!)) / (den + B[3]!);
}

/** erfc(y) for y > THRESH (y positive, possibly Infinity). */
function erfcLarge(y: number): number {
  let r: number;
  // Stryker disable next-line EqualityOperator: at the endpoint both of Cody's neighbouring approximations are right to about an ulp
  if (y <= 4) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    r = (num + C[7]!) / (den + D[7]!);
  } else {
    // Stryker disable next-line EqualityOperator: erfc(XBIG) itself is about 2.3e-308, at the bottom of the normal range; Cody flushes from there on
    if (y >= XBIG) return 0;
    const z = 1 / (y * y);
    let num = P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * z;
      den = (den + Q[i]!) * z;
    }
    r = (z * (num + P[4]!)) / (den + Q[4]!);
    r = (SQRPI - r) / y;
  }
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt in float64 (W. J. Cody's rational
 * approximations; a few ulps from the exact value). erf(±∞) = ±1, erf(NaN) = NaN.
 */
export function erf(x: number): number {
  // NaN needs no test of its own: it fails every comparison and propagates through erfcLarge.
  const y = Math.abs(x);
  // Stryker disable next-line EqualityOperator: at the endpoint both of Cody's neighbouring approximations are right to about an ulp
  if (y <= THRESH) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  // Stryker disable next-line EqualityOperator: x is not 0 here (|x| > 0.46875), so x <= 0 picks the same branch
  return x < 0 ? -r : r;
}

/**
 * The complementary error function erfc(x) = 1 - erf(x), computed without cancellation: for
 * large positive x it keeps full relative accuracy until it underflows (x > 26.5).
 */
export function erfc(x: number): number {
  const y = Math.abs(x);
  // Stryker disable next-line EqualityOperator: at the endpoint both of Cody's neighbouring approximations are right to about an ulp
  if (y <= THRESH) return 0.5 - erfSmall(x) + 0.5;
  const r = erfcLarge(y);
  // Stryker disable next-line EqualityOperator: x is not 0 here (|x| > 0.46875), so x <= 0 picks the same branch
  return x < 0 ? 2 - r : r;
}

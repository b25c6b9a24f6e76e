import { describe, expect, it } from 'vitest';
import { compareStates, negligibleLoss } from '../src/reference.js';

describe('compareStates: a loss difference under lossAtol is agreement', () => {
  const want = { loss: 3e-18, weight: Float64Array.of(1, -2), bias: Float64Array.of(0.5) };
  it('a converged loss that differs relatively but not absolutely', () => {
    const got = { ...want, loss: 3.0012e-18 }; // 4e-4 apart relatively
    expect(compareStates(got, want, 1e-4).ok).toBe(false);
    expect(compareStates(got, want, 1e-4, 1e-20).ok).toBe(true);
    expect(compareStates(got, want, 1e-4, 1e-30).ok).toBe(false);
  });
  it('still judges W and b, and a loss beyond lossAtol', () => {
    expect(compareStates({ ...want, weight: Float64Array.of(1, -2.01) }, want, 1e-3, 1).ok).toBe(false);
    expect(compareStates({ ...want, loss: 0.5 }, want, 1e-3, 0.1).ok).toBe(false);
  });
  it('negligibleLoss is 1e-12 of the mean square target', () => {
    expect(negligibleLoss([1, 0, 0])).toBeCloseTo(1e-12 / 3, 25);
    expect(negligibleLoss(Float32Array.of(2, 2))).toBeCloseTo(4e-12, 25);
  });
});

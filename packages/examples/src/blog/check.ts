/** gradcheck's verdict on Kindling's autograd and on the blog's formula, at the blog's starting point. */
import { type Tensor, conv1d, gradcheck, tensor } from '@kindling/core';
import { MSELoss } from '@kindling/nn';
import { blogLossWithBlogGradient } from './blog-gradient.js';
import { BLOG_BIAS, BLOG_INPUT, BLOG_TARGET, BLOG_WEIGHT } from './problem.js';

/** gradcheck's verdict on one backward pass, as {@link checkBlogGradients} reports it. */
export interface Verdict {
  passed: boolean;
  /** gradcheck's own message when it fails. */
  message: string;
  /** Parsed from the message on failure: which input (0 weight, 1 bias), which element, both values. */
  input?: number;
  element?: string;
  analytic?: number;
  numeric?: number;
}

function verdict(fn: (w: Tensor, b: Tensor) => Tensor, weight: readonly number[], bias: number): Verdict {
  const w = tensor([[weight as number[]]], { requiresGrad: true });
  const b = tensor([bias], { requiresGrad: true });
  try {
    gradcheck(fn as (...t: Tensor[]) => Tensor, [w, b]);
    return { passed: true, message: 'gradients match central differences' };
  } catch (e) {
    const message = (e as Error).message;
    const m = /input (\d+).*?element (\[[^\]]*\]).*?analytic (\S+) vs numeric (\S+)/.exec(message);
    if (!m) return { passed: false, message };
    return { passed: false, message, input: Number(m[1]), element: m[2]!, analytic: Number(m[3]), numeric: Number(m[4]) };
  }
}

/** Checks both backward passes of loss(W, B) = mean((x ⋆ W + B - y)²) at (W, B). */
export function checkBlogGradients(weight: readonly number[] = BLOG_WEIGHT, bias: number = BLOG_BIAS): { autograd: Verdict; blog: Verdict } {
  const x = tensor([[BLOG_INPUT as readonly number[]]] as number[][][]);
  const y = tensor([[BLOG_TARGET as readonly number[]]] as number[][][]);
  const mse = new MSELoss();
  return {
    autograd: verdict((w, b) => mse.forward(conv1d(x, w, b), y), weight, bias),
    blog: verdict((w, b) => blogLossWithBlogGradient(w, b, BLOG_INPUT, BLOG_TARGET), weight, bias),
  };
}

/**
 * The blog's 1-D CNN as a Kindling model: one Conv1d(1, 1, 3), MSE loss, plain SGD.
 * Gradients come from autograd; `gradient: 'blog'` swaps in the blog's hand-derived formula.
 */
import { type DType, type Tensor, checkOptions, describeValue, noGrad, tensor } from '@kindling/core';
import { Adam, Conv1d, MSELoss, SGD } from '@kindling/nn';
import { blogLossWithBlogGradient } from './blog-gradient.js';
import { BLOG_BIAS, BLOG_EPOCHS, BLOG_INPUT, BLOG_LR, BLOG_TARGET, BLOG_WEIGHT } from './problem.js';

/** Options of {@link trainBlogExample}; every one defaults to the blog's setting. */
export interface BlogOptions {
  /** Train for epochs 0..epochs (one update each), like the blog's `range(epochs + 1)`. Default 200. */
  epochs?: number;
  /** Default 0.11, the blog's. */
  lr?: number;
  /** SGD momentum (PyTorch's form: buf = m·buf + g; θ -= lr·buf). Default 0. */
  momentum?: number;
  nesterov?: boolean;
  optimizer?: 'sgd' | 'adam';
  /** 'autograd' (default): Kindling's backward pass. 'blog': the blog's hand-derived formula. */
  gradient?: 'autograd' | 'blog';
  dtype?: DType;
  /** Stop at the first epoch whose loss is below this (that epoch is recorded, not updated). */
  stopBelow?: number;
  /** Called after each epoch's entry is recorded (for progress bars). */
  onEpoch?: (entry: BlogEpoch) => void;
}

/** One epoch of {@link trainBlogExample}'s history. */
export interface BlogEpoch {
  epoch: number;
  /** The loss of this epoch's forward pass, before its update. */
  loss: number;
  /** The 3 predicted values of that forward pass. */
  prediction: number[];
}

/** What {@link trainBlogExample} returns. */
export interface BlogResult {
  history: BlogEpoch[];
  /** The filter after the last update. */
  weight: number[];
  bias: number;
  /** The epoch at which `stopBelow` was reached or the loss stopped being finite; null if training ran to the end. */
  stoppedAt: number | null;
  /** True if the loss became infinite or NaN (the learning rate is too large). */
  diverged: boolean;
}

const BLOG_OPTIONS = ['epochs', 'lr', 'momentum', 'nesterov', 'optimizer', 'gradient', 'dtype', 'stopBelow', 'onEpoch'];

function check(name: string, v: unknown, ok: (n: number) => boolean, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new Error(`trainBlogExample: ${name} must be ${what}, got ${describeValue(v)}`);
}

/**
 * Trains the blog's model synchronously and returns one history entry per epoch.
 *
 * @example
 * ```ts
 * import { trainBlogExample } from '@kindling/examples';
 * const { history, weight, bias } = trainBlogExample();
 * console.log(history[0]?.prediction, history.length); // [2.7, 2.0, 1.4] (up to rounding), 201
 * console.log(weight, bias);                            // the filter and bias after 201 updates
 * ```
 */
export function trainBlogExample(opts: BlogOptions = {}): BlogResult {
  checkOptions('trainBlogExample', opts, BLOG_OPTIONS);
  const epochs = opts.epochs ?? BLOG_EPOCHS;
  const lr = opts.lr ?? BLOG_LR;
  const momentum = opts.momentum ?? 0;
  const nesterov = opts.nesterov ?? false;
  const optimizer = opts.optimizer ?? 'sgd';
  const gradient = opts.gradient ?? 'autograd';
  const dtype = opts.dtype ?? 'float64';
  check('epochs', epochs, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  check('lr', lr, (n) => n > 0, 'a positive number');
  check('momentum', momentum, (n) => n >= 0 && n < 1, 'in [0, 1)');
  if (typeof nesterov !== 'boolean') throw new Error(`trainBlogExample: nesterov must be a boolean, got ${describeValue(nesterov)}`);
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new Error(`trainBlogExample: optimizer must be 'sgd' or 'adam', got ${describeValue(optimizer)}`);
  if (gradient !== 'autograd' && gradient !== 'blog') throw new Error(`trainBlogExample: gradient must be 'autograd' or 'blog', got ${describeValue(gradient)}`);
  if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`trainBlogExample: dtype must be 'float64' or 'float32', got ${describeValue(dtype)}`);
  if (opts.onEpoch !== undefined && typeof opts.onEpoch !== 'function') throw new Error(`trainBlogExample: onEpoch must be a function, got ${describeValue(opts.onEpoch)}`);
  if (nesterov && momentum <= 0) throw new Error('trainBlogExample: nesterov needs a momentum > 0');
  if (optimizer === 'adam' && (momentum !== 0 || nesterov)) throw new Error('trainBlogExample: momentum/nesterov are SGD options; Adam has its own (betas)');
  if (opts.stopBelow !== undefined) check('stopBelow', opts.stopBelow, (n) => n > 0, 'a positive number');

  // The model: x is [batch 1, channels 1, length 5]; the prediction is [1, 1, 3].
  const x = tensor([[BLOG_INPUT as readonly number[]]] as number[][][], { dtype });
  const y = tensor([[BLOG_TARGET as readonly number[]]] as number[][][], { dtype });
  const conv = new Conv1d(1, 1, 3, { dtype });
  conv.loadStateDict({ weight: [[BLOG_WEIGHT as readonly number[]]] as number[][][], bias: [BLOG_BIAS] });
  const weight = conv.weight;
  const bias = conv.bias!;
  const mse = new MSELoss();
  const opt = optimizer === 'adam' ? new Adam([weight, bias], { lr }) : new SGD([weight, bias], { lr, momentum, nesterov });

  const history: BlogEpoch[] = [];
  let stoppedAt: number | null = null;
  let diverged = false;
  for (let epoch = 0; epoch <= epochs; epoch++) {
    opt.zeroGrad();
    let pred: Tensor;
    let loss: Tensor;
    if (gradient === 'autograd') {
      pred = conv.forward(x);
      loss = mse.forward(pred, y);
    } else {
      pred = noGrad(() => conv.forward(x));
      loss = blogLossWithBlogGradient(weight, bias, BLOG_INPUT, BLOG_TARGET);
    }
    const p = pred.dataSync();
    const entry: BlogEpoch = { epoch, loss: loss.item(), prediction: [p[0]!, p[1]!, p[2]!] };
    history.push(entry);
    opts.onEpoch?.(entry);
    if (!Number.isFinite(entry.loss)) {
      diverged = true;
      stoppedAt = epoch;
      break;
    }
    if (opts.stopBelow !== undefined && entry.loss < opts.stopBelow) {
      stoppedAt = epoch;
      break;
    }
    loss.backward();
    opt.step();
  }
  return { history, weight: Array.from(weight.dataSync()), bias: bias.dataSync()[0]!, stoppedAt, diverged };
}
